"""How long tool calls take: per tool, and the slowest commands.

Two measures, both per call (calls by their own time, in a scope):

- ``seconds``: from the call (``tool_use``) to its result (``tool_result``), by their
  timestamps. It is the wall time the agent waited, so it includes a permission prompt the user
  took a while to answer; a call without a result, or a result stamped before its call (clock
  skew), has none.
- ``progress_seconds``: Claude Code writes a ``bash_progress`` line every few seconds while a
  Bash command runs, with ``elapsedTimeSeconds`` counted from the command's start. The figure is
  cumulative, so the span the command was seen running is max − min over its lines, never their
  sum (a sum counts the same seconds again on every line). Only commands that ran long enough to
  report progress have one.
"""

from __future__ import annotations

from workbench.core import redact as redaction
from workbench.query.db import Reader
from workbench.query.scope import Scope

#: Text shown for a command: its ``command`` input, else the start of the input (characters).
INPUT_CHARS = 200


def calls_sql(con: Reader, scope: Scope) -> str:
    """SQL: the tool calls of the scope with ``seconds`` (call to result) and, where progress
    lines were written, ``progress_seconds`` (the ``tool_calls`` mart's: max − min of their
    cumulative elapsed time)."""
    d = con.dialect
    return f"""
        SELECT c.session_id, s.root_session_id, s.user_name, s.project, c.name AS tool_name,
            c.tool_use_id, c.ts, c.is_error, c.input_json,
            CASE WHEN c.result_ts >= c.ts
                 THEN ({d.epoch_us("c.result_ts")} - {d.epoch_us("c.ts")}) / 1000000.0
            END AS seconds,
            c.progress_seconds, c.progress_events
        FROM tool_calls c
        JOIN sessions s ON s.session_id = c.session_id
        WHERE {scope.events("c.ts", "s")}
    """


def tools(con: Reader, *, limit: int = 15, **filters) -> list[dict]:
    """Per tool: calls, calls timed, median, p90 and longest seconds, total seconds; slowest
    (by median) first."""
    calls = calls_sql(con, Scope.of(**filters))
    rows = con.rows(
        f"""
        SELECT tool_name, count(*) AS calls, count(seconds) AS timed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median_seconds,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90_seconds,
            max(seconds) AS max_seconds, sum(seconds) AS total_seconds,
            count(progress_seconds) AS with_progress
        FROM ({calls}) x
        GROUP BY tool_name
        HAVING count(seconds) > 0
        ORDER BY median_seconds DESC, p90_seconds DESC, tool_name
        LIMIT {int(limit)}
        """
    )
    for r in rows:
        for k in ("median_seconds", "p90_seconds", "max_seconds", "total_seconds"):
            r[k] = _round(r[k])
    return rows


def slowest_commands(con: Reader, *, limit: int = 15, redact: bool = True, **filters) -> list[dict]:
    """The longest shell commands (calls with a ``command`` or ``cmd`` input: Claude's Bash,
    Codex's shell calls and exec_command, Gemini's run_shell_command), by ``seconds`` (else
    ``progress_seconds`` for a command that has no result), with the command (redacted unless
    ``redact=False``)."""
    d = con.dialect
    calls = calls_sql(con, Scope.of(**filters))
    command = (
        f"coalesce({d.json_text('x.input_json', 'command')}, {d.json_text('x.input_json', 'cmd')})"
    )
    rows = con.rows(
        f"""
        SELECT x.session_id, x.user_name, x.project, x.tool_name, x.tool_use_id, x.ts,
            x.is_error, x.seconds, x.progress_seconds, x.progress_events,
            left({command}, {INPUT_CHARS}) AS command
        FROM ({calls}) x
        WHERE (x.input_json LIKE '%"command"%' OR x.input_json LIKE '%"cmd"%')
          AND {command} IS NOT NULL AND x.tool_name <> 'Skill'
          AND coalesce(x.seconds, x.progress_seconds) IS NOT NULL
        ORDER BY coalesce(x.seconds, x.progress_seconds) DESC, x.ts, x.tool_use_id
        LIMIT {int(limit)}
        """
    )
    for r in rows:
        r["seconds"] = _round(r["seconds"])
        r["progress_seconds"] = _round(r["progress_seconds"])
        if redact and r["command"] is not None:
            r["command"] = redaction.redact(r["command"])
    return rows


def report(con: Reader, *, limit: int = 15, redact: bool = True, **filters) -> dict:
    """``{"tools": tools(), "slowest_commands": slowest_commands()}``."""
    return {
        "tools": tools(con, limit=limit, **filters),
        "slowest_commands": slowest_commands(con, limit=limit, redact=redact, **filters),
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 3)
