"""Ingest transcript files into the DuckDB file: incremental, batched, never lossy.

For each discovered file the planner (``plan``) decides from its size, mtime and a hash of the
bytes it last read whether to skip it, read only what was appended, or re-read it whole. New bytes
are read and split into lines by DuckDB itself where it can (``native``), else in Python
(``lines``), parsed by DuckDB's vectorised JSON functions (``ingest/sql/ingest_<agent>.sql``) and
committed a batch of files per transaction, files-table row included, so an interrupted run
leaves every file either as it was or fully updated. Each batch queues its files for the marts'
build (``models.build``), which runs after each commit for what changed; the last group's rows
commit together with their marts, in one transaction.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path

from workbench.core import config, engines, store
from workbench.core.duck import duckdb
from workbench.core.queries import sql_text
from workbench.ingest import lines, manifest, native, safeio
from workbench.ingest import plan as planning
from workbench.ingest.discover import Discovery, discover
from workbench.ingest.plan import FilePlan
from workbench.ingest.summary import IngestSummary
from workbench.models import build

BATCH_BYTES = 96 * 1024 * 1024  # read in Python and parsed together
NATIVE_BATCH_BYTES = 128 * 1024 * 1024  # read by DuckDB and parsed together (none held here)
#: committed together, then the marts built for them: what an ingest holds at once, whatever
#: the size of the archive (with the memory limit, config.INGEST_MEMORY_LIMIT)
COMMIT_BYTES = 128 * 1024 * 1024
#: Less to read than this (an append, a live session's new lines), DuckDB works on one thread:
#: a second one's scheduling and merging cost more than it saves on so little
SMALL_BYTES = 8 * 1024 * 1024
PARSERS = {"claude": "ingest_claude", "codex": "ingest_codex", "gemini": "ingest_gemini"}
#: The tables a file's lines become (replaced when the file is read again in full).
RAW_TABLES = (
    "raw_messages",
    "raw_tool_uses",
    "raw_tool_results",
    "usage_events",
    "raw_progress",
    "bad_lines",
    "bad_values",
)
#: Parse queries whose result lists refused values (column bad_values: field, reason, excerpt).
CHECKED_PARSERS = frozenset({"ingest_codex", "ingest_gemini"})
#: Statements of a parse that only some batches need, each run when a line of the batch meets
#: its condition (binding them all would cost a small append more than its parse): a line with
#: refused values (has_bad_values), worded into bad_values; a subagent turn copied into its
#: parent (agent_copy), a response of that subagent.
FLAGGED_PARSERS = {
    "ingest_claude": (
        ("has_bad_values", "ingest_claude_bad_values"),
        ("agent_copy IS NOT NULL", "ingest_claude_copies"),
    )
}
#: Threads that hash what was read (files.tail_hash); hashlib runs without the GIL.
HASH_THREADS = 2


def ingest(
    paths: Sequence[str | os.PathLike] | None = None,
    db: str | os.PathLike | None = None,
    *,
    user: str | None = None,
    progress: bool | None = None,
    wait_seconds: float = 0.0,
    batch_bytes: int = BATCH_BYTES,
    commit_bytes: int = COMMIT_BYTES,
    follow_symlinks: bool = False,
    machine: str | None = None,
    create: bool = True,
    discovered: Discovery | None = None,
    use_manifest: bool = True,
    totals: bool = True,
    prior: manifest.Prior | None = None,
    held: bool = False,
) -> IngestSummary:
    """Discover transcripts under ``paths`` and bring the database at ``db`` up to date.

    Symlinks whose target is outside the scanned folders are not followed unless
    ``follow_symlinks``. Files are recorded as ingested on ``machine`` (default
    ``config.default_machine()``: the host name). ``create=False``: when no transcript is
    found and there is no database yet, none is created (the summary then says ``files`` 0).
    When the manifest (``manifest``) shows nothing to do, the database is not opened.
    ``discovered``: the discovery of ``paths`` when the caller made it and already found the
    manifest could not answer (the CLI does, before it imports DuckDB), with ``prior``, what
    the manifest said of the database (``manifest.check``). ``use_manifest=False``:
    neither answer from the manifest nor write one (a server, which owns the database while it
    runs, when no other ingest does: the manifest would only cost each of its ingests).
    ``totals=False``: without the manifest, leave ``summary.totals`` (counts over the whole
    database, ~20 ms) empty; a server's ingests never show them. ``held``: the caller keeps the
    database open after the ingest (a server): its commits go to DuckDB's write-ahead log, which
    DuckDB folds into the file when the log has grown; otherwise each commit writes straight
    into the file, as closing the database would right after.
    A Ctrl-C (SIGINT) raises KeyboardInterrupt, also when it interrupts a DuckDB query, after
    the open transaction was rolled back."""
    ctrl_c = _CtrlC()
    try:
        with ctrl_c:
            return _ingest(
                paths,
                db,
                user,
                progress,
                wait_seconds,
                batch_bytes,
                commit_bytes,
                follow_symlinks,
                config.check_machine(machine or config.default_machine()),
                ctrl_c,
                create,
                discovered,
                use_manifest,
                totals or use_manifest,  # the manifest keeps the totals
                prior if use_manifest else None,
                held,
            )
    except Exception as exc:
        # after a Ctrl-C, whatever DuckDB raised next (the interrupt itself, or "transaction is
        # aborted" from a statement the interrupt cut short) is that Ctrl-C
        if engines.is_interrupt(exc) or (ctrl_c.sigint and isinstance(exc, duckdb.Error)):
            raise KeyboardInterrupt from exc
        raise


class _CtrlC:
    """While an ingest runs in the main thread, a Ctrl-C interrupts the DuckDB query at once.

    DuckDB looks at Python's signals only between the tasks of a query, and one task (parsing
    a group of files, say) can take seconds. Python writes every signal it receives, in any
    thread, to its wakeup fd: a watcher thread reading it interrupts the connection (DuckDB
    stops within a chunk), and Python raises KeyboardInterrupt in the main thread as usual."""

    def __init__(self) -> None:
        self.con: duckdb.DuckDBPyConnection | None = None
        self._thread: threading.Thread | None = None
        self._fds: tuple[int, int] | None = None
        self._stop = False
        self.sigint = False  # a SIGINT arrived while the ingest ran

    def __enter__(self) -> _CtrlC:
        if (
            threading.current_thread() is not threading.main_thread()
            or not engines.is_python_sigint(signal.getsignal(signal.SIGINT))
        ):
            return self  # not ours to handle (an embedding program, a notebook kernel)
        r, w = os.pipe()
        os.set_blocking(w, False)
        previous = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
        if previous != -1:
            signal.set_wakeup_fd(previous)  # someone else (an event loop) listens: leave it be
            os.close(r)
            os.close(w)
            return self
        self._fds = (r, w)
        self._thread = threading.Thread(target=self._watch, name="ingest-ctrl-c", daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        r, _ = self._fds
        while not self._stop:
            try:
                got = os.read(r, 64)
            except OSError:
                return
            if signal.SIGINT in got:
                self.sigint = True
                if self.con is not None:
                    with suppress(Exception):
                        self.con.interrupt()

    def __exit__(self, *exc_info) -> None:
        if self._thread is None:
            return
        signal.set_wakeup_fd(-1)
        self._stop = True
        r, w = self._fds
        with suppress(OSError):
            os.write(w, b"\0")  # wake the watcher
        self._thread.join()
        os.close(r)
        os.close(w)


def _ingest(
    paths,
    db,
    user,
    progress,
    wait_seconds,
    batch_bytes,
    commit_bytes,
    follow_symlinks,
    machine,
    ctrl_c,
    create,
    discovered,
    use_manifest,
    totals,
    prior,
    held,
) -> IngestSummary:
    started = time.perf_counter()
    db_path = Path(db) if db else config.default_db()
    if discovered is not None:
        found = discovered
    elif not use_manifest:
        found = discover(paths, user=user, follow_symlinks=follow_symlinks)
    else:
        found, done, prior = manifest.check(
            paths, db_path, user=user, follow_symlinks=follow_symlinks
        )
        if done is not None:
            return done
    summary = IngestSummary(db=str(db_path), files=len(found.files), problems=found.problems)
    if not found.files and not create and not db_path.exists():
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary  # nothing to read and no archive yet: no empty database file
    con = store.open_db(db_path, wait_seconds=wait_seconds)
    ctrl_c.con = con
    # a batch's parse can pass the 2 s after which DuckDB draws its own bar over ours
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {store.literal(config.ingest_memory_limit())}")
    con.execute(f"SET VARIABLE wb_machine = {store.literal(machine)}")
    if not held:
        # the database closes when the ingest ends, and closing checkpoints: a commit that
        # checkpoints at once skips writing its changes to the write-ahead log first (~70 ms
        # of a 1 MB append). Settings of the DuckDB instance: reset before the connection closes
        con.execute("SET checkpoint_threshold = '1KB'")
        con.execute("SET auto_checkpoint_skip_wal_threshold = 0")
    try:
        known = planning.known_files(con, found, prior)
        plans, unchanged = planning.plan(con, found, known, summary, PARSERS, prior)
        summary.files_unchanged = unchanged
        gone = planning.mark_vanished(con, found, known, summary)
        if plans:
            install_checks(con)  # the parse queries' macros (a no-op run needs none)
        small = sum(p.todo for p in plans) < SMALL_BYTES
        # (a setting of the whole DuckDB instance, which a server's readers share: restored)
        with store.threads(con, 1) if small else nullcontext():
            open_tx, uncounted = _run_batches(
                con, plans, summary, batch_bytes, commit_bytes, progress
            )
            if open_tx or build.pending(con):
                if _show_progress(progress) and plans:
                    print("ingest: computing sessions and signals …", file=sys.stderr, flush=True)
                build.refresh(con, in_transaction=open_tx)  # commits the last batch with its marts
        for batch, bad in uncounted:
            _count(summary, batch, bad)
        _finish_summary(con, plans, summary, totals=totals)
        files = None
        if use_manifest and prior is None:
            files = con.execute(manifest.QUERY).fetchall()
        elif use_manifest:  # the rows of the files this run looked at, in the manifest's
            sql = manifest.QUERY_SOME.format(
                paths=store.text_list(sorted(prior.changed)),
                ids=store.int_list([p.file_id for p in plans] + gone),
            )
            files = prior.merged(con.execute(sql).fetchall())
    finally:
        ctrl_c.con = None
        if not held:
            with suppress(duckdb.Error):
                con.execute("RESET checkpoint_threshold")
                con.execute("RESET auto_checkpoint_skip_wal_threshold")
        con.close()
    if files is not None:
        manifest.write(db_path, files, summary.totals, found.listings)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def install_checks(con: duckdb.DuckDBPyConnection) -> None:
    """The value checks of the parse queries (``ingest/sql/ingest_checks.sql``), bounds from
    ``config``, as temp macros of this connection."""
    sql = sql_text("ingest_checks")
    for name, value in (
        ("{max_tokens}", config.MAX_TOKENS),
        ("{min_year}", config.MIN_YEAR),
        ("{max_year}", config.MAX_YEAR),
    ):
        sql = sql.replace(name, str(int(value)))
    con.execute(sql)


def _batches(plans: list[FilePlan], batch_bytes: int) -> list[list[FilePlan]]:
    """Group plans into batches parsed together: up to ``batch_bytes`` read in Python (kept in
    memory until committed) and ``NATIVE_BATCH_BYTES`` read by DuckDB, where fewer, larger
    batches are faster."""
    out: list[list[FilePlan]] = []
    current: list[FilePlan] = []
    size = {False: 0, True: 0}
    for plan in plans:
        todo = plan.todo
        by_duckdb = native.eligible(plan.spec, plan.size)
        limit = NATIVE_BATCH_BYTES if by_duckdb else batch_bytes
        if current and size[by_duckdb] + todo > limit:
            out.append(current)
            current, size = [], {False: 0, True: 0}
        current.append(plan)
        size[by_duckdb] += todo
    if current:
        out.append(current)
    return out


@dataclass
class _Prepared:
    plans: list[FilePlan]
    chunks: dict[int, lines.Chunk | native.Read | None]  # None: DuckDB reads it (native)
    unreadable: list[dict]
    planned_bytes: int


def _prepare(batch: list[FilePlan]) -> _Prepared:
    """Read and split one batch's new bytes (runs in a helper thread, ahead of DuckDB); files
    DuckDB reads itself (``native``) are only opened, to report an unreadable one as such."""
    chunks: dict[int, lines.Chunk | native.Read | None] = {}
    ready: list[FilePlan] = []
    unreadable: list[dict] = []
    planned_bytes = sum(p.todo for p in batch)
    for plan in batch:
        if native.eligible(plan.spec, plan.size):
            try:
                with safeio.open_regular(plan.spec.path):
                    pass  # readable, a regular file (a FIFO would hang read_blob)
            except OSError as exc:
                unreadable.append({"path": plan.spec.path, "reason": exc.strerror or str(exc)})
                continue
            chunks[plan.file_id] = None
            ready.append(plan)
            continue
        chunk = _read(plan, unreadable)
        if chunk is not None:
            chunks[plan.file_id] = chunk
            ready.append(plan)
    return _Prepared(ready, chunks, unreadable, planned_bytes)


def _read(plan: FilePlan, unreadable: list[dict]) -> lines.Chunk | None:
    """Read and split a file's new bytes in Python (None: unreadable, noted)."""
    try:
        data = safeio.read_range(plan.spec.path, plan.offset)  # up to its size when opened
    except OSError as exc:
        unreadable.append({"path": plan.spec.path, "reason": exc.strerror or str(exc)})
        return None
    plan.size = plan.offset + len(data)
    if plan.spec.document:
        return lines.whole(plan.file_id, data)
    return lines.split(plan.file_id, data, plan.offset, plan.first_line_no)


