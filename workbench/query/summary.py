"""The headline figures of a scope: what every report's first line and its embedded
``workbench-summary`` JSON say, and what ``tokens daily``, ``sessions kpis`` and
``friction`` print for the same period (one definition each, in ``query.scope``)."""

from __future__ import annotations

from workbench.query import signals
from workbench.query.db import Reader
from workbench.query.scope import Scope
from workbench.query.tokens import money_sum

TOKEN_TYPES = ("input", "output", "cache_creation", "cache_read")


def headline(con: Reader, **filters) -> dict:
    """``{period, sessions, users, active_hours, responses, tokens{…}, cost_usd{…},
    unpriced_models, tool_calls, tool_errors, tool_error_rate, sessions_with_errors}``."""
    scope = Scope.of(**filters)
    k = signals.kpis(con, **filters)
    r = con.one(
        f"""
        SELECT count(*) AS responses,
            {", ".join(f"coalesce(sum({t}_tokens), 0) AS {t}" for t in TOKEN_TYPES)},
            coalesce(sum(total_tokens), 0) AS total,
            {money_sum("input_cost_usd")} AS input_cost,
            {money_sum("output_cost_usd")} AS output_cost,
            {money_sum("cache_write_cost_usd")} AS cache_creation_cost,
            {money_sum("cache_read_cost_usd")} AS cache_read_cost,
            {money_sum("cost_usd")} AS cost,
            array_agg(DISTINCT coalesce(model, 'unknown') ORDER BY coalesce(model, 'unknown'))
                FILTER (WHERE price_key IS NULL AND total_tokens > 0) AS unpriced_models
        FROM responses r WHERE {scope.events("r.ts", "r")}
        """
    )
    active = con.scalar(
        f"SELECT coalesce(sum({scope.active_seconds('s.session_id')}), 0) FROM sessions s "
        f"WHERE {scope.active_sessions('s')}"
    )
    return {
        "period": {
            "since": scope.since.isoformat() if scope.since else None,
            "until": scope.until.isoformat() if scope.until else None,
            "users": list(scope.users),
            "projects": list(scope.projects),
            "agents": list(scope.agents),
            "machines": list(scope.machines),
        },
        "sessions": k["sessions"],
        "users": k["users"],
        "active_hours": round(float(active or 0) / 3600, 2),
        "responses": r["responses"],
        "tokens": {t: int(r[t]) for t in TOKEN_TYPES} | {"total": int(r["total"])},
        "cost_usd": {t: r[f"{t}_cost"] or 0.0 for t in TOKEN_TYPES} | {"total": r["cost"] or 0.0},
        "unpriced_models": r["unpriced_models"] or [],
        "tool_calls": k["tool_calls"],
        "tool_errors": k["tool_errors"],
        "tool_error_rate": k["tool_error_rate"],
        "sessions_with_errors": k["sessions_with_errors"],
        "sessions_with_errors_share": k["sessions_with_errors_share"],
    }
