"""Watch transcript folders with watchfiles (inotify, debounced) and hand each batch of changed
transcript paths (and new folders) to a callback, from a thread of its own."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from workbench.ingest.discover import _SKIP_DIRS as SKIP_DIRS  # the folders a scan skips

DEBOUNCE_MS = 200  # events this close together arrive as one batch (agentsview uses ~500 ms)


def is_transcript(path: str) -> bool:
    name = os.path.basename(path)
    return name.endswith(".jsonl") or (name.endswith(".json") and name.startswith("session-"))


class Watcher:
    def __init__(
        self,
        roots: Iterable[Path],
        on_change: Callable[[set[str]], None],
        *,
        debounce_ms: int = DEBOUNCE_MS,
        only: Callable[[str], bool] = is_transcript,
    ):
        self.roots = [Path(r) for r in roots]
        self._on_change, self._only, self._debounce = on_change, only, debounce_ms
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="workbench-watcher", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        import watchfiles

        paths = [r for r in self.roots if r.exists()]
        if not paths:
            return
        tops = [Path(os.path.abspath(r)) for r in paths]

        def wanted(change, path: str) -> bool:
            # a new folder too: a file written into it before its watch was added has no event
            # of its own, and the folder's scan finds it
            if self._only(path):
                return True
            if change != watchfiles.Change.added:
                return False
            p = Path(os.path.abspath(path))
            inside = [p.relative_to(r).parts for r in tops if r in p.parents]
            return bool(inside) and not SKIP_DIRS.intersection(inside[0]) and p.is_dir()

        for changes in watchfiles.watch(
            *paths,
            watch_filter=wanted,
            debounce=self._debounce,
            step=20,
            stop_event=self._stop,
            rust_timeout=500,
            yield_on_timeout=False,
            raise_interrupt=False,
        ):
            changed = {path for _change, path in changes}
            if changed:
                self._on_change(changed)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
