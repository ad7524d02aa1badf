"""Planning an ingest: which files to skip, read whole, or read from where the last run stopped.

A file is unchanged when its size and mtime are; it was only appended to when it did not shrink
and a hash of every byte read last time (``content_hash``) still matches; anything else (a
rewrite anywhere in the file, even of the same size) is re-read whole, as is every file of an
older parser version or whose owner, agent or session changed. Files gone from the scanned
folders keep their rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from workbench.core import store
from workbench.core.duck import duckdb
from workbench.ingest import compare, lines, manifest, native, safeio
from workbench.ingest.discover import Discovery, FileSpec
from workbench.ingest.summary import IngestSummary
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
    hasher: Any = None  # an append: the hash state after the bytes read before (content_hash)
    prehash: dict | None = None  # end offset -> hash state of the file up to it (prehash)

    @property
    def todo(self) -> int:
        """Bytes still to read: from where this run starts to the file's size."""
        return max(0, self.size - self.offset)


def known_files(
    con: duckdb.DuckDBPyConnection,
    found: Discovery | None = None,
    prior: manifest.Prior | None = None,
) -> dict[str, dict]:
    """Every file the database has read, by path, with what planning compares; with ``found``
    naming files only (no folder scanned: a server's changed file, ``sessions sync``), only
    those (what planning and the vanished check look at). With ``prior`` (a valid manifest),
    its rows, and from the database only those of the files it calls changed."""
    sql = (
        "SELECT file_id, path, agent, user_name, kind, session_id, size_bytes, mtime_us, "
        "bytes_consumed, lines, bad_lines, tail_hash, parser_version, missing FROM files"
    )
    known: dict[str, dict] = {}
    if prior is not None:
        known.update(prior.known)
        named = sorted(prior.changed)
    elif found is not None and not found.roots:
        named = sorted({s.path for s in found.files} | set(found.explicit))
    else:
        named = None
    if named is not None:
        # a literal list: a bound Python list makes DuckDB import pandas (store.literal)
        sql += f" WHERE list_contains({store.text_list(named)}, path)"
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    at = cols.index("path")
    known.update((row[at], dict(zip(cols, row))) for row in cur.fetchall())
    return known


def plan(
    con: duckdb.DuckDBPyConnection,
    found: Discovery,
    known: dict[str, dict],
    summary: IngestSummary,
    supported: Collection[str],
    prior: manifest.Prior | None = None,
) -> tuple[list[FilePlan], int]:
    """A plan for every file that changed (new, re-read in full, or appended to), and how many
    are unchanged; unchanged files that had vanished and came back are flagged present again.
    Agents not in ``supported`` and unreadable files are counted in ``summary``. With ``prior``
    (a valid manifest), a file it calls unchanged is (it compared the same stat)."""
    plans: list[FilePlan] = []
    unchanged = 0
    for spec in found.files:
        if prior is not None and spec.path not in prior.changed:
            unchanged += 1  # in the manifest, present, same identity, size and mtime
            continue
        if spec.agent not in supported:
            summary.files_unsupported += 1
            continue
        try:
            st = safeio.regular_stat(spec.path)
        except OSError as exc:
            summary.unreadable.append({"path": spec.path, "reason": exc.strerror or str(exc)})
            continue
        mtime_us = st.st_mtime_ns // 1000
        prev = known.get(spec.path)
        if prev is None:
            plans.append(FilePlan(spec, "new", -1, st.st_size, mtime_us))
            continue
        plan = FilePlan(spec, "full", prev["file_id"], st.st_size, mtime_us, prev=prev)
        if compare.unchanged(prev, spec, st.st_size, mtime_us):
            unchanged += 1
            if prev["missing"]:
                con.execute(
                    "UPDATE files SET missing = false, missing_since = NULL "
                    f"WHERE file_id = {int(prev['file_id'])}"
                )
                build.queue(con, [prev["file_id"]])  # sessions.source_missing
            continue
        appendable = spec.appendable and st.st_size >= prev["bytes_consumed"]
        if appendable and compare.same_identity(prev, spec):
            _plan_append(plan, prev)
        plans.append(plan)
    new = [p for p in plans if p.mode == "new"]
    if new:
        ids = con.execute(
            f"SELECT nextval('file_ids') FROM range({len(new)}) ORDER BY 1"
        ).fetchall()
        for plan, (file_id,) in zip(new, ids):
            plan.file_id = file_id
    return plans, unchanged


