"""`workbench sessions`: one session's signals, and team KPIs."""

from __future__ import annotations

import argparse

from workbench import textout
from workbench.commands.common import EXIT_OK, db_arg, dedent, filter_args, filters


def register(sub) -> None:
    p = sub.add_parser(
        "sessions",
        help="sessions: get one, team KPIs",
        description="Look at sessions and their signals (time, counters, outcome, health).",
        epilog=dedent("""
examples:
  workbench sessions get 7f2abd2d            # an id or an unambiguous prefix
  workbench sessions get 7f2abd2d --json
  workbench sessions kpis --since 7d --user alice --json
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ssub = p.add_subparsers(
        dest="sessions_command", metavar="SUBCOMMAND", required=True, parser_class=type(p)
    )
    g = ssub.add_parser(
        "get",
        help="one session with every signal",
        description="Metadata and signals of one session: time, counters, "
        "tokens, outcome, health score with its penalties.",
    )
    g.add_argument("session_id", metavar="ID", help="session id or an unambiguous prefix")
    db_arg(g)
    g.add_argument("--json", action="store_true", help="print JSON")
    g.set_defaults(func=cmd_get)

    k = ssub.add_parser(
        "kpis",
        help="team KPIs",
        description="Sessions, users, sessions with errors, tool calls, tool "
        "errors and the tool error rate (subagents count toward their session).",
    )
    db_arg(k)
    filter_args(k)
    k.add_argument("--json", action="store_true", help="print JSON")
    k.set_defaults(func=cmd_kpis)


def cmd_get(args: argparse.Namespace) -> int:
    from workbench import signals, tables

    row = signals.get(tables.connect(args.db), args.session_id)
    if args.json:
        textout.print_json(row)
        return EXIT_OK
    print(describe_session(row))
    return EXIT_OK


def describe_session(r: dict) -> str:
    """A session as labelled lines for the terminal."""
    dur = textout.duration
    lines = [
        f"Session {r['session_id']} ({r['agent']}, {r['user_name']}, project {r['project']})",
        f"  started {r['started_at']}, ended {r['ended_at']}; wall {dur(r['wall_seconds'])}, "
        f"active {dur(r['active_seconds'])} in {r['activity_blocks']} blocks",
        f"  model {r['primary_model']}; branch {r['git_branch']}; cli {r['cli_version']}",
    ]
    if r["is_subagent"]:
        lines.append(f"  subagent {r['agent_id']} ({r['agent_type']}) of {r['parent_session_id']}")
    lines += [
        f"  messages {r['messages']} (prompts {r['user_messages']}, assistant "
        f"{r['assistant_messages']}); tool calls {r['tool_calls']}, errors {r['tool_errors']}",
        f"  skills {r['skill_calls']}, subagents {r['subagent_calls']}, MCP {r['mcp_calls']}, "
        f"slash commands {r['slash_commands']}, compactions {r['compactions']}, "
        f"interruptions {r['interruptions']}, API errors {r['api_errors']}",
        f"  tokens: input {textout.number(r['input_tokens'])}, output "
        f"{textout.number(r['output_tokens'])}, cache write "
        f"{textout.number(r['cache_creation_tokens'])}, cache read "
        f"{textout.number(r['cache_read_tokens'])}",
        f"  cost {textout.money(r['cost_usd'])}"
        + (
            f" (+ {r['unpriced_responses']} responses of unpriced models: "
            f"{', '.join(r['unpriced_models'])})"
            if r["unpriced_responses"]
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


def cmd_kpis(args: argparse.Namespace) -> int:
    from workbench import signals, tables

    kwargs = filters(args)
    kwargs.pop("tz")
    data = signals.kpis(tables.connect(args.db), **kwargs)
    if args.json:
        textout.print_json(data)
        return EXIT_OK
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
    return EXIT_OK
