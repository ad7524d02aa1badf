"""The team hub's tables: the local read relations (the marts and the messages view),
one row per fact, with every session id qualified by the machine it came from.

Two machines can hold the same session id (a transcript copied between them, a team root
ingested twice), so on the hub a session is ``<machine>:<session id>``; its ``machine`` column
says where it came from and ``source_session_id`` keeps the id as written. The column layout is
read off the local schema (``core/sql/schema.sql``), so there is one definition of each table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.core import config, engines
from workbench.core.duck import duckdb

#: The hub's layout version: the local schema's (the hub holds the same relations).
HUB_VERSION = config.SCHEMA_VERSION

#: Columns holding a session id, qualified as ``machine:id`` on the hub.
SESSION_COLUMNS = ("session_id", "root_session_id", "parent_session_id")


@dataclass(frozen=True)
class HubTable:
    """A hub table: the local relation it copies (``source`` selects one session batch's rows:
    ``{batch}`` is the temp table of session ids), the text columns redacted on the way, and
    the hub's indexes."""

    name: str
    source: str
    redact: tuple[str, ...] = ()
    redact_json: tuple[str, ...] = ()
    indexes: tuple[str, ...] = ("session_id",)
    day: str = "ts"  # the time whose UTC day partitions the Parquet export

    def redactor(self, column: str) -> str | None:
        """How ``column`` is redacted on the way: ``wb_redact`` (text), ``wb_redact_json``
        (tool input JSON), or None (as written)."""
        if column in self.redact:
            return "wb_redact"
        if column in self.redact_json:
            return "wb_redact_json"
        return None

    @property
    def day_sql(self) -> str:
        """The UTC day (``YYYY-MM-DD``, else ``unknown``) of a row ``src`` of the source."""
        return f"coalesce(CAST(CAST(src.\"{self.day}\" AS DATE) AS VARCHAR), 'unknown')"


_IN_BATCH = "session_id IN (SELECT session_id FROM {batch})"


def _with_machine(table: str) -> str:
    """A relation's rows of the batch's sessions, with their session's machine."""
    return (
        f"SELECT t.*, s.machine FROM {table} t JOIN sessions s ON s.session_id = t.session_id "
        f"WHERE t.{_IN_BATCH}"
    )


TABLES = (
    HubTable(
        "sessions",
        f"SELECT * FROM sessions WHERE {_IN_BATCH}",
        redact=("first_prompt", "agent_description"),
        indexes=("session_id", "root_session_id", "started_at"),
        day="started_at",
    ),
    HubTable(
        "responses",
        f"SELECT * FROM responses WHERE {_IN_BATCH}",
        indexes=("session_id", "root_session_id", "ts"),
    ),
    HubTable(
        "activity_blocks",
        _with_machine("activity_blocks"),
        indexes=("session_id", "root_session_id", "started_at"),
        day="started_at",
    ),
    HubTable(
        "tool_errors",
        _with_machine("tool_errors"),
        redact=("excerpt",),
        indexes=("session_id", "ts"),
    ),
    HubTable(
        "retry_loops", _with_machine("retry_loops"), redact=("input_excerpt",), day="started_at"
    ),
    HubTable(
        "messages",
        _with_machine("messages"),
        redact=("text", "thinking"),
        indexes=("session_id, ordinal", "ts"),
    ),
    HubTable(
        "tool_calls",
        _with_machine("tool_calls"),
        redact=("result_text",),
        redact_json=("input_json",),
        indexes=("session_id, ordinal", "ts"),
    ),
    HubTable("files", f"SELECT * FROM files WHERE {_IN_BATCH}", day="first_ingested_at"),
    HubTable(
        "bad_lines",
        "SELECT b.*, f.session_id, f.machine, f.first_ingested_at AS file_ingested_at "
        "FROM bad_lines b JOIN files f USING (file_id) "
        "WHERE f.session_id IN (SELECT session_id FROM {batch})",
        redact=("excerpt",),
        day="file_ingested_at",
    ),
)


assert tuple(t.name for t in TABLES) == engines.MART_TABLES


@dataclass(frozen=True)
class Column:
    name: str
    duck_type: str

    @property
    def pg_type(self) -> str:
        t = self.duck_type.upper()
        if "[" in t or t.startswith(("STRUCT", "MAP")):
            return "jsonb"
        return _PG_TYPES.get(t, "numeric" if t.startswith("DECIMAL") else "text")


_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMP": "timestamp",
    "DATE": "date",
    "HUGEINT": "numeric",
}


def columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[Column]]:
    """Each hub table's columns (the local relation's, with its session's ``machine``, and
    ``source_session_id``), read off the connection's schema."""
    out = {}
    for table in TABLES:
        sql = table.source.format(batch="(SELECT NULL::VARCHAR AS session_id)")
        described = con.execute(f"DESCRIBE {sql}").fetchall()
        cols = [Column(name, kind) for name, kind, *_ in described]
        cols.append(Column("source_session_id", "VARCHAR"))
        out[table.name] = cols
    return out


def schema_columns() -> dict[str, list[Column]]:
    """The hub columns of this version (from an empty in-memory database of the local
    schema: no archive needed)."""
    from workbench.core import store

    con = duckdb.connect()
    try:
        store.migrate(con)
        return columns(con)
    finally:
        con.close()


def ddl(cols: dict[str, list[Column]]) -> str:
    """CREATE statements for the hub's tables and indexes (PostgreSQL)."""
    parts = [
        "CREATE TABLE meta (key text PRIMARY KEY, value text)",
        "CREATE TABLE pushed_sessions (machine text NOT NULL, session_id text NOT NULL, "
        "fingerprint text NOT NULL, pushed_at timestamptz NOT NULL, "
        "PRIMARY KEY (machine, session_id))",
        "CREATE TABLE pushes (machine text NOT NULL, pushed_at timestamptz NOT NULL, "
        "sessions bigint NOT NULL, removed bigint NOT NULL, rows bigint NOT NULL, "
        "seconds double precision NOT NULL, by_user text NOT NULL)",
    ]
    for table in TABLES:
        body = ", ".join(f'"{c.name}" {c.pg_type}' for c in cols[table.name])
        parts.append(f"CREATE TABLE {table.name} ({body})")
        for i, index in enumerate((*table.indexes, "machine"), 1):
            parts.append(f"CREATE INDEX {table.name}_i{i} ON {table.name} ({index})")
    return ";\n".join(parts) + ";"


def select(
    table: HubTable,
    cols: list[Column],
    redact: bool,
    *,
    batch: str,
    hub: bool = True,
    days: list[str] | None = None,
    text: bool = False,
) -> str:
    """The local SELECT of a table's rows (of the sessions in the relation ``batch``) in its
    column order, text redacted (``wb_redact``, see :func:`install_redaction`) if ``redact``.
    For the hub: ids qualified ``machine:id``, lists and structs as JSON text, no NUL; else
    (Parquet) the local values and types, and no ``source_session_id``. With ``days``: only
    the rows of those days, and their ``day``. ``text``: every value as text (VARCHAR), as
    PostgreSQL's COPY reads it."""
    exprs = []
    for c in cols:
        ref = f'src."{c.name}"'
        if c.name == "source_session_id":
            if not hub:
                continue
            expr = "src.session_id"
        elif hub and c.name in SESSION_COLUMNS:
            expr = f"CASE WHEN {ref} IS NOT NULL THEN src.machine || ':' || {ref} END"
        elif hub and c.pg_type == "jsonb":
            expr = f"CAST(to_json({ref}) AS VARCHAR)"
        elif redact and (redactor := table.redactor(c.name)):
            expr = f"{redactor}({ref})"
        else:
            expr = ref
        if hub and c.pg_type in ("text", "jsonb"):
            expr = f"replace({expr}, chr(0), '')"  # PostgreSQL text holds no NUL
        if text:
            expr = f"CAST({expr} AS VARCHAR)"
        exprs.append(f'{expr} AS "{c.name}"')
    where = ""
    if days is not None:
        from workbench.core.store import literal

        exprs.append(f"{table.day_sql} AS day")
        where = f" WHERE {table.day_sql} IN ({', '.join(literal(d) for d in days)})"
    return f"SELECT {', '.join(exprs)} FROM ({table.source.format(batch=batch)}) src{where}"


def redactions(table: HubTable, cols: list[Column]) -> list[tuple[int, Callable]]:
    """The positions of a table's redacted columns in :func:`select`'s row, each with the
    function that redacts it in Python: for a reader of the rows that redacts them itself
    (``push``), with ``select(..., redact=False)``."""
    redactors = _redactors()
    return [(i, redactors[r]) for i, c in enumerate(cols) if (r := table.redactor(c.name))]


def install_redaction(con: duckdb.DuckDBPyConnection) -> None:
    """``wb_redact(text)`` and ``wb_redact_json(text)``: core.redact as SQL functions."""
    for name, fn in _redactors().items():
        con.create_function(
            name, fn, ["VARCHAR"], "VARCHAR", null_handling="special", side_effects=False
        )


def _redactors() -> dict[str, Callable]:
    """``core.redact``'s functions by the SQL names :meth:`HubTable.redactor` gives (NULL
    stays NULL)."""
    from workbench.core.redact import redact, redact_json

    def nullable(fn):
        return lambda v: None if v is None else fn(v)

    return {"wb_redact": nullable(redact), "wb_redact_json": nullable(redact_json)}
