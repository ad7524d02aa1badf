"""Token and cost reports per day, month, session or 5-hour block, in ccusage's JSON shape.

Every number comes from ``api_responses`` (deduplicated at ingest) through
``pricing.responses_with_cost`` (``models/sql/responses.sql`` + ``models/sql/response_costs.sql``);
days and months are wall-clock dates in the chosen time zone.

Cost fields: ``totalCost`` per row, ``cost`` per model breakdown, ``totals.totalCost`` and
``totals.unpricedModels``. A model with no price has ``cost: null`` (never 0) and is listed in
``unpricedModels``; a ``totalCost`` is the sum over the priced models, null when none is priced.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

import ibis
from ibis import _

from workbench.models import pricing
from workbench.query import tables

TOKEN_FIELDS = {
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "cacheCreationTokens": "cache_creation_tokens",
    "cacheReadTokens": "cache_read_tokens",
}
GROUPINGS = ("daily", "monthly", "session")
BLOCK = timedelta(hours=5)


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
    """Deduplicated API responses with their cost in the window, ``date``/``month`` in ``tz``."""
    r = pricing.responses_with_cost(con)
    r = tables.between(r, "ts", since, until)
    r = tables.where_in(r, "agent", agents)
    r = tables.where_in(r, "user_name", users)
    r = tables.where_in(r, "project", projects)
    local = tables.local_time(r.ts, tz)
    return r.mutate(date=local.strftime("%Y-%m-%d"), month=local.strftime("%Y-%m"))


def by_model(rows: ibis.Table, key: str) -> ibis.Table:
    """Token and cost sums per ``key`` and model (the lazy core of every report); ``cost`` is
    NULL for a model without a price."""
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
    return rows.group_by([key, "model"]).agg(
        responses=_.count(), **sums, cost=_.cost_usd.sum(), **extra
    )


def report(con, grouping: str = "daily", *, tz: str, **filters) -> dict:
    """``{"daily"|"monthly"|"sessions": [...], "totals": {...}}`` like ``ccusage ... --json``."""
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {GROUPINGS}")
    key = {"daily": "date", "monthly": "month", "session": "root_session_id"}[grouping]
    rows = by_model(usage(con, tz=tz, **filters), key).to_pyarrow().to_pylist()
    groups: dict[str, dict] = {}
    unpriced: set[str] = set()
    for row in rows:
        g = groups.get(row[key])
        if g is None:
            g = groups[row[key]] = _empty_group(grouping, key, row)
        model = row["model"] or "unknown"
        breakdown = {"modelName": model}
        for out, col in TOKEN_FIELDS.items():
            g[out] += int(row[col] or 0)
            breakdown[out] = int(row[col] or 0)
        breakdown["cost"] = row["cost"]
        if row["cost"] is None and _total(breakdown) > 0:
            unpriced.add(model)
        g["modelBreakdowns"].append(breakdown)
        if grouping == "session":
            g["firstActivity"] = _min_iso(g["firstActivity"], row["first_ts"])
            g["lastActivity"] = _max_iso(g["lastActivity"], row["last_ts"])
    out_rows = []
    for g in groups.values():
        g["modelBreakdowns"].sort(key=_by_cost)
        g["modelsUsed"] = [b["modelName"] for b in g["modelBreakdowns"]]
        g["totalTokens"] = _total(g)
        g["totalCost"] = _sum_costs(b["cost"] for b in g["modelBreakdowns"])
        out_rows.append(g)
    if grouping == "session":
        out_rows.sort(key=lambda g: g["lastActivity"] or "")
    else:
        out_rows.sort(key=lambda g: g[key])
    totals = {k: sum(g[k] for g in out_rows) for k in TOKEN_FIELDS}
    totals["totalTokens"] = sum(g["totalTokens"] for g in out_rows)
    totals["totalCost"] = _sum_costs((g["totalCost"] for g in out_rows), empty=0.0)
    totals["unpricedModels"] = sorted(unpriced)
    name = "sessions" if grouping == "session" else grouping
    return {name: out_rows, "totals": totals}


def blocks(con, *, tz: str = "UTC", now: datetime | None = None, **filters) -> dict:
    """``{"blocks": [...]}`` like ``ccusage blocks --json``: per user, 5-hour windows that start
    at the hour of a block's first response (UTC); a response more than 5 hours after the block
    start or after the previous response opens a new block, and a gap block marks the idle time
    between two blocks. Each block carries its ``user``."""
    cols = ["user_name", "ts", "model", *TOKEN_FIELDS.values(), "cost_usd"]
    r = usage(con, tz=tz, **filters).select(cols).order_by(["user_name", "ts"])
    now = now or datetime.now(timezone.utc)
    out: list[dict] = []
    unpriced: set[str] = set()
    current: dict | None = None
    for row in r.to_pyarrow().to_pylist():
        ts = row["ts"]
        if current is None or current["_user"] != row["user_name"]:
            current = None
        elif ts - current["_start"] > BLOCK or ts - current["_last"] > BLOCK:
            if ts - current["_last"] > BLOCK:
                out.append(_gap(row["user_name"], current["_last"] + BLOCK, ts))
            current = None
        if current is None:
            start = ts.replace(minute=0, second=0, microsecond=0)
            current = _new_block(row["user_name"], start)
            out.append(current)
        _add(current, row, unpriced)
    for b in out:
        _finish(b, now)
    return {"blocks": out, "totals": {"unpricedModels": sorted(unpriced)}}


def _new_block(user: str, start: datetime) -> dict:
    return {
        "id": _iso(start),
        "user": user,
        "startTime": _iso(start),
        "endTime": _iso(start + BLOCK),
        "actualEndTime": None,
        "isActive": False,
        "isGap": False,
        "entries": 0,
        "tokenCounts": {k: 0 for k in _BLOCK_TOKENS},
        "totalTokens": 0,
        "costUSD": None,
        "models": [],
        "burnRate": None,
        "projection": None,
        "_user": user,
        "_start": start,
        "_last": start,
    }


_BLOCK_TOKENS = {
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "cacheCreationInputTokens": "cache_creation_tokens",
    "cacheReadInputTokens": "cache_read_tokens",
}


def _add(block: dict, row: dict, unpriced: set[str]) -> None:
    block["entries"] += 1
    block["_last"] = row["ts"]
    block["actualEndTime"] = _iso(row["ts"])
    for out, col in _BLOCK_TOKENS.items():
        block["tokenCounts"][out] += int(row[col] or 0)
    model = row["model"] or "unknown"
    if model not in block["models"]:
        block["models"].append(model)
    if row["cost_usd"] is not None:
        block["costUSD"] = (block["costUSD"] or 0.0) + row["cost_usd"]
    elif sum(int(row[c] or 0) for c in _BLOCK_TOKENS.values()) > 0:
        unpriced.add(model)


def _gap(user: str, start: datetime, end: datetime) -> dict:
    return {
        "id": "gap-" + _iso(start),
        "user": user,
        "startTime": _iso(start),
        "endTime": _iso(end),
        "actualEndTime": None,
        "isActive": False,
        "isGap": True,
        "entries": 0,
        "tokenCounts": {k: 0 for k in _BLOCK_TOKENS},
        "totalTokens": 0,
        "costUSD": 0.0,
        "models": [],
        "burnRate": None,
        "projection": None,
    }


def _finish(block: dict, now: datetime) -> None:
    start = block.pop("_start", None)
    last = block.pop("_last", None)
    block.pop("_user", None)
    if block["isGap"]:
        return
    block["totalTokens"] = sum(block["tokenCounts"].values())
    end = start + BLOCK
    block["isActive"] = now < end and now - last < BLOCK
    minutes = (last - start).total_seconds() / 60
    if block["isActive"] and minutes > 0:
        per_minute = block["totalTokens"] / minutes
        cost_per_hour = None if block["costUSD"] is None else block["costUSD"] / minutes * 60
        remaining = max(0.0, (end - now).total_seconds() / 60)
        block["burnRate"] = {"tokensPerMinute": per_minute, "costPerHour": cost_per_hour}
        block["projection"] = {
            "totalTokens": round(block["totalTokens"] + per_minute * remaining),
            "totalCost": None
            if cost_per_hour is None
            else block["costUSD"] + cost_per_hour * remaining / 60,
            "remainingMinutes": round(remaining),
        }


def _sum_costs(costs: Iterable[float | None], empty: float | None = None) -> float | None:
    """The sum of the known costs; ``empty`` when there is nothing to sum, None when no cost
    is known."""
    known = None
    seen = False
    for c in costs:
        seen = True
        if c is not None:
            known = (known or 0.0) + c
    return empty if not seen else known


def _by_cost(b: dict) -> tuple:
    """Breakdowns by cost, highest first; unpriced models last, by tokens."""
    return (b["cost"] is None, -(b["cost"] or 0.0), -_total(b), b["modelName"])


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
