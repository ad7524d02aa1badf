"""Splitting new bytes into lines: complete lines only, UTF-8 checked, offsets exact."""

from __future__ import annotations

from workbench.ingest import lines


def test_split_keeps_an_incomplete_last_line_pending():
    data = b'{"a":1}\n{"b":2}\n{"c":'
    chunk = lines.split(7, data, offset=100, first_line_no=10)
    assert chunk.n_lines == 2 and chunk.consumed == 16 and chunk.pending == 5
    batch = chunk.to_arrow().to_pydict()
    assert batch["line_no"] == [10, 11]
    assert batch["byte_offset"] == [100, 108]
    assert batch["file_id"] == [7, 7]
    assert batch["line"] == ['{"a":1}\n', '{"b":2}\n']
    assert batch["bad_reason"] == [None, None]


def test_a_complete_json_tail_without_newline_is_a_line():
    chunk = lines.split(1, b'{"a":1}\n{"b":2}', 0, 1)
    assert chunk.n_lines == 2 and chunk.pending == 0 and chunk.consumed == 15


def test_invalid_utf8_marks_only_that_line():
    chunk = lines.split(1, b'{"a":"ok"}\n{"a":"caf\xe9"}\n{"a":"\xc3\xa9"}\n', 0, 1)
    batch = chunk.to_arrow().to_pydict()
    assert batch["bad_reason"][0] is None and batch["bad_reason"][2] is None
    assert batch["bad_reason"][1].startswith("not valid UTF-8 (byte 0xe9")
    assert batch["line"][2] == '{"a":"é"}\n'


def test_describe_bad_words_the_reason():
    assert (
        lines.describe_bad("json", b"{oops")
        == "not valid JSON: Expecting property name enclosed in double quotes (column 2)"
    )
    assert lines.describe_bad("not_object", b"[1]") == "not a JSON object (got an array)"
    assert lines.describe_bad("json", b"null") == "not a JSON object (got null)"
    assert lines.excerpt(b"x" * 300 + b"\n", limit=10) == "x" * 10 + "…"
