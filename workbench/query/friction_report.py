"""The friction report: what fails, where, for whom, and whether a fix helped.

Built from ``tool_errors`` (categorised at ingest by the rule table in ``friction``),
``tool_uses`` and ``retry_loops``, restricted to the sessions the filters select (by their start
time). Excerpts are redacted unless ``redact=False``.
"""

from __future__ import annotations

from datetime import datetime

import ibis
from ibis import _

from workbench.core import redact as redaction
from workbench.models.friction import CATEGORIES
from workbench.query import signals


def errors(con, **filters) -> ibis.Table:
    """Failed tool calls of the selected sessions, with user, project and session start."""
    s = signals.sessions(con, with_cost=False, **filters).select(
        "session_id", "user_name", "project", "agent", "started_at", "root_session_id"
    )
    return con.table("tool_errors").join(s, "session_id")


def calls(con, **filters) -> ibis.Table:
    """Tool calls of the selected sessions (one row per call)."""
    s = signals.sessions(con, with_cost=False, **filters).select(
        "session_id", "user_name", "project", "started_at"
    )
    return con.table("tool_uses").select("session_id", "name", "ordinal").join(s, "session_id")


def categories(con, *, examples: int = 3, redact: bool = True, **filters) -> list[dict]:
    """Per category: errors, sessions affected, share of all errors, a few examples."""
    e = errors(con, **filters)
    agg = (
        e.group_by("category")
        .agg(count=_.count(), sessions=_.root_session_id.nunique())
        .order_by([ibis.desc("count"), "category"])
        .to_pyarrow()
        .to_pylist()
    )
    total = sum(r["count"] for r in agg)
    ranked = e.mutate(
        rank=ibis.row_number().over(group_by="category", order_by=[ibis.desc("ts"), "session_id"])
    )
    sample = (
        ranked.filter(ranked.rank < examples)
        .order_by(["category", "rank"])
        .select("category", "session_id", "tool_name", "ts", "excerpt")
        .to_pyarrow()
        .to_pylist()
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


def tools(con, **filters) -> list[dict]:
    """Per tool: calls, errors and error rate, most errors first."""
    c = calls(con, **filters).group_by(tool_name=_.name).agg(calls=_.count())
    e = errors(con, **filters).group_by("tool_name").agg(errors=_.count())
    j = c.left_join(e, "tool_name").select(c.tool_name, c.calls, errors=e.errors.fill_null(0))
    rows = (
        j.order_by([ibis.desc("errors"), ibis.desc("calls"), "tool_name"]).to_pyarrow().to_pylist()
    )
    for r in rows:
        r["rate"] = round(r["errors"] / r["calls"], 4) if r["calls"] else None
    return rows


def rates_by(con, key: str, **filters) -> list[dict]:
    """Per user or project: sessions, tool calls, errors, error rate, sessions with errors."""
    s = signals.sessions(con, with_cost=False, **filters)
    g = (
        s.group_by(key)
        .agg(
            sessions=_.root_session_id.nunique(),
            tool_calls=_.tool_calls.sum(),
            tool_errors=_.tool_errors.sum(),
            sessions_with_errors=_.root_session_id.nunique(where=_.tool_errors > 0),
        )
        .order_by([ibis.desc("tool_errors"), key])
    )
    rows = g.to_pyarrow().to_pylist()
    for r in rows:
        r["rate"] = round(r["tool_errors"] / r["tool_calls"], 4) if r["tool_calls"] else None
    return rows


def loops(con, *, limit: int = 50, redact: bool = True, **filters) -> list[dict]:
    """Retry loops (>= 3 identical consecutive calls) in the selected sessions, longest first."""
    s = signals.sessions(con, with_cost=False, **filters).select(
        "session_id", "user_name", "project"
    )
    r = con.table("retry_loops").join(s, "session_id")
    rows = (
        r.order_by([ibis.desc("length"), ibis.desc("failures"), "session_id"])
        .limit(limit)
        .to_pyarrow()
        .to_pylist()
    )
    for row in rows:
        row["input_excerpt"] = _clean(row["input_excerpt"], redact)
    return rows


def compare(con, at: datetime, **filters) -> dict:
    """Errors per 100 tool calls by category in sessions that started before vs after ``at``."""
    filters = {k: v for k, v in filters.items() if k not in ("since", "until")}

    def side(**window) -> dict:
        e = (
            errors(con, **filters, **window)
            .group_by("category")
            .agg(n=_.count())
            .to_pyarrow()
            .to_pylist()
        )
        n_calls = calls(con, **filters, **window).count().to_pyarrow().as_py()
        n_sessions = (
            signals.sessions(con, **filters, include_subagents=False, with_cost=False, **window)
            .count()
            .to_pyarrow()
            .as_py()
        )
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
    rows.sort(key=lambda r: (r["change"] is None, r["change"] or 0))
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
    con,
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
