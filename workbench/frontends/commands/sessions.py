"""`workbench sessions`: list, get, show, messages, tool-calls, export, watch, sync, kpis."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.frontends.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    db_arg,
    dedent,
    examples,
    filter_args,
    filters,
    format_args,
    open_reader,
    print_rows,
    reader,
    redact_arg,
    redacted,
    via_server,
)
from workbench.present import textout
from workbench.query.periods import UsageError

with_examples = examples  # `_for_id` has an ``examples`` parameter


def register(sub) -> None:
    p = sub.add_parser(
        "sessions",
        help="list, inspect, read and export sessions; team KPIs",
        description="Sessions and their signals (time, counters, tokens, cost, outcome, health).",
        epilog=dedent("""
examples:
  workbench sessions list --since 7d --errors --sort cost:desc
  workbench sessions get 7f2abd2d            # an id or an unambiguous prefix
  workbench sessions show 7f2abd2d --errors  # only the failed calls, with their inputs
  workbench sessions messages 7f2abd2d --from 40 --limit 20 --json
  workbench sessions tool-calls 7f2abd2d --json
  workbench sessions export 7f2abd2d > session.jsonl        # the raw file, byte for byte
  workbench sessions export 7f2abd2d --format html --depth all > session.html
  workbench sessions download 7f2abd2d --out session.jsonl   # the raw file, saved
  workbench sessions kpis --since 7d --user alice --json
  workbench sessions watch 7f2abd2d           # NDJSON events until Ctrl-C
  workbench sessions sync ~/.claude/projects/-home-ana-src-shop/7f2abd2d.jsonl --json

