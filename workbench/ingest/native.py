"""Let DuckDB read and split transcript files itself (``ingest/sql/read_lines.sql``).

The Python reader (``lines``) hands DuckDB an Arrow table, and DuckDB imports pandas (~0.3 s)
before it scans any Python object; its read is also done in Python before DuckDB can start.
Here DuckDB reads the files with ``read_blob`` and splits them in SQL, and the loader only
judges each file's last piece (a line, or one still being written) and words bad lines, exactly
as ``lines.split`` would. The line numbers and byte offsets are the same as the Python reader's.

The Python reader stays for what this cannot do: JSON documents (Gemini ``.json`` chats), bytes
that are not UTF-8 (a bad line each, the rest loads), paths ``read_blob`` would take for a glob,
files over 256 MB, and the Codex and Gemini parsers (which read the Python reader's lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core import store
from workbench.core.duck import duckdb
from workbench.core.queries import sql_text
from workbench.ingest import lines
from workbench.ingest.discover import FileSpec

#: Claude Code only: the Codex and Gemini parse queries read the Python reader's lines.
AGENTS = frozenset({"claude"})
#: Characters that make read_blob expand a path as a glob.
_GLOB = frozenset("*?[]{}")
#: Larger files are read in Python: DuckDB holds a file here some 5 times over at its peak
#: (bytes, text, lines, the window), the Python reader 4 times (and a DuckDB string <= 4 GB).
_MAX_BYTES = 256 * 1024 * 1024
#: Files per read_blob: each file's plan is found by a linear search of its group's paths.
_GROUP_FILES = 256


@dataclass
class Read:
    """What DuckDB read of one file: ``lines.Chunk``'s counterpart (no bytes kept)."""

    file_id: int
    offset: int  # file offset the read started at
    first_line_no: int
    size: int  # the file's size as read
    n_lines: int  # complete lines
    consumed: int  # bytes from offset that are complete lines
    pending: int  # bytes of an incomplete last line (read again next time)
    bad: dict[int, bytes] = field(default_factory=dict)  # line_no -> bytes of a bad line

    def line_bytes(self, line_no: int) -> bytes:
        return self.bad[line_no]


def eligible(spec: FileSpec, size: int) -> bool:
    """Whether DuckDB can read this file for the loader."""
    path = spec.path
    if spec.agent not in AGENTS or spec.document or size >= _MAX_BYTES or _GLOB & set(path):
        return False
    try:
        path.encode("utf-8")  # a name with undecodable bytes (surrogate escapes) cannot be SQL
    except UnicodeEncodeError:
        return False
    return True


def lines_view(con: duckdb.DuckDBPyConnection, plans: list) -> None:
    """Make the temp view ``raw_lines`` read ``plans`` (load.FilePlan) from their offsets, in
    at least one group of files per DuckDB thread (each read_blob runs on one), of at most
    ``_GROUP_FILES`` files (a file's plan is looked up in its group's lists), whole files apart."""
    threads = max(1, int(con.execute("SELECT current_setting('threads')").fetchone()[0]))
    reads = []
    for query, files in (
        ("read_files", [p for p in plans if p.offset == 0]),
        ("read_appended", [p for p in plans if p.offset > 0]),
    ):
        n = max(threads, -(-len(files) // _GROUP_FILES))
        reads += [_read_files(query, files[k::n]) for k in range(min(n, len(files)))]
    con.execute(
        "CREATE OR REPLACE TEMP VIEW raw_lines AS "
        + sql_text("read_lines").replace("{files}", "\nUNION ALL\n".join(reads))
    )


def _read_files(query: str, plans: list) -> str:
    """``ingest/sql/<query>.sql`` for ``plans``, their lists written in."""
    lists = {
        "{paths}": ("VARCHAR", [store.literal(p.spec.path) for p in plans]),
        "{file_ids}": ("BIGINT", [str(int(p.file_id)) for p in plans]),
        "{starts}": ("BIGINT", [str(int(p.offset)) for p in plans]),
        "{first_line_nos}": ("BIGINT", [str(int(p.first_line_no)) for p in plans]),
    }
    sql = sql_text(query)
    for name, (sql_type, items) in lists.items():
        sql = sql.replace(name, "[" + ", ".join(items) + f"]::{sql_type}[]")
    return sql


def settle(con: duckdb.DuckDBPyConnection, plans: list) -> dict[int, Read]:
    """After the parse into ``parsed``: keep each file's last piece only if it is a line (a
    complete JSON value, as ``lines.split`` decides), drop the others, and say what was read.

    A plan missing from the result was not read (not UTF-8, or gone): the caller reads it in
    Python."""
    by_id = {p.file_id: p for p in plans}
    reads: dict[int, Read] = {}
    complete: list[int] = []
    rows = con.execute(
        "SELECT file_id, line_no, byte_offset, raw_line, read_size FROM parsed "
        "WHERE read_size IS NOT NULL AND file_id IS NOT NULL"
    ).fetchall()
    for file_id, line_no, piece_at, piece, size in rows:
        plan = by_id[file_id]
        if _is_line(piece.encode("utf-8")):
            complete.append(file_id)
            end, n_lines = size, line_no - plan.first_line_no + 1
        else:
            end, n_lines = piece_at, line_no - plan.first_line_no
        reads[file_id] = Read(
            file_id=file_id,
            offset=plan.offset,
            first_line_no=plan.first_line_no,
            size=size,
            n_lines=n_lines,
            consumed=end - plan.offset,
            pending=size - end,
        )
    con.execute(
        "DELETE FROM parsed WHERE file_id IS NULL OR (read_size IS NOT NULL "
        f"AND NOT list_contains({store.int_list(complete)}, file_id))"
    )
    bad = con.execute(
        "SELECT file_id, line_no, raw_line, read_size IS NOT NULL FROM parsed "
        "WHERE bad_kind IS NOT NULL"
    ).fetchall()
    for file_id, line_no, text, is_last in bad:
        # the piece after the last newline has none; every other line ends with one
        reads[file_id].bad[line_no] = text.encode("utf-8") + (b"" if is_last else b"\n")
    return reads


def _is_line(piece: bytes) -> bool:
    """The test ``lines.split`` applies to the bytes after a file's last newline."""
    return bool(piece.strip()) and lines.is_complete_json(piece)
