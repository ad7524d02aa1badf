"""Token reports per day, month or session, in ccusage's JSON shape.

Every number comes from ``api_responses`` (deduplicated at ingest) through
``queries/responses.sql``; days and months are wall-clock dates in the chosen time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import ibis
from ibis import _

from workbench import tables

TOKEN_FIELDS = {
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "cacheCreationTokens": "cache_creation_tokens",
    "cacheReadTokens": "cache_read_tokens",
}
GROUPINGS = ("daily", "monthly", "session")


def usage(
    con,
    *,
    tz: str,
    since: datetime | None = None,
    until: datetime | None = None,
    agents: Iterable[str] = (),
    users: Iterable[str] = (),
    projects: Iterable[str] = (),
) -> ibis.Table:
    """Deduplicated API responses in the window, with ``date`` and ``month`` in ``tz``."""
    r = tables.responses(con)
    r = tables.between(r, "ts", since, until)
    r = tables.where_in(r, "agent", agents)
    r = tables.where_in(r, "user_name", users)
    r = tables.where_in(r, "project", projects)
    local = tables.local_time(r.ts, tz)
    return r.mutate(date=local.strftime("%Y-%m-%d"), month=local.strftime("%Y-%m"))


def by_model(rows: ibis.Table, key: str) -> ibis.Table:
    """Token sums per ``key`` and model (the lazy core of every report)."""
    sums = {col: rows[col].sum() for col in TOKEN_FIELDS.values()}
    extra = {}
    if key == "root_session_id":
        extra = {
            "first_ts": _.ts.min(),
            "last_ts": _.ts.max(),
            "project_path": _.project_path.arbitrary(),
            "user_name": _.user_name.arbitrary(),
            "agent": _.agent.arbitrary(),
        }
    return rows.group_by([key, "model"]).agg(responses=_.count(), **sums, **extra)


def report(con, grouping: str = "daily", *, tz: str, **filters) -> dict:
    """``{"daily"|"monthly"|"sessions": [...], "totals": {...}}`` like ``ccusage ... --json``."""
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {GROUPINGS}")
    key = {"daily": "date", "monthly": "month", "session": "root_session_id"}[grouping]
    rows = by_model(usage(con, tz=tz, **filters), key).to_pyarrow().to_pylist()
    groups: dict[str, dict] = {}
    for row in rows:
        g = groups.get(row[key])
        if g is None:
            g = groups[row[key]] = _empty_group(grouping, key, row)
        model = row["model"] or "unknown"
        breakdown = {"modelName": model}
        for out, col in TOKEN_FIELDS.items():
            g[out] += int(row[col] or 0)
            breakdown[out] = int(row[col] or 0)
        g["modelBreakdowns"].append(breakdown)
        if grouping == "session":
            g["firstActivity"] = _min_iso(g["firstActivity"], row["first_ts"])
            g["lastActivity"] = _max_iso(g["lastActivity"], row["last_ts"])
    out_rows = []
    for g in groups.values():
        g["modelBreakdowns"].sort(key=_total, reverse=True)
        g["modelsUsed"] = [b["modelName"] for b in g["modelBreakdowns"]]
        g["totalTokens"] = _total(g)
        out_rows.append(g)
    if grouping == "session":
        out_rows.sort(key=lambda g: g["lastActivity"] or "")
    else:
        out_rows.sort(key=lambda g: g[key])
    totals = {k: sum(g[k] for g in out_rows) for k in TOKEN_FIELDS}
    totals["totalTokens"] = sum(g["totalTokens"] for g in out_rows)
    name = "sessions" if grouping == "session" else grouping
    return {name: out_rows, "totals": totals}


def _empty_group(grouping: str, key: str, row: dict) -> dict:
    g: dict = {}
    if grouping == "session":
        g.update(
            sessionId=row[key],
            projectPath=row["project_path"],
            user=row["user_name"],
            agent=row["agent"],
            firstActivity=None,
            lastActivity=None,
        )
    else:
        g[key] = row[key]
    g.update({k: 0 for k in TOKEN_FIELDS})
    g["modelBreakdowns"] = []
    return g


def _total(d: dict) -> int:
    return sum(d[k] for k in TOKEN_FIELDS)


def _iso(ts) -> str | None:
    return (
        None if ts is None else ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    )


def _min_iso(current: str | None, ts) -> str | None:
    new = _iso(ts)
    return new if current is None or (new is not None and new < current) else current


def _max_iso(current: str | None, ts) -> str | None:
    new = _iso(ts)
    return new if current is None or (new is not None and new > current) else current