def _run_batches(
    con: duckdb.DuckDBPyConnection,
    plans: list[FilePlan],
    summary: IngestSummary,
    batch_bytes: int,
    commit_bytes: int,
    progress: bool | None,
) -> tuple[bool, list[tuple[_Prepared, list[dict]]]]:
    """Parse batches of files; commit after every ``commit_bytes``, building the marts of what
    was committed before more is read.

    Returns whether a transaction is left open (the last batches', for the caller to build
    their marts in and commit) and those batches with their bad lines, to count once
    committed. A batch is read and split in a helper thread while DuckDB parses the previous
    one. A crash or Ctrl-C rolls back the uncommitted batches only: every file is either as
    before or fully updated, its files-table row included.
    """
    total = sum(p.todo for p in plans)
    show = _show_progress(progress)
    bar = None
    if show and plans:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="B", unit_scale=True, desc="ingest", file=sys.stderr)
    pending: list[tuple[_Prepared, list[dict]]] = []
    since_commit = 0
    in_tx = False
    batches = _batches(plans, batch_bytes)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_prepare, batches[0]) if batches else None
        try:
            for i in range(len(batches)):
                prepared = future.result()
                future = pool.submit(_prepare, batches[i + 1]) if i + 1 < len(batches) else None
                if prepared.plans:
                    if not in_tx:
                        con.execute("BEGIN TRANSACTION")
                        in_tx = True
                    bad = _write_batch(con, prepared)
                    pending.append((prepared, bad))
                    since_commit += prepared.planned_bytes
                # after _write_batch: a file DuckDB could not read may turn out unreadable
                summary.unreadable += prepared.unreadable
                if in_tx and since_commit >= commit_bytes and future is not None:
                    con.execute("COMMIT")
                    in_tx = False
                    for done, bad in pending:
                        _count(summary, done, bad)
                    pending, since_commit = [], 0
                    # the marts of what is committed, before more is read: a build's memory
                    # stays that of one commit's files, whatever the archive's size
                    build.refresh(con)
                if bar is not None:
                    bar.update(prepared.planned_bytes)
        except BaseException:
            if in_tx:
                _rollback(con)
            if future is not None:
                future.cancel()
            raise
        finally:
            if bar is not None:
                bar.close()
    return in_tx, pending


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction; an interrupted query may have ended it already (what
    is not committed is lost either way: the error being handled is the one to report)."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _show_progress(progress: bool | None) -> bool:
    return sys.stderr.isatty() if progress is None else progress


