"""Regenerate the HTML reports on a schedule while the server runs: the report notebooks run in
a subprocess (``workbench report --all``) against a snapshot of the database the server takes
(the subprocess cannot open the file the server holds)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

from workbench.query.periods import UsageError


def parse_every(text: str) -> float:
    """``90s``, ``30m``, ``1h``, ``1d`` (or plain seconds) -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise UsageError(f"--reports-every: use 90s, 30m, 1h or 1d, not {text!r}")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


class Reports(threading.Thread):
    def __init__(self, owner, out: Path, every: float, since=None, notebooks: Path | None = None):
        super().__init__(name="workbench-reports", daemon=True)
        self.owner, self.out, self.every, self.since = owner, out, every, since
        self.notebooks = notebooks
        self._stop = threading.Event()
        self.runs = 0

    def run(self) -> None:
        while not self._stop.is_set():
            self.render()
            self._stop.wait(self.every)

    def render(self) -> int:
        hub = self.owner.hub
        hub.publish("reports", {"state": "started", "out": str(self.out)})
        try:
            snap = self.owner.call(self.owner.snapshot, timeout=3600)
            cmd = [sys.executable, "-m", "workbench.frontends.cli", "report", "--all"]
            cmd += ["--db", str(snap), "--out", str(self.out)]
            if self.since:
                cmd += ["--since", self.since]
            if self.notebooks:
                cmd += ["--notebooks", str(self.notebooks)]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        except Exception as exc:  # noqa: BLE001 - reported as an event, the server goes on
            hub.publish("reports_error", f"{type(exc).__name__}: {exc}")
            return 1
        self.runs += 1
        if proc.returncode:
            hub.publish("reports_error", (proc.stderr or proc.stdout).strip()[-2000:])
        hub.publish("reports", {"state": "finished", "exit": proc.returncode})
        return proc.returncode

    def stop(self) -> None:
        self._stop.set()
