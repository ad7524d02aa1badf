"""Load an HTML file in a real headless Chromium with the network off; see what it drew.

``load(path)`` runs Debian's ``chromium --headless --dump-dom`` with a virtual-time budget and
every request sent to a recording proxy on 127.0.0.1 that answers nothing. The result is the
DOM after scripts ran plus the requests the page tried to make (Chromium's own background
services are listed apart in ``Page.browser_requests``). ``Page.charts()`` says, for each
``workbench.present.charts`` chart, whether it was drawn as SVG with marks.

``load(path, script=...)`` appends a ``<script>`` to a copy of the page, so a test can drive
the page (click, filter) and leave results in the DOM (e.g. ``document.body.dataset``).

Reuse from tests: ``from browser import load``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socketserver
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

#: Where Debian's package puts the browser (the /usr/bin/chromium wrapper adds flags and
#: API keys that make it contact Google services), then the usual names on PATH.
CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")

#: Hosts Chromium itself contacts in the background (updates, time, sign-in), whatever the page.
BROWSER_HOSTS = frozenset(
    {
        "update.googleapis.com",
        "clients2.google.com",
        "clients2.googleusercontent.com",
        "accounts.google.com",
        "safebrowsingohttpgateway.googleapis.com",
        "optimizationguide-pa.googleapis.com",
        "content-autofill.googleapis.com",
        "redirector.gvt1.com",
        "edgedl.me.gvt1.com",
        "android.clients.google.com",
    }
)

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--disable-breakpad",
    "--no-pings",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    "--proxy-bypass-list=<-loopback>",
)


def chromium() -> str | None:
    """The Chromium executable (``$WORKBENCH_CHROMIUM`` first), or None."""
    for name in (os.environ.get("WORKBENCH_CHROMIUM"), *CANDIDATES):
        if name and (found := shutil.which(name)):
            return found
    return None


def require_chromium() -> str:
    """The Chromium executable, or fail the test saying how to install it."""
    exe = chromium()
    if not exe:
        pytest.fail(
            "headless Chromium is required for the HTML report tests: "
            "`sudo apt-get install chromium` (.ci/run installs it), or set $WORKBENCH_CHROMIUM"
        )
    return exe


@dataclass
class Chart:
    """One ``<div class="wb-chart">`` after load."""

    id: str | None
    drawn: bool  # vegaEmbed resolved (data-wb-drawn="1")
    error: str | None  # data-wb-error
    svg: bool = False  # an <svg> inside
    marks: int = 0  # SVG shapes inside Vega mark groups


@dataclass
class Page:
    """The DOM after load and the requests that reached the proxy."""

    dom: str
    requests: list[str] = field(default_factory=list)

    @property
    def page_requests(self) -> list[str]:
        """Requests the page made (Chromium's background service hosts left out)."""
        return [r for r in self.requests if _host(r) not in BROWSER_HOSTS]

    @property
    def browser_requests(self) -> list[str]:
        return [r for r in self.requests if _host(r) in BROWSER_HOSTS]

    def charts(self) -> list[Chart]:
        scan = _ChartScan()
        scan.feed(self.dom)
        scan.close()
        return scan.charts


def load(
    path: str | Path,
    *,
    script: str | None = None,
    javascript: bool = True,
    budget_ms: int = 10_000,
    timeout: float = 120,
) -> Page:
    """Open ``path`` in headless Chromium with no network; return the DOM and requests.
    ``javascript=False`` loads it as a mail client or wiki preview does: scripts off."""
    exe = require_chromium()
    copies: list[Path] = []
    try:
        return _load(exe, path, script, javascript, budget_ms, timeout, copies)
    finally:
        for c in copies:
            c.unlink(missing_ok=True)


def _without_scripts(page: str) -> str:
    """``page`` as a mail client or wiki preview shows it: every ``<script>`` element removed
    and a Content-Security-Policy that blocks any script (inline handlers too)."""
    page = re.sub(r"<script\b[^>]*>.*?</script\s*>", "", page, flags=re.DOTALL | re.IGNORECASE)
    csp = '<meta http-equiv="Content-Security-Policy" content="script-src \'none\'">'
    m = re.search(r"<head[^>]*>", page, flags=re.IGNORECASE)
    return page[: m.end()] + csp + page[m.end() :] if m else csp + page


def _load(exe, path, script, javascript, budget_ms, timeout, copies) -> Page:
    with tempfile.TemporaryDirectory(prefix="wb-chromium-") as tmp, _Proxy() as proxy:
        target = Path(path).resolve()
        if script is not None or not javascript:
            page = target.read_text(encoding="utf-8")
            if script is not None:
                tag = f"<script>\n{script}\n</script>\n"
                at = page.rfind("</body>")
                page = page[:at] + tag + page[at:] if at >= 0 else page + tag
            if not javascript:
                page = _without_scripts(page)
            # a copy beside the original, so relative links and checks still resolve
            target = target.with_name(f".wb-browser-{os.getpid()}-{target.name}")
            target.write_text(page, encoding="utf-8")
            copies.append(target)
        cmd = [
            exe,
            *FLAGS,
            f"--proxy-server=127.0.0.1:{proxy.port}",
            f"--user-data-dir={tmp}/profile",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            target.as_uri(),
        ]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        if proc.returncode != 0 or "<html" not in out.lower():
            raise RuntimeError(f"chromium failed ({proc.returncode}): {err[-2000:]}")
        return Page(out, list(proxy.requests))


def _host(request_line: str) -> str:
    """``CONNECT host:443 HTTP/1.1`` / ``GET http://host/x HTTP/1.1`` -> ``host``."""
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    target = target.split("://", 1)[-1]
    return target.split("/", 1)[0].rsplit(":", 1)[0].lower()


class _Proxy:
    """A proxy on 127.0.0.1 that records each request's first line and answers nothing."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.settimeout(5)
                try:
                    first = self.request.recv(8192).split(b"\r\n", 1)[0]
                except OSError:
                    return
                if first:
                    requests.append(first.decode("latin-1"))

        socketserver.ThreadingTCPServer.daemon_threads = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _ChartScan(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}  # fmt: skip
    SHAPES = {"path", "rect", "circle", "line", "text", "image", "ellipse", "polygon"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: list[Chart] = []
        self.stack: list[tuple[str, list[str]]] = []
        self.chart_depth: int | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "wb-chart" in classes:
            self.charts.append(Chart(a.get("id"), a.get("data-wb-drawn") == "1",
                                     a.get("data-wb-error")))  # fmt: skip
            self.chart_depth = len(self.stack)
        elif self.chart_depth is not None:
            chart = self.charts[-1]
            if tag == "svg":
                chart.svg = True
            if tag in self.SHAPES and any(
                t == "g" and "role-mark" in c for t, c in self.stack[self.chart_depth :]
            ):
                chart.marks += 1
        if tag not in self.VOID:
            self.stack.append((tag, classes))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if self.chart_depth is not None and len(self.stack) <= self.chart_depth:
            self.chart_depth = None