def _count(summary: IngestSummary, prepared: _Prepared, bad: list[dict]) -> None:
    for plan in prepared.plans:
        chunk = prepared.chunks[plan.file_id]
        summary.lines += chunk.n_lines
        summary.bytes += chunk.consumed
        if plan.mode == "append":
            summary.files_appended += 1
        else:
            summary.files_parsed += 1
    summary.bad_lines += len(bad)
    for row in bad:
        if len(summary.bad_line_samples) < 20:
            summary.bad_line_samples.append(row)


def _write_batch(con: duckdb.DuckDBPyConnection, prepared: _Prepared) -> list[dict]:
    """Replace/extend the rows of the batch's files inside the caller's transaction."""
    plans = prepared.plans
    append_ids = [p.file_id for p in plans if p.mode == "append"]
    bases = (
        dict(
            con.execute(
                "SELECT file_id, max(ordinal) + 1 FROM raw_messages "
                f"WHERE list_contains({store.int_list(append_ids)}, file_id) GROUP BY file_id"
            ).fetchall()
        )
        if append_ids
        else {}
    )
    bad: list[dict] = []
    for agent, parser in PARSERS.items():
        group = [p for p in plans if p.spec.agent == agent]
        if group:
            bad += _parse_group(con, prepared, group, bases, parser)
    _upsert_files(con, prepared.plans, prepared.chunks, bad)
    build.queue(con, [p.file_id for p in prepared.plans])
    return bad


