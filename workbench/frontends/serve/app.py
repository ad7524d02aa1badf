"""The HTTP API (Starlette). Every read endpoint turns its query parameters into the argv of
the matching CLI command, parses it with that command's parser and answers with exactly what
``--json`` prints: the same function computes both (``args.data(args, con)``).

Paths follow agentsview's Session API (``/api/v1/...``); fields are only ever added, never
renamed or retyped. Errors are ``{"error": message}`` with 400 (bad parameter), 401 (no or
wrong token), 403 (a file outside the archive), 404 (no such session) or 500.
"""

from __future__ import annotations

import argparse
import hmac
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from workbench.core.store import WorkbenchError
from workbench.frontends.serve import events, runner
from workbench.frontends.serve.owner import Owner
from workbench.query.periods import UsageError

#: Query parameters no endpoint takes: the server names its own database, prints JSON, and
#: prints no help.
FORBIDDEN = {"db", "json", "help", "h"}
JSON = "application/json"
#: What an endpoint answers for its ``format`` parameter (default json).
MEDIA = {
    "json": JSON,
    "ndjson": "application/x-ndjson; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "table": "text/plain; charset=utf-8",
}


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def status_of(exc: Exception) -> int:
    from workbench.query.signals import SessionNotFound

    if isinstance(exc, UsageError):
        return 400
    if isinstance(exc, SessionNotFound):
        return 404
    return 500


def leaf_parser(words: list[str]) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = runner.parser(words[0])
    for word in words:
        sub = next((a for a in p._actions if isinstance(a, argparse._SubParsersAction)), None)
        if sub is not None and word in sub.choices:
            p = sub.choices[word]
    return p


def argv_for(
    words: list[str], params, positional: list[str] = (), skip=(), *, json: bool = True
) -> list[str]:
    """``words`` + one ``--option=value`` per query parameter (``a_b`` or ``a-b`` for
    ``--a-b``, repeated for a repeatable option, ``true``/``false`` for a flag) + ``--json``
    (unless ``format`` is one of them, or not ``json``) + the positional arguments after
    ``--`` (so none can pass for an option)."""
    options = {}
    for action in leaf_parser(words)._actions:
        for opt in action.option_strings:
            if opt.startswith("--"):
                options[opt[2:]] = action
    argv = list(words)
    for key in params:
        if key in skip:
            continue
        name = key.replace("_", "-")
        if name in FORBIDDEN or name not in options:
            raise UsageError(f"unknown parameter: {key}")
        action = options[name]
        for value in params.getlist(key):
            if action.nargs == 0:  # a flag
                low = value.lower()
                if low in ("", "1", "true", "yes", "on"):
                    argv.append(f"--{name}")
                elif low not in ("0", "false", "no", "off"):
                    raise UsageError(f"{key} is a flag: true or false, not {value!r}")
            else:
                argv.append(f"--{name}={value}")
    as_json = ["--json"] if json and "format" not in params else []
    return argv + as_json + (["--", *positional] if positional else [])


