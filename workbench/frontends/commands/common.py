"""Helpers every command shares: exit codes, --db, filters, help-text formatting."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.query.periods import parse_when, resolve_timezone

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def dedent(text: str) -> str:
    """Help text as written between triple quotes (no leading/trailing blank lines)."""
    return text.strip("\n")


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help="database file (default: $WORKBENCH_DB, else "
        "~/.local/share/workbench/workbench.duckdb)",
    )


def filter_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", help="start: 1h, 24h, 7d, 2w or YYYY-MM-DD (inclusive)")
    p.add_argument("--until", help="end: 1h, 24h, 7d, 2w or YYYY-MM-DD (inclusive day)")
    p.add_argument(
        "--agent",
        action="append",
        default=[],
        choices=["claude", "codex", "gemini"],
        help="only this agent (repeatable)",
    )
    p.add_argument("--user", "-u", action="append", default=[], help="only this user (repeatable)")
    p.add_argument("--project", action="append", default=[], help="only this project (repeatable)")
    p.add_argument(
        "--timezone", "--tz", dest="timezone", help="IANA zone for days (default: this machine's)"
    )


def filters(args: argparse.Namespace) -> dict:
    """The common filters as keyword arguments for the query functions."""
    tz = resolve_timezone(args.timezone)
    return {
        "tz": tz,
        "since": parse_when(args.since, tz),
        "until": parse_when(args.until, tz, end=True),
        "agents": args.agent,
        "users": args.user,
        "projects": args.project,
    }