#: How far past the point read last time an append is looked at for the end of a line that
#: had no newline then (a finished file appended to).
_CONTINUATION_BYTES = 1024 * 1024


def _plan_append(plan: FilePlan, prev: dict) -> None:
    """Read ``plan``'s file from where the last run stopped if every byte read then is
    unchanged (``plan.mode`` stays "full" otherwise).

    A file that ended in a complete line without a newline may since have got one: that
    newline (after optional blanks) ends the line already read, not a new blank line. Any
    other byte there means the line was rewritten: the file is read again in full."""
    end = prev["bytes_consumed"]
    try:
        hasher, last = _hash_prefix(plan.spec.path, end)
    except OSError:
        return
    if content_hash(hasher) != prev["tail_hash"]:
        return
    offset = end
    if end and last != b"\n":
        try:
            after = safeio.read_range(plan.spec.path, end, _CONTINUATION_BYTES)
        except OSError:
            return
        cut = after.find(b"\n")
        rest = after if cut < 0 else after[:cut]
        if rest.strip():
            return  # the last line read was rewritten or extended
        if cut >= 0:
            hasher.update(after[: cut + 1])
            offset = end + cut + 1
    plan.mode = "append"
    plan.offset = offset
    plan.first_line_no = prev["lines"] + 1
    plan.hasher = hasher


def _hash_prefix(path: str, end: int):
    """The hash state of ``path``'s first ``end`` bytes and the last of them (OSError: the file
    is shorter or unreadable)."""
    h = hashlib.sha256()
    got, last = 0, b""
    for part in safeio.iter_range(path, 0, end):
        h.update(part)
        got += len(part)
        last = part[-1:]
    if got != end:
        raise OSError(f"{path}: shorter than {end} bytes")
    return h, last


def content_hash(hasher) -> str:
    """What ``files.tail_hash`` stores: the SHA-256 of every byte read so far."""
    return "sha256:" + hasher.hexdigest()


def prehash(plan: FilePlan) -> dict[int, Any]:
    """The hash states of ``plan``'s file up to its end and up to its last newline (where what
    DuckDB reads will stop), read while DuckDB parses it: ``{end offset: hash state}``."""
    h = plan.hasher.copy() if plan.hasher is not None else hashlib.sha256()
    pos = plan.offset if plan.hasher is not None else 0
    out: dict[int, Any] = {}
    for part in safeio.iter_range(plan.spec.path, pos, plan.size):
        cut = part.rfind(b"\n")
        if cut >= 0:
            h.update(memoryview(part)[: cut + 1])
            out[pos + cut + 1] = h.copy()
            h.update(memoryview(part)[cut + 1 :])
        else:
            h.update(part)
        pos += len(part)
    out[pos] = h
    return out


def fingerprint(plan: FilePlan, chunk: lines.Chunk | native.Read) -> str | None:
    """``content_hash`` of ``plan``'s file up to what has now been read: from the hash state of
    the bytes read before (an append) and the bytes just read (in memory, or read again when
    DuckDB read them and kept none for Python)."""
    end = plan.offset + chunk.consumed
    if not end:
        return None
    if plan.prehash and end in plan.prehash:
        return content_hash(plan.prehash[end])
    h = plan.hasher.copy() if plan.hasher is not None else hashlib.sha256()
    start = plan.offset if plan.hasher is not None else 0
    if isinstance(chunk, lines.Chunk) and chunk.offset == start:
        h.update(memoryview(chunk.data)[: end - start])
        return content_hash(h)
    got = start
    try:
        for part in safeio.iter_range(plan.spec.path, start, end):
            h.update(part)
            got += len(part)
    except OSError:
        return None
    return content_hash(h) if got == end else None


def mark_vanished(
    con: duckdb.DuckDBPyConnection,
    found: Discovery,
    known: dict[str, dict],
    summary: IngestSummary,
) -> list[int]:
    """Flag files under the scanned folders that are gone (their rows stay: the archive);
    their ids."""
    gone = compare.vanished(found, known)
    if gone:
        con.execute(
            "UPDATE files SET missing = true, missing_since = now() "
            f"WHERE list_contains({store.int_list(gone)}, file_id)",
        )
        build.queue(con, gone)  # sessions.source_missing
    summary.files_vanished = len(gone)
    return gone
