"""Session signals as lazy Ibis tables: filters, KPIs, a session by id, active time by any gap.

The numbers themselves are computed once at ingest (``models/sql/rebuild_*.sql``); this module
selects and aggregates them. Every function takes the same filters: ``since``/``until``
(aware datetimes, on the session's start), ``users``, ``projects``, ``agents``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import ibis
from ibis import _

from workbench.core.store import WorkbenchError
from workbench.models import pricing
from workbench.query import tables
from workbench.query.periods import UsageError


class SessionNotFound(WorkbenchError):
    """No session has this id (or id prefix)."""


class AmbiguousSession(UsageError):
    """An id prefix matches several sessions (a usage error: give more of the id)."""

    def __init__(self, prefix: str, candidates: list[str]):
        self.candidates = candidates
        shown = "\n  ".join(candidates[:20])
        more = f"\n  … {len(candidates) - 20} more" if len(candidates) > 20 else ""
        super().__init__(f"{prefix!r} matches {len(candidates)} sessions:\n  {shown}{more}")


def sessions(
    con,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    users: Iterable[str] = (),
    projects: Iterable[str] = (),
    agents: Iterable[str] = (),
    include_subagents: bool = True,
    with_cost: bool = True,
) -> ibis.Table:
    """Sessions that started in the window and match the filters, with ``root_session_id``
    (a subagent's parent) and cost: ``cost_usd`` (priced responses; NULL when none is priced),
    ``unpriced_responses`` and ``unpriced_models`` (``with_cost=False`` skips the prices)."""
    s = tables.sessions(con)
    if with_cost:
        costs = pricing.session_costs(con)
        s = s.left_join(costs, "session_id").select(
            s,
            cost_usd=costs.cost_usd,
            unpriced_responses=costs.unpriced_responses.fill_null(0),
            unpriced_models=costs.unpriced_models,
        )
    s = s.mutate(
        root_session_id=ibis.ifelse(
            s.is_subagent & s.parent_session_id.notnull(), s.parent_session_id, s.session_id
        )
    )
    s = tables.between(s, "started_at", since, until)
    s = tables.where_in(s, "user_name", users)
    s = tables.where_in(s, "project", projects)
    s = tables.where_in(s, "agent", agents)
    if not include_subagents:
        s = s.filter(~s.is_subagent)
    return s


def active_time(con, gap_seconds: float = 600) -> ibis.Table:
    """Per session: busy seconds and activity blocks when a gap over ``gap_seconds`` splits
    blocks (the stored ``sessions.active_seconds`` uses the default 600)."""
    m = con.table("messages").filter(_.ts.notnull())
    w = ibis.window(group_by="session_id", order_by="ts")
    gaps = m.mutate(gap=(m.ts.epoch_seconds() - m.ts.lag().over(w).epoch_seconds()))
    return gaps.group_by("session_id").agg(
        active_seconds=gaps.gap.sum(where=gaps.gap <= gap_seconds).fill_null(0),
        activity_blocks=1 + gaps.gap.count(where=gaps.gap > gap_seconds),
    )


def resolve_id(con, text: str) -> str:
    """The one session id equal to ``text`` or starting with it."""
    s = tables.sessions(con)
    exact = s.filter(s.session_id == text).select("session_id").limit(1).to_pyarrow()
    if exact.num_rows:
        return text
    hits = (
        s.filter(s.session_id.startswith(text))
        .select("session_id")
        .order_by("session_id")
        .limit(501)
        .to_pyarrow()
        .column(0)
        .to_pylist()
    )
    if not hits:
        raise SessionNotFound(f"no session matches {text!r}")
    if len(hits) > 1:
        raise AmbiguousSession(text, hits)
    return hits[0]


def get(con, session_id: str) -> dict:
    """Every field of one session (id or unambiguous prefix) as plain Python values."""
    sid = resolve_id(con, session_id)
    row = sessions(con).filter(_.session_id == sid).limit(1).to_pyarrow().to_pylist()[0]
    row["subagents"] = (
        tables.sessions(con)
        .filter(_.parent_session_id == sid)
        .select("session_id")
        .order_by("session_id")
        .to_pyarrow()
        .column(0)
        .to_pylist()
    )
    return row


def kpis(con, **filters) -> dict:
    """Team KPIs: sessions (top-level), users, sessions with errors, tool calls and errors.

    Subagent transcripts count toward their session's tool calls and errors, not as sessions.
    """
    s = sessions(con, with_cost=False, **filters)
    per_root = s.group_by("root_session_id").agg(
        user=_.user_name.arbitrary(),
        top=(~_.is_subagent).any(),
        calls=_.tool_calls.sum(),
        errors=_.tool_errors.sum(),
    )
    per_root = per_root.filter(per_root.top)
    row = (
        per_root.agg(
            sessions=_.count(),
            users=_.user.nunique(),
            sessions_with_errors=_.count(where=_.errors > 0),
            tool_calls=_.calls.sum(),
            tool_errors=_.errors.sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    out = {k: int(v or 0) for k, v in row.items()}
    out["tool_error_rate"] = (
        round(out["tool_errors"] / out["tool_calls"], 4) if out["tool_calls"] else None
    )
    out["sessions_with_errors_share"] = (
        round(out["sessions_with_errors"] / out["sessions"], 4) if out["sessions"] else None
    )
    return out


#: ``--sort`` names and the columns they order by.
SORT_COLUMNS = {
    "started_at": "started_at",
    "active_seconds": "active_seconds",
    "tool_calls": "tool_calls",
    "tool_errors": "tool_errors",
    "cost": "cost_usd",
    "user": "user_name",
    "model": "primary_model",
}
MAX_LIMIT = 500


def parse_sort(spec: str) -> tuple[str, bool]:
    """``"cost:desc"`` -> ``("cost_usd", True)``; a bad column or direction is a usage error."""
    col, _sep, direction = spec.partition(":")
    direction = direction or "desc"
    if col not in SORT_COLUMNS or direction not in ("asc", "desc"):
        raise UsageError(
            f"cannot sort by {spec!r}: use COLUMN[:asc|desc] with COLUMN one of "
            + ", ".join(SORT_COLUMNS)
        )
    return SORT_COLUMNS[col], direction == "desc"


def listing(
    con,
    *,
    models: Iterable[str] = (),
    errors_only: bool = False,
    min_tool_failures: int = 0,
    outcomes: Iterable[str] = (),
    grades: Iterable[str] = (),
    q: str | None = None,
    include_subagents: bool = False,
    sort: str = "started_at:desc",
    limit: int = 50,
    offset: int = 0,
    **filters,
) -> dict:
    """A page of sessions: ``{"rows": [...], "total": N, "next_offset": K | None}``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise UsageError("--offset must be 0 or more")
    column, descending = parse_sort(sort)
    s = sessions(con, include_subagents=include_subagents, **filters)
    s = tables.where_in(s, "primary_model", models)
    s = tables.where_in(s, "outcome", outcomes)
    s = tables.where_in(s, "health_grade", [g.upper() for g in grades])
    if errors_only:
        s = s.filter(s.tool_errors >= 1)
    if min_tool_failures:
        s = s.filter(s.tool_errors >= min_tool_failures)
    if q:
        needle = q.lower()
        s = s.filter(
            s.session_id.lower().contains(needle)
            | s.source_path.lower().contains(needle)
            | s.first_prompt.lower().contains(needle).fill_null(False)
        )
    total = s.count().to_pyarrow().as_py()
    key = s[column].desc(nulls_first=False) if descending else s[column].asc(nulls_first=False)
    ties = [ibis.desc("started_at")] if column != "started_at" else []
    page = (
        s.order_by([key, *ties, "session_id"])
        .limit(limit, offset=offset)
        .drop("penalties", "models")
        .to_pyarrow()
        .to_pylist()
    )
    nxt = offset + len(page)
    return {"rows": page, "total": total, "next_offset": nxt if nxt < total else None}
