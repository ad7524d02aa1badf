"""The friction report: what fails, where, for whom, and whether a fix helped.

Built from the ``tool_errors`` mart (categorised at ingest by the rule table in
``models.friction``), ``tool_calls`` and ``retry_loops``, with how long calls take
(``durations``), in a scope (``query.scope``): errors and calls by their own time, sessions when
active in the period. Excerpts are redacted unless ``redact=False``.
"""

from __future__ import annotations

from datetime import datetime

from workbench.core import redact as redaction
from workbench.models.friction import CATEGORIES
from workbench.query import durations
from workbench.query.db import Reader
from workbench.query.scope import Scope

_ERRORS = """
    SELECT e.*, s.user_name, s.project, s.agent, s.root_session_id
    FROM tool_errors e JOIN sessions s USING (session_id)
    WHERE {cond}
"""
_CALLS = """
    SELECT c.session_id, c.name, c.ts, s.user_name, s.project, s.root_session_id
    FROM tool_calls c JOIN sessions s USING (session_id)
    WHERE {cond}
"""


def errors_sql(scope: Scope) -> str:
    """SQL: the failed tool calls in the scope, with their session's user, project, agent."""
    return _ERRORS.format(cond=scope.events("e.ts", "s"))


def calls_sql(scope: Scope) -> str:
    """SQL: the tool calls in the scope (one row per call)."""
    return _CALLS.format(cond=scope.events("c.ts", "s"))


def categories(con: Reader, *, examples: int = 3, redact: bool = True, **filters) -> list[dict]:
    """Per category: errors, sessions affected, share of all errors, a few examples."""
    scope = Scope.of(**filters)
    errors = errors_sql(scope)
    agg = con.rows(
        f"SELECT category, count(*) AS count, count(DISTINCT root_session_id) AS sessions "
        f"FROM ({errors}) q GROUP BY category ORDER BY count DESC, category"
    )
    total = sum(r["count"] for r in agg)
    sample = (
        con.rows(
            f"""
        SELECT category, session_id, tool_name, ts, excerpt FROM (
            SELECT *, row_number() OVER (
                PARTITION BY category ORDER BY ts DESC NULLS LAST, session_id, ordinal) AS k
            FROM ({errors}) q
        ) ranked WHERE k <= {int(examples)} ORDER BY category, k
        """
        )
        if examples > 0
        else []
    )
    out = []
    for r in agg:
        ex = [
            {
                "session_id": x["session_id"],
                "tool_name": x["tool_name"],
                "ts": x["ts"],
                "excerpt": _clean(x["excerpt"], redact),
            }
            for x in sample
            if x["category"] == r["category"]
        ]
        out.append({**r, "share": round(r["count"] / total, 4) if total else 0.0, "examples": ex})
    return out


def tools(con: Reader, **filters) -> list[dict]:
    """Per tool: calls, errors and error rate in the scope, most errors first."""
    scope = Scope.of(**filters)
    rows = con.rows(
        f"""
        WITH c AS (SELECT name AS tool_name, count(*) AS calls FROM ({calls_sql(scope)}) q
                   GROUP BY name),
        e AS (SELECT tool_name, count(*) AS errors FROM ({errors_sql(scope)}) q GROUP BY tool_name)
        SELECT c.tool_name, c.calls, coalesce(e.errors, 0) AS errors
        FROM c LEFT JOIN e USING (tool_name)
        ORDER BY errors DESC, calls DESC, tool_name
        """
    )
    for r in rows:
        r["rate"] = round(r["errors"] / r["calls"], 4) if r["calls"] else None
    return rows


def rates_by(con: Reader, key: str, **filters) -> list[dict]:
    """Per user or project: sessions active in the period, tool calls and errors in it, the
    error rate, sessions with errors."""
    if key not in ("user_name", "project", "agent"):
        raise ValueError(f"cannot group by {key!r}")
    scope = Scope.of(**filters)
    rows = con.rows(
        f"""
        WITH roots AS (SELECT s.session_id, s.{key} AS k FROM sessions s
                       WHERE {scope.active_roots("s")}),
        c AS (SELECT {key} AS k, count(*) AS n FROM ({calls_sql(scope)}) q GROUP BY k),
        e AS (SELECT {key} AS k, count(*) AS n, count(DISTINCT root_session_id) AS sessions
              FROM ({errors_sql(scope)}) q GROUP BY k),
        r AS (SELECT k, count(*) AS sessions FROM roots GROUP BY k)
        SELECT r.k AS {key}, r.sessions, coalesce(c.n, 0) AS tool_calls,
            coalesce(e.n, 0) AS tool_errors, coalesce(e.sessions, 0) AS sessions_with_errors
        FROM r LEFT JOIN c ON c.k IS NOT DISTINCT FROM r.k
        LEFT JOIN e ON e.k IS NOT DISTINCT FROM r.k
        ORDER BY tool_errors DESC, r.k NULLS LAST
        """
    )
    for r in rows:
        r["rate"] = round(r["tool_errors"] / r["tool_calls"], 4) if r["tool_calls"] else None
    return rows


