"""`workbench search`: find text across prompts, replies, thinking and tool input/output."""

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

WIDTH = 120  # the table's width; the snippet gets what the other columns leave


def register(sub) -> None:
    p = sub.add_parser(
        "search",
        help="search prompts, replies, thinking, tool inputs and outputs",
        description="Every transcript text, newest first, with a snippet and the session and "
        "message (ordinal) of each hit. TEXT matches literally and case-insensitively; with "
        "--regex it is an RE2 regular expression.",
        epilog=dedent("""
examples:
  workbench search "ModuleNotFoundError"
  workbench search 'npm (ERR|WARN)' --regex --since 7d --user alice
  workbench search deploy --project api --limit 50 --json
  workbench search timeout --format ndjson | jq -r .session_id | sort -u
  workbench sessions show SESSION --errors     # then look at a hit in context

Snippets are redacted (a key the snippet cuts is replaced whole); --no-redact shows them raw.
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", metavar="TEXT", help="what to find")
    p.add_argument("--regex", action="store_true", help="TEXT is an RE2 regular expression")
    p.add_argument("--case-sensitive", action="store_true", help="match case exactly")
    p.add_argument("--limit", type=int, default=20, help="hits to show (default 20)")
    p.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="highlight the match in the table (default auto: when stdout is a terminal and "
        "$NO_COLOR is unset)",
    )
    db_arg(p)
    filter_args(p)
    redact_arg(p, "snippets")
    reader(p, search_data, present, rows="hits")


def search_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import search

    kwargs = filters(args)
    kwargs.pop("tz")
    return search.search(
        con,
        args.text,
        regex=args.regex,
        case_sensitive=args.case_sensitive,
        limit=args.limit,
        redact=args.redact,
        **kwargs,
    )


def present(args: argparse.Namespace, data: dict) -> None:
    tz = filters(args)["tz"]
    color = textout.use_color(args.color)
    rows = [
        [
            h["session_id"][:12],
            h["ordinal"],
            h["tool_name"] or h["kind"],
            textout.local(h["ts"], tz),
            h["user_name"],
        ]
        for h in data["hits"]
    ]
    headers = ["session", "#", "where", "when", "user", "snippet"]
    widths = [max([len(headers[i])] + [len(str(r[i])) for r in rows]) for i in range(5)]
    room = max(WIDTH - sum(widths) - 2 * len(widths), 30)
    for row, h in zip(rows, data["hits"]):
        before, hit, after = textout.centred(*h["snippet_parts"], room)
        row.append(before + (textout.highlight(hit) if color else hit) + after)
    print(textout.table(headers, rows, right=(1,)))
    shown = len(data["hits"])
    print(
        f"{shown} of {data['total']:,} hits"
        + (" (--limit to see more)" if data["total"] > shown else "")
    )
