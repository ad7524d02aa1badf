"""The database as lazy Ibis tables, for exploring in a notebook: connect once, filter and group
at will, execute at the edge. (The CLI, the reports and the server read through ``query.db``,
which needs no Ibis.)"""

from __future__ import annotations

import os
import warnings
from datetime import datetime
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from workbench.core import config
from workbench.core.store import DatabaseBusy, DatabaseMissing, WorkbenchError, check_version

# ibis 12 reads a pandas option that pandas 3 deprecates, on every to_pandas(): harmless noise
# in notebooks and reports
warnings.filterwarnings("ignore", message="The 'future.infer_string' option is deprecated")


def connect(db: str | os.PathLike | None = None, *, read_only: bool = True):
    """An Ibis DuckDB connection to the workbench database (default ``config.default_db()``)."""
    path = Path(db).expanduser() if db else config.default_db()
    if not path.exists():
        raise DatabaseMissing(f"no database at {path}: run `workbench ingest` first (or pass --db)")
    try:
        con = ibis.duckdb.connect(database=str(path), read_only=read_only)
    except Exception as exc:  # noqa: BLE001 - duckdb.IOException on a held lock
        if "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"{path} is being written by another process (an ingest?); "
                "try again when it finishes"
            ) from exc
        raise WorkbenchError(f"cannot open {path}: {exc}") from exc
    con.raw_sql("SET TimeZone = 'UTC'")
    try:
        check_version(con.con, path)  # an older layout is upgraded by the next ingest
    except WorkbenchError:
        con.disconnect()
        raise
    return con


@ibis.udf.scalar.builtin(name="timezone")
def _to_local(zone: str, ts: dt.Timestamp(timezone="UTC")) -> dt.timestamp:
    """DuckDB ``timezone(zone, ts)``: the wall-clock time in ``zone``."""


def local_time(ts: ibis.Value, tz: str) -> ibis.Value:
    """``ts`` (UTC) as wall-clock time in ``tz``."""
    return _to_local(tz, ts)


def sessions(con) -> ibis.Table:
    return con.table("sessions")


def responses(con) -> ibis.Table:
    """Deduplicated, priced API responses with their session's attributes."""
    return con.table("responses")


def between(
    table: ibis.Table, column: str, since: datetime | None, until: datetime | None
) -> ibis.Table:
    """Rows whose ``column`` falls in ``[since, until)`` (either bound optional)."""
    if since is not None:
        table = table.filter(table[column] >= since)
    if until is not None:
        table = table.filter(table[column] < until)
    return table


def where_in(table: ibis.Table, column: str, values) -> ibis.Table:
    """Rows whose ``column`` is one of ``values`` (no filter when empty)."""
    if values:
        table = table.filter(table[column].isin(list(values)))
    return table


__all__ = ["connect", "sessions", "responses", "local_time", "between", "where_in", "_"]
