"""The ingest manifest: what the last ingest left for the next one to compare against, so an
ingest with nothing to do answers without opening, or even importing, DuckDB.

A JSON file beside the database (``<db>.manifest.json``) holds, as of the end of the last
ingest: the planning columns of every file the database has read, the summary's totals, the
versions that decide whether an ingest has more to do than read files (manifest format,
schema, parser, price table), and the stat of the database file and of its WAL once the
connection was closed. It is trusted only while that stat is unchanged, so any write to the
database by any process (an ingest, ``serve``, ``sessions sync``, a migration) retires it; a
missing, unreadable or retired manifest only means the ingest takes its full path, which writes
a new one. Free of DuckDB.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from workbench.core import config
from workbench.ingest import compare, safeio
from workbench.ingest.discover import Discovery, discover
from workbench.ingest.summary import IngestSummary

FORMAT = 1
#: The files-table columns kept per file (what ``compare`` reads), in this order.
COLUMNS = (
    "file_id",
    "path",
    "agent",
    "user_name",
    "kind",
    "session_id",
    "size_bytes",
    "mtime_us",
    "parser_version",
    "missing",
)
#: The query that reads them (run by the loader, which has the connection).
QUERY = f"SELECT {', '.join(COLUMNS)} FROM files ORDER BY file_id"


def path_for(db: str | os.PathLike) -> Path:
    """Where the manifest of the database at ``db`` lives."""
    db = Path(db)
    return db.with_name(db.name + ".manifest.json")


def write(db: str | os.PathLike, rows: list[tuple], totals: dict) -> None:
    """Record ``rows`` (``QUERY``'s result) and ``totals`` for the database at ``db``, whose
    connection must be closed. Best effort: a manifest that cannot be written is no error."""
    stamp = _stamp(Path(db))
    if stamp is None:
        return
    target = path_for(db)
    data = {**_versions(), "stamp": stamp, "totals": totals, "files": [list(r) for r in rows]}
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, separators=(",", ":"), default=str))
        os.replace(tmp, target)
    except OSError:
        with suppress(OSError):
            tmp.unlink()


def check(
    paths: Sequence[str | os.PathLike] | None,
    db: str | os.PathLike,
    *,
    user: str | None = None,
    follow_symlinks: bool = False,
) -> tuple[Discovery, IngestSummary | None]:
    """Discover ``paths`` and, when the manifest shows the ingest into ``db`` has nothing to
    do, its summary (else None: the loader takes over, with the discovery)."""
    started = time.perf_counter()
    found = discover(paths, user=user, follow_symlinks=follow_symlinks)
    done = noop(db, found)
    if done is not None:
        done.seconds = round(time.perf_counter() - started, 3)
    return found, done


def noop(db: str | os.PathLike, found: Discovery) -> IngestSummary | None:
    """The summary of an ingest of ``found`` into ``db`` when the manifest shows it has nothing
    to do (every file read before and unchanged, none gone, no migration or re-pricing due);
    None when it might have something to do, or the manifest cannot tell (a file of an agent
    the loader does not parse is never in it: the full path counts it)."""
    try:
        data = json.loads(path_for(db).read_text())
        if any(data.get(k) != v for k, v in _versions().items()):
            return None
        if data.get("stamp") != _stamp(Path(db)):
            return None
        known = {row[1]: dict(zip(COLUMNS, row)) for row in data["files"]}
        totals = dict(data["totals"])
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None
    summary = IngestSummary(db=str(db), files=len(found.files), problems=found.problems)
    for spec in found.files:
        prev = known.get(spec.path)
        if prev is None or prev["missing"]:
            return None  # new, or back after it had gone: the database changes
        try:
            st = safeio.regular_stat(spec.path)
        except OSError:
            return None  # the full path reports it as unreadable
        if not compare.unchanged(prev, spec, st.st_size, st.st_mtime_ns // 1000):
            return None
        summary.files_unchanged += 1
    if compare.vanished(found, known):
        return None
    summary.totals = totals
    return summary


def _versions() -> dict:
    return {
        "format": FORMAT,
        "schema": config.SCHEMA_VERSION,
        "parser": config.PARSER_VERSION,
        "prices": config.prices_fingerprint(),
    }


def _stamp(db: Path) -> list | None:
    """The stat of the database file and of its WAL (None: no database)."""
    out = []
    for f in (db, db.with_name(db.name + ".wal")):
        try:
            st = os.stat(f)
        except OSError:
            out.append(None)
            continue
        out.append([st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns])
    return out if out[0] else None
