"""`workbench serve`: own the database, watch the transcript folders, serve the API."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.frontends.commands.common import EXIT_ERROR, EXIT_OK, db_arg, dedent
from workbench.query.periods import UsageError

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def register(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="watch the transcript folders, ingest as they change, serve the API and events",
        description=dedent("""
The one owner of the database while it runs: watches the transcript folders (the default
roots, or PATHS), ingests what changed, and serves the session API (/api/v1/...), Server-Sent
Events (/api/v1/events) and the reports folder (/reports/). While it runs, the read commands,
`workbench report` and the notebooks go through it (a state file <db>.server.json says where).
"""),
        epilog=dedent("""
examples:
  workbench serve                                   # this machine, http://127.0.0.1:8765
  workbench serve /srv/sessions --db team.duckdb --reports-every 1h --reports-out /srv/www/reports
  WORKBENCH_TOKEN=s3cret workbench serve /srv/sessions --db team.duckdb --host 0.0.0.0
"""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="folders to watch")
    db_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument(
        "--token",
        default=None,
        help="require Authorization: Bearer TOKEN (default $WORKBENCH_TOKEN); needed "
        "for any --host but loopback",
    )
    p.add_argument("--user", help="owner of transcripts whose path does not name one")
    p.add_argument("--reports-every", metavar="EVERY", help="regenerate the reports: 30m, 1h, 1d")
    p.add_argument(
        "--reports-out", type=Path, metavar="DIR", help="reports folder served at /reports/"
    )
    p.add_argument("--reports-since", metavar="WHEN", help="the reports' period start (e.g. 7d)")
    p.add_argument(
        "--reports-notebooks", type=Path, metavar="DIR", help="notebook folder (default notebooks/)"
    )
    p.add_argument(
        "--heartbeat", type=float, default=15.0, metavar="SECONDS", help="SSE heartbeat (15)"
    )
    p.add_argument(
        "--debounce", type=int, default=200, metavar="MS", help="file-event debounce (200 ms)"
    )
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    import asyncio
    import contextlib
    import socket

    import uvicorn

    from workbench.core import config
    from workbench.frontends.serve import app as api
    from workbench.frontends.serve import runner, state
    from workbench.frontends.serve.events import Hub
    from workbench.frontends.serve.owner import Owner
    from workbench.frontends.serve.reports import Reports, parse_every
    from workbench.frontends.serve.watcher import Watcher

    token = args.token or os.environ.get("WORKBENCH_TOKEN") or None
    if args.host not in LOOPBACK and not token:
        raise UsageError(
            f"serve: --host {args.host} is reachable from other machines: "
            "give --token TOKEN or set $WORKBENCH_TOKEN"
        )
    every = parse_every(args.reports_every) if args.reports_every else None
    if every and not args.reports_out:
        raise UsageError("serve: --reports-every needs --reports-out DIR")
    db = args.db or config.default_db()
    if running := state.live(db):
        print(
            f"workbench: a server already owns {db}: {running['url']} (pid {running['pid']})",
            file=sys.stderr,
        )
        return EXIT_ERROR
    roots = [p.expanduser() for p in args.paths] or config.default_roots()
    missing = [str(r) for r in roots if not r.exists()]
    if missing:
        raise UsageError(f"serve: no such folder: {', '.join(missing)}")

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        sock.close()
        print(f"workbench: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    sock.listen(2048)  # clients that read the state file queue until uvicorn accepts
    port = sock.getsockname()[1]
    local_host = "[::1]" if family == socket.AF_INET6 else "127.0.0.1"
    url = f"http://{local_host}:{port}"

    runner.install()
    hub = Hub()
    owner = Owner(Path(db), roots, hub, user=args.user)  # takes the lock (DatabaseBusy: exit 1)
    watcher = Watcher(roots, lambda changed: _on_change(owner, changed), debounce_ms=args.debounce)
    reports = (
        Reports(owner, args.reports_out, every, args.reports_since, args.reports_notebooks)
        if every
        else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        hub.bind(asyncio.get_running_loop())
        state.write(db, url=url, token=bool(token))
        owner.request_ingest(roots)  # catch up with what changed while no one watched
        watcher.start()
        if reports:
            reports.start()
        print(f"workbench: serving {db} at {url} (watching {len(roots)} folders)", file=sys.stderr)
        try:
            yield
        finally:
            state.remove(db)
            watcher.stop()
            if reports:
                reports.stop()

    app = api.build(
        owner,
        token=token,
        heartbeat=args.heartbeat,
        reports_dir=args.reports_out,
        lifespan=lifespan,
    )

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame) -> None:
            hub.close()  # end the event streams, or shutdown waits for their clients
            super().handle_exit(sig, frame)

    server = Server(
        uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=2, lifespan="on", access_log=False
        )
    )
    try:
        server.run(sockets=[sock])
    finally:
        state.remove(db)
        owner.close()
        sock.close()
    return EXIT_OK


def _on_change(owner, changed: set[str]) -> None:
    owner.request_files(changed)  # each file alone when its root's scan would read it so
