"""`workbench tokens`: token totals and cost per day, month, session or 5-hour block."""

from __future__ import annotations

import argparse

from workbench.frontends.commands.common import db_arg, dedent, filter_args, filters, reader
from workbench.present import textout

COLUMNS = ("inputTokens", "outputTokens", "cacheCreationTokens", "cacheReadTokens", "totalTokens")


def register(sub) -> None:
    p = sub.add_parser(
        "tokens",
        help="token totals and cost per day, month, session or 5-hour block (ccusage's JSON shape)",
        description="Token usage and cost from deduplicated API responses: each (message.id, "
        "requestId) counted once across all files, priced from the bundled offline price table. "
        "A model with no price shows a null cost (never $0) and is listed in unpricedModels.",
        epilog=dedent("""
examples:
  workbench tokens daily --since 7d
  workbench tokens daily --breakdown            # a row per model under each day
  workbench tokens monthly --json
  workbench tokens daily --format csv > daily.csv
  workbench tokens session --agent claude --timezone UTC --json
  workbench tokens blocks --user alice          # 5-hour windows, per user
  workbench tokens daily --since 2026-01-01 --until 2026-01-31 --user alice
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "grouping",
        choices=["daily", "monthly", "session", "blocks"],
        nargs="?",
        default="daily",
        help="how to group (default: daily)",
    )
    db_arg(p)
    filter_args(p)
    p.add_argument(
        "--breakdown", "-b", action="store_true", help="a row per model under each row (table)"
    )
    reader(p, tokens_data, present, rows=report_rows)


def tokens_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import tokens

    kwargs = filters(args)
    if args.grouping == "blocks":
        return tokens.blocks(con, **kwargs)
    return tokens.report(con, args.grouping, **kwargs)


def report_rows(data: dict) -> list[dict]:
    """the report's days, months, sessions or blocks (not its totals)"""
    return next(v for k, v in data.items() if k != "totals")


def present(args: argparse.Namespace, data: dict) -> None:
    if args.grouping == "blocks":
        _print_blocks(data)
    else:
        _print_report(data, args.breakdown)


def cost(value: float | None, unpriced: bool = False) -> str:
    """``$1.23``; ``-`` when unknown; a ``*`` marks a sum that leaves out unpriced models."""
    text = "-" if value is None else f"${value:,.2f}"
    return text + ("*" if unpriced else "")


def _print_report(data: dict, breakdown: bool) -> None:
    key, rows = next(iter(data.items()))
    label = {"daily": "Date", "monthly": "Month", "sessions": "Session"}[key]
    unpriced = set(data["totals"]["unpricedModels"])
    body = []
    for r in rows:
        first = r.get("date") or r.get("month") or r["sessionId"][:12]
        partial = any(m in unpriced for m in r["modelsUsed"])
        body.append(
            [first]
            + [textout.number(r[k]) for k in COLUMNS]
            + [cost(r["totalCost"], partial), ", ".join(r["modelsUsed"])]
        )
        if breakdown:
            for b in r["modelBreakdowns"]:
                body.append(
                    ["  └ " + b["modelName"]]
                    + [textout.number(b[k]) for k in COLUMNS[:4]]
                    + [textout.number(sum(b[k] for k in COLUMNS[:4])), cost(b["cost"]), ""]
                )
    t = data["totals"]
    body.append(
        ["Total"]
        + [textout.number(t[k]) for k in COLUMNS]
        + [cost(t["totalCost"], bool(unpriced)), ""]
    )
    headers = [label, "Input", "Output", "Cache write", "Cache read", "Total", "Cost", "Models"]
    print(textout.table(headers, body, right=range(1, 7), max_width=140))
    if not rows:
        print("No API responses in this period.")
    if unpriced:
        print(f"* not counted, no price for: {', '.join(sorted(unpriced))}")


def _print_blocks(data: dict) -> None:
    unpriced = data["totals"]["unpricedModels"]
    body = []
    for b in data["blocks"]:
        status = "gap" if b["isGap"] else ("ACTIVE" if b["isActive"] else "")
        if b["isGap"]:
            body.append([b["startTime"][:16].replace("T", " "), b["user"], status] + [""] * 4)
            continue
        partial = any(m in unpriced for m in b["models"])
        body.append(
            [b["startTime"][:16].replace("T", " "), b["user"], status]
            + [
                textout.number(b["entries"]),
                textout.number(b["totalTokens"]),
                cost(b["costUSD"], partial),
                ", ".join(b["models"]),
            ]
        )
    headers = ["Block start (UTC)", "User", "Status", "Responses", "Tokens", "Cost", "Models"]
    print(textout.table(headers, body, right=range(3, 6), max_width=140))
    if not data["blocks"]:
        print("No API responses in this period.")
    if unpriced:
        print(f"* not counted, no price for: {', '.join(unpriced)}")
