"""Open the DuckDB file: create or check its schema, and wait for another writer's lock."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from workbench.core import config
from workbench.core.duck import duckdb
from workbench.core.errors import (  # noqa: F401 - where callers have always found them
    DatabaseBusy,
    DatabaseMissing,
    SchemaTooOld,
    WorkbenchError,
)
from workbench.core.queries import sql_text


def open_db(
    path: str | Path, *, read_only: bool = False, wait_seconds: float = 0.0
) -> duckdb.DuckDBPyConnection:
    """Connect to the database at ``path`` (created read-write if absent), schema ready.

    When another process is writing, retry for ``wait_seconds`` and then raise
    :class:`DatabaseBusy` with the holder's PID when DuckDB reports it.
    """
    path = Path(path).expanduser()
    if read_only and not path.exists():
        raise DatabaseMissing(f"no database at {path}: run `workbench ingest` first (or pass --db)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    # a new file gets a storage format with DICT_FSST string compression (DuckDB >= 1.3 reads
    # it): its commits are ~20% faster and the file a quarter of the size; a file keeps the
    # format it was created with, so later connections need (and must have) no setting
    config = {} if read_only or path.exists() else {"storage_compatibility_version": "v1.3.0"}
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise WorkbenchError(f"cannot open {path}: {message}") from exc
            pid = re.search(r"PID (\d+)", message)
            holder = _holder(int(pid.group(1))) if pid else "another process"
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path} is in use by {holder}; "
                    f"try again when it finishes, or pass --wait SECONDS"
                ) from exc
            if not told:
                print(f"waiting for {holder} to release {path} …", file=sys.stderr)
                told = True
            time.sleep(0.5)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = false")
    # FSST string compression saves ~10% of the file but costs ~20% of an ingest's commit
    con.execute("SET disabled_compression_methods = 'fsst'")
    if not read_only:
        migrate(con)
    else:
        check_version(con, path)
    return con


def _holder(pid: int) -> str:
    """The process holding the lock, as far as is known: its PID and, where /proc tells, its
    command line (a `workbench ingest`, a notebook kernel, a Python shell ...)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = [a.decode("utf-8", "replace") for a in fh.read(4096).split(b"\0") if a]
    except OSError:
        argv = []
    if not argv:
        return f"process {pid}"
    command = " ".join([Path(argv[0]).name, *argv[1:]])
    if len(command) > 80:
        command = command[:79] + "…"
    return f"process {pid} ({command})"


