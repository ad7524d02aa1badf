"""`workbench sessions watch` and `workbench sessions sync`: through a running server when one
owns the database, else on the file directly."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import quote

from workbench.core.store import DatabaseBusy, WorkbenchError
from workbench.frontends.serve import state

EXIT_OK, EXIT_INTERRUPTED = 0, 130


def _emit(event: str, data: str) -> None:
    sys.stdout.write(json.dumps({"event": event, "data": data}) + "\n")
    sys.stdout.flush()


def _not_found(args) -> WorkbenchError:
    return WorkbenchError(f"watch: session not found: {args.session_id}")


def watch(args: argparse.Namespace) -> int:
    """NDJSON events of one session until Ctrl-C: ``session_updated`` after each ingest that
    touched it, ``heartbeat`` with the time when quiet."""
    try:
        server = state.live(args.db)
        if server is not None:
            return _watch_server(args, server)
        return _watch_file(args)
    except KeyboardInterrupt:
        print("workbench: watch: stopped", file=sys.stderr)
        return EXIT_INTERRUPTED


def _watch_server(args: argparse.Namespace, server: dict, sid: str | None = None) -> int:
    from workbench.frontends.serve import client

    if sid is None:
        try:
            path = f"/api/v1/sessions/{quote(args.session_id, safe='')}"
            sid = client.request(server, "GET", path)["session_id"]
        except client.NotFound:
            raise _not_found(args) from None
    for event, data in client.events(server, timeout=max(60.0, 4 * args.heartbeat)):
        if event == "heartbeat" or (event == "session_updated" and data == sid):
            _emit(event, data)
    raise WorkbenchError(f"watch: the server at {server['url']} closed the event stream")


def _watch_file(args: argparse.Namespace) -> int:
    import watchfiles

    from workbench.frontends.commands.common import open_reader
    from workbench.frontends.serve.sync import _close, session
    from workbench.ingest.load import ingest
    from workbench.query.signals import SessionNotFound

    con = open_reader(args.db)
    try:
        row = session(con, args.session_id)
    except SessionNotFound:
        raise _not_found(args) from None
    finally:
        _close(con)  # an ingest below opens the file for writing
    sid, path, user = row["session_id"], row["source_path"], row["user_name"]
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise WorkbenchError(f"watch: the folder of {path} is gone (the archive keeps it)")
    _emit("heartbeat", _now())
    last = time.monotonic()
    caught_up = False
    for changes in watchfiles.watch(
        folder,
        watch_filter=lambda _c, p: p == path,
        debounce=200,
        step=20,
        rust_timeout=int(args.heartbeat * 1000),
        yield_on_timeout=True,
        recursive=False,
    ):
        # the watcher starts with the loop: the first time round, ingest whatever changed
        # since the session was looked up (a line written before the watch began)
        if changes or not caught_up:
            try:
                done = ingest([path], args.db, user=user, progress=False)
            except DatabaseBusy:
                server = state.live(args.db)
                if server is None:
                    raise
                return _watch_server(args, server, sid)  # a server started: follow it
            if changes or done.files_parsed or done.files_appended:
                _emit("session_updated", sid)
            caught_up = True
        if not changes or time.monotonic() - last >= args.heartbeat:
            _emit("heartbeat", _now())
            last = time.monotonic()
    return EXIT_OK


def _now() -> str:
    from workbench.frontends.serve.events import now_iso

    return now_iso()


def looks_like_path(text: str) -> bool:
    return os.sep in text or text.endswith((".jsonl", ".json")) or text.startswith(".")


def sync(args: argparse.Namespace) -> int:
    """Parse one transcript (a path, or a session id's recorded path) into the database and
    print its session once its signals are computed."""
    from workbench.present import textout

    text = args.target
    if os.path.isfile(text):
        text = os.path.abspath(text)
    elif looks_like_path(text):
        raise WorkbenchError(f"sync: no such file: {text}")
    server = state.live(args.db)
    if server is not None:
        from workbench.frontends.serve import client

        row = client.sync(server, text)
    else:
        from workbench.frontends.serve.sync import sync_local

        row = sync_local(args.db, text)
    if args.json:
        textout.print_json(row)
    else:
        print(f"synced: {row['session_id']}")
    return EXIT_OK
