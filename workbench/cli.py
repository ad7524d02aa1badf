"""The ``workbench`` command: ingest transcripts, report tokens, run the demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench import config, textout
from workbench.periods import UsageError, parse_when, resolve_timezone
from workbench.store import DatabaseMissing, WorkbenchError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _fmt(text: str) -> str:
    return text.strip("\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="Analyse AI coding-agent transcripts (Claude Code, Codex CLI, Gemini CLI) "
        "with DuckDB: ingest them into one database file, then report, browse and chart.",
        epilog=_fmt("""
examples:
  workbench ingest                                  # this machine's transcripts
  workbench ingest ~/.claude/projects --db team.duckdb
  workbench tokens daily --db team.duckdb --since 7d --json
  workbench demo                                    # generate demo data and ingest it

The database defaults to $WORKBENCH_DB, else ~/.local/share/workbench/workbench.duckdb.
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="workbench 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "ingest",
        help="load transcripts into the database (incremental)",
        description="Find transcript files and bring the database up to date: new files are "
        "read, grown files are read from where the last run stopped, unchanged files are "
        "skipped, vanished files keep their sessions. Bad lines are recorded and skipped.",
        epilog=_fmt("""
PATH may be a transcript file, a Claude projects folder (~/.claude/projects), a ~/.claude
folder, or a team root whose first-level folders are users (<root>/<user>/**/*.jsonl).
Without PATH: this machine's default folders (~/.claude/projects, $CLAUDE_CONFIG_DIR/projects).

examples:
  workbench ingest ~/.claude/projects
  workbench ingest /srv/collected-sessions --db team.duckdb --json
  workbench ingest session.jsonl --user alice
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan")
    _db_arg(p)
    p.add_argument(
        "--user",
        help="owner of the transcripts (default: from the team-root folder name, else the OS user)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another ingest to finish (default: fail at once)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "tokens",
        help="token totals per day, month or session (ccusage's JSON shape)",
        description="Token usage from deduplicated API responses: each (message.id, "
        "requestId) counted once across all files.",
        epilog=_fmt("""
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
    _db_arg(p)
    _filter_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_tokens)

    p = sub.add_parser(
        "status",
        help="what the database holds",
        description="Files, sessions, time range, bad lines and the last ingest.",
    )
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "demo",
        help="generate the bundled demo corpus and ingest it",
        description="Write a deterministic synthetic team corpus (several users, projects, "
        "models, tool errors, subagents) and ingest it into the demo database.",
    )
    p.add_argument(
        "--corpus",
        type=Path,
        default=config.DEMO_CORPUS,
        help=f"where to write the transcripts (default: {config.DEMO_CORPUS})",
    )
    p.add_argument(
        "--db", type=Path, default=config.DEMO_DB, help=f"database file (default: {config.DEMO_DB})"
    )
    p.add_argument("--sessions", type=int, default=300, help="number of sessions (default 300)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_demo)
    return parser


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        default=None,
        help="database file (default: $WORKBENCH_DB, else "
        "~/.local/share/workbench/workbench.duckdb)",
    )


def _filter_args(p: argparse.ArgumentParser) -> None:
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


def _filters(args: argparse.Namespace) -> dict:
    tz = resolve_timezone(args.timezone)
    return {
        "tz": tz,
        "since": parse_when(args.since, tz),
        "until": parse_when(args.until, tz, end=True),
        "agents": args.agent,
        "users": args.user,
        "projects": args.project,
    }


# ---- commands ---------------------------------------------------------------------------------


def cmd_ingest(args: argparse.Namespace) -> int:
    from workbench.load import ingest

    summary = ingest(
        args.paths or None, args.db, user=args.user, progress=args.progress, wait_seconds=args.wait
    )
    if args.json:
        textout.print_json(summary.to_dict())
    else:
        print(describe_ingest(summary))
    if not summary.files and summary.problems and not args.paths:
        return EXIT_ERROR
    return EXIT_OK


def describe_ingest(s) -> str:
    """The ingest summary as a few sentences and the first bad lines."""
    parts = [
        f"Scanned {s.files:,} transcript files in {s.seconds:.1f}s: "
        f"{s.files_parsed:,} read in full, {s.files_appended:,} appended to, "
        f"{s.files_unchanged:,} unchanged."
    ]
    if s.files_parsed or s.files_appended:
        parts.append(
            f"Read {s.lines:,} lines ({textout.compact(s.bytes)}B) into {s.sessions:,} sessions; "
            f"{s.bad_lines:,} bad lines recorded and skipped."
        )
    if s.files_vanished:
        parts.append(f"{s.files_vanished:,} files are gone from disk; their sessions are kept.")
    if s.pending_lines:
        parts.append(
            f"{s.pending_lines:,} files end in an incomplete line (still being "
            "written?); it will be read once complete."
        )
    if s.files_unsupported:
        parts.append(f"{s.files_unsupported:,} files are of an agent this version cannot read yet.")
    t = s.totals
    parts.append(
        f"Database {s.db}: {t.get('sessions', 0):,} sessions, {t.get('messages', 0):,} messages, "
        f"{textout.compact(t.get('tokens', 0))} tokens, {t.get('tool_errors', 0):,} tool errors."
    )
    lines = [" ".join(parts)]
    for row in s.bad_line_samples[:5]:
        lines.append(f"  bad line {row['path']}:{row['line_no']}: {row['reason']}")
    if s.bad_lines > 5:
        lines.append(f"  … {s.bad_lines - 5:,} more (see the bad_lines table)")
    for row in s.unreadable[:5]:
        lines.append(f"  unreadable {row['path']}: {row['reason']}")
    for problem in s.problems[:5]:
        lines.append(f"  skipped {problem}")
    return "\n".join(lines)


def cmd_tokens(args: argparse.Namespace) -> int:
    from workbench import tables, tokens

    filters = _filters(args)
    con = tables.connect(args.db)
    data = tokens.report(con, args.grouping, **filters)
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


def cmd_status(args: argparse.Namespace) -> int:
    from workbench import store

    path = args.db or config.default_db()
    con = store.open_db(path, read_only=True)
    try:
        row = con.execute(
            """
            SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM files WHERE missing),
                   (SELECT count(*) FROM sessions),
                   (SELECT count(DISTINCT user_name) FROM sessions),
                   (SELECT min(started_at)::VARCHAR FROM sessions),
                   (SELECT max(ended_at)::VARCHAR FROM sessions),
                   (SELECT count(*) FROM bad_lines),
                   (SELECT max(ingested_at)::VARCHAR FROM files),
                   (SELECT coalesce(sum(total_tokens), 0) FROM api_responses)
            """
        ).fetchone()
    finally:
        con.close()
    keys = [
        "files",
        "files_missing",
        "sessions",
        "users",
        "first_activity",
        "last_activity",
        "bad_lines",
        "last_ingest",
        "tokens",
    ]
    data = {"db": str(path), **dict(zip(keys, row))}
    if args.json:
        textout.print_json(data)
    else:
        for k, v in data.items():
            print(f"{k:>15}: {textout.number(v) if isinstance(v, int) else v}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench import demo

    data = demo.run(args.corpus, args.db, sessions=args.sessions)
    if args.json:
        textout.print_json(data)
    else:
        print(demo.describe(data))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DatabaseMissing, WorkbenchError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(
            "workbench: interrupted; the database keeps every file committed so far",
            file=sys.stderr,
        )
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
