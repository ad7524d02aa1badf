"""Talk to a running server with the standard library only (a CLI read command that finds a
server must not pay for an HTTP stack): run a command's argv there, take a database snapshot,
sync a transcript, follow the event stream."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator

from workbench.core.store import WorkbenchError
from workbench.query.periods import UsageError


class NotFound(WorkbenchError):
    """The server answered 404 (no such session)."""


def _headers(server: dict) -> dict:
    headers = {"Accept": "application/json"}
    token = os.environ.get("WORKBENCH_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _error(server: dict, exc: urllib.error.HTTPError) -> WorkbenchError:
    try:
        message = json.loads(exc.read().decode("utf-8"))["error"]
    except Exception:  # noqa: BLE001 - not one of ours
        message = f"{exc.code} {exc.reason}"
    if exc.code == 401:
        return WorkbenchError(
            f"the server at {server['url']} wants a token: set $WORKBENCH_TOKEN ({message})"
        )
    if exc.code == 400:
        return UsageError(message)
    if exc.code == 404:
        return NotFound(message)
    return WorkbenchError(message)


def request(server: dict, method: str, path: str, body=None, *, timeout: float = 600.0):
    """``method path`` on the server; the decoded JSON answer (errors raised as the CLI's)."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(server["url"] + path, data=data, method=method)
    for k, v in _headers(server).items():
        req.add_header(k, v)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise _error(server, exc) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkbenchError(
            f"the server at {server['url']} (pid {server.get('pid')}) does not answer: {reason}"
        ) from None


def run(server: dict, argv: list[str], db_shown: str, db_abs: str) -> str:
    """What the command ``argv`` prints, computed by the server."""
    answer = request(server, "POST", "/api/v1/cli", {"argv": argv, "db": db_shown, "path": db_abs})
    return answer["output"]


def snapshot(server: dict) -> str:
    """The path of a consistent copy of the server's database (for notebooks and reports)."""
    return request(server, "POST", "/api/v1/snapshot", {})["path"]


def sync(server: dict, target: str) -> dict:
    return request(server, "POST", "/api/v1/sync", {"target": target})


def events(server: dict, *, timeout: float = 120.0) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of the server's SSE stream, as they arrive."""
    req = urllib.request.Request(server["url"] + "/api/v1/events")
    for k, v in _headers(server).items():
        req.add_header(k, v)
    req.add_header("Accept", "text/event-stream")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise _error(server, exc) from None
    except (urllib.error.URLError, OSError) as exc:
        raise WorkbenchError(f"the server at {server['url']} does not answer: {exc}") from None
    with resp:
        event, data = "message", []
        for raw in resp:
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
