"""What counts as a change to a transcript file since the last ingest: one home for the rules
the planner (``plan``) and the no-op check (``manifest``) both apply. Free of DuckDB."""

from __future__ import annotations

import os

from workbench.core import config
from workbench.ingest.discover import Discovery, FileSpec


def same_identity(prev: dict, spec: FileSpec) -> bool:
    """Whether a file read before still means the same thing: same parser version, and the
    same agent, user, kind and session by its path (else it is read again in full)."""
    return prev["parser_version"] == config.PARSER_VERSION and (
        prev["agent"],
        prev["user_name"],
        prev["kind"],
        prev["session_id"],
    ) == (spec.agent, spec.user, spec.kind, spec.session_id)


def unchanged(prev: dict, spec: FileSpec, size: int, mtime_us: int) -> bool:
    """Whether a file need not be read at all: same identity, size and mtime."""
    return same_identity(prev, spec) and size == prev["size_bytes"] and mtime_us == prev["mtime_us"]


def vanished(found: Discovery, known: dict[str, dict]) -> list[int]:
    """The file ids of files read before that are gone from the folders (or the files named)
    scanned now, and not yet marked missing."""
    present = {s.path for s in found.files}
    roots = [r.rstrip(os.sep) + os.sep for r in found.roots]
    return [
        row["file_id"]
        for path, row in known.items()
        if not row["missing"]
        and path not in present
        and (path in found.explicit or any(path.startswith(r) for r in roots))
    ]
