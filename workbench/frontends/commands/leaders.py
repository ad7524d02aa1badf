"""`workbench leaders`: skills, subagent types, slash commands and MCP servers, ranked."""

from __future__ import annotations

import argparse

from workbench.frontends.commands.common import (
    db_arg,
    dedent,
    filter_args,
    filters,
    reader,
    redact_arg,
)
from workbench.present import textout
from workbench.query.leaders import BOARDS


def register(sub) -> None:
    p = sub.add_parser(
        "leaders",
        help="leaderboards: skills, subagent types, slash commands, MCP servers",
        description="Which skills (Skill tool), subagent types (Task/Agent), slash commands "
        "and MCP servers (mcp__<server>__<tool>, per server) are used: calls, top-level "
        "sessions, users, errors and error rate in the period; tokens and cost for subagent "
        "types (their subagents' responses). Skills, commands and MCP servers share their "
        "session's responses, so they have no tokens or cost of their own.",
        epilog=dedent("""
examples:
  workbench leaders                               # all four boards
  workbench leaders skills --since 7d
  workbench leaders subagents --user alice --json
  workbench leaders mcp --project shop --limit 5
  workbench leaders skills --since 30d --format csv > skills.csv
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "board",
        nargs="?",
        choices=BOARDS,
        help="one leaderboard (default: all four)",
    )
    db_arg(p)
    filter_args(p)
    p.add_argument("--limit", type=int, default=20, help="rows per board (default 20; 0: all)")
    redact_arg(p, "names")
    reader(p, leaders_data, lambda args, data: print(describe(data)), rows=board_rows)


def leaders_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import leaders

    kwargs = filters(args)
    kwargs.pop("tz")
    boards = (args.board,) if args.board else leaders.BOARDS
    return leaders.report(con, boards, limit=args.limit or None, **kwargs)


def board_rows(data: dict) -> list[dict]:
    """every board's entries, each with its board"""
    return [{"board": board, **row} for board, rows in data.items() for row in rows]


#: Board titles for the terminal.
TITLES = {
    "skills": "skill",
    "subagents": "subagent type",
    "commands": "slash command",
    "mcp": "MCP server",
}


def describe(data: dict) -> str:
    """The boards as terminal tables."""
    out = []
    for board, rows in data.items():
        if out:
            out.append("")
        if not rows:
            out.append(f"No {TITLES[board]} used in this period.")
            continue
        head = [TITLES[board], "calls", "sessions", "users"]
        if board != "commands":  # a command has no error flag
            head += ["errors", "rate"]
        if board == "subagents":
            head += ["tokens", "cost"]
        body = []
        for r in rows:
            row = [r["name"], r["calls"], r["sessions"], r["users"]]
            if board != "commands":
                row += [r["errors"], textout.percent(r["error_rate"])]
            if board == "subagents":
                spent = r["subagent_sessions"] > 0
                row += [
                    textout.compact(r["tokens"]) if spent else "-",
                    textout.money(r["cost_usd"]) if spent else "-",
                ]
            body.append(row)
        right = tuple(range(1, len(head)))
        out.append(textout.table(head, body, right=right, max_width=120))
    return "\n".join(out)
