"""`workbench report`: run report notebooks headless and write self-contained HTML."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.frontends.commands.common import EXIT_ERROR, EXIT_OK, database, dedent
from workbench.query.periods import UsageError


def register(sub) -> None:
    p = sub.add_parser(
        "report",
        help="run report notebooks and write self-contained HTML",
        description=dedent("""
Run a notebook from notebooks/ with papermill (parameters injected) and convert it to one HTML
file without code cells: no remote scripts, styles or fonts, charts draw offline, transcript
text escaped and secrets redacted (-p redact=False to opt out). A failing cell gives exit
status 1 and names the cell.
"""),
        epilog=dedent("""
examples:
  workbench report --list
  workbench report tokens --db team.duckdb --since 7d        # reports/tokens.html
  workbench report friction -p users=alice,bob -p timezone=Europe/Paris --out friction.html
  workbench report --all --since 7d --db team.duckdb --out /srv/www/reports   # nightly

Without --db the database is $WORKBENCH_DB, else the default database file
(~/.local/share/workbench/workbench.duckdb) when it exists, else the demo database.
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", help="notebook name in notebooks/ (or a .ipynb path)")
    p.add_argument("--all", action="store_true", help="every notebook, plus index.html")
    p.add_argument("--list", action="store_true", help="list the report notebooks and exit")
    p.add_argument(
        "-p",
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a notebook parameter (repeatable); lists take a,b,c",
    )
    p.add_argument(
        "--db",
        type=database,
        help="database file or team hub postgresql:// URL (the `db` parameter)",
    )
    p.add_argument(
        "--machine",
        action="append",
        default=[],
        help="only sessions ingested on this machine (repeatable; the `machines` parameter)",
    )
    p.add_argument("--since", help="start of the period: 1h, 24h, 7d, 2w or YYYY-MM-DD")
    p.add_argument("--until", help="end of the period: 1h, 24h, 7d, 2w or YYYY-MM-DD")
    p.add_argument(
        "--out",
        type=Path,
        help="output file (one report; default reports/NAME.html) or folder (--all; "
        "default reports/)",
    )
    p.add_argument("--notebooks", type=Path, help="notebook folder (default: notebooks/)")
    p.add_argument("--timeout", type=float, help="seconds a cell may run (default: no limit)")
    p.set_defaults(func=cmd_report)


def parameters(args: argparse.Namespace) -> dict[str, str]:
    """-p KEY=VALUE pairs plus --db/--since/--until, as strings (the notebook types them)."""
    out: dict[str, str] = {}
    for item in args.parameter:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise UsageError(f"-p wants KEY=VALUE, got {item!r}")
        out[key.strip()] = value
    for key, value in (("db", args.db), ("since", args.since), ("until", args.until)):
        if value:
            out[key] = str(value)
    if args.machine:
        out["machines"] = ",".join(args.machine)
    return out


def _hide_password(params: dict) -> None:
    """A hub URL's password goes to the notebooks' kernels as $PGPASSWORD, not as a parameter
    (parameters are written into the executed notebook)."""
    from workbench.core.engines import is_postgres, without_password

    for holder in (params, os.environ):
        url = holder.get("db") if holder is params else holder.get("WORKBENCH_DB")
        if url and is_postgres(url):
            bare, password = without_password(url)
            if password is not None:
                os.environ["PGPASSWORD"] = password
                holder["db" if holder is params else "WORKBENCH_DB"] = bare


def _default_db() -> Path | str | None:
    """$WORKBENCH_DB, else the default database file if it exists (None: the notebooks'
    own default, the demo database)."""
    from workbench.core import config
    from workbench.core.engines import is_postgres

    if is_postgres(os.environ.get("WORKBENCH_DB")):
        return os.environ["WORKBENCH_DB"]
    if os.environ.get("WORKBENCH_DB"):
        return config.default_db()
    return config.default_db() if config.default_db().exists() else None


def _through_server(params: dict, defaults: dict) -> None:
    """While `workbench serve` owns the database, the notebooks (which cannot open the locked
    file) read a consistent snapshot the server takes for them."""
    from workbench.core.engines import is_remote
    from workbench.frontends.serve import client, state

    db = params.get("db") or defaults.get("db")
    if db and not is_remote(db) and (server := state.live(db)):
        params["db"] = client.snapshot(server)


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.frontends import report

    if args.list:
        for nb in report.list_notebooks(args.notebooks):
            names = ", ".join(report.notebook_parameters(nb))
            print(f"{nb.stem:<24} {names}")
        return EXIT_OK
    if bool(args.name) == bool(args.all):
        raise UsageError("give a notebook NAME or --all (see --list)")
    params = parameters(args)
    _hide_password(params)
    report.period_text(params)  # a bad --since or timezone is a usage error before any run
    defaults = {"db": str(default)} if (default := _default_db()) else {}
    _through_server(params, defaults)
    if args.all:
        reports, failures, index = report.report_all(
            args.out or report.REPORTS_DIR,
            parameters=params,
            defaults=defaults,
            notebooks_dir=args.notebooks,
            timeout=args.timeout,
        )
        for r in reports:
            print(_line(r))
        for f in failures:
            print(f"workbench: {f.error}", file=sys.stderr)
        print(f"wrote {index} ({len(reports)} reports, {len(failures)} failed)")
        return EXIT_ERROR if failures else EXIT_OK
    r = report.run(
        args.name,
        args.out,
        parameters=params,
        defaults=defaults,
        notebooks_dir=args.notebooks,
        timeout=args.timeout,
    )
    print(_line(r))
    return EXIT_OK


def _line(r) -> str:
    from workbench.present import textout

    return f"wrote {r.path} ({textout.data_size(r.bytes)}, {r.seconds:.1f} s)"
