"""The one owner of the database while the server runs (datasette's pattern): one connection
held for life keeps DuckDB's file lock, one writer thread runs every ingest, one at a time,
and readers borrow their own connections of the same in-process DuckDB instance."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import uuid
from concurrent.futures import Future
from pathlib import Path

from workbench.core import store
from workbench.frontends.serve import state
from workbench.frontends.serve.events import Hub
from workbench.frontends.serve.runner import Readers


class Owner:
    def __init__(
        self, db: Path, roots: list[Path], hub: Hub, *, user: str | None = None, readers: int = 4
    ):
        self.db, self.user = db, user
        self.abs = state.db_path(db)
        self.roots = [Path(os.path.abspath(r)) for r in roots]
        self.hub = hub
        # created and migrated if needed; holds the lock until close()
        if not self.abs.exists():  # created with the settings only a new file takes
            store.open_db(self.abs).close()
        self._keeper = store.open_db(self.abs)
        state.own(self.abs)
        self.readers = Readers(self.abs, size=readers)
        self._cond = threading.Condition()
        self._pending: set[str] = set()  # roots to ingest (coalesced while one runs)
        self._files: dict[str, set[str]] = {}  # user -> changed files to ingest alone
        self._jobs: list[tuple[Future, object]] = []
        self._stop = False
        self.ingesting = False
        self.ingests = 0
        self.generation = 0  # bumped after every ingest that changed something
        self.last_ingest: dict | None = None
        self.last_error: str | None = None
        self.snapshots = self.abs.with_name(self.abs.name + ".snapshots")
        self._snapshot: tuple[int, Path] | None = None
        self._thread = threading.Thread(target=self._loop, name="workbench-writer", daemon=True)
        self._thread.start()

    # -- what other threads ask for -------------------------------------------------------

    def request_ingest(self, roots) -> None:
        """Ingest these roots soon (merged with any already waiting)."""
        with self._cond:
            self._pending.update(str(r) for r in roots)
            self._cond.notify()

    def split(self, paths) -> tuple[set[str], dict[str, set[str]]]:
        """Changed ``paths`` as (roots to scan, {user: files to ingest alone}). A file is
        ingested alone when a scan of its root would read it exactly so
        (``discover.spec_under``: its user, its session), which spares the scan of every
        other file under the root; any other (gone, a symlink, a hard link, not a transcript,
        under two roots) is left to a scan of its root, which also notices files that vanished.
        Paths under no root are ignored."""
        from workbench.ingest.discover import spec_under

        roots: set[str] = set()
        files: dict[str, set[str]] = {}
        for path in paths:
            p = Path(os.path.abspath(path))
            under = [r for r in self.roots if p == r or r in p.parents]
            spec = spec_under(under[0], p, self.user) if len(under) == 1 else None
            if spec is not None:
                files.setdefault(spec.user, set()).add(spec.path)
            else:
                roots.update(str(r) for r in under)
        return roots, files

    def request_files(self, paths) -> None:
        """Ingest these changed files soon (merged with any already waiting): see ``split``."""
        roots, files = self.split(paths)
        with self._cond:
            self._pending.update(roots)
            for user, found in files.items():
                self._files.setdefault(user, set()).update(found)
            if roots or files:
                self._cond.notify()

    def call(self, fn, timeout: float | None = None):
        """Run ``fn()`` in the writer thread (after the ingest under way) and return its result."""
        fut: Future = Future()
        with self._cond:
            self._jobs.append((fut, fn))
            self._cond.notify()
        return fut.result(timeout)

    def root_of(self, path: str | os.PathLike) -> Path | None:
        p = Path(os.path.abspath(path))
        for root in self.roots:
            if p == root or root in p.parents:
                return root
        return None

    def info(self) -> dict:
        return {
            "pid": os.getpid(),
            "db": str(self.abs),
            "roots": [str(r) for r in self.roots],
            "ingesting": self.ingesting,
            "ingests": self.ingests,
            "generation": self.generation,
            "last_ingest": self.last_ingest,
            "last_error": self.last_error,
        }

    # -- the writer thread ----------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not (self._stop or self._pending or self._files or self._jobs):
                    self._cond.wait()
                if self._stop:
                    for fut, _ in self._jobs:
                        fut.cancel()
                    return
                roots, self._pending = sorted(self._pending), set()
                files, self._files = self._files, {}
                jobs, self._jobs = self._jobs, []
            if roots:
                with contextlib.suppress(Exception):  # reported as an event
                    self.ingest(roots, user=self.user)
            prefixes = tuple(r.rstrip(os.sep) + os.sep for r in roots)
            for user, paths in sorted(files.items()):
                # one ingest per user (its files say who they are); those a root scan just
                # read need none
                todo = sorted(p for p in paths if not p.startswith(prefixes))
                if todo:
                    with contextlib.suppress(Exception):  # reported as an event
                        self.ingest(todo, user=user)
            for fut, fn in jobs:
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(fn())
                except BaseException as exc:  # noqa: BLE001 - handed to the caller
                    fut.set_exception(exc)

    def ingest(self, paths: list[str], *, user: str | None = None) -> tuple[dict, list[str]]:
        """Ingest ``paths`` (writer thread only); publish progress, errors and one
        ``session_updated`` per session whose files changed. Returns (summary, session ids)."""
        from workbench.ingest.load import ingest

        con = self._keeper
        started = con.execute("SELECT now()::VARCHAR").fetchone()[0]
        self.ingesting = True
        self.hub.publish("ingest", {"state": "started", "paths": paths})
        t = time.perf_counter()
        try:
            with self.readers.yielding():
                # no CLI ingest runs while a server owns the database: no manifest to keep;
                # nothing shows the whole database's totals
                summary = ingest(
                    paths,
                    self.abs,
                    user=user,
                    progress=False,
                    use_manifest=False,
                    totals=False,
                    held=True,  # its commits stay in the write-ahead log until it has grown
                ).to_dict()
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            self.hub.publish("ingest_error", {"paths": paths, "error": self.last_error})
            raise
        finally:
            self.ingesting = False
        touched = self.touched_since(started)
        self.ingests += 1
        if summary["files_parsed"] or summary["files_appended"] or summary["files_vanished"]:
            self.generation += 1
        keys = ("files", "files_parsed", "files_appended", "files_vanished", "lines", "bad_lines")
        self.last_ingest = {k: summary[k] for k in keys} | {
            "seconds": round(time.perf_counter() - t, 3),
            "sessions_updated": len(touched),
        }
        self.hub.publish("ingest", {"state": "finished", **self.last_ingest})
        for problem in summary["problems"] + [u["path"] for u in summary["unreadable"]]:
            self.hub.publish("ingest_error", {"paths": paths, "error": problem})
        for sid in touched:
            self.hub.publish("session_updated", sid)
        return summary, touched

    def touched_since(self, started: str) -> list[str]:
        """Sessions (and the parents of subagents) whose files were written since ``started``."""
        ts = store.literal(started)
        rows = self._keeper.execute(
            f"""
            WITH f AS (SELECT file_id FROM files
                       WHERE ingested_at >= {ts}::TIMESTAMPTZ
                          OR missing_since >= {ts}::TIMESTAMPTZ)
            SELECT DISTINCT id FROM (
                SELECT session_id AS id FROM sessions WHERE file_id IN (SELECT file_id FROM f)
                UNION ALL
                SELECT parent_session_id FROM sessions
                WHERE file_id IN (SELECT file_id FROM f) AND parent_session_id IS NOT NULL)
            ORDER BY id
            """
        ).fetchall()
        return [r[0] for r in rows]

    def snapshot(self) -> Path:
        """A consistent read-only copy of the database for processes that cannot open the
        locked file (report notebooks, JupyterLab kernels): ``COPY FROM DATABASE`` in one
        transaction, into ``<db>.snapshots/``. Reused until the next ingest changes the data;
        older copies are removed an hour later (an open copy stays readable once unlinked)."""
        if self._snapshot and self._snapshot[0] == self.generation and self._snapshot[1].exists():
            return self._snapshot[1]
        self.snapshots.mkdir(exist_ok=True)
        path = self.snapshots / f"{int(time.time())}-{uuid.uuid4().hex[:8]}.duckdb"
        tmp = path.with_name(path.name + ".tmp")
        con = self._keeper.cursor()
        try:
            name = con.execute("SELECT current_database()").fetchone()[0]
            con.execute(f"ATTACH {store.literal(str(tmp))} AS wb_snapshot")
            try:
                con.execute(f'COPY FROM DATABASE "{name}" TO wb_snapshot')
            finally:
                con.execute("DETACH wb_snapshot")
        finally:
            con.close()
        os.replace(tmp, path)
        self._snapshot = (self.generation, path)
        cutoff = time.time() - 3600
        for old in self.snapshots.iterdir():
            if old != path and old.stat().st_mtime < cutoff:
                with contextlib.suppress(OSError):
                    old.unlink()
        return path

    def close(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout)
        self.readers.close()
        with contextlib.suppress(Exception):
            self._keeper.close()
        state.disown(self.abs)
        shutil.rmtree(self.snapshots, ignore_errors=True)
