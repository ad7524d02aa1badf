"""Planning an ingest: which files to skip, read whole, or read from where the last run stopped.

A file is unchanged when its size and mtime are; it was only appended to when it grew and a
fingerprint of the bytes read last time (its first and last 4 KB before the stopping point)
still matches; anything else is re-read whole, as is every file of an older parser version or
whose owner, agent or session changed. Files gone from the scanned folders keep their rows.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from workbench.core import config, store
from workbench.ingest import lines, native
from workbench.ingest.discover import Discovery, FileSpec

if TYPE_CHECKING:
    from workbench.ingest.load import IngestSummary
from workbench.models import build


@dataclass
class FilePlan:
    spec: FileSpec
    mode: str  # new | full | append
    file_id: int
    size: int
    mtime_us: int
    offset: int = 0
    first_line_no: int = 1
    prev: dict | None = None


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    """Every file the database has read, by path, with what planning compares."""
    cur = con.execute(
        "SELECT file_id, path, agent, user_name, kind, session_id, size_bytes, mtime_us, "
        "bytes_consumed, lines, bad_lines, tail_hash, parser_version, missing FROM files"
    )
    cols = [d[0] for d in cur.description]
    return {row[cols.index("path")]: dict(zip(cols, row)) for row in cur.fetchall()}


def plan(
    con: duckdb.DuckDBPyConnection,
    found: Discovery,
    known: dict[str, dict],
    summary: IngestSummary,
    supported: Collection[str],
) -> tuple[list[FilePlan], int]:
    """A plan for every file that changed (new, re-read in full, or appended to), and how many
    are unchanged; unchanged files that had vanished and came back are flagged present again.
    Agents not in ``supported`` and unreadable files are counted in ``summary``."""
    plans: list[FilePlan] = []
    unchanged = 0
    for spec in found.files:
        if spec.agent not in supported:
            summary.files_unsupported += 1
            continue
        try:
            st = os.stat(spec.path)
        except OSError as exc:
            summary.unreadable.append({"path": spec.path, "reason": exc.strerror or str(exc)})
            continue
        mtime_us = st.st_mtime_ns // 1000
        prev = known.get(spec.path)
        if prev is None:
            plans.append(FilePlan(spec, "new", -1, st.st_size, mtime_us))
            continue
        plan = FilePlan(spec, "full", prev["file_id"], st.st_size, mtime_us, prev=prev)
        same_identity = prev["parser_version"] == config.PARSER_VERSION and (
            prev["agent"],
            prev["user_name"],
            prev["kind"],
            prev["session_id"],
        ) == (spec.agent, spec.user, spec.kind, spec.session_id)
        if same_identity and st.st_size == prev["size_bytes"] and mtime_us == prev["mtime_us"]:
            unchanged += 1
            if prev["missing"]:
                con.execute(
                    "UPDATE files SET missing = false, missing_since = NULL "
                    f"WHERE file_id = {int(prev['file_id'])}"
                )
                build.queue(con, [prev["file_id"]])  # sessions.source_missing
            continue
        if (
            same_identity
            and spec.appendable
            and st.st_size >= prev["bytes_consumed"]
            and tail_hash(spec.path, prev["bytes_consumed"]) == prev["tail_hash"]
        ):
            plan.mode = "append"
            plan.offset = prev["bytes_consumed"]
            plan.first_line_no = prev["lines"] + 1
        plans.append(plan)
    new = [p for p in plans if p.mode == "new"]
    if new:
        ids = con.execute(
            f"SELECT nextval('file_ids') FROM range({len(new)}) ORDER BY 1"
        ).fetchall()
        for plan, (file_id,) in zip(new, ids):
            plan.file_id = file_id
    return plans, unchanged


def tail_hash(path: str, end: int) -> str | None:
    """A fingerprint of the first and last bytes before ``end``: if it still matches, the file
    was only appended to since it was read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(min(end, lines.TAIL_WINDOW))
            fh.seek(max(0, end - lines.TAIL_WINDOW))
            tail = fh.read(min(end, lines.TAIL_WINDOW))
    except OSError:
        return None
    return lines.digest(head, tail)


def fingerprint(path: str, end: int, chunk: lines.Chunk | native.Read) -> str | None:
    """``tail_hash(path, end)`` from the bytes just read, when they cover both windows."""
    rel = end - chunk.offset
    # DuckDB keeps no bytes for Python (native.Read): read the windows again, as for an append
    if isinstance(chunk, lines.Chunk) and chunk.offset == 0 and rel >= 0:
        window = min(end, lines.TAIL_WINDOW)
        return lines.digest(chunk.data[:window], chunk.data[rel - window : rel])
    return tail_hash(path, end)


def mark_vanished(
    con: duckdb.DuckDBPyConnection,
    found: Discovery,
    known: dict[str, dict],
    summary: IngestSummary,
) -> bool:
    """Flag files under the scanned folders that are gone; their rows stay (the archive)."""
    present = {s.path for s in found.files}
    roots = [r.rstrip(os.sep) + os.sep for r in found.roots]
    gone = [
        row["file_id"]
        for path, row in known.items()
        if not row["missing"]
        and path not in present
        and (path in found.explicit or any(path.startswith(r) for r in roots))
    ]
    if gone:
        con.execute(
            "UPDATE files SET missing = true, missing_since = now() "
            f"WHERE list_contains({store.int_list(gone)}, file_id)",
        )
        build.queue(con, gone)  # sessions.source_missing
    summary.files_vanished = len(gone)
    return bool(gone)
