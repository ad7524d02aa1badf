"""`workbench push`: send this machine's sessions to a team hub on PostgreSQL."""

from __future__ import annotations

import argparse
import os

from workbench.frontends.commands.common import EXIT_OK, db_arg, dedent
from workbench.present import textout
from workbench.query.periods import UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "push",
        help="send this database's sessions to a team hub (PostgreSQL)",
        description=dedent("""
Send the sessions of this database that the hub lacks or holds in an older state, and remove
the hub's copies of sessions this database no longer has. Each session keeps the machine it was
ingested on: on the hub its id is MACHINE:ID, so two machines' sessions never collide. A push is
one transaction per batch of sessions: a killed push is finished by the next one. Creates the
hub's tables when they are missing (then the URL's role must be allowed to create tables).
Text (prompts, tool input and output, error excerpts) is redacted unless --no-redact.
"""),
        epilog=dedent("""
examples:
  workbench push --to postgresql://push@hub.example.com/workbench
  WORKBENCH_HUB=postgresql://push@hub/workbench workbench push --json
  workbench ingest && workbench push                # a cron line per machine

Passwords: from the URL, $PGPASSWORD or ~/.pgpass; they never appear in output.
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--to",
        metavar="URL",
        default=None,
        help="the hub's postgresql:// URL (default: $WORKBENCH_HUB); sslmode etc. pass through",
    )
    db_arg(p)
    p.add_argument(
        "--no-redact",
        dest="redact",
        action="store_false",
        help="send text as written (by default secrets are redacted before they leave)",
    )
    p.add_argument(
        "--batch-messages",
        type=int,
        default=None,
        metavar="N",
        help="cut batches (one transaction each) at about N messages (default: 100000)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: when stderr is a terminal)",
    )
    p.set_defaults(func=cmd_push)


def hub_url(value: str | None) -> str:
    """``--to``, else ``$WORKBENCH_HUB``; a usage error when neither names a PostgreSQL URL."""
    from workbench.core.engines import is_postgres, mask

    url = value or os.environ.get("WORKBENCH_HUB")
    if not url:
        raise UsageError("no hub: pass --to postgresql://USER@HOST/DB or set $WORKBENCH_HUB")
    if not is_postgres(url):
        raise UsageError(f"not a PostgreSQL URL: {mask(url)} (expected postgresql://…)")
    return url


def cmd_push(args: argparse.Namespace) -> int:
    from workbench.core.engines import is_remote
    from workbench.hub.push import push

    if is_remote(str(args.db)):
        raise UsageError("--db names the local database to push from; the hub goes in --to")
    from workbench.hub.push import BATCH_MESSAGES

    if args.batch_messages is not None and args.batch_messages < 1:
        raise UsageError("--batch-messages must be 1 or more")
    summary = push(
        args.db,
        hub_url(args.to),
        redact=args.redact,
        progress=args.progress,
        batch_messages=args.batch_messages or BATCH_MESSAGES,
    )
    if args.json:
        textout.print_json(summary.to_dict())
    else:
        rows = sum(summary.rows.values())
        print(
            f"Pushed {summary.pushed:,} of {summary.sessions:,} sessions ({rows:,} rows; "
            f"{summary.unchanged:,} unchanged, {summary.removed:,} removed) from "
            f"{', '.join(summary.machines) or 'no machine'} to {summary.hub} in "
            f"{summary.seconds:.1f} s."
        )
    return EXIT_OK