Secrets (keys, tokens, passwords) are redacted in every output but the raw export; --no-redact
shows them.
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ssub = p.add_subparsers(
        dest="sessions_command", metavar="SUBCOMMAND", required=True, parser_class=type(p)
    )
    ls = ssub.add_parser(
        "list",
        help="sessions, newest first, filtered and paged",
        description="A page of sessions (rows with errors start with '!'). Left out unless "
        "asked for: subagents (--include-children), one-shot sessions (one user message: "
        "--include-one-shot) and automated ones (claude -p, the Agent SDK, codex exec: "
        "--include-automated). --preset ops: the operator's view, every session of the last "
        "7 days with the most tool errors first.",
        **examples("""
examples:
  workbench sessions list --since 7d --errors --sort cost:desc
  workbench sessions list --preset ops                  # error-heavy sessions, last 7 days
  workbench sessions list --user alice --outcome errored,abandoned --health-grade D,F
  workbench sessions list --date 2026-05-04 --min-user-messages 3
  workbench sessions list --date-from 2026-05-01 --date-to 2026-05-07 --include-automated
  workbench sessions list --active-since 2h --include-children --json
  workbench sessions list --json --limit 20 --cursor CURSOR   # next_cursor of the last page
  workbench sessions list --since 30d --format csv > sessions.csv
  workbench sessions list --format ndjson | jq -r 'select(.tool_errors > 3) | .session_id'
"""),
    )
    db_arg(ls)
    filter_args(ls)
    ls.add_argument("--model", action="append", default=[], help="primary model (repeatable)")
    ls.add_argument("--errors", action="store_true", help="only sessions with a tool error")
    ls.add_argument(
        "--min-tool-failures",
        type=int,
        default=0,
        metavar="N",
        help="only sessions with at least N tool errors",
    )
    ls.add_argument(
        "--outcome",
        type=_csv,
        default=[],
        help="completed, abandoned, errored, unknown (comma list)",
    )
    ls.add_argument("--health-grade", type=_csv, default=[], help="A-F (comma list)")
    ls.add_argument("--q", help="text in the id, the file name or the first prompt")
    ls.add_argument(
        "--include-children",
        "--include-subagents",
        dest="include_subagents",
        action="store_true",
        help="list subagent sessions too (default: top-level sessions only)",
    )
    ls.add_argument("--min-messages", type=int, metavar="N", help="at least N messages")
    ls.add_argument("--max-messages", type=int, metavar="N", help="at most N messages")
    ls.add_argument(
        "--min-user-messages", type=int, metavar="N", help="at least N user messages (prompts)"
    )
    ls.add_argument(
        "--include-one-shot",
        action="store_true",
        help="list one-shot sessions too (at most one user message)",
    )
    ls.add_argument(
        "--include-automated",
        action="store_true",
        help="list automated sessions too (claude -p, the Agent SDK, codex exec)",
    )
    ls.add_argument("--date", metavar="YYYY-MM-DD", help="sessions started on this day")
    ls.add_argument("--date-from", metavar="YYYY-MM-DD", help="started on or after this day")
    ls.add_argument("--date-to", metavar="YYYY-MM-DD", help="started on or before this day")
    ls.add_argument(
        "--active-since",
        metavar="WHEN",
        help="last activity at or after WHEN (1h, 24h, 7d, 2w or YYYY-MM-DD)",
    )
    ls.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="ops: every session of the last 7 days (one-shot and automated included), "
        "most tool errors first; explicit options win",
    )
    ls.add_argument(
        "--sort",
        default=None,
        metavar="COL[:asc|desc]",
        help="started_at, active_seconds, tool_calls, tool_errors, cost, user, "
        "model (default started_at:desc)",
    )
    ls.add_argument("--limit", type=int, default=50, help="rows per page (default 50, max 500)")
    ls.add_argument("--offset", type=int, default=0, help="rows to skip (for the next page)")
    ls.add_argument(
        "--cursor", help="continue a listing: the next_cursor of the previous page (JSON)"
    )
    reader(ls, list_data, present_list, rows="rows")
    redact_arg(ls)

    _for_id(
        ssub,
        "get",
        help="one session with every signal",
        description="Metadata and signals of one session: time, counters, "
        "tokens, outcome, health score with its penalties.",
        data=get_data,
        present=lambda args, row: print(describe_session(row)),
        examples="""
examples:
  workbench sessions get 7f2abd2d            # an id or an unambiguous prefix
  workbench sessions get 7f2abd2d --json | jq .penalties
""",
    )

    sh = _for_id(
        ssub,
        "show",
        help="the transcript in order",
        description="User and assistant text, TOOL_USE with its JSON input, "
        "TOOL_RESULT with [ERROR category] marks.",
        func=cmd_show,
        examples="""
examples:
  workbench sessions show 7f2abd2d
  workbench sessions show 7f2abd2d --errors --full     # the failed calls, results in full
  workbench sessions show 7f2abd2d --depth all --format ndjson   # subagents inline
""",
    )
    format_args(sh, "one event per line")
    sh.add_argument("--errors", action="store_true", help="only failed calls and their inputs")
    sh.add_argument("--full", action="store_true", help="do not shorten long results")
    sh.add_argument(
        "--depth",
        type=_depth,
        default=0,
        metavar="0|1|all",
        help="subagent levels to show inline (default 0)",
    )

    ms = _for_id(
        ssub,
        "messages",
        help="a window of messages (JSON like agentsview's API)",
        description="Messages with ordinal, role, content, thinking_text, has_thinking, "
        "timestamp, is_system, has_tool_use, source_type (user, assistant, system), "
        "source_subtype (continuation, resume, interrupted, task_notification, stop_hook, "
        "compact_boundary, else the raw subtype) and raw_subtype (as written).",
        data=messages_data,
        present=present_messages,
        rows="messages",
        examples="""
examples:
  workbench sessions messages 7f2abd2d --limit 20
  workbench sessions messages 7f2abd2d --from 40 --limit 20 --json
  workbench sessions messages 7f2abd2d --direction desc --limit 5   # the last five
""",
    )
    ms.add_argument(
        "--from",
        dest="start",
        type=int,
        default=None,
        metavar="N",
        help="first ordinal (default: the start, or the end with --direction desc)",
    )
    ms.add_argument("--limit", type=int, default=100, help="messages (default 100)")
    ms.add_argument("--direction", choices=["asc", "desc"], default="asc")

    _for_id(
        ssub,
        "tool-calls",
        help="the session's tool calls, flattened",
        description="Tool calls with ordinal, tool_use_id, tool_name, category (the kind "
        "of tool: Read, Edit, Write, Bash, Grep, Glob, Task, Tool, Other), skill_name (a Skill "
        "call's skill), subagent_session_id (the session a Task/Agent call spawned), "
        "input_json, is_error, error_category (the friction category), result_length.",
        data=tool_calls_data,
        present=present_tool_calls,
        rows="tool_calls",
        examples="""
examples:
  workbench sessions tool-calls 7f2abd2d
  workbench sessions tool-calls 7f2abd2d --format csv > calls.csv
""",
    )

    ex = _for_id(
        ssub,
        "export",
        help="the raw transcript file, or Markdown/HTML",
        description="Without --format: the source file byte for byte (exit 1 "
        "if it is gone from disk). --format md|html renders the transcript from "
        "the database, escaped and with secrets redacted.",
        func=cmd_export,
        redacted_text="md/html output",
        examples="""
examples:
  workbench sessions export 7f2abd2d > session.jsonl        # the raw file, byte for byte
  workbench sessions export 7f2abd2d --format md > session.md
  workbench sessions export 7f2abd2d --format html --depth all > session.html
""",
    )
    ex.add_argument("--format", choices=["raw", "md", "html"], default="raw")
    ex.add_argument(
        "--depth",
        type=_depth,
        default=0,
        metavar="0|1|all",
        help="subagent levels to include inline (default 0)",
    )

    dl = _for_id(
        ssub,
        "download",
        help="save the raw transcript file (and its subagents')",
        description="Copy the session's source file, byte for byte and never redacted (it is "
        "the user's own transcript), to --out (default: ./<session id> with the source's "
        "extension, e.g. .jsonl). An existing file is kept unless --force. --subagents also "
        "saves each subagent's file beside it as <subagent id>.<ext>. Exit 1 when the source "
        "is gone from disk (the database keeps the session: use `sessions export --format md`).",
        func=cmd_download,
        redacted_text="session ids in the file names and the summary (the file itself is raw)",
    )
    dl.add_argument("--out", "-o", type=Path, metavar="FILE", help="where to save it")
    dl.add_argument("--force", action="store_true", help="overwrite existing files")
    dl.add_argument("--subagents", action="store_true", help="save the subagents' files too")
    dl.add_argument("--json", action="store_true", help="print what was saved as JSON")
    dl.epilog = dedent("""
examples:
  workbench sessions download 7f2abd2d                  # ./7f2abd2d-….jsonl
  workbench sessions download 7f2abd2d --out shop.jsonl --force
  workbench sessions download 7f2abd2d --subagents --json
""")
    dl.formatter_class = argparse.RawDescriptionHelpFormatter

    w = _for_id(
        ssub,
        "watch",
        help="follow a session: NDJSON events until Ctrl-C",
        description="One JSON line per event: session_updated (the id) after each ingest "
        "that touched the session, heartbeat (the time) when quiet. Through a running "
        "`workbench serve` when one owns the database, else by watching the session's file "
        "(and ingesting it as it grows). An unknown id fails at once.",
        func=cmd_watch,
        examples="""
examples:
  workbench sessions watch 7f2abd2d                 # until Ctrl-C
  workbench sessions watch 7f2abd2d --heartbeat 5 | jq -c .
""",
    )
    w.add_argument(
        "--heartbeat",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="heartbeat interval without a server (default 15; a server sends its own)",
    )
    sy = ssub.add_parser(
        "sync",
        help="parse one transcript now and print its session",
        description="Parse and insert one transcript (a file, or a session id re-read from "
        "its recorded path), wait for its signals, and print the session (--json: the "
        "`sessions get` object). A file holding several sessions syncs them all, then fails "
        "listing their ids. Through a running `workbench serve` when one owns the database.",
        **examples("""
examples:
  workbench sessions sync ~/.claude/projects/-home-ana-src-shop/7f2abd2d.jsonl
  workbench sessions sync 7f2abd2d --json           # re-read a known session's file
"""),
    )
    sy.add_argument("target", metavar="PATH-OR-ID", help="a transcript file or a session id")
    db_arg(sy)
    sy.add_argument("--json", action="store_true", help="print the session as JSON")
    sy.set_defaults(func=cmd_sync)

    k = ssub.add_parser(
        "kpis",
        help="team KPIs",
        description="Sessions, users, sessions with errors, tool calls, tool "
        "errors and the tool error rate (subagents count toward their session).",
        **examples("""
examples:
  workbench sessions kpis --since 7d
  workbench sessions kpis --user alice --project shop --json
  workbench sessions kpis --since 30d --format csv
"""),
    )
    db_arg(k)
    filter_args(k)
    reader(k, kpis_data, present_kpis)


