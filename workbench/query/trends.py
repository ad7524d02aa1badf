"""The series behind the notebook charts, as lists of plain rows (days are local dates in
``tz``), in a scope (``query.scope``): events by their own time, sessions when active.

Each function takes the read connection, the zone where it matters and the usual filters
(``since``, ``until``, ``users``, ``projects``, ``agents``).
"""

from __future__ import annotations

from workbench.query import signals
from workbench.query.db import Reader, lit, lits
from workbench.query.scope import Scope
from workbench.query.tokens import money_sum


def activity_per_day(con: Reader, tz: str, **filters) -> list[dict]:
    """Per local day: top-level sessions active that day and active hours (activity blocks by
    the day they start, clipped to the period)."""
    scope = Scope.of(**filters)
    d = con.dialect
    start, end = "b.started_at", "b.ended_at"
    if scope.since is not None:
        start = f"greatest(b.started_at, {lit(scope.since)})"
    if scope.until is not None:
        end = f"least(b.ended_at, {lit(scope.until)})"
    return con.rows(
        f"""
        SELECT {d.local_text("b.started_at", tz, "%Y-%m-%d")} AS day,
            count(DISTINCT b.root_session_id) AS sessions,
            round(sum(greatest(epoch({end}) - epoch({start}), 0)) / 3600, 2) AS active_hours
        FROM activity_blocks b JOIN sessions s ON s.session_id = b.root_session_id
        WHERE {
            " AND ".join(scope.overlaps("b.started_at", "b.ended_at") + scope.who("s")) or "true"
        }
        GROUP BY day ORDER BY day
        """
    )


def heatmap(con: Reader, tz: str, **filters) -> list[dict]:
    """Prompts and replies by local weekday (0 = Monday) and hour."""
    scope = Scope.of(**filters)
    weekday, hour = con.dialect.weekday_hour("m.ts", tz)
    return con.rows(
        f"""
        SELECT {weekday} AS weekday, {hour} AS hour,
            count(*) AS messages
        FROM messages m JOIN sessions s USING (session_id)
        WHERE m.type IN ('user', 'assistant') AND m.ts IS NOT NULL
          AND {scope.events("m.ts", "s")}
        GROUP BY weekday, hour ORDER BY weekday, hour
        """
    )


def by_key(con: Reader, key: str, **filters) -> list[dict]:
    """Per user/project/agent/machine/model (primary model): sessions active in the period
    (top-level), active hours, tool calls, errors, tokens and cost in it (subagents included)."""
    column = {"model": "primary_model"}.get(key, key)
    if column not in ("user_name", "project", "agent", "primary_model", "machine"):
        raise ValueError(f"cannot group by {key!r}")
    selected = signals._selected(con, Scope.of(**filters), include_subagents=True)
    return con.rows(
        f"""
        SELECT {column} AS {key}, count(*) FILTER (WHERE NOT is_subagent) AS sessions,
            round(sum(active_seconds) / 3600, 2) AS active_hours,
            sum(tool_calls) AS tool_calls, sum(tool_errors) AS tool_errors,
            sum(own_total_tokens) AS tokens, {money_sum("own_cost_usd")} AS cost_usd
        FROM ({selected}) q
        GROUP BY {column} ORDER BY sessions DESC, {column} NULLS LAST
        """
    )


def _responses(con: Reader, tz: str, scope: Scope) -> str:
    day = con.dialect.local_text("r.ts", tz, "%Y-%m-%d")
    return f"SELECT r.*, {day} AS day FROM responses r WHERE {scope.events('r.ts', 'r')}"


def models(con: Reader, tz: str, **filters) -> list[dict]:
    """Per model: responses, tokens, cost (NULL for an unpriced model) in the period."""
    r = _responses(con, tz, Scope.of(**filters))
    return con.rows(
        f"""
        SELECT model, count(*) AS responses, sum(total_tokens) AS tokens,
            {money_sum("cost_usd")} AS cost_usd, bool_and(price_key IS NOT NULL) AS priced
        FROM ({r}) q GROUP BY model ORDER BY tokens DESC, model NULLS LAST
        """
    )


def tokens_per_day(con: Reader, tz: str, **filters) -> list[dict]:
    """Per local day and token type (input, output, cache_write, cache_read): tokens."""
    r = _responses(con, tz, Scope.of(**filters))
    rows = con.rows(
        f"""
        SELECT day, sum(input_tokens) AS input, sum(output_tokens) AS output,
            sum(cache_creation_tokens) AS cache_write, sum(cache_read_tokens) AS cache_read
        FROM ({r}) q GROUP BY day ORDER BY day
        """
    )
    kinds = ("input", "output", "cache_write", "cache_read")
    return [{"day": x["day"], "type": k, "tokens": x[k]} for x in rows for k in sorted(kinds)]


def cost_per_day(con: Reader, tz: str, **filters) -> list[dict]:
    """Per local day and model: cost in USD (priced responses only)."""
    r = _responses(con, tz, Scope.of(**filters))
    return con.rows(
        f"""
        SELECT day, model, {money_sum("cost_usd")} AS cost_usd
        FROM ({r}) q WHERE price_key IS NOT NULL GROUP BY day, model ORDER BY day, model
        """
    )


def cache_ratio_per_day(con: Reader, tz: str, **filters) -> list[dict]:
    """Per local day: cache reads / all prompt tokens (input + cache writes + cache reads)."""
    r = _responses(con, tz, Scope.of(**filters))
    return con.rows(
        f"""
        SELECT day, read, prompt, round(read / nullif(prompt, 0), 4) AS cache_hit_ratio
        FROM (SELECT day, sum(cache_read_tokens) AS read,
                  sum(input_tokens + cache_creation_tokens + cache_read_tokens) AS prompt
              FROM ({r}) q GROUP BY day) t
        ORDER BY day
        """
    )


def errors_per_day(con: Reader, tz: str, **filters) -> list[dict]:
    """Per local day (of the error) and friction category: tool errors."""
    from workbench.query import friction_report

    errors = friction_report.errors_sql(Scope.of(**filters))
    day = con.dialect.local_text("ts", tz, "%Y-%m-%d")
    return con.rows(
        f"SELECT {day} AS day, category, count(*) AS errors FROM ({errors}) q "
        "WHERE ts IS NOT NULL GROUP BY day, category ORDER BY day, category"
    )


def worst_sessions(con: Reader, n: int = 15, **filters) -> list[dict]:
    """The top-level sessions with the most tool errors in the period (then the lowest
    health)."""
    selected = signals._selected(con, Scope.of(**filters), include_subagents=False)
    return con.rows(
        f"""
        SELECT session_id, user_name, project, started_at, tool_calls, tool_errors, outcome,
            health_score, health_grade, total_cost_usd AS cost_usd
        FROM ({selected}) q WHERE tool_errors > 0
        ORDER BY tool_errors DESC, health_score, session_id LIMIT {int(n)}
        """
    )


def first_errors(con: Reader, session_ids: list[str], per_session: int = 2) -> list[dict]:
    """The first ``per_session`` error excerpts of each session."""
    if not session_ids:
        return []
    return con.rows(
        f"""
        SELECT session_id, tool_name, category, excerpt FROM (
            SELECT *, row_number() OVER (
                PARTITION BY session_id ORDER BY ordinal, block_index) AS k
            FROM tool_errors WHERE session_id IN {lits(session_ids)}
        ) ranked WHERE k <= {int(per_session)} ORDER BY session_id, k
        """
    )
