"""`sessions sync` and `sessions watch` without a server, and the parts the server shares:
what a target (a path or a session id) names, and which sessions a file holds."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.core.store import WorkbenchError, literal


class SeveralSessions(WorkbenchError):
    """A synced file holds more than one session: each was synced, none is printed."""

    def __init__(self, path: str, candidates: list[str]):
        self.path, self.candidates = path, candidates
        super().__init__(
            f"sync: {path} holds {len(candidates)} sessions (all synced); "
            "sync one of them by id:\n  " + "\n  ".join(candidates)
        )


def _raw(con):
    return getattr(con, "con", con)


def session(con, session_id: str) -> dict:
    """The ``sessions get`` object (the command's own data function)."""
    import argparse

    from workbench.frontends.commands.sessions import get_data

    return get_data(argparse.Namespace(session_id=session_id), con)


def recorded(con, path: str) -> tuple[str, str] | None:
    """(session id, user) the archive records for the file at ``path``, if any."""
    row = (
        _raw(con)
        .execute(f"SELECT session_id, user_name FROM files WHERE path = {literal(path)}")
        .fetchone()
    )
    return (row[0], row[1]) if row else None


def target(con, text: str) -> tuple[str, str | None, str | None]:
    """(file path, user, session id) for ``text``: an existing file, else a session id (or
    unambiguous prefix) re-read from its recorded source path."""
    if os.path.isfile(text):
        path = os.path.abspath(text)
        known = recorded(con, path)
        return path, known[1] if known else None, known[0] if known else None
    row = session(con, text)
    path = row["source_path"]
    if not os.path.isfile(path):
        raise WorkbenchError(f"sync: source file not found: {path} (the archive keeps it)")
    return path, row["user_name"], row["session_id"]


def candidates(con, path: str) -> list[str]:
    """The sessions a file holds: its own, plus (for a session file, not a subagent's) every
    other session of the archive whose id its lines carry, as a resumed transcript's copied
    history does."""
    p = literal(path)
    rows = (
        _raw(con)
        .execute(
            f"""
            WITH f AS (SELECT file_id, session_id, kind FROM files WHERE path = {p})
            SELECT DISTINCT id FROM (
                SELECT session_id AS id FROM f
                UNION ALL
                SELECT m.line_session_id FROM messages m JOIN f USING (file_id)
                WHERE f.kind = 'session' AND m.line_session_id IS NOT NULL
                  AND m.line_session_id IN (SELECT session_id FROM sessions))
            ORDER BY id
            """
        )
        .fetchall()
    )
    return [r[0] for r in rows]


def result(con, path: str, expected: str | None) -> dict:
    """The ``sessions get`` object of the synced file's session; SeveralSessions when it holds
    more than one (``expected``: the id asked for, which then wins)."""
    ids = candidates(con, path)
    if expected and expected in ids:
        return session(con, expected)
    if len(ids) > 1:
        raise SeveralSessions(path, ids)
    if not ids:
        raise WorkbenchError(f"sync: {path} holds no session (no messages?)")
    return session(con, ids[0])


def sync_local(db, text: str) -> dict:
    """Sync without a server: parse the file into the database, signals included."""
    from workbench.frontends.commands.common import open_reader
    from workbench.ingest.load import ingest

    db_file = Path(db) if db else None
    path, user, sid = _resolve_local(db_file, text)
    ingest([path], db_file, user=user, progress=False)
    con = open_reader(db_file)
    try:
        return result(con, path, sid if not os.path.isfile(text) else None)
    finally:
        _close(con)


def _resolve_local(db_file, text: str):
    from workbench.core import config
    from workbench.frontends.commands.common import open_reader

    if os.path.isfile(text) and not (db_file or config.default_db()).exists():
        return os.path.abspath(text), None, None  # a first sync creates the database
    con = open_reader(db_file)
    try:
        return target(con, text)
    finally:
        _close(con)


def _close(con) -> None:
    """Close a read connection (an Ibis backend disconnects, a DuckDB connection closes)."""
    for name in ("disconnect", "close"):
        fn = getattr(con, name, None)
        if fn:
            fn()
            return