#: Tables an older schema had that the current one builds differently: dropped on upgrade and
#: rebuilt by the next ingest's full build.
OLD_DERIVED = ("response_keys", "tool_errors", "retry_loops", "sessions")
#: Raw tables renamed in schema 4 (the marts took their names as views).
RENAMED_4 = {
    "messages": "raw_messages",
    "tool_uses": "raw_tool_uses",
    "tool_results": "raw_tool_results",
}


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables; upgrade an older schema; refuse a newer one.

    Marts of an older layout are dropped and rebuilt by the next ingest (meta ``rebuild_all``);
    tables read from transcripts are only ever extended or renamed, since their files may be
    gone.
    """
    has_meta = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta' AND NOT temporary"
    ).fetchone()[0]
    version = None
    if has_meta:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else None
    if version is not None and version > config.SCHEMA_VERSION:
        raise WorkbenchError(
            f"this database was written by a newer workbench (schema {version}); upgrade workbench"
        )
    if version == config.SCHEMA_VERSION:
        return  # nothing to write: an unchanged corpus's ingest stays a read
    con.execute("BEGIN TRANSACTION")  # an interrupted upgrade leaves the old layout
    try:
        if version is not None and version < config.SCHEMA_VERSION:
            _upgrade(con, version)
        had_bad_values = _has_table(con, "bad_values")
        con.execute(sql_text("schema"))
        if version is not None and not had_bad_values:
            _refuse_archived_values(con)
        set_meta(con, "schema_version", str(config.SCHEMA_VERSION))
        con.execute("COMMIT")
    except BaseException:
        with suppress(duckdb.Error):  # an interrupted statement may have ended it already
            con.execute("ROLLBACK")
        raise


def _upgrade(con: duckdb.DuckDBPyConnection, version: int) -> None:
    found = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    views = {v for (v,) in found}
    for view in views & {"api_responses", "usage_lines", "tool_calls", "messages"}:
        con.execute(f"DROP VIEW {view}")
    for table in OLD_DERIVED:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if version < 3:
        _usage_to_events(con)
    if version < 4:
        for old, new in RENAMED_4.items():
            con.execute(f"ALTER TABLE {old} RENAME TO {new}")
        con.execute("ALTER TABLE raw_messages ADD COLUMN dedupe_key VARCHAR")
        # schema 5's column too, before the UPDATE below (DuckDB refuses to commit an ALTER
        # after an UPDATE of the same table in one transaction)
        con.execute("ALTER TABLE raw_messages ADD COLUMN entrypoint VARCHAR")
        con.execute("ALTER TABLE usage_events ADD COLUMN parent_session_id VARCHAR")
        # the response key is a macro of the schema; write it before the schema runs
        schema = sql_text("schema")
        start = schema.index("CREATE OR REPLACE MACRO claude_response_key")
        con.execute(schema[start : schema.index(";", start) + 1])
        con.execute(
            "UPDATE raw_messages SET dedupe_key = claude_response_key(message_id, request_id, "
            "file_id, line_no) WHERE type = 'assistant' AND has_usage "
            "AND coalesce(model, '') <> '<synthetic>' "
            "AND file_id IN (SELECT file_id FROM files WHERE agent = 'claude')"
        )
    if version < 5:
        # files ingested so far were ingested here; the marts gain the column when rebuilt
        machine = literal(config.default_machine())
        con.execute("ALTER TABLE files ADD COLUMN IF NOT EXISTS machine VARCHAR")
        con.execute(f"UPDATE files SET machine = {machine} WHERE machine IS NULL")
        con.execute("DROP TABLE IF EXISTS responses")
    if 4 <= version < 5:
        # how each session was started (automated runs); the files are read again
        # (PARSER_VERSION 3) to fill it. Older layouts got the column above.
        con.execute("ALTER TABLE raw_messages ADD COLUMN entrypoint VARCHAR")
    if version < 6:
        # progress lines of running commands; the files are re-read (PARSER_VERSION 4) to fill it
        schema = sql_text("schema")
        start = schema.index("CREATE TABLE IF NOT EXISTS raw_progress")
        con.execute(schema[start : schema.index(";", start) + 1])
    if version < 9:
        # a column's compression is fixed when its table is made: the mart is made again by
        # the schema and refilled by the rebuild below
        con.execute("DROP TABLE IF EXISTS responses")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('rebuild_all', '1')")


def _usage_to_events(con: duckdb.DuckDBPyConnection) -> None:
    """Schema 2 to 3: api_responses and usage_lines become views. The stored usage lines of
    Codex and Gemini become usage_events; Claude Code's are read from its messages instead."""
    con.execute("DROP TABLE IF EXISTS api_responses")
    con.execute("ALTER TABLE usage_lines RENAME TO usage_events")
    con.execute(
        "DELETE FROM usage_events "
        "WHERE file_id IN (SELECT file_id FROM files WHERE agent = 'claude')"
    )


#: Token columns of the raw tables and whether NULL is allowed there (else a bad value is 0).
_TOKEN_COLUMNS = {
    "raw_messages": (
        True,
        (
            "input_tokens",
            "output_tokens",
            "cache_creation_tokens",
            "cache_5m_tokens",
            "cache_1h_tokens",
            "cache_read_tokens",
        ),
    ),
    "usage_events": (
        False,
        (
            "input_tokens",
            "output_tokens",
            "cache_creation_tokens",
            "cache_5m_tokens",
            "cache_1h_tokens",
            "cache_read_tokens",
            "reasoning_tokens",
            "total_tokens",
        ),
    ),
}


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND table_name = "
            + literal(name)
        ).fetchone()[0]
    )


