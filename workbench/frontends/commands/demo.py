"""`workbench demo`: generate the demo corpus and ingest it."""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.core import config
from workbench.frontends.commands.common import EXIT_OK, examples
from workbench.present import textout


def register(sub) -> None:
    p = sub.add_parser(
        "demo",
        help="generate the bundled demo corpus and ingest it",
        description="Write a deterministic synthetic team corpus (several users, projects, "
        "models, tool errors, subagents) and ingest it into the demo database.",
        **examples("""
examples:
  workbench demo
  workbench demo --sessions 50 --corpus /tmp/corpus --db /tmp/demo.duckdb
  workbench sessions list --db data/demo.duckdb      # then explore it
"""),
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


def cmd_demo(args: argparse.Namespace) -> int:
    from workbench.frontends import demo

    data = demo.run(args.corpus, args.db, sessions=args.sessions)
    if args.json:
        textout.print_json(data)
    else:
        print(demo.describe(data))
    return EXIT_OK
