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
_US = timedelta(microseconds=1)
BLOCK_US = BLOCK // _US
HOUR_US = timedelta(hours=1) // _US
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
            # times as microseconds: DuckDB's conversion of TIMESTAMPTZ values costs more
            f", {d.epoch_us('min(r.ts)')} AS first_us, {d.epoch_us('max(r.ts)')} AS last_us, "
            "any_value(s.project_path) "
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
            g["firstActivity"] = _min_iso(g["firstActivity"], _dt_or_none(row["first_us"]))
            g["lastActivity"] = _max_iso(g["lastActivity"], _dt_or_none(row["last_us"]))
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
    now_us = _us(now or datetime.now(timezone.utc))
    out: list[dict] = []
    unpriced: set[str] = set()
    acc: list | None = None  # [user, start, last, entries, tokens x4, cost, models]
    part_of = None
    parts = _block_parts(con, Scope.of(**filters))
    for user, hour, part, model, first, last, n, *counts, cost, no_price in parts:
        if (user, hour, part) != part_of:
            # a new part: the only place a block can end (see _block_parts)
            part_of = (user, hour, part)
            if acc is not None and (
                acc[0] != user or first - acc[1] > BLOCK_US or first - acc[2] > BLOCK_US
            ):
                out.append(_block(acc, now_us))
                if acc[0] == user and first - acc[2] > BLOCK_US:
                    out.append(_gap(user, _dt(acc[2] + BLOCK_US), _dt(first)))
                acc = None
            if acc is None:
                acc = [user, hour, first, 0, 0, 0, 0, 0, None, {}]
        acc[2] = max(acc[2], last)
        acc[3] += n
        for i, count in enumerate(counts, 4):
            acc[i] += int(count)
        acc[9][model] = None
        if cost is not None:
            acc[8] = (acc[8] or 0.0) + cost
        if no_price:
            unpriced.add(model)
    if acc is not None:
        out.append(_block(acc, now_us))
    return {"blocks": out, "totals": {"unpricedModels": sorted(unpriced)}}


def _block_parts(con: Reader, scope: Scope) -> list[tuple]:
    """The responses summed per user, hour part and model, in the order the block walk needs.

    A part is the responses of one user in one UTC hour, those exactly on the hour apart from
    the rest: every response of a part falls in the same block (a block starts on an hour and
    lasts 5 hours, and responses within an hour are never 5 hours apart), so the walk decides
    only once per part, over a few thousand rows instead of every response. Parts and models
    come in the order of their first response (by time, then key), the order a block lists
    its models in. Times are microseconds (DuckDB's conversion of TIMESTAMPTZ values costs
    more than the walk)."""
    d = con.dialect
    hour = HOUR_US
    counts = ", ".join(f"coalesce(r.{c}, 0) AS {c}" for c in _BLOCK_TOKENS.values())
    sums = ", ".join(f"sum({c})" for c in _BLOCK_TOKENS.values())
    any_tokens = " OR ".join(f"{c} <> 0" for c in _BLOCK_TOKENS.values())
    return con.tuples(
        f"""
        WITH r AS (
            SELECT r.user_name AS u, {d.epoch_us("r.ts")} AS us,
                coalesce(r.model, 'unknown') AS m, {counts}, r.cost_usd,
                row_number() OVER (PARTITION BY r.user_name ORDER BY r.ts, r.dedupe_key) AS seq
            FROM responses r
            WHERE r.ts IS NOT NULL AND {scope.events("r.ts", "r")}
        ),
        h AS (
            SELECT *, us - ((us % {hour}) + {hour}) % {hour} AS hour_us FROM r
        ),
        p AS (
            SELECT *, CASE WHEN us = hour_us THEN 0 ELSE 1 END AS part FROM h
        )
        SELECT u, hour_us, part, m, min(us), max(us), count(*), {sums},
            {money_sum("cost_usd")},
            max(CASE WHEN cost_usd IS NULL AND ({any_tokens}) THEN 1 ELSE 0 END)
        FROM p
        GROUP BY u, hour_us, part, m
        ORDER BY u, hour_us, part, min(seq)
        """
    )


def _us(ts: datetime) -> int:
    return (ts - EPOCH) // _US


def _dt(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _dt_or_none(us: int | None) -> datetime | None:
    return None if us is None else _dt(us)


_BLOCK_TOKENS = {
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "cacheCreationInputTokens": "cache_creation_tokens",
    "cacheReadInputTokens": "cache_read_tokens",
}


def _block(acc: list, now_us: int) -> dict:
    """A finished block from its running sums, with burn rate and projection while active."""
    user, start_us, last_us, entries, *counts = acc[:8]
    cost, models = acc[8], list(acc[9])
    start = _dt(start_us)
    total = sum(counts)
    end_us = start_us + BLOCK_US
    active = now_us < end_us and now_us - last_us < BLOCK_US
    block = {
        "id": _iso(start),
        "user": user,
        "startTime": _iso(start),
        "endTime": _iso(_dt(end_us)),
        "actualEndTime": _iso(_dt(last_us)),
        "isActive": active,
        "isGap": False,
        "entries": entries,
        "tokenCounts": dict(zip(_BLOCK_TOKENS, counts)),
        "totalTokens": total,
        "costUSD": cost,
        "models": models,
        "burnRate": None,
        "projection": None,
    }
    minutes = (last_us - start_us) / 60e6
    if active and minutes > 0:
        per_minute = total / minutes
        cost_per_hour = None if cost is None else cost / minutes * 60
        remaining = max(0.0, (end_us - now_us) / 60e6)
        block["burnRate"] = {"tokensPerMinute": per_minute, "costPerHour": cost_per_hour}
        block["projection"] = {
            "totalTokens": round(total + per_minute * remaining),
            "totalCost": None if cost_per_hour is None else cost + cost_per_hour * remaining / 60,
            "remainingMinutes": round(remaining),
        }
    return block


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
    """``2026-03-04T08:00:01.234Z`` (ccusage's form): UTC, milliseconds."""
    if ts is None:
        return None
    if ts.utcoffset():
        ts = ts.astimezone(timezone.utc)
    # isoformat is C: a third of strftime's time, thousands of times per report
    return ts.isoformat(timespec="milliseconds")[:23] + "Z"


def _min_iso(current: str | None, ts) -> str | None:
    new = _iso(ts)
    return new if current is None or (new is not None and new < current) else current


def _max_iso(current: str | None, ts) -> str | None:
    new = _iso(ts)
    return new if current is None or (new is not None and new > current) else current
