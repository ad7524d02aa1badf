"""`workbench export --parquet DIR`: the marts as a Parquet lake partitioned by day."""

from __future__ import annotations

import argparse

from workbench.frontends.commands.common import EXIT_OK, db_arg, dedent
from workbench.present import textout
from workbench.query.periods import UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write the marts as Parquet, one folder per table, one partition per day",
        description=dedent("""
Write sessions, responses, messages, tool_calls, tool_errors, retry_loops, activity_blocks,
files and bad_lines to DIR/<table>/day=YYYY-MM-DD/*.parquet (UTC days), the format DuckDB,
Spark and any warehouse read. Incremental and idempotent: only days whose rows changed since
the last export to DIR are rewritten (DIR/_workbench_export.json keeps each day's
fingerprint); a second export of an unchanged database writes nothing. Text is redacted unless
--no-redact.
"""),
        epilog=dedent("""
examples:
  workbench export --parquet lake/
  workbench export --parquet /srv/lake --db team.duckdb --json
  duckdb -c "SELECT count(*) FROM read_parquet('lake/sessions/*/*.parquet', hive_partitioning=true)"
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--parquet", metavar="DIR", required=True, help="the lake's folder")
    db_arg(p)
    p.add_argument(
        "--no-redact",
        dest="redact",
        action="store_false",
        help="write text as written (by default secrets are redacted)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.core.engines import is_remote
    from workbench.hub.parquet import export

    if is_remote(str(args.db)):
        raise UsageError("export reads a local database file (--db FILE), not a hub or a lake")
    summary = export(args.db, args.parquet, redact=args.redact)
    if args.json:
        textout.print_json(summary.to_dict())
    else:
        rows = sum(t["rows"] for t in summary.tables.values())
        print(
            f"Exported {rows:,} rows of {len(summary.tables)} tables to {summary.out}: "
            f"{summary.days_written:,} day partitions written in {summary.seconds:.1f} s."
        )
    return EXIT_OK