def cmd_watch(args: argparse.Namespace) -> int:
    from workbench.frontends.serve import follow

    return follow.watch(args)


def cmd_sync(args: argparse.Namespace) -> int:
    from workbench.frontends.serve import follow

    return follow.sync(args)


def get_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import signals

    return signals.get(con, args.session_id)


def describe_session(r: dict) -> str:
    """A session as labelled lines for the terminal."""
    dur = textout.duration

    def when(ts) -> str:
        return textout.local(ts, "UTC", "%Y-%m-%d %H:%M:%S UTC")

    lines = [
        f"Session {r['session_id']} ({r['agent']}, {r['user_name']}, project {r['project']})",
        f"  started {when(r['started_at'])}, ended {when(r['ended_at'])}; "
        f"wall {dur(r['wall_seconds'])}, active {dur(r['active_seconds'])} in "
        f"{textout.counted(r['activity_blocks'], 'block')}",
        f"  model {r['primary_model']}; branch {r['git_branch']}; cli {r['cli_version']}"
        + (f"; started via {r['entrypoint']}" if r.get("entrypoint") else "")
        + (" (automated)" if r.get("automated") else ""),
    ]
    if r["is_subagent"]:
        lines.append(f"  subagent {r['agent_id']} ({r['agent_type']}) of {r['parent_session_id']}")
    lines += [
        f"  messages {r['messages']} (prompts {r['user_messages']}, assistant "
        f"{r['assistant_messages']}); tool calls {r['tool_calls']}, errors {r['tool_errors']}",
        f"  skills {r['skill_calls']}, subagents {r['subagent_calls']}, MCP {r['mcp_calls']}, "
        f"slash commands {r['slash_commands']}, compactions {r['compactions']}, "
        f"interruptions {r['interruptions']}, API errors {r['api_errors']}",
        f"  tokens (own): input {textout.number(r['own_input_tokens'])}, output "
        f"{textout.number(r['own_output_tokens'])}, cache write "
        f"{textout.number(r['own_cache_creation_tokens'])}, cache read "
        f"{textout.number(r['own_cache_read_tokens'])}",
        f"  cost: own {textout.money(r['own_cost_usd'])}, with subagents "
        f"{textout.money(r['total_cost_usd'])}"
        + (
            f" (+ {r['total_unpriced_responses']} responses of unpriced models: "
            f"{', '.join(r['unpriced_models'])})"
            if r["total_unpriced_responses"]
            else ""
        ),
        f"  outcome {r['outcome']} (ended with {r['ended_with']}); health {r['health_score']} "
        f"({r['health_grade']})",
    ]
    for p in r["penalties"] or []:
        lines.append(f"    -{p['points']:>2}  {p['rule']} ({p['count']})")
    if r.get("subagents"):
        lines.append(f"  subagents: {', '.join(r['subagents'])}")
    if r.get("first_prompt"):
        lines.append(f"  first prompt: {r['first_prompt'][:200]!r}")
    lines.append(
        f"  source: {r['source_path']}{' (gone from disk)' if r['source_missing'] else ''}"
    )
    return "\n".join(lines)


