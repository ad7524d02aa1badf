"""Figures the reports need beyond the charts' series: the data's real span, headline numbers
with the previous period, data-quality notes, cost by token type, error messages, scorecards.

Built on the marts through :mod:`scope` (one period semantics), :mod:`signals`,
:mod:`summary`, :mod:`friction_report` and :mod:`trends`, so the numbers equal the CLI's:
``headline()["sessions"]`` is ``workbench sessions kpis --json``'s ``sessions``, the cost is
``workbench tokens daily --json``'s ``totalCost``. Plain Python values out.
"""

from __future__ import annotations

import contextlib
import re
from datetime import datetime

from workbench.query import durations, friction_report, leaders, signals, summary, trends
from workbench.query.db import Reader
from workbench.query.scope import Scope
from workbench.query.tokens import money_sum


def span(con: Reader, **filters) -> tuple[datetime | None, datetime | None]:
    """First and last activity in the period (message times, the period's bounds applied)."""
    scope = Scope.of(**filters)
    row = con.one(
        "SELECT min(m.ts) AS first, max(m.ts) AS last FROM messages m "
        f"JOIN sessions s USING (session_id) WHERE {scope.events('m.ts', 's')}"
    )
    return row["first"], row["last"]


def previous(filters: dict) -> dict | None:
    """The filters of the period of the same length just before ``filters``' period (None
    without a start: all data has no previous period)."""
    since, until = filters.get("since"), filters.get("until")
    if since is None:
        return None
    end = until or datetime.now(since.tzinfo)
    return {**filters, "since": since - (end - since), "until": since}


def headline(con: Reader, **filters) -> dict:
    """The period's headline (``summary.headline``, what reports embed), with flat ``tokens``
    and ``cost_usd`` totals and ``unpriced_responses`` for the cards."""
    h = summary.headline(con, **filters)
    scope = Scope.of(**filters)
    unpriced = con.scalar(
        f"SELECT count(*) FROM responses r WHERE r.price_key IS NULL AND "
        f"{scope.events('r.ts', 'r')}"
    )
    return {
        **h,
        "tokens": h["tokens"]["total"],
        "tokens_by_type": h["tokens"],
        "cost_usd": round(float(h["cost_usd"]["total"] or 0), 2),
        "cost_by_type": h["cost_usd"],
        "unpriced_responses": int(unpriced or 0),
    }


def change(now: float | None, before: float | None) -> float | None:
    """Relative change ``now`` vs ``before`` (None when there is nothing to compare with)."""
    if now is None or before in (None, 0):
        return None
    return round((now - before) / before, 4)


def with_previous(con, **filters) -> dict:
    """``{"now": headline, "before": headline or None}`` for the period and the one before."""
    before = previous(filters)
    return {
        "now": headline(con, **filters),
        "before": headline(con, **before) if before else None,
        "before_filters": before,
    }


def data_quality(con, **filters) -> dict:
    """What a reader should know about the data: unreadable lines, models without a price,
    and activity timestamped after the last ingest (clock skew or bad timestamps)."""
    out: dict = {"bad_lines": 0, "unpriced_models": [], "activity_after_ingest": False}
    with contextlib.suppress(Exception):
        out["bad_lines"] = int(con.scalar("SELECT count(*) FROM bad_lines") or 0)
    with contextlib.suppress(Exception):
        models = trends.models(con, "UTC", **filters)
        out["unpriced_models"] = [
            {"model": m["model"], "responses": m["responses"], "tokens": m["tokens"]}
            for m in models
            if not m["priced"]
        ]
    with contextlib.suppress(Exception):
        last_ingest = con.scalar("SELECT max(ingested_at) FROM files")
        _first, last = span(con, **filters)
        out["activity_after_ingest"] = bool(last and last_ingest and last > last_ingest)
    return out


# -- money ---------------------------------------------------------------------------------

TOKEN_COST_COLUMNS = {
    "input": "input_cost_usd",
    "output": "output_cost_usd",
    "cache write": "cache_write_cost_usd",
    "cache read": "cache_read_cost_usd",
}


def _priced(scope: Scope) -> str:
    return (
        f"SELECT * FROM responses r WHERE r.price_key IS NOT NULL AND {scope.events('r.ts', 'r')}"
    )