def _parse_group(
    con: duckdb.DuckDBPyConnection,
    prepared: _Prepared,
    plans: list[FilePlan],
    bases: dict[int, int],
    parser: str,
) -> list[dict]:
    """Parse one agent's files of a batch: those DuckDB reads, then those read in Python
    (including any DuckDB could not read: not UTF-8, or gone since)."""
    chunks = prepared.chunks
    in_python = [p for p in plans if chunks[p.file_id] is not None]
    by_duckdb = [p for p in plans if chunks[p.file_id] is None]
    bad: list[dict] = []
    if by_duckdb:
        # hash what DuckDB reads (files.tail_hash) while it parses: it keeps no bytes for Python
        pool = ThreadPoolExecutor(max_workers=HASH_THREADS)
        hashing = {p.file_id: pool.submit(planning.prehash, p) for p in by_duckdb}
        try:
            native.lines_view(con, by_duckdb)
            bad += _parse(
                con,
                by_duckdb,
                chunks,
                bases,
                parser,
                after_parse=lambda: chunks.update(native.settle(con, by_duckdb)),
            )
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        for plan in by_duckdb:
            done = hashing[plan.file_id]
            if not done.cancelled() and done.exception() is None:
                plan.prehash = done.result()
        for plan in by_duckdb:
            if chunks[plan.file_id] is not None:
                plan.size = chunks[plan.file_id].size
                continue
            chunk = _read(plan, prepared.unreadable)
            if chunk is None:
                prepared.plans.remove(plan)
            else:
                chunks[plan.file_id] = chunk
                in_python.append(plan)
    if in_python:
        import pyarrow as pa  # only here: see lines.schema

        batches = [chunks[p.file_id].to_arrow() for p in in_python]
        con.register("python_lines", pa.Table.from_batches(batches, schema=lines.schema()))
        del batches
        try:
            con.execute(
                "CREATE OR REPLACE TEMP VIEW raw_lines AS "
                "SELECT *, NULL::BIGINT AS read_size FROM python_lines"
            )
            bad += _parse(
                con,
                in_python,
                chunks,
                bases,
                parser,
                after_parse=lambda: con.unregister("python_lines"),
            )
        finally:
            con.unregister("python_lines")
    return sorted(bad, key=lambda row: (row["file_id"], row["line_no"]))


