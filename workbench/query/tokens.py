"""Token and cost reports per day, month, session or 5-hour block, in ccusage's JSON shape.

Every number comes from the ``responses`` mart (deduplicated and priced at ingest), in the
period by each response's own time (``query.scope``); days and months are wall-clock dates in
the chosen time zone.

Cost fields: ``totalCost`` per row, ``cost`` per model breakdown, ``totals.totalCost`` and
``totals.unpricedModels``. A model with no price has ``cost: null`` (never 0) and is listed in
``unpricedModels``; a ``totalCost`` is the sum over the priced models, null when none is priced.
Costs are summed as decimals, so the same data gives the same digits on every run and engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from workbench.query.db import Reader
from workbench.query.scope import Scope

TOKEN_FIELDS = {
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "cacheCreationTokens": "cache_creation_tokens",
    "cacheReadTokens": "cache_read_tokens",
}
GROUPINGS = ("daily", "monthly", "session")
BLOCK = timedelta(hours=5)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def money_sum(column: str) -> str:
    """SQL: the sum of a USD column, exact and independent of row order (NULL when all are)."""
    return f"CAST(sum(CAST({column} AS DECIMAL(38, 12))) AS FLOAT8)"


def _sums(alias: str = "r") -> str:
    return ", ".join(f"sum({alias}.{c}) AS {c}" for c in TOKEN_FIELDS.values())


def by_model(con: Reader, grouping: str, *, tz: str, **filters) -> list[dict]:
    """Token and cost sums per period key (day, month or root session) and model, in the
    period; ``cost`` is NULL for a model without a price."""
    scope = Scope.of(**filters)
    d = con.dialect
    key = {
        "daily": d.local_text("r.ts", tz, "%Y-%m-%d"),
        "monthly": d.local_text("r.ts", tz, "%Y-%m"),
        "session": "r.root_session_id",
    }[grouping]
    extra = ""
    if grouping == "session":
        extra = (
            ", min(r.ts) AS first_ts, max(r.ts) AS last_ts, any_value(s.project_path) "
            "AS project_path, any_value(coalesce(s.user_name, r.user_name)) AS user_name, "
            "any_value(coalesce(s.agent, r.agent)) AS agent"
        )
    join = "LEFT JOIN sessions s ON s.session_id = r.root_session_id" if extra else ""
    return con.rows(
        f"""
        SELECT {key} AS k, r.model, count(*) AS responses, {_sums()},
            {money_sum("r.cost_usd")} AS cost {extra}
        FROM responses r {join}
        WHERE {scope.events("r.ts", "r")}
        GROUP BY k, r.model
        ORDER BY k, r.model
        """
    )


def report(con: Reader, grouping: str = "daily", *, tz: str, **filters) -> dict:
    """``{"daily"|"monthly"|"sessions": [...], "totals": {...}}`` like ``ccusage ... --json``."""
    if grouping not in GROUPINGS:
        raise ValueError(f"grouping must be one of {GROUPINGS}")
    key = {"daily": "date", "monthly": "month", "session": "root_session_id"}[grouping]
    groups: dict[str, dict] = {}
    unpriced: set[str] = set()
    for row in by_model(con, grouping, tz=tz, **filters):
        row[key] = row.pop("k")
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
        out_rows.sort(key=lambda g: (g["lastActivity"] or "", g["sessionId"]))
    else:
        out_rows.sort(key=lambda g: g[key])
    totals = {k: sum(g[k] for g in out_rows) for k in TOKEN_FIELDS}
    totals["totalTokens"] = sum(g["totalTokens"] for g in out_rows)
    totals["totalCost"] = _sum_costs((g["totalCost"] for g in out_rows), empty=0.0)
    totals["unpricedModels"] = sorted(unpriced)
    name = "sessions" if grouping == "session" else grouping
    return {name: out_rows, "totals": totals}


def blocks(con: Reader, *, tz: str = "UTC", now: datetime | None = None, **filters) -> dict:
    """``{"blocks": [...]}`` like ``ccusage blocks --json``: per user, 5-hour windows that start
    at the hour of a block's first response (UTC); a response more than 5 hours after the block
    start or after the previous response opens a new block, and a gap block marks the idle time
    between two blocks. Each block carries its ``user``."""
    scope = Scope.of(**filters)
    rows = con.rows(
        f"""
        SELECT r.user_name, {con.dialect.epoch_us("r.ts")} AS us, r.model,
            {", ".join("r." + c for c in TOKEN_FIELDS.values())}, r.cost_usd
        FROM responses r
        WHERE r.ts IS NOT NULL AND {scope.events("r.ts", "r")}
        ORDER BY r.user_name, r.ts, r.dedupe_key
        """
    )
    now = now or datetime.now(timezone.utc)
    out: list[dict] = []
    unpriced: set[str] = set()
    current: dict | None = None
    for row in rows:
        # microseconds, not TIMESTAMPTZ values: DuckDB's conversion of those costs ~10x more
        ts = row["ts"] = EPOCH + timedelta(microseconds=row.pop("us"))
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
