"""The series behind the notebook charts, as lazy Ibis tables (days are local dates in ``tz``).

Each function takes the connection, the zone and the usual filters (``since``, ``until``,
``users``, ``projects``, ``agents``) and returns an Ibis table; charts execute them.
"""

from __future__ import annotations

import ibis
from ibis import _

from workbench.models import pricing
from workbench.query import signals, tables


def _day(ts, tz: str):
    return tables.local_time(ts, tz).date()


def activity_per_day(con, tz: str, **filters) -> ibis.Table:
    """Per local day of session start: sessions (top-level) and active hours (all)."""
    s = signals.sessions(con, with_cost=False, **filters)
    s = s.mutate(day=_day(s.started_at, tz))
    return (
        s.group_by("day")
        .agg(
            sessions=_.session_id.count(where=~_.is_subagent),
            active_hours=(_.active_seconds.sum() / 3600).round(2),
        )
        .order_by("day")
    )


def heatmap(con, tz: str, **filters) -> ibis.Table:
    """Prompts and replies by local weekday (0 = Monday) and hour."""
    s = signals.sessions(con, with_cost=False, **filters).select("session_id")
    m = con.table("messages").filter(_.type.isin(["user", "assistant"]) & _.ts.notnull())
    m = m.join(s, "session_id")
    local = tables.local_time(m.ts, tz)
    m = m.mutate(weekday=(local.day_of_week.index()), hour=local.hour())
    return m.group_by(["weekday", "hour"]).agg(messages=_.count())


def by_key(con, key: str, **filters) -> ibis.Table:
    """Per user/project/agent/model: sessions, active hours, tool calls, errors, tokens, cost."""
    s = signals.sessions(con, **filters)
    return (
        s.group_by(key)
        .agg(
            sessions=_.session_id.count(where=~_.is_subagent),
            active_hours=(_.active_seconds.sum() / 3600).round(2),
            tool_calls=_.tool_calls.sum(),
            tool_errors=_.tool_errors.sum(),
            tokens=_.total_tokens.sum(),
            cost_usd=_.cost_usd.sum(),
        )
        .order_by(ibis.desc("sessions"))
    )


def responses(con, tz: str, **filters) -> ibis.Table:
    """Deduplicated API responses of the selected sessions, with cost and local ``day``."""
    s = signals.sessions(con, with_cost=False, **filters).select("session_id")
    r = pricing.responses_with_cost(con)
    r = r.join(s, "session_id")
    return r.mutate(day=_day(r.ts, tz))


def models(con, tz: str, **filters) -> ibis.Table:
    """Per model: responses, tokens, cost (NULL for an unpriced model)."""
    r = responses(con, tz, **filters)
    return (
        r.group_by("model")
        .agg(
            responses=_.count(),
            tokens=_.total_tokens.sum(),
            cost_usd=_.cost_usd.sum(),
            priced=_.priced.all(),
        )
        .order_by(ibis.desc("tokens"))
    )


def tokens_per_day(con, tz: str, **filters) -> ibis.Table:
    """Per local day and token type (input, output, cache write, cache read): tokens."""
    r = responses(con, tz, **filters)
    daily = r.group_by("day").agg(
        input=_.input_tokens.sum(),
        output=_.output_tokens.sum(),
        cache_write=_.cache_creation_tokens.sum(),
        cache_read=_.cache_read_tokens.sum(),
    )
    return daily.pivot_longer(
        ["input", "output", "cache_write", "cache_read"], names_to="type", values_to="tokens"
    ).order_by(["day", "type"])


def cost_per_day(con, tz: str, **filters) -> ibis.Table:
    """Per local day and model: cost in USD (priced responses only)."""
    r = responses(con, tz, **filters).filter(_.priced)
    return r.group_by(["day", "model"]).agg(cost_usd=_.cost_usd.sum()).order_by(["day", "model"])


def cache_ratio_per_day(con, tz: str, **filters) -> ibis.Table:
    """Per local day: cache reads / all prompt tokens (input + cache writes + cache reads)."""
    r = responses(con, tz, **filters)
    g = r.group_by("day").agg(
        read=_.cache_read_tokens.sum(),
        prompt=(_.input_tokens + _.cache_creation_tokens + _.cache_read_tokens).sum(),
    )
    return g.mutate(cache_hit_ratio=(g.read / g.prompt.nullif(0)).round(4)).order_by("day")


def errors_per_day(con, tz: str, **filters) -> ibis.Table:
    """Per local day (of the error) and friction category: tool errors."""
    from workbench.query import friction_report

    e = friction_report.errors(con, **filters)
    e = e.mutate(day=_day(e.ts, tz))
    return e.group_by(["day", "category"]).agg(errors=_.count()).order_by(["day", "category"])


def worst_sessions(con, n: int = 15, **filters) -> ibis.Table:
    """The sessions with the most tool errors (then the lowest health), top-level only."""
    s = signals.sessions(con, include_subagents=False, **filters)
    return (
        s.filter(s.tool_errors > 0)
        .order_by([ibis.desc("tool_errors"), "health_score", "session_id"])
        .limit(n)
        .select(
            "session_id",
            "user_name",
            "project",
            "started_at",
            "tool_calls",
            "tool_errors",
            "outcome",
            "health_score",
            "health_grade",
            "cost_usd",
        )
    )


def first_errors(con, session_ids: list[str], per_session: int = 2) -> ibis.Table:
    """The first ``per_session`` error excerpts of each session."""
    e = con.table("tool_errors").filter(_.session_id.isin(session_ids))
    e = e.mutate(
        k=ibis.row_number().over(group_by="session_id", order_by=["ordinal", "block_index"])
    )
    return e.filter(e.k < per_session).select("session_id", "tool_name", "category", "excerpt")
