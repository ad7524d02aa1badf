"""Helpers every command shares: exit codes, --db, filters, help-text formatting."""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from pathlib import Path

from workbench.query.periods import UsageError, parse_when, resolve_timezone

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)


class Parser(argparse.ArgumentParser):
    """argparse that says what is wrong in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        """A subcommand refuses what it does not know itself, so the error shows its own
        usage (``usage: workbench sessions list ...``), not the top-level one."""
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and " " in self.prog and not self._subcommands():
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    def _subcommands(self) -> bool:
        return any(isinstance(a, argparse._SubParsersAction) for a in self._actions)


def dedent(text: str) -> str:
    """Help text as written between triple quotes (no leading/trailing blank lines)."""
    return text.strip("\n")


def database(text: str) -> Path | str:
    """argparse type of ``--db``: a DuckDB file, or a team hub's ``postgresql://`` URL."""
    from workbench.core.engines import is_remote

    return text if is_remote(text) else Path(text)


def examples(text: str) -> dict:
    """``add_parser`` keywords for an epilog of examples, printed as written."""
    return {"epilog": dedent(text), "formatter_class": argparse.RawDescriptionHelpFormatter}


def db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=database,
        default=None,
        help="database file or team hub URL (postgresql://user@host/db) (default: "
        "$WORKBENCH_DB, else ~/.local/share/workbench/workbench.duckdb)",
    )


def machine_name(text: str) -> str:
    """argparse type: a valid machine name."""
    from workbench.core import config

    try:
        return config.check_machine(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        "--machine",
        action="append",
        default=[],
        help="only sessions ingested on this machine (repeatable)",
    )
    p.add_argument(
        "--timezone", "--tz", dest="timezone", help="IANA zone for days (default: this machine's)"
    )


FORMATS = ("table", "json", "ndjson", "csv")


def reader(p: argparse.ArgumentParser, data, present=None, rows=None) -> None:
    """Make ``p`` a read command. ``data(args, con) -> dict`` computes what ``--format json``
    prints (the HTTP server returns the same dict); ``present(args, data)`` prints it for a
    person (``--format table``, the default). ``rows`` names the rows that ``ndjson`` and
    ``csv`` print: a key of the dict, or ``rows(data) -> list``; None: the dict is one row."""
    format_args(p)
    if rows is None:
        what = "print the one object as one row"
    elif isinstance(rows, str):
        what = f"print a row for each item of {rows!r} in the JSON"
    else:
        what = f"print a row for each of {(rows.__doc__ or '').strip()}"
    note = textwrap.fill(
        f"--format ndjson (one JSON object per line) and csv (with a header) {what}; csv "
        "writes nested objects as dotted columns and lists as JSON text.",
        width=95,
    )
    p.epilog = (p.epilog + "\n\n" if p.epilog else "") + note
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when an ingest holds the database, wait up to SECONDS for it (default: fail)",
    )
    # short_lived: the program runs without Python's cyclic garbage collector (cli.main)
    p.set_defaults(func=run_reader, data=data, present=present, rows=rows, short_lived=True)


def open_reader(db: Path | None, wait_seconds: float = 0.0):
    """The read connection every read command's ``data`` function gets. Inside `workbench
    serve` (which owns the file) it joins the server's own DuckDB instance, which refuses a
    second, read-only one."""
    from workbench.core.engines import is_remote, named
    from workbench.query import db as engine

    if is_remote(named(db)):
        return engine.open_reader(db)
    from workbench.frontends.serve import state

    return engine.open_reader(db, read_only=not state.owned_here(db), wait_seconds=wait_seconds)


def via_server(args: argparse.Namespace) -> str | None:
    """When a live `workbench serve` owns ``args.db``: what the command prints, computed there
    from the same argv (the file is locked to everyone else). None: no server, read locally."""
    from workbench.core.engines import is_remote, named

    if is_remote(named(args.db)):
        return None  # a hub has no local server
    from workbench.frontends.serve import state

    argv = getattr(args, "argv", None)
    server = state.live(args.db) if argv is not None else None
    if server is None:
        return None
    from workbench.core import config
    from workbench.frontends.serve import client

    local = []  # what only this process knows: its time zone, whether stdout is a terminal
    if "timezone" in vars(args) and not args.timezone:
        local.append(f"--timezone={config.local_timezone()}")
    if getattr(args, "color", None) == "auto":
        from workbench.present import textout

        local.append(f"--color={'always' if textout.use_color() else 'never'}")
    if local:
        cut = argv.index("--") if "--" in argv else len(argv)
        argv = [*argv[:cut], *local, *argv[cut:]]
    shown = str(args.db) if args.db else str(config.default_db())
    return client.run(server, argv, shown, str(state.db_path(args.db)))