def build(
    owner: Owner,
    *,
    token: str | None = None,
    heartbeat: float = 15.0,
    reports_dir: Path | None = None,
    lifespan=None,
) -> Starlette:
    def parsed(words, request: Request, positional=(), skip=()) -> argparse.Namespace:
        args = runner.parse(argv_for(words, request.query_params, positional, skip))
        args.db = owner.db
        return args

    def answer(words, positional=(), skip=()):
        def endpoint(request: Request) -> Response:
            pos = [request.path_params.get(p, p) for p in positional]
            try:
                if any(p.startswith("-") for p in pos):
                    raise UsageError(f"not an id: {pos[0]!r}")
                args = parsed(words(request) if callable(words) else words, request, pos, skip)
                # one session's row, messages or tool calls: a quick read (runner.Readers)
                text = runner.output(args, owner.readers, quick=bool(positional))
            except WorkbenchError as exc:
                return error(status_of(exc), str(exc))
            return Response(text, media_type=MEDIA[args.format])

        return endpoint

    def search(request: Request) -> Response:
        q = request.query_params.get("q")
        if not q:
            return error(400, "search needs q=TEXT")
        try:
            args = parsed(["search"], request, [q], skip={"q"})
            return Response(runner.output(args, owner.readers), media_type=MEDIA[args.format])
        except WorkbenchError as exc:
            return error(status_of(exc), str(exc))

    def export(request: Request) -> Response:
        sid = request.path_params["id"]
        fmt = request.query_params.get("format", "raw")
        try:
            if sid.startswith("-"):
                raise UsageError(f"not an id: {sid!r}")
            if fmt == "raw":
                # only ever the session's recorded source path: no parameter names a file
                if set(request.query_params) - {"format"}:
                    raise UsageError("format=raw takes no other parameter")
                with owner.readers.connection(quick=True) as con:
                    from workbench.frontends.serve.sync import session

                    path = Path(session(con, sid)["source_path"])
                if not path.is_file():
                    return error(404, f"source file not found: {path}")
                return FileResponse(path, media_type="application/x-ndjson")
            argv = argv_for(["sessions", "export"], request.query_params, [sid], json=False)
            args = runner.parse(argv)
            args.db = owner.abs
            text = runner.printed(args.func, args)
        except WorkbenchError as exc:
            return error(status_of(exc), str(exc))
        if fmt == "md":
            return Response(text, media_type="text/markdown; charset=utf-8")
        return Response(
            text,
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )

    async def event_stream(request: Request) -> Response:
        return StreamingResponse(
            events.stream(owner.hub, heartbeat, request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def cli(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        body = await request.json()
        return await run_in_threadpool(_cli, body)

    def _cli(body: dict) -> Response:
        """A CLI read command sent by ``common.run_reader`` (transport): what it prints."""
        argv, shown, path = body.get("argv"), body.get("db"), body.get("path")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            return error(400, "argv must be a list of strings")
        if path != str(owner.abs):
            return error(400, f"this server owns {owner.abs}, not {path}")
        try:
            args = runner.parse(argv)
            if runner.is_reader(args):
                args.db = Path(shown) if shown else owner.abs
                text = runner.output(args, owner.readers)
            elif _printing(args):
                args.db = owner.abs
                text = runner.printed(args.func, args)
            else:
                return error(400, f"not a read command: {' '.join(argv[:2])}")
        except WorkbenchError as exc:
            return error(status_of(exc), str(exc))
        return JSONResponse({"output": text})

    def sync(request_body: dict) -> Response:
        from workbench.frontends.serve import sync as syncing

        target = request_body.get("target")
        if not isinstance(target, str) or not target:
            return error(400, "sync needs a target: a transcript path or a session id")
        try:
            with owner.readers.connection() as con:
                if os.path.isabs(target) and os.path.isfile(target):
                    known = syncing.recorded(con, os.path.abspath(target))
                    if owner.root_of(target) is None and known is None:
                        return error(
                            403,
                            f"sync: {target} is neither under a folder this server watches "
                            "nor a transcript of its archive",
                        )
                    path, user, sid = os.path.abspath(target), known and known[1], None
                elif target.startswith(("-", "/", ".")) or os.sep in target:
                    raise UsageError(f"sync: no such file: {target}")
                else:
                    path, user, sid = syncing.target(con, target)
            # a file under a watched folder is read as a scan of its folder reads it (which
            # says its user): alone when that is the same, else with the whole folder
            roots, files = owner.split([path]) if owner.root_of(path) else (set(), {})
            if roots:
                owner.call(lambda: owner.ingest(sorted(roots), user=owner.user))
            elif files:
                [(owner_name, _)] = files.items()
                owner.call(lambda: owner.ingest([path], user=owner_name))
            else:
                owner.call(lambda: owner.ingest([path], user=user))
            with owner.readers.connection() as con:
                session = syncing.result(con, path, sid)
        except syncing.SeveralSessions as exc:
            return JSONResponse({"error": str(exc), "candidates": exc.candidates}, 409)
        except WorkbenchError as exc:
            return error(status_of(exc), str(exc))
        from workbench.present.textout import json_text  # as --json prints it

        return Response(json_text(session), media_type=JSON)

    async def sync_endpoint(request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(sync, await request.json())

    def snapshot(request: Request) -> Response:
        return JSONResponse({"path": str(owner.call(owner.snapshot, timeout=600))})

    def server_info(request: Request) -> Response:
        return JSONResponse(owner.info())

    def home(request: Request) -> Response:
        if reports_dir is not None:
            return RedirectResponse("/reports/")
        return PlainTextResponse("workbench serve: see /api/v1/status\n")

    sessions = lambda *rest: ["sessions", *rest]  # noqa: E731
    routes = [
        Route("/", home),
        Route("/api/v1/sessions", answer(sessions("list"))),
        Route("/api/v1/sessions/{id}", answer(sessions("get"), ["id"])),
        Route("/api/v1/sessions/{id}/messages", answer(sessions("messages"), ["id"])),
        Route("/api/v1/sessions/{id}/tool-calls", answer(sessions("tool-calls"), ["id"])),
        Route("/api/v1/sessions/{id}/export", export),
        Route("/api/v1/kpis", answer(sessions("kpis"))),
        Route(
            "/api/v1/tokens/{grouping}",
            answer(lambda r: ["tokens", r.path_params["grouping"]]),
        ),
        Route("/api/v1/friction", answer(["friction"])),
        Route("/api/v1/leaders", answer(["leaders"])),
        Route("/api/v1/leaders/{board}", answer(lambda r: ["leaders", r.path_params["board"]])),
        Route("/api/v1/search", search),
        Route("/api/v1/status", answer(["status"])),
        Route("/api/v1/events", event_stream),
        Route("/api/v1/server", server_info),
        Route("/api/v1/cli", cli, methods=["POST"]),
        Route("/api/v1/sync", sync_endpoint, methods=["POST"]),
        Route("/api/v1/snapshot", snapshot, methods=["POST"]),
    ]
    if reports_dir is not None:
        reports_dir.mkdir(parents=True, exist_ok=True)
        routes.append(Mount("/reports", StaticFiles(directory=reports_dir, html=True)))
    app = Starlette(routes=routes, lifespan=lifespan)
    return BearerAuth(app, token) if token else app


def _printing(args: argparse.Namespace) -> bool:
    """Commands that read and print without the data/present split: `sessions show` and the
    rendered exports (raw export reads the local file, in the client)."""
    from workbench.frontends.commands import sessions

    if args.func is sessions.cmd_show:
        return True
    return args.func is sessions.cmd_export and args.format != "raw"


class BearerAuth:
    """ASGI middleware: every request must carry ``Authorization: Bearer <token>`` (401
    otherwise). No CORS headers are ever added: browsers keep other origins out."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token.encode("utf-8")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                given = value
        scheme, _, credential = given.partition(b" ")
        if scheme.lower() != b"bearer" or not hmac.compare_digest(credential.strip(), self.token):
            response = JSONResponse(
                {"error": "unauthorized: send Authorization: Bearer <token>"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            return await response(scope, receive, send)
        return await self.app(scope, receive, send)
