"""The ``workbench`` command: parser assembly, error handling, exit codes.

Each command family lives in ``frontends/commands/<name>.py`` with ``register(subparsers)``.
"""

from __future__ import annotations

import gc
import os
import signal
import sys


def _interrupted_early(signum, frame) -> None:  # pragma: no cover - a race with start-up
    """A Ctrl-C while the program's own modules load: nothing to roll back yet."""
    os.write(2, b"workbench: interrupted\n")
    os._exit(130)


# the program (not a test importing main): a Ctrl-C from here until main() takes over ends in
# the one line, not in a traceback from whichever module was being imported
if __name__ == "__main__" or os.path.basename(sys.argv[0] if sys.argv else "") == "workbench":
    signal.signal(signal.SIGINT, _interrupted_early)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import importlib  # noqa: E402
import threading  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from workbench.frontends.commands.common import Parser

# Only the standard library at the top: a Ctrl-C while the rest is imported (DuckDB takes a
# tenth of a second) must end in main's one line too, not in a traceback.
EXIT_INTERRUPTED = 130  # as commands.common.EXIT_INTERRUPTED


def build_parser(only: str | None = None) -> Parser:
    """The whole command line; with ``only`` naming a command, that command alone (``main``
    passes its first argument: the other commands' modules are then not imported)."""
    from workbench.frontends.commands import all_commands
    from workbench.frontends.commands.common import Parser, dedent

    parser = Parser(
        prog="workbench",
        description="Analyse AI coding-agent transcripts (Claude Code, Codex CLI, Gemini CLI) "
        "with DuckDB: ingest them into one database file, then report, browse and chart.",
        epilog=dedent("""
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    names = all_commands()
    for name in [only] if only in names else names:
        importlib.import_module(f"workbench.frontends.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status. Ctrl-C at any point is exit 130 with one line."""
    command = (sys.argv[1:] if argv is None else list(argv))[:1]
    if argv is None:
        # the program: no cyclic garbage collection while it imports and works; a command
        # that is not short_lived (a server, JupyterLab, a report run) turns it back on once
        # parsed (_main). A read or an ingest makes few reference cycles and ends soon, and
        # the collector's passes over every object imported cost a 1 GB archive's no-op
        # ingest ~40 ms and a read ~12 ms
        gc.disable()
    ctrl_c = argv is None and threading.current_thread() is threading.main_thread()
    if ctrl_c:
        from workbench.core.engines import note_sigint, sigint_seen

        signal.signal(signal.SIGINT, note_sigint)
        sys.unraisablehook = _quiet_interrupts
    try:
        try:
            code = _main(argv)
            sys.stdout.flush()  # a pipe's last block is written here, not at exit
        except BrokenPipeError:
            code = _closed_pipe()
        finally:
            _done(argv)
        if ctrl_c and sigint_seen() and code != EXIT_INTERRUPTED:
            # the KeyboardInterrupt fired where Python can only ignore it (a callback of
            # the import machinery, say): the Ctrl-C still ends the command (one that handled
            # it, as `sessions watch` does, has said so and returned 130)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        _done(argv)  # first: DuckDB may leave Python's own SIGINT pending, to fire later
        code = _interrupted(command[0] if command else None)
        if argv is None:
            # the interpreter would end by SIGINT (not 130) when an interrupt reached code
            # that DuckDB ran through Python; what had to be rolled back has been
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(code)
    return code


def _quiet_interrupts(unraisable) -> None:
    """``sys.unraisablehook``: a KeyboardInterrupt Python had to ignore prints nothing (main
    still ends with the one interrupted line); anything else as Python prints it."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def _done(argv: Sequence[str] | None) -> None:
    """The `workbench` program (not a caller of main() such as the tests) has done its work: a
    Ctrl-C while the interpreter closes DuckDB changes nothing, where it would otherwise end
    the process by SIGINT without a word."""
    if argv is None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _main(argv: Sequence[str] | None) -> int:
    from workbench.core.errors import WorkbenchError
    from workbench.frontends.commands.common import EXIT_ERROR, EXIT_USAGE, import_duckdb
    from workbench.query.periods import UsageError

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    if not getattr(args, "short_lived", False):
        gc.enable()  # main turned it off for the program: this command may run for long
    if not getattr(args, "imports_duckdb_itself", False):
        import_duckdb()
    args.argv = argv  # what a read command sends to a running `workbench serve`
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WorkbenchError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        raise  # main's: the reader of stdout went away
    except Exception as exc:  # noqa: BLE001 - one line, not a traceback (WORKBENCH_DEBUG=1 shows it)
        from workbench.core.engines import first_line, is_interrupt, mask, sigint_seen

        if is_interrupt(exc) or sigint_seen():
            # Ctrl-C during a DuckDB query (DuckDB raises), or any error that follows one
            raise KeyboardInterrupt from exc
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        engine = type(exc).__module__.split(".")[0]
        if engine in ("psycopg", "pyspark", "py4j"):  # a hub's or Spark's error: its first line
            where = "hub" if engine == "psycopg" else "spark"
            print(f"workbench: {where} error: {first_line(exc)}", file=sys.stderr)
            return EXIT_ERROR
        print(
            f"workbench: unexpected error: {type(exc).__name__}: {mask(str(exc))}\n"
            "(set WORKBENCH_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR


def _interrupted(command: str | None = None) -> int:
    """The one line a Ctrl-C prints; exit 130."""
    if command in ("ingest", "serve", "demo"):
        print(
            "workbench: interrupted; the database keeps every file committed so far",
            file=sys.stderr,
        )
    else:
        print("workbench: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _closed_pipe() -> int:
    """The reader of stdout went away (``workbench ... | head``): stop quietly, exit 0."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit does not fail again
    except (OSError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
