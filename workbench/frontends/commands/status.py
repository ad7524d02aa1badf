"""`workbench status`: what the database holds."""

from __future__ import annotations

import argparse

from workbench.core import config
from workbench.frontends.commands.common import db_arg, examples, reader
from workbench.present import textout


def register(sub) -> None:
    p = sub.add_parser(
        "status",
        help="what the database holds",
        description="Files, sessions, time range, bad lines and the last ingest.",
        **examples("""
examples:
  workbench status
  workbench status --db team.duckdb --json
"""),
    )
    db_arg(p)
    reader(p, status_data, present)


def status_data(args: argparse.Namespace, con) -> dict:
    path = args.db or config.default_db()
    row = (
        getattr(con, "con", con)
        .execute(
            """
            SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM files WHERE missing),
                   (SELECT count(*) FROM sessions),
                   (SELECT count(DISTINCT user_name) FROM sessions),
                   (SELECT min(started_at)::VARCHAR FROM sessions),
                   (SELECT max(ended_at)::VARCHAR FROM sessions),
                   (SELECT count(*) FROM bad_lines),
                   (SELECT max(ingested_at)::VARCHAR FROM files),
                   (SELECT coalesce(sum(total_tokens), 0) FROM responses)
            """
        )
        .fetchone()
    )
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
    return {"db": str(path), **dict(zip(keys, row))}


def present(args: argparse.Namespace, data: dict) -> None:
    for k, v in data.items():
        print(f"{k:>15}: {textout.number(v) if isinstance(v, int) else v}")
