"""Bad input never stops a run: bad lines are recorded (file, line, offset, reason) and skipped."""

from __future__ import annotations

import json
import os

from conftest import one, rows

from workbench.core import store
from workbench.ingest.load import ingest

GOOD_USER = json.dumps(
    {
        "type": "user",
        "uuid": "g1",
        "sessionId": "s",
        "timestamp": "2026-01-05T10:00:00Z",
        "message": {"role": "user", "content": "hello"},
    }
).encode()
GOOD_ASSISTANT = json.dumps(
    {
        "type": "assistant",
        "uuid": "g2",
        "sessionId": "s",
        "timestamp": "2026-01-05T10:00:02Z",
        "requestId": "r1",
        "message": {
            "id": "m1",
            "role": "assistant",
            "model": "claude-opus-4-6",
            "content": [{"type": "text", "text": "hi"}],
            "usage": {"input_tokens": 3, "output_tokens": 4},
        },
    }
).encode()
LINES = [
    GOOD_USER,  # 1
    b"not json at all",  # 2
    b"[1, 2, 3]",  # 3
    b'{"type":"user","message":{"role":"user","content":"caf\xe9"}}',  # 4: latin-1 byte
    b'{"type":"assistant","message":"oops"}',  # 5: wrong shape
    b'{"no_type":true}',  # 6
    b"",  # 7: blank, ignored
    b'{"type":"brand-new-line-type","x":1}',  # 8: unknown type, recorded
    GOOD_ASSISTANT,  # 9
    b"null",  # 10
    b'{"type":"user","mess',  # 11: truncated mid-file
    b"   ",  # 12: whitespace only, ignored
]
EXPECTED = {
    2: "not valid JSON",
    3: "not a JSON object (got an array)",
    4: "not valid UTF-8",
    5: "assistant line has no message.content",
    6: 'object has no "type" field',
    8: 'unknown line type "brand-new-line-type"',
    10: "not a JSON object (got null)",
    11: "not valid JSON",
}


def write_bad(folder):
    path = folder / "-tmp-bad" / "44444444-4444-4444-8444-444444444444.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join(LINES) + b"\n")
    return path


def test_bad_lines_are_recorded_and_the_rest_loads(tmp_path):
    path = write_bad(tmp_path / "projects")
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == len(EXPECTED)
    assert [(b["line_no"], b["path"]) for b in summary.bad_line_samples] == [
        (n, str(path)) for n in sorted(EXPECTED)
    ]
    con = store.open_db(db, read_only=True)
    got = rows(con, "SELECT line_no, byte_offset, reason, excerpt FROM bad_lines ORDER BY line_no")
    offsets = {}
    pos = 0
    for n, line in enumerate(LINES, start=1):
        offsets[n] = pos
        pos += len(line) + 1
    assert [g[0] for g in got] == sorted(EXPECTED)
    for line_no, offset, reason, excerpt in got:
        assert offset == offsets[line_no]
        assert reason.startswith(EXPECTED[line_no]), (line_no, reason)
        assert excerpt == LINES[line_no - 1].decode("utf-8", "replace")
    # the good lines around the bad ones loaded
    assert rows(con, "SELECT line_no, type, text FROM messages ORDER BY line_no") == [
        (1, "user", "hello"),
        (9, "assistant", "hi"),
    ]
    assert one(con, "SELECT count(*), sum(output_tokens) FROM responses") == (1, 4)
    assert one(con, "SELECT lines, bad_lines FROM files") == (len(LINES), len(EXPECTED))
    con.close()


def test_json_error_says_where(tmp_path):
    write_bad(tmp_path / "projects")
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    con = store.open_db(db, read_only=True)
    reason = one(con, "SELECT reason FROM bad_lines WHERE line_no = 2")[0]
    assert reason == "not valid JSON: Expecting value (column 1)"
    con.close()


def test_a_line_of_tens_of_megabytes_loads(tmp_path):
    big = "x" * (30 * 1024 * 1024)
    lines = [
        GOOD_USER,
        json.dumps(
            {
                "type": "user",
                "uuid": "g3",
                "timestamp": "2026-01-05T10:00:05Z",
                "message": {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": big}],
                },
            }
        ).encode(),
    ]
    path = tmp_path / "projects" / "-p" / "55555555-5555-4555-8555-555555555555.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join(lines) + b"\n")
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == 0
    con = store.open_db(db, read_only=True)
    assert one(con, "SELECT result_length FROM raw_tool_results") == (len(big),)
    con.close()


def test_unreadable_file_is_reported_and_skipped(tmp_path, monkeypatch):
    folder = tmp_path / "projects" / "-p"
    folder.mkdir(parents=True)
    ok = folder / "66666666-6666-4666-8666-666666666666.jsonl"
    ok.write_bytes(GOOD_USER + b"\n")
    locked = folder / "77777777-7777-4777-8777-777777777777.jsonl"
    locked.write_bytes(GOOD_USER + b"\n")
    real_open = os.open  # the tests run as root: chmod would not lock it

    def fake_open(path, *args, **kwargs):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("os.open", fake_open)
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.unreadable == [{"path": str(locked), "reason": "Permission denied"}]
    assert summary.files_parsed == 1
    monkeypatch.undo()
    # it is picked up once readable
    again = ingest([tmp_path / "projects"], db, progress=False)
    assert (again.files_parsed, again.files_unchanged) == (1, 1)
