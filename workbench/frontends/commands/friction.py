"""`workbench friction`: error categories, failing tools, retry loops, rates, before/after."""

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
from workbench.query.periods import parse_when


def register(sub) -> None:
    p = sub.add_parser(
        "friction",
        help="what fails: error categories, tools, retry loops, per user and project",
        description="Tool errors by friction category (one rule table, see models/friction.py)"
        ", failing tools with error rates, retry loops, rates per user and per project, the "
        "slowest tools and commands (call to result; Bash progress as max - min of its "
        "cumulative elapsed time), and "
        "optionally a before/after comparison around a date (calls and errors on each side). "
        "Excerpts, names and ids are redacted.",
        epilog=dedent("""
examples:
  workbench friction --since 7d
  workbench friction --user alice --project shop --json
  workbench friction --compare-at 2026-03-01      # did the fix shipped that day help?
  workbench friction --since 30d --format csv > categories.csv
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    db_arg(p)
    filter_args(p)
    p.add_argument(
        "--compare-at",
        metavar="YYYY-MM-DD",
        help="compare tool calls and errors before and after this date",
    )
    p.add_argument("--examples", type=int, default=3, help="examples per category (default 3)")
    redact_arg(p, "excerpts, names and ids")
    reader(p, friction_data, lambda args, data: print(describe(data)), rows="categories")


def friction_data(args: argparse.Namespace, con) -> dict:
    from workbench.query import friction_report

    kwargs = filters(args)
    tz = kwargs.pop("tz")
    compare_at = parse_when(args.compare_at, tz) if args.compare_at else None
    return friction_report.report(
        con, compare_at=compare_at, examples=args.examples, redact=args.redact, **kwargs
    )


def describe(d: dict) -> str:
    """The report as terminal tables."""
    pct = textout.percent
    out = [
        f"{textout.number(d['tool_errors'])} tool errors in {textout.number(d['tool_calls'])} "
        f"calls ({pct(d['tool_error_rate'])}); {pct(d['other_share'])} uncategorised (other).",
        "",
        textout.table(
            ["category", "errors", "sessions", "share", "example"],
            [
                [
                    c["category"],
                    c["count"],
                    c["sessions"],
                    pct(c["share"]),
                    _one_line(c["examples"][0]["excerpt"]) if c["examples"] else "",
                ]
                for c in d["categories"]
            ],
            right=(1, 2, 3),
            max_width=120,
        ),
        "",
        textout.table(
            ["tool", "calls", "errors", "rate"],
            [[t["tool_name"], t["calls"], t["errors"], pct(t["rate"])] for t in d["tools"][:15]],
            right=(1, 2, 3),
        ),
    ]
    if d["retry_loops"]:
        out += [
            "",
            textout.table(
                ["retry loop: session", "tool", "length", "failures", "input"],
                [
                    [
                        r["session_id"][:12],
                        r["tool_name"],
                        r["length"],
                        r["failures"],
                        _one_line(r["input_excerpt"]),
                    ]
                    for r in d["retry_loops"][:10]
                ],
                right=(2, 3),
                max_width=120,
            ),
        ]
    for key, label in (("users", "user"), ("projects", "project")):
        rows = d[key][:10]
        name = "user_name" if key == "users" else "project"
        out += [
            "",
            textout.table(
                [label, "sessions", "calls", "errors", "rate", "sessions w/ errors"],
                [
                    [
                        r[name],
                        r["sessions"],
                        r["tool_calls"],
                        r["tool_errors"],
                        pct(r["rate"]),
                        r["sessions_with_errors"],
                    ]
                    for r in rows
                ],
                right=(1, 2, 3, 4, 5),
            ),
        ]
    out += _durations(d["durations"])
    if "compare" in d:
        c = d["compare"]
        out += [
            "",
            f"Before {c['at']:%Y-%m-%d}: {c['before']['sessions']} sessions, "
            f"{c['before']['tool_errors']} errors / {c['before']['tool_calls']} calls; after: "
            f"{c['after']['sessions']} sessions, {c['after']['tool_errors']} errors / "
            f"{c['after']['tool_calls']} calls.",
            textout.table(
                ["category", "before", "after", "per 100 calls before", "after", "change"],
                [
                    [
                        r["category"],
                        r["before"],
                        r["after"],
                        r["before_per_100_calls"],
                        r["after_per_100_calls"],
                        r["change"],
                    ]
                    for r in c["categories"]
                ],
                right=(1, 2, 3, 4, 5),
            ),
        ]
    return "\n".join(out)


def _durations(d: dict) -> list[str]:
    """The slowest tools and commands (call to result; progress span where reported)."""
    out = []
    if d["tools"]:
        out += [
            "",
            textout.table(
                ["slowest tools", "calls", "timed", "median", "p90", "longest", "total"],
                [
                    [
                        t["tool_name"],
                        t["calls"],
                        t["timed"],
                        _secs(t["median_seconds"]),
                        _secs(t["p90_seconds"]),
                        _secs(t["max_seconds"]),
                        _secs(t["total_seconds"]),
                    ]
                    for t in d["tools"][:10]
                ],
                right=(1, 2, 3, 4, 5, 6),
            ),
        ]
    if d["slowest_commands"]:
        out += [
            "",
            textout.table(
                ["slowest commands: session", "took", "progress", "tool", "command"],
                [
                    [
                        r["session_id"][:12],
                        _secs(r["seconds"]),
                        _secs(r["progress_seconds"]),
                        r["tool_name"],
                        _one_line(r["command"]),
                    ]
                    for r in d["slowest_commands"][:10]
                ],
                right=(1, 2),
                max_width=120,
            ),
        ]
    return out


def _secs(x: float | None) -> str:
    """Seconds for a person: tenths under 10 s (most calls take less), else ``1m 5s``."""
    return "-" if x is None else f"{x:.1f}s" if x < 10 else textout.duration(x)


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())[:80]
