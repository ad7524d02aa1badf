"""The read connection: SQL in, plain Python rows out, on the engine the marts live in.

Read commands open the database through ``open_reader`` and never import Ibis, pandas or
pyarrow: DuckDB returns tuples, and values are written into the SQL as literals (``lit``)
rather than bound, because binding Python parameters makes DuckDB import pandas and numpy.
Queries use portable SQL; the few functions engines spell differently live in ``Dialect``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path

from workbench.core import config, store
from workbench.core.store import DatabaseBusy, DatabaseMissing, WorkbenchError


class Dialect:
    """SQL an engine spells its own way (DuckDB's here; other engines subclass it)."""

    name = "duckdb"
    qualified_ids = False
    #: Whether ``* EXCLUDE (…)`` is SQL here (DuckDB's); else the columns are listed.
    star_exclude = True

    def local_text(self, ts: str, tz: str, fmt: str) -> str:
        """``ts`` (UTC) as wall-clock text in zone ``tz`` with a strftime ``fmt``."""
        if self.name == "duckdb" and tz in ("UTC", "Etc/UTC"):  # no zone arithmetic: 2x as fast
            return f"strftime(make_timestamp(epoch_us({ts})), {lit(fmt)})"
        return f"strftime(timezone({lit(tz)}, {ts}), {lit(fmt)})"

    def epoch_us(self, ts: str) -> str:
        """``ts`` as whole microseconds since 1970 (BIGINT)."""
        return f"epoch_us({ts})"

    def weekday_hour(self, ts: str, tz: str) -> tuple[str, str]:
        """SQL for the local weekday (0 = Monday) and hour of ``ts`` in zone ``tz``."""
        local = f"timezone({lit(tz)}, {ts})"
        return f"(dayofweek({local}) + 6) % 7", f"hour({local})"

    def regex(self, column: str, pattern: str) -> str:
        """Whether ``column`` matches the RE2 ``pattern`` anywhere."""
        return f"regexp_matches({column}, {lit(pattern)})"

    def regex_extract(self, column: str, pattern: str) -> str:
        return f"regexp_extract({column}, {lit(pattern)})"

    def contains_text(self, column: str, text: str, *, case_sensitive: bool) -> str:
        """Whether ``column`` contains ``text`` as written (any case unless
        ``case_sensitive``)."""
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        op = "LIKE" if case_sensitive else "ILIKE"
        return f"({column} {op} {lit('%' + escaped + '%')} ESCAPE {lit(chr(92))})"

    def json_text(self, column: str, key: str) -> str:
        """The top-level ``key`` of the JSON text ``column`` as text (NULL when absent)."""
        return f"json_extract_string({column}, {lit('$.' + key)})"


class PostgresDialect(Dialect):
    """PostgreSQL's spellings (a team hub); the functions it lacks are in
    ``sql/postgres_compat.sql``, which the hub's schema installs."""

    name = "postgres"
    star_exclude = False
    #: On a hub, session ids are ``machine:id``; ``source_session_id`` keeps the id as written.
    qualified_ids = True
    _FORMATS = {"%Y": "YYYY", "%m": "MM", "%d": "DD", "%H": "HH24", "%M": "MI", "%S": "SS"}

    def local_text(self, ts: str, tz: str, fmt: str) -> str:
        for code, pg in self._FORMATS.items():
            fmt = fmt.replace(code, pg)
        return f"to_char(timezone({lit(tz)}, {ts}), {lit(fmt)})"

    def regex(self, column: str, pattern: str) -> str:
        if pattern.startswith("(?i)"):
            return f"({column} ~* {lit(pattern[4:])})"
        return f"({column} ~ {lit(pattern)})"

    def json_text(self, column: str, key: str) -> str:
        # wb_json_text (sql/postgres_compat.sql): NULL for text that is not JSON (a Codex
        # custom tool's raw input), where a cast to jsonb would fail the whole query
        return f"wb_json_text({column}, {lit(key)})"

    def regex_extract(self, column: str, pattern: str) -> str:
        # substring() returns the first group: make it the whole match (options stay first)
        options = pattern[: pattern.index(")") + 1] if pattern.startswith("(?") else ""
        return f"substring({column} from {lit(options + '(' + pattern[len(options) :] + ')')})"


class Reader:
    """A read-only connection to the marts."""

    def __init__(self, con, path: Path | None = None, dialect: Dialect | None = None):
        self.con = con
        self.path = path
        self.dialect = dialect or Dialect()
        self._columns: dict[str, list[str]] = {}

    def rows(self, sql: str) -> list[dict]:
        """The result as a list of dicts."""
        cur = self.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def tuples(self, sql: str) -> list[tuple]:
        """The result as a list of tuples (cheaper than ``rows`` for many rows)."""
        return self.con.execute(sql).fetchall()

    def one(self, sql: str) -> dict | None:
        rows = self.rows(sql)
        return rows[0] if rows else None

    def scalar(self, sql: str):
        row = self.con.execute(sql).fetchone()
        return row[0] if row else None

    def column(self, sql: str) -> list:
        return [r[0] for r in self.con.execute(sql).fetchall()]

    def columns(
        self,
        relation: str,
        without: Iterable[str] = (),
        alias: str = "",
        extra: Iterable[str] = (),
    ) -> str:
        """The columns of a row source built on the table or view ``relation``, less
        ``without``, each prefixed ``alias.``; ``extra`` are the columns the source adds to
        the relation's. ``* EXCLUDE`` where the engine has it (no catalog query on DuckDB's
        read path), else the relation's columns listed from the catalog, then ``extra``."""
        drop = set(without)
        if self.dialect.star_exclude:
            star = f"{alias}.*" if alias else "*"
            return f"{star} EXCLUDE ({', '.join(without)})" if drop else star
        if relation not in self._columns:
            self._columns[relation] = self.catalog(relation)
        prefix = f"{alias}." if alias else ""
        names = [*(c for c in self._columns[relation] if c not in drop), *extra]
        return ", ".join(f"{prefix}{c}" for c in names)

    def catalog(self, relation: str) -> list[str]:
        """The column names of a table or view, in order."""
        return self.column(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_name = {lit(relation)} ORDER BY ordinal_position"
        )

    def close(self) -> None:
        self.con.close()


def lit(value) -> str:
    """A SQL literal for a Python value (str, number, bool, None, datetime, date)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        iso = value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        return f"TIMESTAMPTZ '{iso}+00'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return store.literal(value)


def lits(values: Iterable) -> str:
    """``(v1, v2, …)`` for an ``IN`` list (at least one value)."""
    return "(" + ", ".join(lit(v) for v in values) + ")"


def open_reader(
    db: str | os.PathLike | None = None, *, read_only: bool = True, wait_seconds: float = 0.0
) -> Reader:
    """A read-only connection to the database (default ``config.default_db()``); warns on stderr
    when the marts are behind the raw tables (an interrupted ingest). ``read_only=False`` joins
    a DuckDB instance this process already has open for writing (a running server). While an
    ingest holds the file, retry for ``wait_seconds``."""
    from workbench.core.engines import is_postgres, is_spark, named

    url = named(db)
    if is_postgres(url):
        return open_hub(url)
    if is_spark(url):
        from workbench.query.spark import open_lake

        return open_lake(url)
    from workbench.core.duck import duckdb

    path = Path(db).expanduser() if db else config.default_db()
    if not path.exists():
        raise DatabaseMissing(f"no database at {path}: run `workbench ingest` first (or pass --db)")
    import time

    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise WorkbenchError(f"cannot open {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{path} is being written by another process; try again when it "
                    "finishes, or pass --wait SECONDS"
                ) from exc
            time.sleep(0.2)
    con.execute("SET TimeZone = 'UTC'")
    try:
        store.check_version(con, path)
    except WorkbenchError:
        con.close()
        raise
    reader = Reader(con, path)
    if stale(reader):
        print(
            f"workbench: warning: {path} holds files whose sessions are not built yet (an "
            "ingest was interrupted); figures may be behind until the next `workbench ingest`",
            file=sys.stderr,
        )
    return reader


def open_hub(url: str) -> Reader:
    """A read connection to a team hub on PostgreSQL (``postgresql://`` URL; credentials from
    the URL, the environment or ``~/.pgpass``; ``sslmode`` and other settings pass through)."""
    from workbench.core.engines import connect_postgres, mask

    con = connect_postgres(url)
    _numbers_as_python(con)
    found = con.execute("SELECT to_regclass('meta')").fetchone()[0]
    row = (
        con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found
        else None
    )
    if row is None:
        con.close()
        raise DatabaseMissing(
            f"{mask(url)} holds no workbench hub: `workbench push --to URL` first"
        )
    if int(row[0]) != config.SCHEMA_VERSION:
        con.close()
        newer = int(row[0]) > config.SCHEMA_VERSION
        raise WorkbenchError(
            f"the hub at {mask(url)} has schema {row[0]}, this workbench reads "
            f"{config.SCHEMA_VERSION}: "
            + ("upgrade workbench" if newer else "push to it with this version to upgrade it")
        )
    return Reader(con, None, PostgresDialect())


def _numbers_as_python(con) -> None:
    """PostgreSQL's sums of integers are NUMERIC: read them as int (whole) or float, as DuckDB
    returns them, not as Decimal."""
    from psycopg.types.numeric import NumericLoader

    class Number(NumericLoader):
        def load(self, data):
            d = super().load(data)
            return int(d) if d.is_finite() and d == d.to_integral_value() else float(d)

    con.adapters.register_loader("numeric", Number)


def stale(reader: Reader) -> bool:
    """Whether the marts are behind the raw tables (queued files or a full build due)."""
    queued = reader.scalar("SELECT count(*) FROM build_queue")
    full = reader.scalar("SELECT value FROM meta WHERE key = 'rebuild_all'")
    return bool(queued) or full == "1"