def kpis_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import signals

    kwargs = filters(args)
    kwargs.pop("tz")
    return signals.kpis(con, **kwargs)


def present_kpis(args: argparse.Namespace, data: dict) -> None:
    rate = data["tool_error_rate"]
    print(
        textout.table(
            ["sessions", "users", "with errors", "tool calls", "tool errors", "error rate"],
            [
                [
                    textout.number(data["sessions"]),
                    data["users"],
                    textout.number(data["sessions_with_errors"]),
                    textout.number(data["tool_calls"]),
                    textout.number(data["tool_errors"]),
                    "-" if rate is None else f"{100 * rate:.1f}%",
                ]
            ],
            right=range(6),
        )
    )


def _for_id(
    ssub,
    name: str,
    *,
    help: str,
    description: str,
    func=None,
    data=None,
    present=None,
    rows=None,
    redacted_text: str = "text",
    examples: str = "",
):
    """A subcommand on one session: ``ID`` (or prefix), ``--db`` and ``--no-redact``; a read
    command (``--format``) when given ``data``; ``examples`` for its help."""
    p = ssub.add_parser(name, help=help, description=description, **with_examples(examples))
    p.add_argument("session_id", metavar="ID", help="session id or an unambiguous prefix")
    db_arg(p)
    redact_arg(p, redacted_text)
    if data is not None:
        reader(p, data, present, rows)
    else:
        p.set_defaults(func=func)
    return p


