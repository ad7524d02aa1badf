"""Run a read command inside the server exactly as the CLI would: parse its argv with the
command's own parser, call its ``data`` on a pooled read connection, print with ``print_json``
or its presenter, and return what was printed (each request thread captures its own output)."""

from __future__ import annotations

import argparse
import contextlib
import io
import queue
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from workbench.core.store import WorkbenchError
from workbench.query.periods import UsageError

_local = threading.local()


class _PerThread(io.TextIOBase):
    """A stand-in for sys.stdout/stderr: a thread that captures writes to its own buffer, every
    other thread (uvicorn's log, the watcher) to the real stream."""

    def __init__(self, real, slot: str):
        self._real, self._slot = real, slot

    def _target(self):
        return getattr(_local, self._slot, None) or self._real

    def write(self, s: str) -> int:
        return self._target().write(s)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return False if getattr(_local, self._slot, None) else self._real.isatty()

    @property
    def encoding(self):  # type: ignore[override]
        return "utf-8"

    def fileno(self) -> int:
        return self._real.fileno()

    @property
    def buffer(self):
        return self._real.buffer


def install() -> None:
    """Route sys.stdout/stderr per thread (once per process)."""
    if not isinstance(sys.stdout, _PerThread):
        sys.stdout = _PerThread(sys.stdout, "out")
    if not isinstance(sys.stderr, _PerThread):
        sys.stderr = _PerThread(sys.stderr, "err")


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    install()
    out, err = io.StringIO(), io.StringIO()
    _local.out, _local.err = out, err
    try:
        yield out, err
    finally:
        _local.out = _local.err = None


class Readers:
    """A small pool of read connections (``open_reader``) to the server's own database: each
    request borrows one, so no two threads share a DuckDB connection.

    While the writer ingests (``yielding``) no new read starts for up to ``pause`` seconds,
    then at most ``busy`` at once (they wait their turn, never refused): readers share DuckDB's
    threads, the cores and the GIL with the writer, and with 20 clients reading without pause
    an ingest of one appended line took several times as long (even one read at a time
    beside it doubled it). A live ingest is over within the pause; a long one (the first
    catch-up) leaves the readers waiting no longer than that.

    One connection is kept for quick reads (one session's row, messages or tool calls:
    ``connection(quick=True)``): the others never all go to aggregates (kpis, tokens, lists),
    so someone following a live session is not queued behind a dashboard's heavy reads."""

    def __init__(self, db: Path, size: int = 4, busy: int = 1, pause: float = 2.0):
        self.db = db
        self.size, self.busy, self.pause = size, max(1, min(busy, size)), pause
        self.heavy = max(1, size - 1)  # connections reads other than quick ones may hold
        self._free: queue.Queue = queue.Queue()
        self._cond = threading.Condition()
        self._active = 0  # reads holding a connection
        self._ingesting = False
        self._all: list = []
        self._lock = threading.Lock()

    def _room(self, waited: float, quick: bool) -> bool:
        if not self._ingesting:
            return self._active < (self.size if quick else self.heavy)
        return waited >= self.pause and self._active < self.busy

    @contextlib.contextmanager
    def yielding(self):
        """While the writer ingests: reads wait (see the class)."""
        with self._cond:
            self._ingesting = True
        try:
            yield
        finally:
            with self._cond:
                self._ingesting = False
                self._cond.notify_all()

    @contextlib.contextmanager
    def connection(self, timeout: float = 60.0, *, quick: bool = False):
        start = time.monotonic()
        with self._cond:
            while not self._room(time.monotonic() - start, quick):
                now = time.monotonic()
                if now - start >= timeout:
                    raise WorkbenchError("the server is busy: no read connection free")
                # woken by a freed slot or the ingest's end; else when the pause is over
                until = start + (self.pause if now - start < self.pause else timeout)
                self._cond.wait(min(1.0, max(0.001, until - now)))
            self._active += 1
        try:
            try:
                con = self._free.get_nowait()
            except queue.Empty:
                from workbench.frontends.commands.common import open_reader

                con = open_reader(self.db)
                with self._lock:
                    self._all.append(con)
            ok = False
            try:
                yield con
                ok = True
            finally:
                if ok:
                    self._free.put(con)
                else:  # a failed query may leave the connection mid-transaction: drop it
                    self._drop(con)
        finally:
            with self._cond:
                self._active -= 1
                # all: the read woken must be one that may take the slot (while ingesting, one
                # that waited out the pause; else a quick one when it is the kept slot)
                self._cond.notify_all()

    def _drop(self, con) -> None:
        with self._lock:
            if con in self._all:
                self._all.remove(con)
        _close(con)

    def close(self) -> None:
        with self._lock:
            cons, self._all = self._all, []
        for con in cons:
            _close(con)


def parser(command: str | None) -> argparse.ArgumentParser:
    """The CLI's parser for ``command`` (``cli.build_parser``), built once per thread: building
    one (every subcommand, its help and gettext's look-ups) costs more than most queries, and
    holds the GIL the writer needs."""
    from workbench.frontends.cli import build_parser

    cache = getattr(_local, "parsers", None)
    if cache is None:
        cache = _local.parsers = {}
    if command not in cache:
        cache[command] = build_parser(command)
    return cache[command]


def parse(argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed by the command's own parser; a usage error raises UsageError with the
    message argparse would print."""
    parser_ = parser(argv[0] if argv else None)
    with captured() as (_out, err):
        try:
            args = parser_.parse_args(argv)
        except SystemExit:
            lines = [x for x in err.getvalue().splitlines() if x.strip()]
            raise UsageError(lines[-1] if lines else "bad arguments") from None
    return args


def is_reader(args: argparse.Namespace) -> bool:
    from workbench.frontends.commands.common import run_reader

    return getattr(args, "func", None) is run_reader and callable(getattr(args, "data", None))


def data(args: argparse.Namespace, readers: Readers, *, quick: bool = False):
    """What the command's ``--format json`` prints, as a Python value (checked and redacted
    as on the command line). ``quick``: a read of one session (``Readers``)."""
    from workbench.frontends.commands.common import compute

    with readers.connection(quick=quick) as con:
        return compute(args, con)


def output(args: argparse.Namespace, readers: Readers, *, quick: bool = False) -> str:
    """What the command prints, in its ``--format`` (the CLI's own ``emit``)."""
    from workbench.frontends.commands.common import emit

    result = data(args, readers, quick=quick)
    with captured() as (out, _err):
        emit(args, result)
    return out.getvalue()


def printed(func, args: argparse.Namespace) -> str:
    """Run a command function that prints (``sessions export --format md|html``), captured."""
    with captured() as (out, _err):
        func(args)
    return out.getvalue()


def _close(con) -> None:
    from workbench.frontends.serve.sync import _close as close

    with contextlib.suppress(Exception):
        close(con)
