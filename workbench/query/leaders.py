"""Leaderboards: which skills, subagent types, slash commands and MCP servers are used, by how
many sessions and people, how often they fail and, where it can be told, what they cost.

One row per entry, in a scope (``query.scope``): calls and commands by their own time, their
session's user, project and agent chosen; ``sessions`` counts top-level sessions (a call made
inside a subagent counts for the session that spawned it).

- ``skills``: Skill tool calls by their ``skill`` input (``command`` in older versions).
- ``subagents``: Task / Agent calls by ``subagent_type``; ``tokens`` and ``cost_usd`` are those
  of the subagent sessions the calls spawned (the result's ``agentId`` names the subagent), in
  the period, each subagent once.
- ``commands``: slash commands as Claude Code records them, a prompt (or a ``local_command``
  system line) holding ``<command-name>/x</command-name>``.
- ``mcp``: ``mcp__<server>__<tool>`` calls grouped by server.

Tokens and cost are attributable to subagents only: a skill's instructions, an MCP result or a
command's expansion land in the session's own context, billed with everything else in the
responses that follow, so those boards say ``None`` rather than invent a split. Commands have no
error flag either (``errors`` is ``None``).
"""

from __future__ import annotations

from workbench.query.db import Reader
from workbench.query.scope import Scope
from workbench.query.tokens import money_sum

BOARDS = ("skills", "subagents", "commands", "mcp")
#: What each board's ``name`` is.
LABELS = {
    "skills": "skill",
    "subagents": "subagent type",
    "commands": "command",
    "mcp": "MCP server",
}
#: Where no name is written (an old Skill call without input, a Task call without a type).
UNNAMED = "(none)"


def _calls(scope: Scope, key: str, where: str) -> str:
    """SQL: the tool calls of the scope that ``where`` picks, named by ``key``, with their
    session's root and user, whether they failed and the subagent they spawned."""
    return f"""
        SELECT coalesce(nullif({key}, ''), '{UNNAMED}') AS name, c.session_id,
            s.root_session_id, s.user_name, c.result_agent_id,
            e.session_id IS NOT NULL AS failed
        FROM tool_calls c
        JOIN sessions s ON s.session_id = c.session_id
        LEFT JOIN tool_errors e ON e.session_id = c.session_id AND e.ordinal = c.ordinal
            AND e.block_index = c.block_index
        WHERE ({where}) AND {scope.events("c.ts", "s")}
    """


def _board(con: Reader, calls: str, limit: int | None) -> list[dict]:
    rows = con.rows(
        f"""
        SELECT name, count(*) AS calls, count(DISTINCT root_session_id) AS sessions,
            count(DISTINCT user_name) AS users,
            sum(CASE WHEN failed THEN 1 ELSE 0 END) AS errors
        FROM ({calls}) x
        GROUP BY name
        ORDER BY calls DESC, name
        {_limit(limit)}
        """
    )
    for r in rows:
        r["errors"] = int(r["errors"] or 0)
        r["error_rate"] = _rate(r["errors"], r["calls"])
        r["tokens"] = r["cost_usd"] = None
    return rows


def skills(con: Reader, *, limit: int | None = None, **filters) -> list[dict]:
    """Skill tool calls per skill: calls, sessions, users, errors, error rate."""
    d = con.dialect
    key = (
        f"coalesce({d.json_text('c.input_json', 'skill')}, "
        f"{d.json_text('c.input_json', 'command')})"
    )
    return _board(con, _calls(Scope.of(**filters), key, "c.name = 'Skill'"), limit)


def mcp(con: Reader, *, limit: int | None = None, **filters) -> list[dict]:
    """MCP tool calls per server (``mcp__<server>__<tool>``)."""
    key, where = "split_part(c.name, '__', 2)", "left(c.name, 5) = 'mcp__'"
    calls = _calls(Scope.of(**filters), key, where)
    return _board(con, calls, limit)


def subagents(con: Reader, *, limit: int | None = None, **filters) -> list[dict]:
    """Task / Agent calls per subagent type, with the tokens and cost of the subagent sessions
    they spawned (their responses in the period; each subagent once)."""
    scope = Scope.of(**filters)
    key = con.dialect.json_text("c.input_json", "subagent_type")
    calls = _calls(scope, key, "c.name IN ('Task', 'Agent')")
    rows = _board(con, calls, limit)
    if not rows:
        return rows
    spent = con.rows(
        f"""
        WITH spawned AS (
            SELECT DISTINCT x.name, sub.session_id
            FROM ({calls}) x
            JOIN sessions sub ON sub.is_subagent AND sub.agent_id = x.result_agent_id
                AND sub.root_session_id = x.root_session_id
        )
        SELECT p.name, count(DISTINCT p.session_id) AS subagent_sessions,
            coalesce(sum(r.total_tokens), 0) AS tokens, {money_sum("r.cost_usd")} AS cost_usd,
            sum(CASE WHEN r.dedupe_key IS NOT NULL AND r.price_key IS NULL THEN 1 ELSE 0 END)
                AS unpriced_responses
        FROM spawned p
        LEFT JOIN responses r ON r.session_id = p.session_id AND {scope.during("r.ts")}
        GROUP BY p.name
        """
    )
    by_name = {r["name"]: r for r in spent}
    for r in rows:
        s = by_name.get(r["name"], {})
        r["subagent_sessions"] = int(s.get("subagent_sessions") or 0)
        r["tokens"] = int(s.get("tokens") or 0)
        r["cost_usd"] = s.get("cost_usd")
        r["unpriced_responses"] = int(s.get("unpriced_responses") or 0)
    return rows


def commands(con: Reader, *, limit: int | None = None, **filters) -> list[dict]:
    """Slash commands per command: uses, sessions, users (no error flag, no tokens)."""
    scope = Scope.of(**filters)
    name = "trim(split_part(split_part(m.text, '<command-name>', 2), '</command-name>', 1))"
    rows = con.rows(
        f"""
        SELECT {name} AS name, count(*) AS calls,
            count(DISTINCT s.root_session_id) AS sessions, count(DISTINCT s.user_name) AS users
        FROM messages m
        JOIN sessions s ON s.session_id = m.session_id
        WHERE m.text LIKE '%<command-name>%' AND ltrim(m.text) LIKE '<command-%'
          AND ((m.type = 'user' AND NOT m.is_meta)
               OR (m.type = 'system' AND m.subtype = 'local_command'))
          AND {scope.events("m.ts", "s")}
        GROUP BY {name}
        HAVING {name} <> ''
        ORDER BY calls DESC, name
        {_limit(limit)}
        """
    )
    for r in rows:
        r["errors"] = r["error_rate"] = r["tokens"] = r["cost_usd"] = None
    return rows


def report(
    con: Reader, boards: tuple[str, ...] = BOARDS, *, limit: int | None = None, **filters
) -> dict:
    """The leaderboards ``workbench leaders --json`` prints: ``{board: rows}``."""
    fns = {"skills": skills, "subagents": subagents, "commands": commands, "mcp": mcp}
    unknown = [b for b in boards if b not in fns]
    if unknown:
        raise ValueError(f"unknown leaderboard {unknown[0]!r}; choose from {', '.join(BOARDS)}")
    return {b: fns[b](con, limit=limit, **filters) for b in boards}


def _limit(limit: int | None) -> str:
    return f"LIMIT {int(limit)}" if limit else ""


def _rate(n: int, calls: int) -> float | None:
    return round(n / calls, 4) if calls else None