def cost_by_type(con: Reader, tz: str, **filters) -> dict:
    """Cost in USD per token type (priced responses), with shares, and cache economics: what
    cache writes cost, what cache reads cost, and what those reads would have cost as plain
    input (so ``saved`` = that minus what they cost)."""
    scope = Scope.of(**filters)
    sums = ", ".join(
        f"{money_sum(col)} AS {label.replace(' ', '_')}"
        for label, col in TOKEN_COST_COLUMNS.items()
    )
    row = con.one(
        f"SELECT {sums}, sum(cache_read_tokens) AS read_tokens, sum(input_tokens) AS input_tokens "
        f"FROM ({_priced(scope)}) q"
    )
    costs = {label: float(row[label.replace(" ", "_")] or 0) for label in TOKEN_COST_COLUMNS}
    total = sum(costs.values())
    read_tokens = row["read_tokens"] or 0
    input_tokens = row["input_tokens"] or 0
    input_rate = costs["input"] / input_tokens if input_tokens else None
    as_input = read_tokens * input_rate if input_rate is not None else None
    return {
        "types": [
            {"type": k, "cost_usd": round(v, 2), "share": round(v / total, 4) if total else None}
            for k, v in costs.items()
        ],
        "total_usd": round(total, 2),
        "cache_write_usd": round(costs["cache write"], 2),
        "cache_read_usd": round(costs["cache read"], 2),
        "reads_as_input_usd": round(as_input, 2) if as_input is not None else None,
        "saved_usd": round(as_input - costs["cache read"], 2) if as_input is not None else None,
    }


def _period_sql(con: Reader, tz: str, unit: str) -> str:
    """SQL: a response's local day, the Monday of its week or the 1st of its month (a date)."""
    day = f"CAST({con.dialect.local_text('r.ts', tz, '%Y-%m-%d')} AS DATE)"
    if unit == "week":
        return f"CAST(date_trunc('week', {day}) AS DATE)"
    if unit == "month":
        return f"CAST(date_trunc('month', {day}) AS DATE)"
    return day


def cost_per_period(con: Reader, tz: str, unit: str = "day", **filters) -> list[dict]:
    """Per local ``unit`` (day, week, month) and token type: cost in USD (priced only)."""
    scope = Scope.of(**filters)
    sums = ", ".join(
        f"{money_sum(col)} AS {label.replace(' ', '_')}"
        for label, col in TOKEN_COST_COLUMNS.items()
    )
    return con.rows(
        f"SELECT {_period_sql(con, tz, unit)} AS period, {sums} FROM responses r "
        f"WHERE r.price_key IS NOT NULL AND r.ts IS NOT NULL AND {scope.events('r.ts', 'r')} "
        "GROUP BY period ORDER BY period"
    )


def cost_table(con: Reader, tz: str, unit: str = "day", **filters) -> list[dict]:
    """ccusage-style totals per ``unit``: tokens by type, cost, sessions, with a total row
    appended by the caller if wanted."""
    scope = Scope.of(**filters)
    return con.rows(
        f"""
        SELECT {_period_sql(con, tz, unit)} AS period, sum(r.input_tokens) AS input,
            sum(r.output_tokens) AS output, sum(r.cache_creation_tokens) AS cache_write,
            sum(r.cache_read_tokens) AS cache_read, sum(r.total_tokens) AS tokens,
            {money_sum("r.cost_usd")} AS cost_usd,
            count(*) FILTER (WHERE r.price_key IS NULL) AS unpriced,
            count(DISTINCT r.model) AS models
        FROM responses r
        WHERE r.ts IS NOT NULL AND {scope.events("r.ts", "r")}
        GROUP BY period ORDER BY period
        """
    )


def _session_costs(con: Reader, **filters) -> list[float]:
    """Top-level sessions' costs in the period (with their subagents), highest first."""
    selected = signals._selected(con, Scope.of(**filters), include_subagents=False)
    return [
        float(c)
        for c in con.column(
            f"SELECT total_cost_usd FROM ({selected}) q WHERE total_cost_usd IS NOT NULL "
            "ORDER BY total_cost_usd DESC, session_id"
        )
    ]


def cost_concentration(con, **filters) -> dict:
    """How concentrated cost is: the share of sessions that make half the cost, and the top
    10% of sessions' share of cost (top-level sessions with a price)."""
    costs = _session_costs(con, **filters)
    total = sum(costs)
    if not costs or total <= 0:
        return {"sessions": len(costs), "half_share": None, "top10_share": None}
    run, half = 0.0, 0
    for half, c in enumerate(costs, start=1):  # noqa: B007
        run += c
        if run >= total / 2:
            break
    top = max(1, round(len(costs) / 10))
    return {
        "sessions": len(costs),
        "half_sessions": half,
        "half_share": round(half / len(costs), 4),
        "top10_share": round(sum(costs[:top]) / total, 4),
    }


