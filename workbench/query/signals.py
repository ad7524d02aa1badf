"""Sessions and their signals as plain values: a page of sessions, one session, team KPIs.

The signals themselves are computed at ingest (the ``sessions`` mart, ``models/sql``); this
module selects and aggregates them for a scope (``query.scope``): a session is listed when it
was active in the period, and its activity measures (tokens, cost, tool calls and errors) are
those of the period; without a period they are the session's whole life. ``own_*`` columns count
the session's own responses, ``total_*`` add its subagents'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from workbench.core.store import WorkbenchError
from workbench.query.db import Reader, lit, lits
from workbench.query.periods import UsageError
from workbench.query.scope import Scope
from workbench.query.tokens import money_sum


class SessionNotFound(WorkbenchError):
    """No session has this id (or id prefix)."""


class AmbiguousSession(UsageError):
    """An id prefix matches several sessions (a usage error: give more of the id)."""

    def __init__(self, prefix: str, candidates: list[str]):
        self.candidates = candidates
        shown = "\n  ".join(candidates[:20])
        more = f"\n  … {len(candidates) - 20} more" if len(candidates) > 20 else ""
        super().__init__(f"{prefix!r} matches {len(candidates)} sessions:\n  {shown}{more}")


#: The token columns of a session, each as own_<name> and total_<name>.
MEASURES = (
    "responses",
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_5m_tokens",
    "cache_1h_tokens",
    "cache_read_tokens",
    "reasoning_tokens",
    "total_tokens",
)


def _period_measures(scope: Scope) -> str:
    """SQL of a relation: per session id, its activity in the period (own and total tokens,
    cost, tool calls and errors)."""
    where = scope.during("r.ts")
    sums = ", ".join(
        f"sum(r.{m}) AS {{p}}_{m}" if m != "responses" else "count(*) AS {p}_responses"
        for m in MEASURES
    )

    def part(key: str, p: str) -> str:
        return (
            f"SELECT r.{key} AS session_id, {sums.format(p=p)}, "
            f"{money_sum('r.cost_usd')} AS {p}_cost_usd, "
            f"count(*) FILTER (WHERE r.price_key IS NULL) AS {p}_unpriced_responses "
            f"FROM responses r WHERE {where} GROUP BY r.{key}"
        )

    calls_where = scope.during("c.ts")
    errors_where = scope.during("e.ts")
    return f"""
        (SELECT s.session_id,
            {", ".join(f"coalesce(o.own_{m}, 0) AS own_{m}" for m in MEASURES)},
            o.own_cost_usd, coalesce(o.own_unpriced_responses, 0) AS own_unpriced_responses,
            {
        ", ".join(
            f"CASE WHEN s.is_subagent THEN coalesce(o.own_{m}, 0) "
            f"ELSE coalesce(t.total_{m}, 0) END AS total_{m}"
            for m in MEASURES
        )
    },
            CASE WHEN s.is_subagent THEN o.own_cost_usd ELSE t.total_cost_usd END
                AS total_cost_usd,
            CASE WHEN s.is_subagent THEN coalesce(o.own_unpriced_responses, 0)
                 ELSE coalesce(t.total_unpriced_responses, 0) END AS total_unpriced_responses,
            coalesce(c.n, 0) AS tool_calls, coalesce(e.n, 0) AS tool_errors,
            {scope.active_seconds("s.session_id")} AS active_seconds
        FROM sessions s
        LEFT JOIN ({part("session_id", "own")}) o USING (session_id)
        LEFT JOIN ({part("root_session_id", "total")}) t USING (session_id)
        LEFT JOIN (SELECT c.session_id, count(*) AS n FROM tool_calls c WHERE {calls_where}
                   GROUP BY c.session_id) c USING (session_id)
        LEFT JOIN (SELECT e.session_id, count(*) AS n FROM tool_errors e WHERE {errors_where}
                   GROUP BY e.session_id) e USING (session_id))
    """


PERIOD_COLUMNS = (
    [f"own_{m}" for m in MEASURES]
    + ["own_cost_usd", "own_unpriced_responses"]
    + [f"total_{m}" for m in MEASURES]
    + ["total_cost_usd", "total_unpriced_responses", "tool_calls", "tool_errors", "active_seconds"]
)


#: The names of earlier versions that :func:`_selected` adds to the sessions' columns.
LEGACY = ("cost_usd", "unpriced_responses")


def _selected(
    con: Reader, scope: Scope, *, include_subagents: bool, where: Iterable[str] = ()
) -> str:
    """SQL: the sessions in the scope (their period measures in place of the lifetime ones
    when the period is bounded), with ``cost_usd`` = ``own_cost_usd`` and
    ``unpriced_responses`` = ``own_unpriced_responses`` (the names of earlier versions)."""
    cond = [scope.active_sessions("s"), *where]
    if not include_subagents:
        cond.append("NOT s.is_subagent")
    if scope.bounded:
        cols = ", ".join(f"p.{c}" for c in PERIOD_COLUMNS)
        source = (
            f"SELECT {con.columns('sessions', PERIOD_COLUMNS, 's')}, {cols} FROM sessions s "
            f"JOIN {_period_measures(scope)} p USING (session_id)"
        )
    else:
        source = "SELECT * FROM sessions"
    return (
        f"SELECT s.*, s.own_cost_usd AS cost_usd, s.own_unpriced_responses AS unpriced_responses "
        f"FROM ({source}) s WHERE {' AND '.join(f'({c})' for c in cond)}"
    )


def active_time(con: Reader, gap_seconds: float = 600) -> list[dict]:
    """Per session: busy seconds and activity blocks when a gap over ``gap_seconds`` splits
    blocks (the stored ``sessions.active_seconds`` uses the default, 600)."""
    gap_us = int(gap_seconds * 1_000_000)
    return con.rows(
        f"""
        SELECT session_id,
            coalesce(sum(gap) FILTER (WHERE gap <= {gap_us}), 0) / 1000000 AS active_seconds,
            1 + count(*) FILTER (WHERE gap > {gap_us}) AS activity_blocks
        FROM (
            SELECT session_id,
                epoch_us(ts) - lag(epoch_us(ts)) OVER (PARTITION BY session_id ORDER BY ts)
                    AS gap
            FROM messages WHERE ts IS NOT NULL
        ) g
        GROUP BY session_id ORDER BY session_id
        """
    )


def resolve_id(con: Reader, text: str) -> str:
    """The one session id equal to ``text`` or starting with it (on a team hub, where ids
    are ``machine:id``, also the id as written or its start)."""
    if con.scalar(f"SELECT count(*) FROM sessions WHERE session_id = {lit(text)}"):
        return text
    match = f"starts_with(session_id, {lit(text)})"
    if con.dialect.qualified_ids:
        match += f" OR starts_with(source_session_id, {lit(text)})"
    hits = con.column(
        f"SELECT session_id FROM sessions WHERE {match} ORDER BY session_id LIMIT 501"
    )
    if not hits:
        raise SessionNotFound(f"no session matches {text!r}")
    if len(hits) > 1:
        raise AmbiguousSession(text, hits)
    return hits[0]


def get(con: Reader, session_id: str) -> dict:
    """Every field of one session (id or unambiguous prefix) over its whole life, with the ids
    of its subagents."""
    sid = resolve_id(con, session_id)
    row = con.one(
        _selected(con, Scope(), include_subagents=True, where=[f"s.session_id = {lit(sid)}"])
    )
    row["subagents"] = con.column(
        f"SELECT session_id FROM sessions WHERE parent_session_id = {lit(sid)} ORDER BY session_id"
    )
    row["health_penalties"] = row["penalties"]  # agentsview's name for them
    row["health_score_basis"] = HEALTH_BASIS
    return row


#: What a health score starts from and takes off (sessions.penalties lists what applied).
HEALTH_BASIS = {
    "start": 100,
    "errored": 30,
    "abandoned": 15,
    "tool_failures": "3 each, at most 30",
    "retries": "5 each, at most 25",
    "edit_churn": "4 per episode, at most 20",
    "failure_streak": "10 for a streak of 3 or more",
    "compactions": "5 for each after the first, at most 15",
    "grades": {"A": 90, "B": 75, "C": 60, "D": 40, "F": 0},
}


def kpis(con: Reader, **filters) -> dict:
    """Team KPIs for a scope: top-level sessions active in it (a subagent counts toward the
    session that spawned it), their users, tool calls and errors in the period, sessions with
    an error in the period."""
    scope = Scope.of(**filters)
    roots = f"SELECT s.session_id, s.user_name FROM sessions s WHERE {scope.active_roots('s')}"
    row = con.one(
        f"""
        WITH roots AS ({roots}),
        calls AS (
            SELECT s.root_session_id, count(*) AS n FROM tool_calls c
            JOIN sessions s USING (session_id)
            WHERE s.root_session_id IN (SELECT session_id FROM roots)
              AND {scope.during("c.ts")}
            GROUP BY s.root_session_id
        ),
        errors AS (
            SELECT s.root_session_id, count(*) AS n FROM tool_errors e
            JOIN sessions s USING (session_id)
            WHERE s.root_session_id IN (SELECT session_id FROM roots)
              AND {scope.during("e.ts")}
            GROUP BY s.root_session_id
        )
        SELECT (SELECT count(*) FROM roots) AS sessions,
            (SELECT count(DISTINCT user_name) FROM roots) AS users,
            (SELECT count(*) FROM errors WHERE n > 0) AS sessions_with_errors,
            (SELECT coalesce(sum(n), 0) FROM calls) AS tool_calls,
            (SELECT coalesce(sum(n), 0) FROM errors) AS tool_errors
        """
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
    "cost": "total_cost_usd",
    "user": "user_name",
    "model": "primary_model",
}
MAX_LIMIT = 500
#: The values of ``sessions.outcome`` and ``sessions.health_grade`` (build_sessions.sql).
OUTCOMES = ("completed", "abandoned", "errored", "unknown")
GRADES = ("A", "B", "C", "D", "F")


def _known(values: Iterable[str], valid: tuple[str, ...], what: str) -> list[str]:
    """``values`` checked against ``valid``: an unknown one is a usage error listing them."""
    values = list(values)
    unknown = [v for v in values if v not in valid]
    if unknown:
        raise UsageError(f"unknown {what} {', '.join(map(repr, unknown))}: use {', '.join(valid)}")
    return values


def distinct_values(con: Reader, column: str) -> list[str]:
    """The distinct non-empty values of a ``sessions`` column (``user_name``, ``project``,
    ``agent``, ``machine``), sorted: what a filter on that column can match."""
    if column not in ("user_name", "project", "agent", "machine"):
        raise ValueError(f"not a name column: {column}")
    return con.column(
        f"SELECT DISTINCT {column} FROM sessions WHERE {column} IS NOT NULL ORDER BY 1"
    )


def parse_sort(spec: str) -> tuple[str, bool]:
    """``"cost:desc"`` -> ``("total_cost_usd", True)``; a bad column or direction is a usage
    error."""
    col, _sep, direction = spec.partition(":")
    direction = direction or "desc"
    if col not in SORT_COLUMNS or direction not in ("asc", "desc"):
        raise UsageError(
            f"cannot sort by {spec!r}: use COLUMN[:asc|desc] with COLUMN one of "
            + ", ".join(SORT_COLUMNS)
        )
    return SORT_COLUMNS[col], direction == "desc"


#: A one-shot session: its top-level session has at most this many user messages (prompts
#: and slash commands typed by a person).
ONE_SHOT_MAX_USER_MESSAGES = 1


def listing(
    con: Reader,
    *,
    models: Iterable[str] = (),
    errors_only: bool = False,
    min_tool_failures: int = 0,
    outcomes: Iterable[str] = (),
    grades: Iterable[str] = (),
    q: str | None = None,
    include_subagents: bool = False,
    min_messages: int | None = None,
    max_messages: int | None = None,
    min_user_messages: int | None = None,
    include_one_shot: bool = True,
    include_automated: bool = True,
    started_from: datetime | None = None,
    started_before: datetime | None = None,
    active_since: datetime | None = None,
    sort: str = "started_at:desc",
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
    cursor_scope: str | None = None,
    **filters,
) -> dict:
    """A page of sessions: ``{"rows": [...], "total": N, "next_offset": K | None,
    "next_cursor": C | None}``.

    Besides the scope (``filters``): message counts (``min_messages`` … over the session's
    whole life), the session's start (``started_from`` inclusive, ``started_before``
    exclusive), its last activity (``active_since``), and whether one-shot and automated
    sessions are kept (judged on the top-level session, so a subagent goes with the session
    that spawned it). ``cursor`` (a ``next_cursor``) continues a listing with the same
    filters and sort over the same instants; it stands for an offset. ``cursor_scope``: the
    caller's words for the time filters (``"7d"``), which a cursor must match, in place of the
    instants they meant when the first page was asked for.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise UsageError("offset must be 0 or more")
    for name, value in (
        ("min_messages", min_messages),
        ("max_messages", max_messages),
        ("min_user_messages", min_user_messages),
    ):
        if value is not None and value < 0:
            raise UsageError(f"{name} must be 0 or more")
    column, descending = parse_sort(sort)
    where = []
    if models:
        where.append(f"s.primary_model IN {lits(models)}")
    outcomes = _known(outcomes, OUTCOMES, "outcome")
    grades = _known([g.upper() for g in grades], GRADES, "health grade")
    if outcomes:
        where.append(f"s.outcome IN {lits(outcomes)}")
    if grades:
        where.append(f"s.health_grade IN {lits(grades)}")
    if errors_only:
        where.append("s.tool_errors >= 1")
    if min_tool_failures:
        where.append(f"s.tool_errors >= {int(min_tool_failures)}")
    if min_messages is not None:
        where.append(f"s.messages >= {int(min_messages)}")
    if max_messages is not None:
        where.append(f"s.messages <= {int(max_messages)}")
    if min_user_messages is not None:
        where.append(f"s.user_messages >= {int(min_user_messages)}")
    dropped = []
    if not include_one_shot:
        dropped.append(f"r.user_messages <= {ONE_SHOT_MAX_USER_MESSAGES}")
    if not include_automated:
        dropped.append("r.automated")
    if dropped:
        where.append(
            "NOT EXISTS (SELECT 1 FROM sessions r WHERE r.session_id = s.root_session_id "
            f"AND ({' OR '.join(dropped)}))"
        )
    if q:
        needle = lit(q.lower())
        where.append(
            f"(contains(lower(s.session_id), {needle}) "
            f"OR contains(lower(coalesce(s.source_path, '')), {needle}) "
            f"OR contains(lower(coalesce(s.first_prompt, '')), {needle}))"
        )
    times = {
        "since": filters.pop("since", None),
        "until": filters.pop("until", None),
        "started_from": started_from,
        "started_before": started_before,
        "active_since": active_since,
    }
    # what the listing is; the instants only when the caller gives no words for them (a
    # relative "7d" moves between two pages: the cursor pins the instants of the first)
    what = (sort, where, include_subagents, Scope.of(**filters))
    fingerprint = _digest((*what, times if cursor_scope is None else cursor_scope))
    if cursor is not None:
        if offset:
            raise UsageError("give a cursor or an offset, not both")
        offset, times = _from_cursor(cursor, fingerprint)
    if times["started_from"] is not None:
        where.append(f"s.started_at >= {lit(times['started_from'])}")
    if times["started_before"] is not None:
        where.append(f"s.started_at < {lit(times['started_before'])}")
    if times["active_since"] is not None:
        where.append(f"s.ended_at >= {lit(times['active_since'])}")
    scope = Scope.of(since=times["since"], until=times["until"], **filters)
    selected = _selected(con, scope, include_subagents=include_subagents, where=where)
    total = con.scalar(f"SELECT count(*) FROM ({selected}) n")
    order = f"{column} {'DESC' if descending else 'ASC'} NULLS LAST"
    ties = ", started_at DESC NULLS LAST" if column != "started_at" else ""
    page = con.rows(
        f"SELECT {con.columns('sessions', ('penalties', 'models'), extra=LEGACY)} "
        f"FROM ({selected}) page "
        f"ORDER BY {order}{ties}, session_id LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    nxt = offset + len(page)
    more = nxt < total
    return {
        "rows": page,
        "total": total,
        "offset": offset,
        "next_offset": nxt if more else None,
        "next_cursor": _cursor(nxt, fingerprint, times) if more else None,
    }


def _digest(value) -> str:
    """A short digest of what a listing selects and how it is ordered (a cursor carries it)."""
    import hashlib

    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def _cursor(offset: int, fingerprint: str, times: dict) -> str:
    """An opaque cursor: the next offset, the listing's digest and its instants."""
    import base64
    import json

    pinned = {k: v.isoformat() for k, v in times.items() if v is not None}
    raw = json.dumps({"v": 1, "o": offset, "f": fingerprint, "t": pinned}, sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _from_cursor(cursor: str, fingerprint: str) -> tuple[int, dict]:
    """The offset and instants a cursor carries; a cursor of another listing (other filters
    or sort), or not a cursor at all, is a usage error."""
    import base64
    import binascii
    import json

    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, digest = data["o"], data["f"]
        if data["v"] != 1 or not isinstance(offset, int) or offset < 0:
            raise ValueError(data)
        times = dict.fromkeys(("since", "until", "started_from", "started_before", "active_since"))
        for key, value in data["t"].items():
            if key not in times:
                raise ValueError(key)
            times[key] = datetime.fromisoformat(value)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise UsageError(f"not a cursor of this listing: {cursor!r}") from None
    if digest != fingerprint:
        raise UsageError(
            "the cursor belongs to a listing with other filters or sort: repeat the "
            "options of the listing that returned it"
        )
    return offset, times
