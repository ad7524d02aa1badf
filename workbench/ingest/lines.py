"""Split the new bytes of a transcript into complete lines, as Arrow columns for DuckDB.

No per-line Python work on the common path: newline positions come from NumPy, the string
column points into the bytes read (zero copy), and UTF-8 is validated by Arrow in C++. Only a
chunk that fails validation is walked line by line to find the bad lines.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

#: A UTF-8 byte order mark, accepted at the start of a file (some editors write one).
BOM = b"\xef\xbb\xbf"


@functools.cache
def schema() -> pa.Schema:
    """The Arrow schema of ``Chunk.to_arrow``. NumPy and PyArrow are imported only by what
    needs them: most ingests never read a file in Python (DuckDB reads Claude Code files
    itself), and importing the two costs every command 0.14 s."""
    import pyarrow as pa

    return pa.schema(
        [
            ("file_id", pa.int32()),
            ("line_no", pa.int64()),
            ("byte_offset", pa.int64()),
            ("line", pa.large_string()),
            ("bad_reason", pa.string()),
        ]
    )


@dataclass
class Chunk:
    """The complete lines found in ``data`` (bytes read from ``offset`` of one file)."""

    file_id: int
    offset: int  # file offset of data[0]
    first_line_no: int  # line number of the first line in data (1-based)
    data: bytes
    starts: np.ndarray  # start of each line within data
    ends: np.ndarray  # end of each line within data (exclusive, newline included)
    consumed: int  # bytes of data that are complete lines
    pending: int  # bytes of an incomplete last line (read again next time)

    @property
    def n_lines(self) -> int:
        return len(self.starts)

    def line_bytes(self, line_no: int) -> bytes:
        i = line_no - self.first_line_no
        return self.data[int(self.starts[i]) : int(self.ends[i])]

    def to_arrow(self) -> pa.RecordBatch:
        import numpy as np
        import pyarrow as pa

        n = self.n_lines
        line_nos = np.arange(self.first_line_no, self.first_line_no + n, dtype=np.int64)
        offsets = self.starts.astype(np.int64) + self.offset
        lines, bad = self._strings()
        return pa.RecordBatch.from_arrays(
            [
                _numeric(np.full(n, self.file_id, dtype=np.int32), pa.int32()),
                _numeric(line_nos, pa.int64()),
                _numeric(offsets, pa.int64()),
                lines,
                bad,
            ],
            schema=schema(),
        )

    def _strings(self) -> tuple[pa.Array, pa.Array]:
        import numpy as np
        import pyarrow as pa

        n = self.n_lines
        if n == 0:
            return pa.array([], pa.large_string()), pa.array([], pa.string())
        # lines are contiguous: line i spans starts[i]..starts[i+1] (its newline included)
        offsets = np.append(self.starts, self.ends[-1]).astype(np.int64)
        arr = pa.Array.from_buffers(
            pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(self.data)]
        )
        try:
            arr.validate(full=True)
            return arr, pa.nulls(n, pa.string())
        except pa.ArrowInvalid:
            pass
        texts: list[str] = []
        reasons: list[str | None] = []
        for s, e in zip(self.starts.tolist(), self.ends.tolist()):
            try:
                texts.append(self.data[s:e].decode("utf-8"))
                reasons.append(None)
            except UnicodeDecodeError as exc:
                texts.append("")
                reasons.append(
                    f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at "
                    f"column {exc.start + 1})"
                )
        return pa.array(texts, pa.large_string()), pa.array(reasons, pa.string())


def _numeric(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    import pyarrow as pa

    # from_buffers, not pa.array: pa.array(ndarray) imports pandas (~0.6 s) on first use
    return pa.Array.from_buffers(type_, len(values), [None, pa.py_buffer(values)])


def split(file_id: int, data: bytes, offset: int, first_line_no: int) -> Chunk:
    """Find the complete lines in ``data``; an unterminated last line counts only if it is a
    whole JSON value (a finished file without a final newline), else it stays pending."""
    import numpy as np

    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    ends = newlines + 1
    # a byte order mark at the start of the file is not part of its first line
    first = len(BOM) if offset == 0 and data.startswith(BOM) else 0
    starts = np.concatenate(([first], ends[:-1])) if len(ends) else np.zeros(0, dtype=np.int64)
    consumed = int(ends[-1]) if len(ends) else 0
    tail = data[max(consumed, first) :]
    if tail.strip() and is_complete_json(tail):
        starts = np.append(starts, max(consumed, first))
        ends = np.append(ends, len(data))
        consumed = len(data)
    return Chunk(
        file_id=file_id,
        offset=offset,
        first_line_no=first_line_no,
        data=data,
        starts=starts.astype(np.int64),
        ends=ends.astype(np.int64),
        consumed=consumed,
        pending=len(data) - consumed,
    )


def whole(file_id: int, data: bytes) -> Chunk:
    """All of ``data`` as one row (line 1): a file that is one JSON document, not JSON lines.

    Such a file is rewritten, not appended to, so it is always read in full and never split
    on newlines; an empty file gives no row."""
    import numpy as np

    first = len(BOM) if data.startswith(BOM) else 0
    n = 1 if data[first:].strip() else 0
    return Chunk(
        file_id=file_id,
        offset=0,
        first_line_no=1,
        data=data,
        starts=np.full(n, first, dtype=np.int64),
        ends=np.full(n, len(data), dtype=np.int64),
        consumed=len(data),
        pending=0,
    )


def is_complete_json(tail: bytes) -> bool:
    """Whether the bytes after a file's last newline are a whole JSON value (a line)."""
    try:
        json.loads(tail)
        return True
    except (ValueError, UnicodeDecodeError):
        return False
    except RecursionError:
        # nested deeper than Python's parser goes: let DuckDB's parser (which has no such
        # limit) judge it as a line; a bad one is recorded
        return True


def describe_bad(kind: str, line: bytes) -> str:
    """Turn the SQL's short verdict on a line into a sentence a person can act on."""
    if kind == "json":
        body = line.rstrip(b"\r\n")  # a line's own newline is not where it went wrong
        try:
            value = json.loads(body)
        except UnicodeDecodeError:
            return "not valid UTF-8"
        except RecursionError:
            return "not valid JSON: nested too deeply"
        except json.JSONDecodeError as exc:
            where = f"column {exc.colno}"
            if exc.lineno > 1:  # a whole document (a Gemini .json chat)
                where = f"line {exc.lineno} {where}"
            return f"not valid JSON: {exc.msg} ({where})"
        if isinstance(value, dict):
            # DuckDB's parser refused what Python's reads (e.g. a duplicate or odd number)
            return "not valid JSON (refused by DuckDB's parser)"
        return f"not a JSON object (got {_json_kind(value)})"
    if kind == "not_object":
        try:
            return f"not a JSON object (got {_json_kind(json.loads(line))})"
        except (ValueError, RecursionError):
            return "not a JSON object"
    if kind == "type":
        try:
            value = json.loads(line).get("type")
        except (ValueError, RecursionError, AttributeError):
            return "unknown line type"
        if isinstance(value, str):
            return f"unknown line type {json.dumps(value[:80])}"
        return f'"type" is not a string (got {_json_kind(value)})'
    return kind


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    return {list: "an array", str: "a string", bool: "a boolean", dict: "an object"}.get(
        type(value), "a number"
    )


def excerpt(line: bytes, limit: int = 200) -> str:
    """The start of a line, decoded leniently and stripped of its newline."""
    text = line[: limit * 4].decode("utf-8", errors="replace").rstrip("\r\n")
    return text if len(text) <= limit else text[:limit] + "…"
