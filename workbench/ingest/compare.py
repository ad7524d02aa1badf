"""What counts as a change to a transcript file since the last ingest: one home for the rules
the planner (``plan``) and the no-op check (``manifest``) both apply. Free of DuckDB."""

from __future__ import annotations

import os
from collections.abc import Iterable

from workbench.core import config
from workbench.ingest.discover import Discovery, FileSpec

#: The columns of a file's row (the files table, the manifest) that say what it means: read
#: again in full when any differs from what its path says now (``identity``).
IDENTITY = ("parser_version", "agent", "user_name", "kind", "session_id")


def identity(spec: FileSpec) -> tuple:
    """What a file found now means, in the order of ``IDENTITY``."""
    return (config.PARSER_VERSION, spec.agent, spec.user, spec.kind, spec.session_id)


def same_identity(prev: dict, spec: FileSpec) -> bool:
    """Whether a file read before still means the same thing: same parser version, and the
    same agent, user, kind and session by its path (else it is read again in full)."""
    return tuple(prev[k] for k in IDENTITY) == identity(spec)


def unchanged(prev: dict, spec: FileSpec, size: int, mtime_us: int) -> bool:
    """Whether a file need not be read at all: same identity, size and mtime."""
    return same_stat(prev["size_bytes"], prev["mtime_us"], size, mtime_us) and same_identity(
        prev, spec
    )


def same_stat(prev_size: int, prev_mtime_us: int, size: int, mtime_us: int) -> bool:
    """Whether a file's size and mtime (µs) are those it had when it was read."""
    return size == prev_size and mtime_us == prev_mtime_us


def vanished(found: Discovery, known: dict[str, dict]) -> list[int]:
    """The file ids of files read before that are gone from the folders (or the files named)
    scanned now, and not yet marked missing."""
    return vanished_ids(found, ((p, r["file_id"], r["missing"]) for p, r in known.items()))


def vanished_ids(found: Discovery, known: Iterable[tuple[str, int, bool]]) -> list[int]:
    """``vanished`` of files read before given as (path, file id, missing)."""
    present = {s.path for s in found.files}
    roots = [r.rstrip(os.sep) + os.sep for r in found.roots]
    return [
        file_id
        for path, file_id, missing in known
        if not missing
        and path not in present
        and (path in found.explicit or any(path.startswith(r) for r in roots))
    ]
