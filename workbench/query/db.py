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

    def local_text(self, ts: str, tz: str, fmt: str) -> str:
        """``ts`` (UTC) as wall-clock text in zone ``tz`` with a strftime ``fmt``."""
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


class Reader:
    """A read-only connection to the marts."""

    def __init__(self, con, path: Path | None = None, dialect: Dialect | None = None):
        self.con = con
        self.path = path
        self.dialect = dialect or Dialect()

    def rows(self, sql: str) -> list[dict]:
        """The result as a list of dicts."""
        cur = self.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def one(self, sql: str) -> dict | None:
        rows = self.rows(sql)
        return rows[0] if rows else None

    def scalar(self, sql: str):
        row = self.con.execute(sql).fetchone()
        return row[0] if row else None

    def column(self, sql: str) -> list:
        return [r[0] for r in self.con.execute(sql).fetchall()]

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
    import duckdb

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


def stale(reader: Reader) -> bool:
    """Whether the marts are behind the raw tables (queued files or a full build due)."""
    queued = reader.scalar("SELECT count(*) FROM build_queue")
    full = reader.scalar("SELECT value FROM meta WHERE key = 'rebuild_all'")
    return bool(queued) or full == "1"
