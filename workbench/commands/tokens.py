"""`workbench tokens`: token totals per day, month or session."""

from __future__ import annotations

import argparse

from workbench import textout
from workbench.commands.common import EXIT_OK, db_arg, dedent, filter_args, filters


def register(sub) -> None:
    p = sub.add_parser(
        "tokens",
        help="token totals per day, month or session (ccusage's JSON shape)",
        description="Token usage from deduplicated API responses: each (message.id, "
        "requestId) counted once across all files.",
        epilog=dedent("""
examples:
  workbench tokens daily --since 7d
  workbench tokens monthly --json
  workbench tokens session --agent claude --timezone UTC --json
  workbench tokens daily --since 2026-01-01 --until 2026-01-31 --user alice
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "grouping",
        choices=["daily", "monthly", "session"],
        nargs="?",
        default="daily",
        help="how to group (default: daily)",
    )
    db_arg(p)
    filter_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_tokens)


def cmd_tokens(args: argparse.Namespace) -> int:
    from workbench import tables, tokens

    kwargs = filters(args)
    con = tables.connect(args.db)
    data = tokens.report(con, args.grouping, **kwargs)
    if args.json:
        textout.print_json(data)
        return EXIT_OK
    key, rows = next(iter(data.items()))
    label = {"daily": "Date", "monthly": "Month", "sessions": "Session"}[key]
    body = []
    for r in rows:
        first = r.get("date") or r.get("month") or r["sessionId"][:12]
        body.append(
            [first]
            + [
                textout.number(r[k])
                for k in (
                    "inputTokens",
                    "outputTokens",
                    "cacheCreationTokens",
                    "cacheReadTokens",
                    "totalTokens",
                )
            ]
            + [", ".join(r["modelsUsed"])]
        )
    t = data["totals"]
    body.append(
        ["Total"]
        + [
            textout.number(t[k])
            for k in (
                "inputTokens",
                "outputTokens",
                "cacheCreationTokens",
                "cacheReadTokens",
                "totalTokens",
            )
        ]
        + [""]
    )
    print(
        textout.table(
            [label, "Input", "Output", "Cache write", "Cache read", "Total", "Models"],
            body,
            right=range(1, 6),
            max_width=120,
        )
    )
    if not rows:
        print("No API responses in this period.")
    return EXIT_OK