def _csv(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _depth(text: str) -> int | None:
    if text == "all":
        return None
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError("use 0, 1, 2, ... or all")


def _short_model(model: str | None) -> str:
    if not model:
        return "-"
    m = model.removeprefix("claude-")
    parts = m.split("-")
    if parts and len(parts[-1]) == 8 and parts[-1].isdigit():
        m = "-".join(parts[:-1])
    return m


#: Named defaults for ``sessions list --preset``: what each changes when not given.
PRESETS = {
    # agnes's operator view: what broke lately, whoever or whatever ran it
    "ops": {
        "since": "7d",
        "sort": "tool_errors:desc",
        "include_one_shot": True,
        "include_automated": True,
    },
}


def _apply_preset(args: argparse.Namespace) -> None:
    """Fill the options a preset sets and the command line left at their defaults."""
    for name, value in PRESETS.get(args.preset or "", {}).items():
        if getattr(args, name) in (None, False):
            setattr(args, name, value)
    if args.sort is None:
        args.sort = "started_at:desc"


def list_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import signals
    from workbench.query.periods import parse_day, parse_when

    _apply_preset(args)
    if not 1 <= args.limit <= signals.MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {signals.MAX_LIMIT}")
    if args.offset < 0:
        raise UsageError("--offset must be 0 or more")
    if args.cursor and args.offset:
        raise UsageError("give --cursor or --offset, not both")
    for name in ("min_messages", "max_messages", "min_user_messages"):
        if (getattr(args, name) or 0) < 0:
            raise UsageError(f"--{name.replace('_', '-')} must be 0 or more")
    if args.date and (args.date_from or args.date_to):
        raise UsageError("--date is one day: give it or --date-from/--date-to, not both")
    kwargs = filters(args)
    tz = kwargs.pop("tz")
    first, last = (args.date, args.date) if args.date else (args.date_from, args.date_to)
    return signals.listing(
        con,
        models=args.model,
        errors_only=args.errors,
        min_tool_failures=args.min_tool_failures,
        outcomes=args.outcome,
        grades=args.health_grade,
        q=args.q,
        include_subagents=args.include_subagents,
        min_messages=args.min_messages,
        max_messages=args.max_messages,
        min_user_messages=args.min_user_messages,
        include_one_shot=args.include_one_shot,
        include_automated=args.include_automated,
        started_from=parse_day(first, tz),
        started_before=parse_day(last, tz, end=True),
        active_since=parse_when(args.active_since, tz),
        sort=args.sort,
        limit=args.limit,
        offset=args.offset,
        cursor=args.cursor,
        cursor_scope=repr(
            [
                args.since,
                args.until,
                args.date,
                args.date_from,
                args.date_to,
                args.active_since,
                tz,  # resolved: a server adds the zone when the command line gives none
            ]
        ),
        **kwargs,
    )


def present_list(args: argparse.Namespace, data: dict) -> None:
    tz = filters(args)["tz"]
    body = [
        [
            ("!" if r["tool_errors"] else " ") + r["session_id"][:8],
            textout.local(r["started_at"], tz),
            r["user_name"],
            r["project"] or "-",
            textout.duration(r["active_seconds"]),
            r["tool_calls"],
            r["tool_errors"],
            textout.money(r["total_cost_usd"]) if r["total_cost_usd"] is not None else "-",
            _short_model(r["primary_model"]),
            r["health_grade"],
        ]
        for r in data["rows"]
    ]
    print(
        textout.table(
            [
                "  id",
                "when",
                "user",
                "project",
                "active",
                "tools",
                "errors",
                "cost",
                "model",
                "grade",
            ],
            body,
            right=(4, 5, 6, 7),
            max_width=120,
        )
    )
    if data["rows"]:
        print(
            "! before an id: tool errors. cost: the session with its subagents; "
            "with --since/--until, what it spent then."
        )
        a, b = data["offset"] + 1, data["offset"] + len(data["rows"])
        line = f"Showing {a}–{b} of {data['total']:,}."
        if data["next_offset"] is not None:
            line += f" Next page: --offset {data['next_offset']}"
        print(line)
    else:
        print(f"No sessions match (of {data['total']:,}).")
    hidden = [
        (what, flag)
        for what, flag, shown in (
            ("one-shot", "--include-one-shot", args.include_one_shot),
            ("automated", "--include-automated", args.include_automated),
        )
        if not shown
    ]
    if hidden:
        what = " and ".join(w for w, _ in hidden)
        print(f"{what.capitalize()} sessions left out ({', '.join(f for _, f in hidden)}).")


def cmd_show(args: argparse.Namespace) -> int:
    from workbench.present import render
    from workbench.query import transcript

    if (printed := via_server(args)) is not None:
        sys.stdout.write(printed)
        return EXIT_OK
    t = transcript.load(open_reader(args.db), args.session_id, depth=args.depth)
    if args.format != "table":
        data = redacted(transcript.as_dict(t, errors_only=args.errors), args)
        if args.format == "json":
            textout.print_json(data)
        else:
            print_rows(args.format, data["events"])
        return EXIT_OK
    print(render.text(t, errors_only=args.errors, full=args.full, redact=args.redact))
    return EXIT_OK


def messages_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import transcript

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    return transcript.message_window(
        con, args.session_id, start=args.start, limit=args.limit, direction=args.direction
    )


def present_messages(args: argparse.Namespace, data: dict) -> None:
    for m in data["messages"]:
        flag = f" ({m['source_subtype'] or 'system'})" if m["is_system"] else ""
        print(
            f"#{m['ordinal']} {m['role']}{flag} {m['timestamp']}: "
            f"{' '.join(m['content'].split())[:200]}"
        )
    if data["next_from"] is not None:
        print(f"More: --from {data['next_from']} --direction {data['direction']}")


def tool_calls_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import transcript

    return transcript.tool_call_list(con, args.session_id)


def present_tool_calls(args: argparse.Namespace, data: dict) -> None:
    print(
        textout.table(
            ["#", "tool", "kind", "error", "result", "input"],
            [
                [
                    c["ordinal"],
                    c["tool_name"] + (f" ({c['skill_name']})" if c["skill_name"] else ""),
                    c["category"],
                    c["error_category"] or "",
                    c["result_length"],
                    (f"-> {c['subagent_session_id']} " if c["subagent_session_id"] else "")
                    + " ".join((c["input_json"] or "").split())[:70],
                ]
                for c in data["tool_calls"]
            ],
            right=(0, 4),
            max_width=120,
        )
    )


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.present import render
    from workbench.query import transcript

    if args.format == "raw":
        # the raw file is always read here, from the path the archive records
        path = Path(_source_path(args))
        if not path.is_file():
            print(
                f"workbench: source file not found: {path} (the database keeps the session; "
                "use --format md or html)",
                file=sys.stderr,
            )
            return EXIT_ERROR
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return EXIT_OK
    if (printed := via_server(args)) is not None:
        sys.stdout.write(printed)
        return EXIT_OK
    t = transcript.load(open_reader(args.db), args.session_id, depth=args.depth)
    if args.format == "md":
        print(render.markdown(t, redact=args.redact))
    else:
        print(render.html_page(t, redact=args.redact))
    return EXIT_OK


def _source_path(args: argparse.Namespace) -> str:
    """The session's recorded source path (asked of the server when one owns the database)."""
    return _session(args, args.session_id)["source_path"]


def _session(args: argparse.Namespace, session_id: str) -> dict:
    """``sessions get`` of ``session_id`` (asked of the server when one owns the database)."""
    from urllib.parse import quote

    from workbench.frontends.serve import client, state
    from workbench.query import signals

    server = state.live(args.db)
    if server is not None:
        sid = quote(session_id, safe="")
        return client.request(server, "GET", f"/api/v1/sessions/{sid}")
    return signals.get(open_reader(args.db), session_id)


def _safe_name(session_id: str) -> str:
    """A file name for a session id (ids come from transcripts: no path, no leading dot)."""
    import re

    return re.sub(r"[^A-Za-z0-9._-]", "_", session_id).lstrip(".") or "session"


def cmd_download(args: argparse.Namespace) -> int:
    from workbench.core.store import WorkbenchError

    row = _session(args, args.session_id)
    folder = args.out if args.out is not None and args.out.is_dir() else None
    plan = [(row, None if folder else args.out)]
    if args.subagents:
        plan += [(_session(args, sid), None) for sid in row.get("subagents") or []]
    saved = []
    for i, (r, out) in enumerate(plan):
        src = Path(r["source_path"]) if r.get("source_path") else None
        if src is None or not src.is_file():
            if i:  # a subagent whose file is gone: say so, keep the rest
                print(f"workbench: {r['session_id']}: source file not found", file=sys.stderr)
                continue
            raise WorkbenchError(
                f"source file not found: {src} (the database keeps the session; use "
                "`sessions export --format md` or `--format html`)"
            )
        if out is None:
            shown = r["session_id"]
            if args.redact:  # a key in a session id stays out of the file name too
                from workbench.core.redact import redact_name

                shown = redact_name(shown)
            name = _safe_name(shown) + (src.suffix or ".jsonl")
            out = (folder or (args.out.parent if args.out is not None else Path())) / name
        try:
            size = _copy(src, out, force=args.force)
        except FileExistsError:
            raise WorkbenchError(f"{out} exists: pass --force to overwrite it") from None
        saved.append({"session_id": r["session_id"], "path": str(out), "bytes": size})
    if args.json:
        textout.print_json(redacted({"saved": saved}, args))
    else:
        for s in redacted(saved, args):
            print(f"saved {s['path']} ({s['bytes']:,} bytes, session {s['session_id']})")
    return EXIT_OK


def _copy(src: Path, out: Path, *, force: bool) -> int:
    """Copy ``src`` to ``out`` byte for byte; without ``force`` an existing ``out`` raises
    FileExistsError (checked atomically: the file is created exclusively)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with open(src, "rb") as fh, open(out, "wb" if force else "xb") as dest:
        while chunk := fh.read(1 << 20):
            dest.write(chunk)
            size += len(chunk)
    return size