def _parse(
    con: duckdb.DuckDBPyConnection,
    plans: list[FilePlan],
    chunks: dict[int, lines.Chunk | native.Read | None],
    bases: dict[int, int],
    parser: str,
    *,
    after_parse: Callable[[], None],
) -> list[dict]:
    """Parse the view ``raw_lines`` of ``plans`` once into a temp table, call ``after_parse``
    (which releases the lines, and for files DuckDB read puts what it read in ``chunks``), write
    every table from the temp table, and return the bad lines."""
    store.temp_table(
        con,
        "batch_files",
        [("file_id", "INTEGER"), ("session_id", "VARCHAR"), ("ordinal_base", "BIGINT")],
        [(p.file_id, p.spec.session_id, bases.get(p.file_id, 0)) for p in plans],
    )
    try:
        # parse once into a temp table (flat columns), then write every table from it
        con.execute("CREATE OR REPLACE TEMP TABLE parsed AS " + sql_text(parser + "_parse"))
        con.execute("DROP VIEW raw_lines")
        after_parse()
        # a file read again in full replaces its rows (one DuckDB could not read keeps them
        # until it is read in Python)
        full_ids = [p.file_id for p in plans if p.mode == "full" and chunks[p.file_id] is not None]
        if full_ids:
            for table in RAW_TABLES:
                con.execute(
                    f"DELETE FROM {table} WHERE list_contains({store.int_list(full_ids)}, file_id)"
                )
        with store.threads(con, 1):
            con.execute(sql_text(parser))
            if parser in FLAGGED_PARSERS:
                steps = FLAGGED_PARSERS[parser]
                counts = con.execute(
                    "SELECT "
                    + ", ".join(f"count(*) FILTER ({flag})" for flag, _ in steps)
                    + " FROM parsed"
                ).fetchone()
                for (_, step), n in zip(steps, counts):
                    if n:
                        con.execute(sql_text(step))
            elif parser in CHECKED_PARSERS:
                con.execute(
                    "INSERT INTO bad_values SELECT file_id, line_no, v.field, v.reason, v.excerpt "
                    "FROM (SELECT file_id, line_no, unnest(bad_values) AS v FROM parsed "
                    "WHERE len(bad_values) > 0)"
                )
        verdicts = con.execute(
            "SELECT file_id, line_no, byte_offset, kind FROM parsed_bad ORDER BY file_id, line_no"
        ).fetchall()
    finally:
        con.execute("DROP TABLE IF EXISTS parsed")
        con.execute("DROP TABLE IF EXISTS batch_files")
    paths = {p.file_id: p.spec.path for p in plans}
    bad = []
    for file_id, line_no, byte_offset, kind in verdicts:
        line = chunks[file_id].line_bytes(line_no)
        bad.append(
            {
                "file_id": file_id,
                "path": paths[file_id],
                "line_no": line_no,
                "byte_offset": byte_offset,
                "reason": lines.describe_bad(kind, line),
                "excerpt": lines.excerpt(line),
            }
        )
    if bad:
        store.temp_table(
            con,
            "new_bad_lines",
            [
                ("file_id", "INTEGER"),
                ("line_no", "BIGINT"),
                ("byte_offset", "BIGINT"),
                ("reason", "VARCHAR"),
                ("excerpt", "VARCHAR"),
            ],
            [
                (r["file_id"], r["line_no"], r["byte_offset"], r["reason"], r["excerpt"])
                for r in bad
            ],
        )
        con.execute("INSERT INTO bad_lines BY NAME SELECT * FROM new_bad_lines")
        con.execute("DROP TABLE new_bad_lines")
    return bad