def _refuse_archived_values(con: duckdb.DuckDBPyConnection) -> None:
    """On the upgrade that adds bad_values (schema 4): values an older workbench stored
    unchecked (a token count beyond ``config.MAX_TOKENS`` or negative, a timestamp outside the
    years allowed) are refused in the rows already archived, as a new parse refuses them. Their
    files may be gone, so the rows are mended in place rather than read again."""
    low, high = f"{config.MIN_YEAR}-01-01 00:00:00+00", f"{config.MAX_YEAR}-01-01 00:00:00+00"
    note = " (refused in the archive on upgrade)"
    for table, (nullable, columns) in _TOKEN_COLUMNS.items():
        for column in columns:
            bad = f"({column} < 0 OR {column} > {int(config.MAX_TOKENS)})"
            con.execute(
                "INSERT INTO bad_values "
                f"SELECT file_id, line_no, {literal(table + '.' + column)}, "
                f"CASE WHEN {column} < 0 THEN 'negative' "
                f"ELSE 'larger than {int(config.MAX_TOKENS)}' END || {literal(note)}, "
                f"{column}::VARCHAR FROM {table} WHERE {bad}"
            )
            con.execute(f"UPDATE {table} SET {column} = {'NULL' if nullable else '0'} WHERE {bad}")
    for table in ("raw_messages", "raw_tool_uses", "raw_tool_results", "usage_events"):
        bad = f"(ts < TIMESTAMPTZ '{low}' OR ts >= TIMESTAMPTZ '{high}')"
        con.execute(
            "INSERT INTO bad_values "
            f"SELECT DISTINCT file_id, line_no, {literal(table + '.ts')}, "
            f"'outside the years {config.MIN_YEAR} to {config.MAX_YEAR}' || {literal(note)}, "
            f"ts::VARCHAR FROM {table} WHERE {bad}"
        )
        con.execute(f"UPDATE {table} SET ts = NULL WHERE {bad}")


def check_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException as exc:
        raise WorkbenchError(f"{path} is not a workbench database") from exc
    if row is None or int(row[0]) > config.SCHEMA_VERSION:
        raise WorkbenchError(f"{path}: unsupported workbench schema version {row and row[0]}")
    if int(row[0]) < config.SCHEMA_VERSION:
        raise SchemaTooOld(
            f"{path} was written by an older workbench (schema {row[0]}); "
            f"run `workbench ingest --db {path}` once to upgrade it"
        )


def literal(value: str | int | float | None) -> str:
    """A SQL literal for ``value``. The loader writes its own values (ids, keys, counts) into
    SQL rather than binding them: DuckDB imports pandas (~0.4 s) the first time a query in a
    process has Python parameters, which would make a no-op ingest cost more than reading."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def int_list(values) -> str:
    """``[1, 2]`` as a SQL list literal of integers."""
    return "[" + ", ".join(str(int(v)) for v in values) + "]::INTEGER[]"


def text_list(values) -> str:
    """``['a', 'b']`` as a SQL list literal of strings (not a bound parameter: see ``literal``)."""
    return "[" + ", ".join(literal(str(v)) for v in values) + "]::VARCHAR[]"


def temp_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[object]],
) -> None:
    """Create (or replace) the temp table ``name`` with ``columns`` (name, SQL type) holding
    ``rows`` (str, int, bool or None values).

    The rows travel as one JSON literal that DuckDB parses: handing DuckDB a Python object
    (an Arrow table) makes it import pandas (~0.3 s) first, and a VALUES list of a thousand
    rows takes longer to bind than the JSON takes to parse."""
    names = [c for c, _ in columns]
    doc = json.dumps({c: [row[i] for row in rows] for i, c in enumerate(names)})
    shape = json.dumps({c: [t] for c, t in columns})
    cols = ", ".join(f"unnest(c.{_ident(c)})::{t} AS {_ident(c)}" for c, t in columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {_ident(name)} AS "
        f"SELECT {cols} FROM (SELECT from_json({literal(doc)}, {literal(shape)}) AS c)"
    )


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def threads(con: duckdb.DuckDBPyConnection, n: int) -> Iterator[None]:
    """Run the block's statements on ``n`` DuckDB threads. The loader's inserts read a temp
    table of one row group, which only one thread can scan: more threads only add the cost of
    merging their (empty) share of the insert, about a third of its time."""
    before = int(con.execute("SELECT current_setting('threads')").fetchone()[0])
    if before == n:
        yield
        return
    con.execute(f"SET threads = {int(n)}")
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):  # an aborted transaction refuses SET until rolled back
            con.execute(f"SET threads = {before}")
        raise
    con.execute(f"SET threads = {before}")


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute(f"SELECT value FROM meta WHERE key = {literal(key)}").fetchone()
    return row[0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(f"INSERT OR REPLACE INTO meta VALUES ({literal(key)}, {literal(value)})")
