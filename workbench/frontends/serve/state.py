"""The state file a running server writes next to its database (``<db>.server.json``).

Stdlib only: every read command checks it before opening the database (a stat when there is
no server). A file whose PID is dead (a server killed with -9) is ignored and removed.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from workbench.core import config

#: Databases this process owns (``workbench serve`` runs here): their read connections join
#: the owner's DuckDB instance, which refuses a second, read-only instance of the same file.
_OWNED: set[str] = set()


def db_path(db: str | os.PathLike | None) -> Path:
    """The database file a command means, absolute (``--db``, else the default)."""
    return Path(os.path.abspath(Path(db).expanduser() if db else config.default_db()))


def state_path(db: str | os.PathLike | None) -> Path:
    path = db_path(db)
    return path.with_name(path.name + ".server.json")


def own(db: str | os.PathLike | None) -> None:
    _OWNED.add(str(db_path(db)))


def disown(db: str | os.PathLike | None) -> None:
    _OWNED.discard(str(db_path(db)))


def owned_here(db: str | os.PathLike | None) -> bool:
    return bool(_OWNED) and str(db_path(db)) in _OWNED


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    # a zombie (killed, not yet reaped by its parent) holds no lock
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def write(db: str | os.PathLike | None, *, url: str, token: bool) -> Path:
    """Write the state file atomically (a reader never sees half of it)."""
    path = state_path(db)
    doc = {"url": url, "pid": os.getpid(), "db": str(db_path(db)), "token": token}
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(tmp, path)
    return path


def remove(db: str | os.PathLike | None) -> None:
    """Remove the state file if it is this process's."""
    path = state_path(db)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def live(db: str | os.PathLike | None) -> dict | None:
    """The running server that owns ``db`` (its state: url, pid, db, token), else None; a stale
    state file is removed. None in the server's own process."""
    path = state_path(db)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
    pid = doc.get("pid") if isinstance(doc, dict) else None
    if not isinstance(pid, int) or pid == os.getpid():
        return None
    if not pid_alive(pid):
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return doc