def pareto(con, **filters) -> list[dict]:
    """Sessions ranked by cost with the cumulative share of cost (for a Pareto line)."""
    costs = _session_costs(con, **filters)
    total = sum(costs) or 1.0
    out, run = [], 0.0
    for i, c in enumerate(costs, start=1):
        run += c
        out.append({"rank_share": i / len(costs), "cost_share": run / total})
    return out


def costly_sessions(con, n: int = 10, **filters) -> list[dict]:
    """The most expensive top-level sessions, identical clones grouped: sessions with the same
    cost (to the cent), model and first prompt are one row with ``count``; ties are broken by
    start time then id, so two runs list the same rows."""
    selected = signals._selected(con, Scope.of(**filters), include_subagents=False)
    return con.rows(
        f"""
        SELECT count(*) AS count,
            max(CASE WHEN first = 1 THEN session_id END) AS session_id,
            max(CASE WHEN first = 1 THEN user_name END) AS user_name,
            max(CASE WHEN first = 1 THEN project END) AS project,
            min(started_at) AS started_at, count(DISTINCT user_name) AS users,
            max(total_total_tokens) AS total_tokens, max(total_cost_usd) AS cost_usd,
            {money_sum("total_cost_usd")} AS total_cost, primary_model, first_prompt
        FROM (
            SELECT *, row_number() OVER (
                PARTITION BY cents, primary_model, first_prompt
                ORDER BY started_at NULLS LAST, session_id) AS first
            FROM (SELECT *, CAST(round(total_cost_usd * 100) AS BIGINT) AS cents
                  FROM ({selected}) q WHERE total_cost_usd IS NOT NULL) c
        ) d
        GROUP BY cents, primary_model, first_prompt
        ORDER BY cents DESC, count DESC, started_at, session_id
        LIMIT {int(n)}
        """
    )


# -- errors --------------------------------------------------------------------------------

_VOLATILE = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"(?:/[\w.@+-]+){2,}/?"), "<path>"),
    (re.compile(r"\b0x[0-9a-f]+\b", re.I), "<hex>"),
    (re.compile(r"(?<![A-Za-z_])\d+(?:[.,:]\d+)*"), "<n>"),
    (re.compile(r"\s+"), " "),
)


def normalise(text: str | None, width: int = 160) -> str:
    """An error excerpt as a message pattern: its first meaningful line with ids, paths and
    numbers replaced, so the same failure in many places counts as one message."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    if any(ln.startswith("Traceback (most recent call last)") for ln in lines):
        lines = lines[-1:]  # a Python traceback: the exception line says what happened
    line = next(
        (ln for ln in lines if not re.fullmatch(r"(?i)(error:?|exit code:? ?\d+|<.*?>)", ln)),
        lines[0] if lines else "",
    )
    line = re.sub(r"^(?i:error:\s*)", "", line)
    for pattern, repl in _VOLATILE:
        line = pattern.sub(repl, line)
    line = line.strip()
    return line[: width - 1] + "…" if len(line) > width else line


def error_messages(con, n: int = 15, **filters) -> list[dict]:
    """The most frequent error messages (normalised): count, sessions, users, first and last
    seen, tools, category and the rule's meaning (a fix list, most frequent first)."""
    from workbench.models.friction import RULES

    meaning = {r.category: r.meaning for r in RULES}
    rows = con.rows(
        "SELECT session_id, root_session_id, user_name, tool_name, category, ts, excerpt "
        f"FROM ({friction_report.errors_sql(Scope.of(**filters))}) q "
        "ORDER BY ts NULLS LAST, session_id, ordinal"
    )
    groups: dict[str, dict] = {}
    for r in rows:
        key = normalise(r["excerpt"])
        g = groups.setdefault(
            key,
            {
                "message": key,
                "count": 0,
                "sessions": set(),
                "users": set(),
                "tools": {},
                "categories": {},
                "first_seen": None,
                "last_seen": None,
                "example_session": r["root_session_id"] or r["session_id"],
            },  # fmt: skip
        )
        g["count"] += 1
        g["sessions"].add(r["root_session_id"] or r["session_id"])
        g["users"].add(r["user_name"])
        g["tools"][r["tool_name"]] = g["tools"].get(r["tool_name"], 0) + 1
        g["categories"][r["category"]] = g["categories"].get(r["category"], 0) + 1
        ts = r["ts"]
        if ts is not None:
            g["first_seen"] = ts if g["first_seen"] is None else min(g["first_seen"], ts)
            g["last_seen"] = ts if g["last_seen"] is None else max(g["last_seen"], ts)
    total = sum(g["count"] for g in groups.values())
    out = []
    for g in sorted(groups.values(), key=lambda g: (-g["count"], g["message"]))[:n]:
        category = max(g["categories"], key=lambda c: (g["categories"][c], c))
        out.append(
            {
                **g,
                "sessions": len(g["sessions"]),
                "users": len(g["users"]),
                "tools": ", ".join(sorted(g["tools"], key=lambda t: -g["tools"][t])),
                "category": category,
                "meaning": meaning.get(category, "matches no rule"),
                "share": round(g["count"] / total, 4) if total else None,
                "categories": g["categories"],
            }
        )
    return out