def _upsert_files(
    con: duckdb.DuckDBPyConnection,
    plans: list[FilePlan],
    chunks: dict[int, lines.Chunk | native.Read],
    bad: list[dict],
) -> None:
    bad_per_file: dict[int, int] = {}
    for row in bad:
        bad_per_file[row["file_id"]] = bad_per_file.get(row["file_id"], 0) + 1
    rows = []
    hashes = _fingerprints(plans, chunks)
    for plan in plans:
        chunk = chunks[plan.file_id]
        prev = plan.prev or {}
        appended = plan.mode == "append"
        consumed = plan.offset + chunk.consumed
        spec = plan.spec
        rows.append(
            {
                "file_id": plan.file_id,
                "path": spec.path,
                "agent": spec.agent,
                "user_name": spec.user,
                "kind": spec.kind,
                "session_id": spec.session_id,
                "parent_session_id": spec.parent_session_id,
                "agent_id": spec.agent_id,
                "project_dir": spec.project_dir,
                "meta_agent_type": spec.meta_agent_type,
                "meta_description": spec.meta_description,
                "size_bytes": plan.size,
                "mtime_us": plan.mtime_us,
                "bytes_consumed": consumed,
                "lines": (prev.get("lines", 0) if appended else 0) + chunk.n_lines,
                "bad_lines": (prev.get("bad_lines", 0) if appended else 0)
                + bad_per_file.get(plan.file_id, 0),
                "pending_bytes": chunk.pending,
                "tail_hash": hashes[plan.file_id],
                "parser_version": config.PARSER_VERSION,
            }
        )
    store.temp_table(
        con, "batch_file_rows", _FILE_COLUMNS, [[row[c] for c, _ in _FILE_COLUMNS] for row in rows]
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE batch_first_seen AS
        SELECT file_id, first_ingested_at FROM files
        WHERE file_id IN (SELECT file_id FROM batch_file_rows);
        DELETE FROM files WHERE file_id IN (SELECT file_id FROM batch_file_rows);
        INSERT INTO files BY NAME
        SELECT b.*, getvariable('wb_machine') AS machine, now() AS ingested_at,
            coalesce(k.first_ingested_at, now()) AS first_ingested_at,
            false AS missing, NULL::TIMESTAMPTZ AS missing_since
        FROM batch_file_rows b LEFT JOIN batch_first_seen k USING (file_id);
        DROP TABLE batch_file_rows;
        """
    )


def _fingerprints(
    plans: list[FilePlan], chunks: dict[int, lines.Chunk | native.Read]
) -> dict[int, str | None]:
    """``plan.fingerprint`` of every file of a batch, on ``HASH_THREADS`` threads."""
    if len(plans) < 2:
        return {p.file_id: planning.fingerprint(p, chunks[p.file_id]) for p in plans}
    with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
        done = pool.map(lambda p: planning.fingerprint(p, chunks[p.file_id]), plans)
        return {p.file_id: h for p, h in zip(plans, done)}


#: The columns of ``files`` that the loader writes, as (name, type).
_FILE_COLUMNS = [
    ("file_id", "INTEGER"),
    ("path", "VARCHAR"),
    ("agent", "VARCHAR"),
    ("user_name", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("session_id", "VARCHAR"),
    ("parent_session_id", "VARCHAR"),
    ("agent_id", "VARCHAR"),
    ("project_dir", "VARCHAR"),
    ("meta_agent_type", "VARCHAR"),
    ("meta_description", "VARCHAR"),
    ("size_bytes", "BIGINT"),
    ("mtime_us", "BIGINT"),
    ("bytes_consumed", "BIGINT"),
    ("lines", "BIGINT"),
    ("bad_lines", "BIGINT"),
    ("pending_bytes", "BIGINT"),
    ("tail_hash", "VARCHAR"),
    ("parser_version", "INTEGER"),
]


def _finish_summary(
    con: duckdb.DuckDBPyConnection, plans: list[FilePlan], summary: IngestSummary, *, totals: bool
) -> None:
    ids = [p.file_id for p in plans]
    if ids:
        summary.sessions = con.execute(
            "SELECT count(*) FROM sessions WHERE session_id IN (SELECT session_id FROM files "
            f"WHERE list_contains({store.int_list(ids)}, file_id))"
        ).fetchone()[0]
        summary.pending_lines = con.execute(
            "SELECT count(*) FROM files WHERE pending_bytes > 0 "
            f"AND list_contains({store.int_list(ids)}, file_id)"
        ).fetchone()[0]
        summary.bad_values = con.execute(
            f"SELECT count(*) FROM bad_values WHERE list_contains({store.int_list(ids)}, file_id)"
        ).fetchone()[0]
        cur = con.execute(
            "SELECT f.path, v.line_no, v.field, v.reason, v.excerpt "
            "FROM bad_values v JOIN files f USING (file_id) "
            f"WHERE list_contains({store.int_list(ids)}, v.file_id) "
            "ORDER BY f.path, v.line_no, v.field LIMIT 20"
        )
        names = [d[0] for d in cur.description]
        summary.bad_value_samples = [dict(zip(names, row)) for row in cur.fetchall()]
    if not totals:
        return
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM sessions),
               (SELECT count(*) FROM messages), (SELECT count(*) FROM bad_lines),
               (SELECT count(*) FROM responses),
               (SELECT coalesce(sum(total_tokens), 0) FROM responses),
               (SELECT count(*) FROM tool_errors),
               (SELECT count(*) FROM files WHERE missing)
        """
    ).fetchone()
    keys = [
        "files",
        "sessions",
        "messages",
        "bad_lines",
        "api_responses",
        "tokens",
        "tool_errors",
        "files_missing",
    ]
    summary.totals = dict(zip(keys, row))
