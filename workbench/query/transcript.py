"""One session's transcript as ordered events: text, thinking, tool calls and their results.

``events()`` reads the database (never the JSONL, which may be gone) and returns plain Python
objects in transcript order; ``render`` turns them into terminal text, Markdown or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workbench.query import signals
from workbench.query.db import Reader, lit
from workbench.query.taxonomy import skill_name, tool_category


@dataclass
class Event:
    """One thing that happened: ``kind`` is user, assistant, thinking, system, tool_use or
    tool_result."""

    ordinal: int
    kind: str
    ts: datetime | None
    text: str = ""
    tool_name: str | None = None
    tool_use_id: str | None = None
    input_json: str | None = None
    is_error: bool = False
    error_category: str | None = None  # the friction category of a failed call
    result_length: int = 0
    agent_id: str | None = None  # the subagent a Task/Agent result ran
    is_meta: bool = False
    subagent: Transcript | None = None


@dataclass
class Transcript:
    session: dict
    events: list[Event] = field(default_factory=list)


def failed_calls(events: list[Event]) -> list[Event]:
    """Only the failed tool calls: each call and its error result, in order."""
    failed = {e.tool_use_id for e in events if e.kind == "tool_result" and e.is_error}
    return [e for e in events if e.kind in ("tool_use", "tool_result") and e.tool_use_id in failed]


def as_dict(t: Transcript, *, errors_only: bool = False) -> dict:
    """The transcript as plain data (``sessions show --json``); subagents nest."""
    events = t.events
    if errors_only:
        events = failed_calls(events)
    out = []
    for e in events:
        d = {k: v for k, v in vars(e).items() if k != "subagent" and v not in (None, "", False)}
        d["ordinal"], d["kind"] = e.ordinal, e.kind
        if e.subagent is not None and not errors_only:
            d["subagent"] = as_dict(e.subagent)
        out.append(d)
    return {"session": t.session, "events": out}


def _tool_calls(con: Reader, session_ids: list[str]) -> list[dict]:
    """The sessions' tool calls with result, error flag, friction category and the subagent
    session a Task/Agent call spawned (when the archive has it), in order per session."""
    return con.rows(
        f"""
        SELECT c.session_id, c.ordinal, c.block_index, c.tool_use_id, c.name AS tool_name,
            c.input_json, c.ts, c.result_text, c.result_length,
            e.category IS NOT NULL AS is_error, e.category AS error_category, c.result_ordinal,
            c.result_agent_id AS agent_id, c.result_ts, sub.session_id AS subagent_session_id
        FROM tool_calls c
        LEFT JOIN tool_errors e
            ON e.session_id = c.session_id AND e.ordinal = c.ordinal
           AND e.block_index = c.block_index
        LEFT JOIN (
            SELECT agent_id, min(session_id) AS session_id FROM sessions
            WHERE is_subagent AND agent_id IS NOT NULL GROUP BY agent_id
        ) sub ON sub.agent_id = c.result_agent_id
        WHERE c.session_id IN ({_in(session_ids)})
        ORDER BY c.session_id, c.ordinal, c.block_index
        """
    )


def _in(ids: list[str]) -> str:
    return ", ".join(lit(i) for i in ids)


def load(con, session_id: str, *, depth: int | None = 0) -> Transcript:
    """The transcript of ``session_id`` (id or unambiguous prefix); ``depth`` levels of
    subagents are attached to the call that spawned them (``None``: all levels)."""
    sid = signals.resolve_id(con, session_id)
    return load_many(con, [sid], depth=depth)[sid]


def load_many(con, session_ids: list[str], *, depth: int | None = 0) -> dict[str, Transcript]:
    """The transcripts of ``session_ids`` (exact ids; an unknown id is left out), as
    :func:`load` builds them, read with a few queries for all of them and their subagents
    (not a few per session: a report writes hundreds of transcript pages)."""
    rows = _Rows(con, list(dict.fromkeys(session_ids)), depth)
    return {sid: rows.build(sid, depth) for sid in session_ids if sid in rows.sessions}


class _Rows:
    """The database rows of some sessions and of their subagents down to ``depth`` levels."""

    def __init__(self, con, session_ids: list[str], depth: int | None) -> None:
        self.subs: dict[str, list[dict]] = {}
        tree, level, left = list(session_ids), list(session_ids), depth
        while level and (left is None or left > 0):
            found = con.rows(
                "SELECT session_id, agent_id, parent_session_id FROM sessions "
                f"WHERE parent_session_id IN ({_in(level)}) AND messages > 0 "
                "ORDER BY started_at, session_id"
            )
            seen = set(tree)
            level = []
            for s in found:
                self.subs.setdefault(s["parent_session_id"], []).append(s)
                if s["session_id"] not in seen:  # a parent loop in a broken archive
                    seen.add(s["session_id"])
                    level.append(s["session_id"])
            tree += level
            left = None if left is None else left - 1
        self.sessions = {
            s["session_id"]: s
            for s in con.rows(f"SELECT * FROM sessions WHERE session_id IN ({_in(tree)})")
        }
        self.msgs: dict[str, list[dict]] = {}
        for m in con.rows(
            "SELECT session_id, ordinal, type, subtype, text, thinking, ts, is_meta, "
            f"is_api_error, is_compact_summary FROM messages WHERE session_id IN ({_in(tree)}) "
            "ORDER BY session_id, ordinal"
        ):
            self.msgs.setdefault(m["session_id"], []).append(m)
        self.calls: dict[str, list[dict]] = {}
        for c in _tool_calls(con, tree):
            self.calls.setdefault(c["session_id"], []).append(c)

    def build(self, sid: str, depth: int | None, path: tuple[str, ...] = ()) -> Transcript:
        by_ordinal: dict[int, list[dict]] = {}
        results: dict[int, list[dict]] = {}
        for c in self.calls.get(sid, []):
            by_ordinal.setdefault(c["ordinal"], []).append(c)
            if c["result_ordinal"] is not None:
                results.setdefault(c["result_ordinal"], []).append(c)
        t = Transcript(self.sessions[sid])
        for m in self.msgs.get(sid, []):
            o, ts = m["ordinal"], m["ts"]
            if m["thinking"]:
                t.events.append(Event(o, "thinking", ts, m["thinking"]))
            if m["text"] and not (m["type"] == "user" and o in results):
                kind = m["type"] if m["type"] in ("user", "assistant") else "system"
                if m["is_api_error"] or m["is_compact_summary"]:
                    kind = "system"
                t.events.append(Event(o, kind, ts, m["text"], is_meta=m["is_meta"]))
            elif m["type"] == "system" and m["subtype"] and not m["text"]:
                t.events.append(Event(o, "system", ts, f"({m['subtype']})"))
            for c in by_ordinal.get(o, []):
                t.events.append(
                    Event(
                        o,
                        "tool_use",
                        c["ts"],
                        tool_name=c["tool_name"],
                        tool_use_id=c["tool_use_id"],
                        input_json=c["input_json"],
                    )
                )
            for c in results.get(o, []):
                t.events.append(
                    Event(
                        o,
                        "tool_result",
                        ts,
                        c["result_text"] or "",
                        tool_name=c["tool_name"],
                        tool_use_id=c["tool_use_id"],
                        is_error=c["is_error"],
                        error_category=c["error_category"],
                        result_length=c["result_length"],
                        agent_id=c["agent_id"],
                    )
                )
        if depth is None or depth > 0:
            self._attach_subagents(t, None if depth is None else depth - 1, (*path, sid))
        return t

    def _attach_subagents(self, t: Transcript, depth: int | None, path: tuple[str, ...]) -> None:
        subs = [
            s
            for s in self.subs.get(t.session["session_id"], [])
            if s["session_id"] in self.sessions and s["session_id"] not in path
        ]
        if not subs:
            return
        by_agent = {s["agent_id"]: s["session_id"] for s in subs}
        placed: set[str] = set()
        for e in t.events:
            if e.kind == "tool_result" and e.agent_id in by_agent:
                e.subagent = self.build(by_agent[e.agent_id], depth, path)
                placed.add(by_agent[e.agent_id])
        for s in subs:  # subagents no result points at (e.g. 2.0 warm-up agents): at the end
            if s["session_id"] not in placed:
                t.events.append(
                    Event(
                        t.events[-1].ordinal if t.events else 0,
                        "subagent",
                        None,
                        subagent=self.build(s["session_id"], depth, path),
                    )
                )


#: The system-like messages agentsview promotes to a ``source_subtype`` of their own, with
#: what marks them in a transcript (``raw_subtype`` keeps the subtype as written):
PROMOTED_SUBTYPES = {
    "continuation": "a compaction's summary: isCompactSummary, or a user message starting "
    "'This session is being continued'",
    "resume": "a /resume or /continue command typed in the session",
    "interrupted": "'[Request interrupted by user…]' (Claude), an aborted turn (Codex "
    "turn_aborted)",
    "task_notification": "a background task's '<task-notification>' message (Claude)",
    "stop_hook": "a Stop hook's summary (system stop_hook_summary) or its 'Stop hook "
    "feedback:' message",
    "compact_boundary": "the system line a compaction leaves (Claude, Codex)",
}


def source_subtype_sql(
    type_: str = "type",
    subtype: str = "subtype",
    text: str = "text",
    compact_summary: str = "is_compact_summary",
) -> str:
    """SQL (portable: CASE, LIKE, ltrim) classifying a message row into one of
    ``PROMOTED_SUBTYPES``, else its raw subtype (NULL for most messages)."""
    t = f"ltrim(coalesce({text}, ''))"
    command = f"coalesce({text}, '')"
    return f"""CASE
        WHEN {type_} = 'system' AND {subtype} = 'compact_boundary' THEN 'compact_boundary'
        WHEN {type_} = 'system' AND {subtype} = 'stop_hook_summary' THEN 'stop_hook'
        WHEN {type_} = 'system' AND {subtype} = 'turn_aborted' THEN 'interrupted'
        WHEN {type_} = 'system' THEN {subtype}
        WHEN {compact_summary} OR {t} LIKE 'This session is being continued%'
            THEN 'continuation'
        WHEN {t} LIKE '[Request interrupted%' THEN 'interrupted'
        WHEN {t} LIKE '<task-notification>%' THEN 'task_notification'
        WHEN {t} LIKE 'Stop hook feedback:%' THEN 'stop_hook'
        WHEN {command} LIKE '%<command-name>/resume</command-name>%'
          OR {command} LIKE '%<command-name>/continue</command-name>%' THEN 'resume'
        ELSE {subtype}
    END"""


def message_window(
    con, session_id: str, *, start: int | None = None, limit: int = 100, direction: str = "asc"
) -> dict:
    """Messages in agentsview's shape (ordinal, role, content, thinking_text, has_thinking,
    timestamp, is_system, has_tool_use, source_type, source_subtype, raw_subtype), ``limit``
    of them from ordinal ``start`` going ``direction``."""
    sid = signals.resolve_id(con, session_id)
    where = f"session_id = {lit(sid)}"
    total = con.scalar(f"SELECT count(*) FROM messages WHERE {where}")
    if direction == "asc":
        cond, order = f"ordinal >= {int(start or 0)}", "ordinal"
    else:
        last = con.scalar(f"SELECT max(ordinal) FROM messages WHERE {where}")
        cond = f"ordinal <= {int(last if start is None or last is None else start)}"
        order = "ordinal DESC"
    rows = con.rows(
        "SELECT ordinal, role, type, subtype, is_meta, text, thinking, ts, tool_use_count, "
        f"tool_result_count, {source_subtype_sql()} AS source_subtype "
        f"FROM messages WHERE {where} AND {cond} ORDER BY {order} "
        f"LIMIT {int(limit)}"
    )
    out = [
        {
            "ordinal": r["ordinal"],
            "role": r["role"],
            "content": r["text"] or "",
            "thinking_text": r["thinking"],
            "has_thinking": bool(r["thinking"]),
            "timestamp": r["ts"],
            "is_system": r["type"] == "system"
            or r["is_meta"]
            or r["source_subtype"] in PROMOTED_SUBTYPES,
            "has_tool_use": r["tool_use_count"] > 0,
            "has_tool_result": r["tool_result_count"] > 0,
            "source_type": r["type"],
            "source_subtype": r["source_subtype"],
            "raw_subtype": r["subtype"],
        }
        for r in rows
    ]
    nxt = None
    if out:
        last = out[-1]["ordinal"]
        pick, op = ("min", ">") if direction == "asc" else ("max", "<")
        nxt = con.scalar(
            f"SELECT {pick}(ordinal) FROM messages WHERE {where} AND ordinal {op} {last}"
        )
    return {
        "session_id": sid,
        "total": total,
        "direction": direction,
        "messages": out,
        "next_from": nxt,
    }


def tool_call_list(con, session_id: str) -> dict:
    """The session's tool calls flattened in agentsview's shape (ordinal, tool_use_id,
    tool_name, category: the kind of tool, skill_name, subagent_session_id (NULL when the
    archive lacks that subagent), agent_id (the subagent a Task/Agent result names),
    input_json, is_error, error_category: the friction category, result_length, timestamp)."""
    sid = signals.resolve_id(con, session_id)
    rows = _tool_calls(con, [sid])
    return {
        "session_id": sid,
        "tool_calls": [
            {
                "ordinal": r["ordinal"],
                "tool_use_id": r["tool_use_id"],
                "tool_name": r["tool_name"],
                "category": tool_category(r["tool_name"]),
                "skill_name": skill_name(r["tool_name"], r["input_json"]),
                "subagent_session_id": r["subagent_session_id"],
                "agent_id": r["agent_id"],  # the subagent the result names (file or not)
                "input_json": r["input_json"],
                "is_error": r["is_error"],
                "error_category": r["error_category"],
                "result_length": r["result_length"],
                "timestamp": r["ts"],
            }
            for r in rows
        ],
    }