# -- scorecards ----------------------------------------------------------------------------


def scorecard(con, key: str, n: int = 10, **filters) -> list[dict]:
    """Per ``key`` (user_name, project, agent, primary_model): sessions, active hours, tool
    calls, error rate, tokens, cost, cost per session and per active hour, and the change in
    cost and sessions vs the previous period of the same length. Beyond the top ``n`` by cost
    one "others" row; the rows sum to the period's totals."""

    def rows_for(f: dict) -> dict:
        return {r[key]: r for r in trends.by_key(con, key, **f)}

    now = rows_for(filters)
    before_filters = previous(filters)
    before = rows_for(before_filters) if before_filters else {}
    ranked = sorted(
        now.values(), key=lambda r: (-(r["cost_usd"] or 0), -(r["sessions"] or 0), str(r[key]))
    )
    top, rest = ranked[:n], ranked[n:]
    sums = ("sessions", "active_hours", "tool_calls", "tool_errors", "tokens", "cost_usd")
    if rest:
        other = {key: f"others ({len(rest)})", **{c: sum(r[c] or 0 for r in rest) for c in sums}}
        other["_others"] = True
        top = [*top, other]
    out = []
    for r in top:
        b = before.get(r[key]) if not r.get("_others") else None
        cost, hours, sessions = r["cost_usd"], r["active_hours"] or 0, r["sessions"] or 0
        out.append(
            {
                "name": r[key] if r[key] is not None else "(none)",
                "sessions": int(sessions),
                "active_hours": round(hours, 1),
                "tool_calls": int(r["tool_calls"] or 0),
                "error_rate": (r["tool_errors"] or 0) / r["tool_calls"]
                if r["tool_calls"]
                else None,
                "tokens": int(r["tokens"] or 0),
                "cost_usd": cost,
                "cost_per_session": cost / sessions if cost is not None and sessions else None,
                "cost_per_hour": cost / hours if cost is not None and hours else None,
                "cost_change": change(cost, b["cost_usd"]) if b else None,
                "sessions_change": change(sessions, b["sessions"]) if b else None,
                "others": bool(r.get("_others")),
            }
        )
    return out


# -- rates over time -----------------------------------------------------------------------


def error_rate_per_day(con, tz: str, **filters) -> list[dict]:
    """Per local day: tool calls, tool errors (each on the day it happened) and errors per 100
    calls, for the selected sessions."""
    scope = Scope.of(**filters)
    day = con.dialect.local_text("ts", tz, "%Y-%m-%d")
    rows = con.rows(
        f"""
        WITH c AS (SELECT {day} AS day, count(*) AS calls
                   FROM ({friction_report.calls_sql(scope)}) q
                   WHERE ts IS NOT NULL GROUP BY day),
        e AS (SELECT {day} AS day, count(*) AS errors FROM ({friction_report.errors_sql(scope)}) q
              WHERE ts IS NOT NULL GROUP BY day)
        SELECT c.day, c.calls, coalesce(e.errors, 0) AS errors
        FROM c LEFT JOIN e USING (day) ORDER BY c.day
        """
    )
    for r in rows:
        r["per_100_calls"] = round(100 * r["errors"] / r["calls"], 2) if r["calls"] else None
    return rows


# -- leaderboards and durations ------------------------------------------------------------


def leaderboards(con: Reader, n: int = 10, **filters) -> dict:
    """The top ``n`` skills, subagent types, slash commands and MCP servers of the period:
    ``workbench leaders --limit n --json``."""
    return leaders.report(con, limit=n, **filters)


def slowest(con: Reader, n: int = 15, *, redact: bool = True, **filters) -> dict:
    """The slowest tools and commands of the period: ``workbench friction --json``'s
    ``durations``."""
    return durations.report(con, limit=n, redact=redact, **filters)
