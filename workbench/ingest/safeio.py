"""Opening transcript files that anyone may have put in a team root.

A FIFO named ``*.jsonl`` blocks an ``open()`` forever, a symlink to ``/dev/zero`` makes a
``read()`` without a size exhaust memory, and a file name that is not UTF-8 cannot be written
into SQL. Every read of a transcript goes through here: the file is opened without blocking,
checked to be a regular file (after the open, so it cannot be swapped in between), and read
no further than the size it had when opened.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager

#: Bytes per read when hashing or scanning a file.
READ_CHUNK = 1024 * 1024

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a folder: never read."""


def kind(mode: int) -> str:
    """What a non-regular file is, in a few words."""
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def not_regular(path: str, mode: int) -> NotRegularFile:
    return NotRegularFile(errno.EINVAL, f"not a regular file ({kind(mode)})", path)


def regular_stat(path: str) -> os.stat_result:
    """``os.stat(path)``, raising :class:`NotRegularFile` unless it is a regular file."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(path, st.st_mode)
    return st


@contextmanager
def open_regular(path: str) -> Iterator[tuple[int, os.stat_result]]:
    """A file descriptor on ``path`` and its ``fstat``, if it is a regular file (never blocks:
    a FIFO opened with O_NONBLOCK returns at once and is then refused)."""
    fd = os.open(path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(path, st.st_mode)
        yield fd, st
    finally:
        os.close(fd)


def read_range(path: str, start: int = 0, limit: int | None = None) -> bytes:
    """The bytes of regular file ``path`` from ``start``, at most up to the size it has when
    opened (and at most ``limit`` bytes)."""
    with open_regular(path) as (fd, st):
        want = max(0, st.st_size - start)
        if limit is not None:
            want = min(want, limit)
        return _pread_all(fd, want, start)


def _pread_all(fd: int, n: int, offset: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < n:
        part = os.pread(fd, min(n - got, 64 * READ_CHUNK), offset + got)
        if not part:
            break  # truncated meanwhile
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def iter_range(path: str, start: int, end: int) -> Iterator[bytes]:
    """The bytes of regular file ``path`` in ``[start, end)``, in chunks (fewer if shorter)."""
    with open_regular(path) as (fd, _):
        pos = start
        while pos < end:
            part = os.pread(fd, min(READ_CHUNK, end - pos), pos)
            if not part:
                return
            yield part
            pos += len(part)


def printable_path(path: str) -> str:
    """``path`` as text that can be printed and stored: undecodable bytes of a file name (held
    as surrogate escapes) become ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_utf8_name(path: str) -> bool:
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