def loops(con: Reader, *, limit: int = 50, redact: bool = True, **filters) -> list[dict]:
    """Retry loops (>= 3 identical consecutive calls) that started in the scope, longest first."""
    scope = Scope.of(**filters)
    rows = con.rows(
        f"""
        SELECT l.*, s.user_name, s.project
        FROM retry_loops l JOIN sessions s USING (session_id)
        WHERE {scope.events("l.started_at", "s")}
        ORDER BY l.length DESC, l.failures DESC, l.session_id, l.first_ordinal
        LIMIT {int(limit)}
        """
    )
    for row in rows:
        row["input_excerpt"] = _clean(row["input_excerpt"], redact)
    return rows


def compare(con: Reader, at: datetime, **filters) -> dict:
    """Errors per 100 tool calls by category before vs after ``at`` (calls and errors by their
    own time; sessions active on each side)."""
    filters = {k: v for k, v in filters.items() if k not in ("since", "until")}

    def side(**window) -> dict:
        scope = Scope.of(**filters, **window)
        e = con.rows(
            f"SELECT category, count(*) AS n FROM ({errors_sql(scope)}) q GROUP BY category"
        )
        n_calls = con.scalar(f"SELECT count(*) FROM ({calls_sql(scope)}) q")
        n_sessions = con.scalar(f"SELECT count(*) FROM sessions s WHERE {scope.active_roots()}")
        return {
            "sessions": n_sessions,
            "tool_calls": n_calls,
            "errors": {r["category"]: r["n"] for r in e},
        }

    before = side(until=at)
    after = side(since=at)
    rows = []
    for cat in CATEGORIES:
        b, a = before["errors"].get(cat, 0), after["errors"].get(cat, 0)
        if not (a or b):
            continue
        br = _per100(b, before["tool_calls"])
        ar = _per100(a, after["tool_calls"])
        rows.append(
            {
                "category": cat,
                "before": b,
                "after": a,
                "before_per_100_calls": br,
                "after_per_100_calls": ar,
                "change": None if br is None or ar is None else round(ar - br, 3),
            }
        )
    rows.sort(key=lambda r: (r["change"] is None, r["change"] or 0, r["category"]))
    return {
        "at": at,
        "before": {k: before[k] for k in ("sessions", "tool_calls")}
        | {"tool_errors": sum(before["errors"].values())},
        "after": {k: after[k] for k in ("sessions", "tool_calls")}
        | {"tool_errors": sum(after["errors"].values())},
        "categories": rows,
    }


def totals(cats: list[dict], tool_rows: list[dict]) -> dict:
    """Headline numbers from ``categories`` and ``tools`` rows: calls, errors, rate, other share."""
    total_errors = sum(c["count"] for c in cats)
    total_calls = sum(t["calls"] for t in tool_rows)
    other = next((c["count"] for c in cats if c["category"] == "other"), 0)
    return {
        "tool_calls": total_calls,
        "tool_errors": total_errors,
        "tool_error_rate": round(total_errors / total_calls, 4) if total_calls else None,
        "other_share": round(other / total_errors, 4) if total_errors else None,
    }


def report(
    con: Reader,
    *,
    compare_at: datetime | None = None,
    examples: int = 3,
    redact: bool = True,
    loop_limit: int = 50,
    **filters,
) -> dict:
    """The whole friction report (``workbench friction --json``)."""
    cats = categories(con, examples=examples, redact=redact, **filters)
    tool_rows = tools(con, **filters)
    out = {
        **totals(cats, tool_rows),
        "categories": cats,
        "tools": tool_rows,
        "retry_loops": loops(con, limit=loop_limit, redact=redact, **filters),
        "users": rates_by(con, "user_name", **filters),
        "projects": rates_by(con, "project", **filters),
        "durations": durations.report(con, redact=redact, **filters),
    }
    if compare_at is not None:
        out["compare"] = compare(con, compare_at, **filters)
    return out


def _per100(n: int, calls: int) -> float | None:
    return round(100 * n / calls, 3) if calls else None


def _clean(text: str | None, redact: bool) -> str | None:
    if text is None:
        return None
    return redaction.redact(text) if redact else text
