"""`workbench ingest`: load transcripts into the database."""

from __future__ import annotations

import argparse
import sys

from workbench.core import config
from workbench.frontends.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    db_arg,
    dedent,
    import_duckdb,
    machine_name,
)
from workbench.present import textout
from workbench.query.periods import UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "ingest",
        help="load transcripts into the database (incremental)",
        description="Find transcript files and bring the database up to date: new files are "
        "read, grown files are read from where the last run stopped, unchanged files are "
        "skipped, vanished files keep their sessions. Bad lines are recorded and skipped.",
        epilog=dedent("""
PATH may be a transcript file, a Claude projects folder (~/.claude/projects), a ~/.claude
folder, a Codex home or its sessions folder, a Gemini home or its tmp folder, any folder of
transcripts, or a team root whose first-level folders are users (<root>/<user>/**).
Only regular files are read; symlinks leading out of the scanned folders are skipped unless
--follow-symlinks. Bad lines (bad_lines) and refused values (bad_values) are recorded; what was
skipped is listed. A folder without transcripts creates no database. Exit status 0 when the
run completed, 1 when it could not (or found nothing to read), 130 on Ctrl-C.

Without PATH, every one of these folders that exists on this machine:
""")
        + "".join(f"\n  {root}" for root in config.DEFAULT_ROOTS)
        + "\n\n"
        + dedent("""

examples:
  workbench ingest                                  # this machine's folders (above)
  workbench ingest ~/.claude/projects
  workbench ingest /srv/collected-sessions --db team.duckdb --json
  workbench ingest session.jsonl --user alice
  workbench ingest --machine build-box-2                # name this machine on a team hub
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to scan")
    db_arg(p)
    p.add_argument(
        "--user",
        help="owner of the transcripts (default: from the team-root folder name, else the OS user)",
    )
    p.add_argument(
        "--machine",
        type=machine_name,
        help="the machine these transcripts are from (default: $WORKBENCH_MACHINE, else the "
        "host name); a team hub keeps each machine's sessions apart",
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
        "--follow-symlinks",
        action="store_true",
        help="follow symlinks that point outside the scanned folders (default: skip and report "
        "them)",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    # a no-op ingest answers from the manifest; cmd_ingest imports DuckDB when there is work
    p.set_defaults(func=cmd_ingest, imports_duckdb_itself=True, short_lived=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.ingest import manifest

    if args.paths:
        missing = [p for p in args.paths if not Path(p).expanduser().exists()]
        if len(missing) == len(args.paths):
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
    elif not config.default_roots():
        print(
            "workbench: found no transcript folders on this machine (looked for "
            f"{', '.join(config.DEFAULT_ROOTS)}); pass a PATH, e.g. "
            "`workbench ingest /srv/sessions`",
            file=sys.stderr,
        )
        return EXIT_ERROR
    from workbench.frontends.serve import state

    if (server := state.live(args.db)) and not args.wait:
        print(
            f"workbench: `workbench serve` (pid {server['pid']}, {server['url']}) owns "
            f"{server['db']} and ingests its folders as they change; `workbench sessions sync "
            "PATH` reads one file through it",
            file=sys.stderr,
        )
        return EXIT_ERROR
    # nothing changed since the last ingest: the manifest says so without DuckDB
    db = Path(args.db).expanduser() if args.db else config.default_db()
    found, summary, prior = manifest.check(
        args.paths or None, db, user=args.user, follow_symlinks=args.follow_symlinks
    )
    if summary is None:
        import_duckdb()
        from workbench.ingest.load import ingest

        summary = ingest(
            args.paths or None,
            db,
            user=args.user,
            progress=args.progress,
            wait_seconds=args.wait,
            follow_symlinks=args.follow_symlinks,
            machine=args.machine,
            create=False,
            discovered=found,
            prior=prior,
        )
    if not summary.files and not Path(summary.db).exists():
        where = ", ".join(args.paths) if args.paths else "this machine's transcript folders"
        print(
            f"workbench: no transcripts found in {where} (no *.jsonl, no Gemini "
            "session-*.json); no database created",
            file=sys.stderr,
        )
        for problem in summary.problems[:5]:
            print(f"  skipped {problem}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        textout.print_json(summary.to_dict())
    else:
        print(describe_ingest(summary))
    return EXIT_OK


def describe_ingest(s) -> str:
    """The ingest summary as a few sentences and the first bad lines."""
    n = textout.counted
    parts = [
        f"Scanned {n(s.files, 'transcript file')} in {s.seconds:.1f}s: "
        f"{s.files_parsed:,} read in full, {s.files_appended:,} appended to, "
        f"{s.files_unchanged:,} unchanged."
    ]
    if s.files_parsed or s.files_appended:
        parts.append(
            f"Read {n(s.lines, 'line')} ({textout.data_size(s.bytes)}) into "
            f"{n(s.sessions, 'session')}; {n(s.bad_lines, 'bad line')} recorded and skipped."
        )
    if s.bad_values:
        parts.append(
            f"{n(s.bad_values, 'value')} refused (stored as empty; see the bad_values table)."
        )
    if s.files_vanished:
        parts.append(
            f"{n(s.files_vanished, 'file is', 'files are')} gone from disk; "
            "their sessions are kept."
        )
    if s.pending_lines:
        parts.append(
            f"{n(s.pending_lines, 'file ends', 'files end')} in an incomplete line (still being "
            "written?); it will be read once complete."
        )
    if s.files_unsupported:
        parts.append(
            f"{n(s.files_unsupported, 'file is', 'files are')} of an agent this version cannot "
            "read yet."
        )
    t = s.totals
    parts.append(
        f"Database {s.db}: {n(t.get('sessions', 0), 'session')}, "
        f"{n(t.get('messages', 0), 'message')}, "
        f"{textout.compact(t.get('tokens', 0))} tokens, {n(t.get('tool_errors', 0), 'tool error')}."
    )
    lines = [" ".join(parts)]
    for row in s.bad_line_samples[:5]:
        lines.append(f"  bad line {row['path']}:{row['line_no']}: {row['reason']}")
    if s.bad_lines > 5:
        lines.append(f"  … {s.bad_lines - 5:,} more (see the bad_lines table)")
    for row in s.bad_value_samples[:3]:
        lines.append(f"  bad value {row['path']}:{row['line_no']} {row['field']}: {row['reason']}")
    for row in s.unreadable[:5]:
        lines.append(f"  unreadable {row['path']}: {row['reason']}")
    for problem in s.problems[:5]:
        lines.append(f"  skipped {problem}")
    if len(s.problems) > 5:
        lines.append(f"  … {len(s.problems) - 5:,} more skipped (see --json: problems)")
    return "\n".join(lines)