def format_args(p: argparse.ArgumentParser, rows: str = "one object per row") -> None:
    """``--format table|json|ndjson|csv`` and ``--json``, its alias for ``--format json``."""
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help=f"table (default), json, ndjson ({rows}, for jq) or csv (a header, then the rows)",
    )
    p.add_argument(
        "--json", dest="format", action="store_const", const="json", help="same as --format json"
    )


def run_reader(args: argparse.Namespace) -> int:
    """Compute a read command's data, then print it in ``--format`` (through the server when
    one owns the database: the same data and presenter, run there)."""
    if (printed := via_server(args)) is not None:
        sys.stdout.write(printed)
        return EXIT_OK
    emit(args, compute(args, open_reader(args.db, getattr(args, "wait", 0.0))))
    return EXIT_OK


def compute(args: argparse.Namespace, con) -> dict:
    """A read command's data on ``con``, the filter values checked against the database and
    secrets redacted where the command prints transcript text, names or ids."""
    check_names(args, con)
    data = args.data(args, con)
    if "redact" in vars(args):
        data = redacted(data, args)
    return data


def emit(args: argparse.Namespace, data) -> None:
    """Print a read command's ``data`` in the format asked for."""
    from workbench.present import textout

    fmt = getattr(args, "format", "table")
    if fmt == "table" and args.present is not None:
        args.present(args, data)
    elif fmt in ("ndjson", "csv"):
        print_rows(fmt, rows_of(args.rows, data))
    else:
        textout.print_json(data)


def print_rows(fmt: str, rows: list) -> None:
    """``rows`` as NDJSON or CSV."""
    from workbench.present import textout

    (textout.print_ndjson if fmt == "ndjson" else textout.print_csv)(rows)


def rows_of(rows, data) -> list:
    """The rows of ``data`` that ``ndjson``/``csv`` print (see ``reader``)."""
    if rows is None:
        return [data]
    return rows(data) if callable(rows) else data[rows]


#: Filter options whose values must name something in the database: option -> (column of
#: the sessions mart, what one is called).
NAMED_FILTERS = {
    "user": ("user_name", "user"),
    "project": ("project", "project"),
    "machine": ("machine", "machine"),
}


def check_names(args: argparse.Namespace, con) -> None:
    """An unknown ``--user``/``--project``/``--machine`` value is a usage error that lists
    close matches (a typo would otherwise print an empty report)."""
    for option, (column, what) in NAMED_FILTERS.items():
        wanted = [v for v in getattr(args, option, None) or [] if v]
        if not wanted:
            continue
        import difflib

        from workbench.query import signals

        known = signals.distinct_values(con, column)
        for value in wanted:
            if value in known:
                continue
            close = difflib.get_close_matches(value, known, n=5, cutoff=0.6)
            if close:
                hint = f"did you mean: {', '.join(close)}?"
            elif known:
                more = f" and {len(known) - 10:,} more" if len(known) > 10 else ""
                hint = f"known {what}s: {', '.join(known[:10])}{more}"
            else:
                hint = f"the database has no {what}s yet"
            raise UsageError(f"no {what} {value!r} in the database; {hint}")


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
        "machines": args.machine,
    }


def redact_arg(p: argparse.ArgumentParser, what: str = "text") -> None:
    """``--no-redact``: print secrets as written (they are redacted by default)."""
    p.add_argument(
        "--no-redact",
        dest="redact",
        action="store_false",
        help=f"show {what} without redacting secrets (keys, tokens, passwords)",
    )


def redacted(data, args: argparse.Namespace):
    """Command output (plain dicts and lists) with secrets replaced unless ``--no-redact``."""
    if not getattr(args, "redact", True):
        return data
    from workbench.core.redact import redact_data

    return redact_data(data)


def import_duckdb() -> None:
    """Import DuckDB (``workbench.core.duck``) with SIGINT held back: a Ctrl-C inside its C
    initialisation fails the import ("initialization failed") and can crash the process at
    exit. The signal, held, arrives right after, as a KeyboardInterrupt like any other."""
    if "workbench.core.duck" in sys.modules or not hasattr(signal, "pthread_sigmask"):
        import workbench.core.duck  # noqa: F401

        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        import workbench.core.duck  # noqa: F401
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
