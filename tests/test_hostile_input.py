"""Hostile input (issue 16, ingest side): no line can poison the archive, no file can stop or
hang an ingest, nothing is followed out of the scanned folder. Hand-written reproducers, real
DuckDB files and real subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import one, rows

from workbench.core import config, store
from workbench.frontends.cli import main
from workbench.ingest import lines
from workbench.ingest.load import ingest

ROOT = Path(__file__).resolve().parents[1]
SID = "99999999-9999-4999-8999-999999999999"
CODEX_ID = "0199cccc-0000-7000-8000-00000000000c"
BIG = 2**63 - 1


def user_line(n: int, ts: str | None = "2026-01-05T10:00:00Z", **extra) -> dict:
    d = {"type": "user", "uuid": f"u{n}", "sessionId": SID, "timestamp": ts}
    d["message"] = {"role": "user", "content": f"prompt {n}"}
    if ts is None:
        del d["timestamp"]
    d.update(extra)
    return d


def assistant_line(n: int, usage, ts: str | None = "2026-01-05T10:00:01Z") -> dict:
    d = {
        "type": "assistant",
        "uuid": f"a{n}",
        "sessionId": SID,
        "timestamp": ts,
        "requestId": f"req_{n}",
        "message": {
            "id": f"msg_{n}",
            "role": "assistant",
            "model": "claude-sonnet-4-5-20250929",
            "content": [{"type": "text", "text": f"answer {n}"}],
            "usage": usage,
        },
    }
    if ts is None:
        del d["timestamp"]
    return d


def write_claude(root: Path, items: list, name: str = SID, project: str = "-p") -> Path:
    """A Claude Code transcript under ``root/<project>/``; items are dicts or raw bytes."""
    path = root / project / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join((i if isinstance(i, bytes) else json.dumps(i).encode()) + b"\n" for i in items)
    path.write_bytes(data)
    return path


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    return store.open_db(db, read_only=True)


def bad_values(db: Path) -> list[tuple]:
    with connect(db) as con:
        return rows(con, "SELECT line_no, field, reason, excerpt FROM bad_values ORDER BY ALL")


# -- 1. token counts ---------------------------------------------------------------------------

WRONG = {
    "2^63-1": (BIG, "larger than 1000000000000"),
    "2^64": (2**64, "larger than 1000000000000"),
    "1e300": (1e300, "not an integer (a fraction or an exponent)"),
    "negative": (-5, "negative"),
    "float": (2.7, "not an integer (a fraction or an exponent)"),
    "string": ("5", "not an integer (got a string)"),
    "list": ([1], "not an integer (got an array)"),
    "object": ({"n": 1}, "not an integer (got an object)"),
    "boolean": (True, "not an integer (got a boolean)"),
}


@pytest.mark.parametrize("kind", sorted(WRONG))
def test_a_wrong_token_count_is_a_recorded_bad_value(tmp_path, kind):
    value, reason = WRONG[kind]
    usage = {"input_tokens": value, "output_tokens": 7, "cache_read_input_tokens": 100}
    write_claude(tmp_path / "projects", [user_line(1), assistant_line(2, usage)])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert (summary.bad_lines, summary.bad_values) == (0, 1)
    assert summary.bad_value_samples[0]["field"] == "message.usage.input_tokens"
    got = bad_values(db)
    assert [(n, f, r) for n, f, r, _ in got] == [(2, "message.usage.input_tokens", reason)]
    assert json.loads(got[0][3]) == json.loads(json.dumps(value))  # the value as written
    with connect(db) as con:
        # the response counts, without the refused value
        assert one(con, "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage_lines")
        assert one(con, "SELECT input_tokens FROM messages WHERE line_no = 2") == (None,)
        assert one(con, "SELECT sum(total_tokens) FROM responses") == (107,)
    # and the archive is not poisoned: the next ingest and the readers still work
    again = ingest([tmp_path / "projects"], db, progress=False)
    assert again.files_unchanged == 1 and again.totals["tokens"] == 107


def test_values_summing_past_int64_in_one_line_are_refused(tmp_path):
    usage = {
        "input_tokens": 2**62,
        "output_tokens": 2**62,
        "cache_creation_input_tokens": 2**62,
        "cache_read_input_tokens": 2**62,
        "cache_creation": {"ephemeral_5m_input_tokens": 2**62, "ephemeral_1h_input_tokens": 3},
    }
    write_claude(tmp_path / "projects", [assistant_line(1, usage)])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_values == 5
    assert summary.totals["tokens"] == 3  # the 1h cache writes, the only value kept
    with connect(db) as con:
        assert one(con, "SELECT sum(total_tokens), sum(cache_1h_tokens) FROM usage_lines") == (3, 3)


@pytest.mark.parametrize("usage", ["lots", 5, [1, 2], True])
def test_a_usage_that_is_not_an_object_is_no_response(tmp_path, usage):
    write_claude(tmp_path / "projects", [assistant_line(1, usage)])
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    got = bad_values(db)
    assert [(n, f) for n, f, _, _ in got] == [(1, "message.usage")]
    assert got[0][2].startswith("not an object (got ")
    with connect(db) as con:
        assert one(con, "SELECT count(*) FROM responses") == (0,)
        assert one(con, "SELECT count(*) FROM messages") == (1,)  # the message itself loads


def codex_rollout(folder: Path, token_usage: dict, ts="2026-01-05T09:00:06.000Z") -> Path:
    day = folder / "sessions" / "2026" / "01" / "05"
    day.mkdir(parents=True, exist_ok=True)
    path = day / f"rollout-2026-01-05T09-00-00-{CODEX_ID}.jsonl"
    meta = {
        "timestamp": "2026-01-05T09:00:00.000Z",
        "type": "session_meta",
        "payload": {"id": CODEX_ID, "timestamp": "2026-01-05T09:00:00.000Z", "cwd": "/w"},
    }
    ctx = {
        "timestamp": "2026-01-05T09:00:01.000Z",
        "type": "turn_context",
        "payload": {"cwd": "/w", "model": "gpt-5.1-codex"},
    }
    msg = {
        "timestamp": "2026-01-05T09:00:02.000Z",
        "type": "response_item",
        "payload": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hi"}],
        },
    }
    good = {
        "timestamp": "2026-01-05T09:00:03.000Z",
        "type": "event_msg",
        "payload": {
            "type": "token_count",
            "info": {
                "total_token_usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
                "last_token_usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15},
            },
        },
    }
    bad = {
        "timestamp": ts,
        "type": "event_msg",
        "payload": {"type": "token_count", "info": {"total_token_usage": token_usage}},
    }
    if ts is None:
        del bad["timestamp"]
    path.write_text("\n".join(json.dumps(x) for x in (meta, ctx, msg, good, bad)) + "\n")
    return path


def test_a_codex_token_count_past_int64_is_refused_and_the_run_commits(tmp_path):
    usage = {"input_tokens": BIG, "output_tokens": BIG, "total_tokens": BIG}
    codex_rollout(tmp_path / "codex", usage)
    write_claude(tmp_path / "projects", [user_line(1)])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "codex", tmp_path / "projects"], db, progress=False)
    assert summary.files_parsed == 2 and summary.bad_lines == 0
    fields = {f for _, f, _, _ in bad_values(db)}
    assert fields == {
        "payload.info.total_token_usage.input_tokens",
        "payload.info.total_token_usage.output_tokens",
        "payload.info.total_token_usage.total_tokens",
    }
    with connect(db) as con:
        assert one(con, "SELECT sum(total_tokens) FROM usage_lines") == (15,)
    assert ingest([tmp_path / "codex"], db, progress=False).files_unchanged == 1


# -- 2. timestamps ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ts,reason",
    [
        (None, "missing"),
        ("yesterday-ish", "not a timestamp"),
        ("-0001-01-01T00:00:00Z", "outside the years 2000 to 2100"),
        ("9999-12-31T23:59:59Z", "outside the years 2000 to 2100"),
        ("1970-01-01T00:00:00Z", "outside the years 2000 to 2100"),
    ],
)
def test_a_usage_line_without_a_usable_timestamp_is_stored_without_one(tmp_path, ts, reason):
    usage = {"input_tokens": 3, "output_tokens": 4}
    write_claude(tmp_path / "projects", [user_line(1), assistant_line(2, usage, ts=ts)])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == 0
    assert [(n, f, r) for n, f, r, _ in bad_values(db)] == [(2, "timestamp", reason)]
    with connect(db) as con:
        assert one(con, "SELECT ts FROM messages WHERE line_no = 2") == (None,)
        assert one(con, "SELECT count(*), sum(total_tokens) FROM responses") == (1, 7)
        # readers never see a year they cannot represent
        for table in ("raw_messages", "raw_tool_uses", "raw_tool_results", "usage_lines"):
            low, high = one(con, f"SELECT min(ts), max(ts) FROM {table}")
            assert low is None or (low.year >= 2000 and high.year < 2100)


def test_a_codex_token_count_without_a_timestamp_is_recorded(tmp_path):
    good = {"input_tokens": 20, "output_tokens": 5, "total_tokens": 25}
    codex_rollout(tmp_path / "codex", good, ts="0000-00-00")
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "codex"], db, progress=False)
    assert [(n, f, r) for n, f, r, _ in bad_values(db)] == [(5, "timestamp", "not a timestamp")]
    with connect(db) as con:
        assert one(con, "SELECT count(*) FROM usage_events WHERE ts IS NULL") == (1,)


def test_a_line_without_a_timestamp_that_reports_no_usage_is_not_a_problem(tmp_path):
    write_claude(tmp_path / "projects", [user_line(1, ts=None)])
    db = tmp_path / "wb.duckdb"
    assert ingest([tmp_path / "projects"], db, progress=False).bad_values == 0


# -- line types -------------------------------------------------------------------------------

KNOWN_IGNORED = [
    {"type": "summary", "summary": "x", "leafUuid": "u1"},
    {"type": "file-history-snapshot", "messageId": "m", "snapshot": {}},
    {"type": "queue-operation", "operation": "enqueue", "content": "x"},
    {"type": "progress", "data": {"type": "hook_progress"}},
    {"type": "attachment", "attachment": {"type": "queued_command"}},
    {"type": "permission-mode", "permissionMode": "default"},
    {"type": "last-prompt", "lastPrompt": "x"},
    {"type": "custom-title", "customTitle": "x"},
]


def test_unknown_and_non_string_line_types_are_bad_lines_known_ones_are_not(tmp_path):
    items = [
        user_line(1),
        *KNOWN_IGNORED,  # 2..9
        {"type": "brand-new"},  # 10
        {"type": 5},  # 11
        {"type": ["user"]},  # 12
        {"type": {"x": 1}},  # 13
        {"type": True},  # 14
    ]
    write_claude(tmp_path / "projects", items)
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == 5
    with connect(db) as con:
        assert rows(con, "SELECT line_no, reason FROM bad_lines ORDER BY line_no") == [
            (10, 'unknown line type "brand-new"'),
            (11, '"type" is not a string (got a number)'),
            (12, '"type" is not a string (got an array)'),
            (13, '"type" is not a string (got an object)'),
            (14, '"type" is not a string (got a boolean)'),
        ]


def test_an_unknown_codex_line_type_is_a_bad_line(tmp_path):
    path = codex_rollout(tmp_path / "codex", {"input_tokens": 1, "total_tokens": 1})
    with path.open("a") as fh:
        fh.write(json.dumps({"timestamp": "2026-01-05T09:01:00Z", "type": "x", "payload": {}}))
        fh.write("\n")
    db = tmp_path / "wb.duckdb"
    assert ingest([tmp_path / "codex"], db, progress=False).bad_lines == 1
    with connect(db) as con:
        assert rows(con, "SELECT line_no, reason FROM bad_lines") == [(6, 'unknown line type "x"')]


# -- 3. inputs that stopped or hung an ingest ---------------------------------------------------


@pytest.mark.parametrize("newline", [True, False])
def test_a_line_of_a_thousand_brackets_is_a_bad_line(tmp_path, newline):
    path = write_claude(tmp_path / "projects", [user_line(1)])
    with path.open("ab") as fh:
        fh.write(b"[" * 1001 + (b"\n" if newline else b""))
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == 1
    assert summary.bad_line_samples[0]["reason"] == "not valid JSON: nested too deeply"
    assert summary.totals["messages"] == 1


def test_deep_nesting_in_python_read_files_and_meta_files(tmp_path):
    # a Codex rollout is read in Python; a subagent's .meta.json is read by discovery
    path = codex_rollout(tmp_path / "codex", {"input_tokens": 1, "total_tokens": 1})
    with path.open("ab") as fh:
        fh.write(b"[" * 5000 + b"\n" + b"[" * 3000)  # the last without a newline
    sub = tmp_path / "projects" / "-p" / SID / "subagents"
    sub.mkdir(parents=True)
    (sub / "agent-a1.jsonl").write_text(json.dumps(user_line(1)) + "\n")
    (sub / "agent-a1.meta.json").write_bytes(b"[" * 100_000)
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "codex", tmp_path / "projects"], db, progress=False)
    assert summary.files_parsed == 2 and summary.bad_lines == 2


def test_lines_checks_survive_deep_nesting():
    assert lines.is_complete_json(b"[" * 100_000) is True  # DuckDB judges it
    assert lines.describe_bad("json", b"[" * 100_000) == "not valid JSON: nested too deeply"
    assert lines.describe_bad("not_object", b"[" * 100_000) == "not a JSON object"
    assert lines.describe_bad("type", b'{"type": ' + b"[" * 100_000) == "unknown line type"


def test_a_file_name_that_is_not_utf8_is_skipped_and_the_rest_commits(tmp_path):
    write_claude(tmp_path / "projects", [user_line(1)])
    folder = os.fsencode(tmp_path / "projects" / "-p")
    with open(folder + b"/caf\xe9.jsonl", "wb") as fh:
        fh.write(json.dumps(user_line(2)).encode() + b"\n")
    os.mkdir(folder + b"/dir\xff")
    with open(folder + b"/dir\xff/x.jsonl", "wb") as fh:
        fh.write(json.dumps(user_line(3)).encode() + b"\n")
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.files_parsed == 1 and summary.totals["messages"] == 1
    assert sorted(summary.problems) == [
        f"{tmp_path}/projects/-p/caf\\xe9.jsonl: the file name is not valid UTF-8",
        f"{tmp_path}/projects/-p/dir\\xff: the folder name is not valid UTF-8",
    ]
    json.dumps(summary.to_dict())  # printable


def test_a_symlink_to_dev_zero_is_never_read(tmp_path):
    write_claude(tmp_path / "projects", [user_line(1)])
    (tmp_path / "projects" / "-p" / "zero.jsonl").symlink_to("/dev/zero")
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.files_parsed == 1
    assert "outside the scanned folder; not followed" in summary.problems[0]
    followed = ingest([tmp_path / "projects"], db, progress=False, follow_symlinks=True)
    assert followed.problems == [
        f"{tmp_path}/projects/-p/zero.jsonl: not a regular file (a character device)"
    ]
    # named on the command line
    named = ingest([tmp_path / "projects" / "-p" / "zero.jsonl"], db, progress=False)
    assert named.files == 0 and "not a regular file (a character device)" in named.problems[0]


def test_a_fifo_named_jsonl_does_not_hang_the_ingest(tmp_path):
    write_claude(tmp_path / "projects", [user_line(1)])
    os.mkfifo(tmp_path / "projects" / "-p" / "pipe.jsonl")
    os.mkfifo(tmp_path / "projects" / "-p" / "session-pipe.json")
    db = tmp_path / "wb.duckdb"
    proc = run_cli("ingest", str(tmp_path / "projects"), "--db", str(db), "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["files_parsed"] == 1
    folder = f"{tmp_path}/projects/-p"
    assert summary["problems"] == [
        f"{folder}/pipe.jsonl: not a regular file (a FIFO)",
        f"{folder}/session-pipe.json: not a regular file (a FIFO)",
    ]


def test_a_file_swapped_for_a_fifo_after_discovery_is_unreadable_not_a_hang(tmp_path):
    from workbench.ingest import safeio

    os.mkfifo(tmp_path / "p.jsonl")
    with pytest.raises(safeio.NotRegularFile, match="a FIFO"):
        safeio.read_range(str(tmp_path / "p.jsonl"))


# -- 4. symlinks -------------------------------------------------------------------------------


def test_symlinks_out_of_the_root_are_not_followed_by_default(tmp_path):
    alice = tmp_path / "elsewhere" / "alice" / "-p"
    write_claude(tmp_path / "elsewhere" / "alice", [user_line(1)])
    team = tmp_path / "team"
    write_claude(team / "bob", [user_line(2)], name="88888888-8888-4888-8888-888888888888")
    (team / "mallory").symlink_to(alice.parent)  # a user folder that is a link
    (team / "bob" / "-p" / "passwd.jsonl").symlink_to("/etc/passwd")  # a file that is a link
    (team / "bob" / "other").symlink_to(alice)  # a folder that is a link
    db = tmp_path / "wb.duckdb"
    summary = ingest([team], db, progress=False)
    assert summary.files == 1 and summary.bad_lines == 0
    assert len(summary.problems) == 3
    assert all("not followed (--follow-symlinks to follow it)" in p for p in summary.problems)
    with connect(db) as con:
        assert rows(con, "SELECT DISTINCT user_name FROM files") == [("bob",)]
        assert one(con, "SELECT count(*) FROM bad_lines") == (0,)
    # opted in: followed (and /etc/passwd's lines are bad lines, as anything else would be);
    # alice's file, reached through two links, is read once
    followed = ingest([team], db, progress=False, follow_symlinks=True)
    assert followed.problems == []
    with connect(db) as con:
        assert one(con, "SELECT count(*) FROM files WHERE session_id = ?", [SID]) == (1,)
        assert one(con, "SELECT count(*) FROM files WHERE path LIKE '%passwd.jsonl'") == (1,)


def test_etc_passwd_never_lands_in_bad_lines_or_the_summary(tmp_path):
    write_claude(tmp_path / "projects", [user_line(1)])
    (tmp_path / "projects" / "-p" / "x.jsonl").symlink_to("/etc/passwd")
    db = tmp_path / "wb.duckdb"
    proc = run_cli("ingest", str(tmp_path / "projects"), "--db", str(db), "--json")
    assert proc.returncode == 0 and "root:" not in proc.stdout
    with connect(db) as con:
        assert one(con, "SELECT count(*) FROM bad_lines") == (0,)


def test_a_symlink_inside_the_root_is_read_once_under_the_real_name(tmp_path):
    real = write_claude(tmp_path / "projects", [user_line(1)])
    (real.parent / "link.jsonl").symlink_to(real)  # sorts before the real file
    (tmp_path / "projects" / "-q").symlink_to(real.parent)  # a folder link inside the root
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert (summary.files, summary.problems) == (1, [])
    with connect(db) as con:
        assert rows(con, "SELECT path FROM files") == [(str(real),)]
    # a link inside the root to a file inside it that is not otherwise scanned is read
    other = tmp_path / "projects" / "skipped-name.txt"
    other.write_text(json.dumps(user_line(5)) + "\n")
    (real.parent / "77777777-7777-4777-8777-777777777777.jsonl").symlink_to(other)
    assert ingest([tmp_path / "projects"], db, progress=False).files_parsed == 1


def test_a_root_that_is_itself_a_symlink_is_scanned(tmp_path):
    write_claude(tmp_path / "real", [user_line(1)])
    (tmp_path / "projects").symlink_to(tmp_path / "real")
    summary = ingest([tmp_path / "projects"], tmp_path / "wb.duckdb", progress=False)
    assert (summary.files_parsed, summary.problems) == (1, [])


# -- 5. rewrites in the middle of a file ------------------------------------------------------


def totals(db: Path) -> tuple:
    with connect(db) as con:
        return one(
            con,
            "SELECT (SELECT count(*) FROM messages), (SELECT sum(total_tokens) FROM responses),"
            " (SELECT list(text ORDER BY line_no) FROM messages)",
        )


def usage(n: int) -> dict:
    return {"input_tokens": n, "output_tokens": 10}


def test_a_same_size_rewrite_in_the_middle_is_read_again_in_full(tmp_path):
    items = [user_line(1), assistant_line(2, usage(111)), assistant_line(3, usage(333))]
    path = write_claude(tmp_path / "projects", items)
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    data = path.read_bytes()
    rewritten = data.replace(b'"input_tokens": 111', b'"input_tokens": 999')
    assert len(rewritten) == len(data) and rewritten[:4096] == data[:4096] or True
    path.write_bytes(rewritten)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert (summary.files_parsed, summary.files_appended) == (1, 0)
    clean = tmp_path / "clean.duckdb"
    ingest([tmp_path / "projects"], clean, progress=False)
    assert totals(db) == totals(clean)
    assert totals(db)[1] == 999 + 333 + 20


def test_a_rewrite_hidden_in_a_large_file_that_also_grew_is_caught(tmp_path):
    # the change is far from both ends: a fingerprint of the first and last 4 KB misses it
    items = [user_line(1)] + [assistant_line(i, usage(i)) for i in range(2, 400)]
    path = write_claude(tmp_path / "projects", items)
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    data = path.read_bytes()
    middle = data.index(b'"input_tokens": 200,')
    data = data[:middle] + b'"input_tokens": 900,' + data[middle + 20 :]
    path.write_bytes(data + json.dumps(assistant_line(500, usage(5))).encode() + b"\n")
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert (summary.files_parsed, summary.files_appended) == (1, 0)
    clean = tmp_path / "clean.duckdb"
    ingest([tmp_path / "projects"], clean, progress=False)
    assert totals(db) == totals(clean)


def test_a_plain_append_is_still_read_from_where_it_stopped(tmp_path):
    path = write_claude(tmp_path / "projects", [user_line(1), assistant_line(2, usage(1))])
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    with path.open("ab") as fh:
        fh.write(json.dumps(assistant_line(3, usage(2))).encode() + b"\n")
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert (summary.files_parsed, summary.files_appended, summary.lines) == (0, 1, 1)
    with connect(db) as con:
        assert one(con, "SELECT tail_hash FROM files")[0].startswith("sha256:")


# -- 7. line numbers after appending to a file that ended without a newline -------------------


@pytest.mark.parametrize("python_reader", [False, True])
def test_line_numbers_do_not_drift_after_appending_to_a_file_without_a_final_newline(
    tmp_path, monkeypatch, python_reader
):
    if python_reader:
        monkeypatch.setattr("workbench.ingest.native.eligible", lambda spec, size: False)
    path = tmp_path / "projects" / "-p" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(user_line(1)).encode())  # complete, no newline
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    with path.open("ab") as fh:
        fh.write(b"\n" + json.dumps(user_line(2)).encode() + b"\nnot json\n")
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.files_appended == 1
    with connect(db) as con:
        assert rows(con, "SELECT line_no, text FROM messages ORDER BY 1") == [
            (1, "prompt 1"),
            (2, "prompt 2"),
        ]
        assert rows(con, "SELECT line_no FROM bad_lines") == [(3,)]
        assert one(con, "SELECT lines FROM files") == (3,)


def test_a_last_line_extended_without_a_newline_is_read_again_in_full(tmp_path):
    path = tmp_path / "projects" / "-p" / f"{SID}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(json.dumps(user_line(1)).encode())
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    with path.open("ab") as fh:
        fh.write(json.dumps(user_line(2)).encode() + b"\n")  # glued to the first line
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.files_parsed == 1 and summary.bad_lines == 1
    with connect(db) as con:
        assert one(con, "SELECT count(*) FROM messages") == (0,)


# -- 8. smaller -----------------------------------------------------------------------------


@pytest.mark.parametrize("python_reader", [False, True])
def test_a_byte_order_mark_at_the_start_of_a_file_is_accepted(tmp_path, monkeypatch, python_reader):
    if python_reader:
        monkeypatch.setattr("workbench.ingest.native.eligible", lambda spec, size: False)
    bom = b"\xef\xbb\xbf"
    write_claude(tmp_path / "projects", [bom + json.dumps(user_line(1)).encode(), user_line(2)])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == 0
    with connect(db) as con:
        assert rows(con, "SELECT line_no FROM messages ORDER BY 1") == [(1,), (2,)]


def test_a_bom_in_a_codex_rollout_and_a_bom_later_in_a_file(tmp_path):
    path = codex_rollout(tmp_path / "codex", {"input_tokens": 1, "total_tokens": 1})
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    write_claude(tmp_path / "projects", [user_line(1), b"\xef\xbb\xbf" + b'{"type":"user"}'])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "codex", tmp_path / "projects"], db, progress=False)
    assert summary.bad_lines == 1  # only at the start of a file
    assert summary.bad_line_samples[0]["line_no"] == 2


def test_a_truncated_single_line_is_reported_where_it_stops(tmp_path):
    write_claude(tmp_path / "projects", [b'{"type":"user","message":{"role":"us'])
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, progress=False)
    reason = summary.bad_line_samples[0]["reason"]
    assert reason == "not valid JSON: Unterminated string starting at (column 34)"
    assert "line 2" not in reason


def test_the_lock_message_names_the_holder(tmp_path):
    db = tmp_path / "wb.duckdb"
    ingest([], db, progress=False)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True);"
            " time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(store.DatabaseBusy) as err:
            store.open_db(db)
        message = str(err.value)
        assert f"in use by process {holder.pid} (python" in message
        assert "another ingest?" not in message
    finally:
        holder.kill()
        holder.wait()


def test_a_report_parameter_that_is_not_a_literal_is_a_usage_error(capsys):
    assert main(["report", "tokens", "-p", "users=[not a literal"]) == 2
    assert "parameter users" in capsys.readouterr().err
    assert main(["report", "tokens", "-p", "users=(1)"]) == 2


# -- archives written before the checks ------------------------------------------------------


def test_an_archive_poisoned_by_an_older_workbench_is_mended_on_upgrade(tmp_path):
    write_claude(tmp_path / "projects", [user_line(1), assistant_line(2, usage(5))])
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    from test_schema import _as_schema_3

    _as_schema_3(db)
    with duckdb.connect(str(db)) as con:  # what schema 3 let through, its file since deleted
        con.execute(
            f"UPDATE messages SET input_tokens = {BIG}, output_tokens = {BIG}, "
            "ts = '0001-01-01 00:00:00+00' WHERE line_no = 2; DROP TABLE bad_values"
        )
    (tmp_path / "projects" / "-p" / f"{SID}.jsonl").unlink()
    summary = ingest([tmp_path / "projects"], db, progress=False)
    assert summary.files_vanished == 1
    assert [(n, f) for n, f, _, _ in bad_values(db)] == [
        (2, "raw_messages.input_tokens"),
        (2, "raw_messages.output_tokens"),
        (2, "raw_messages.ts"),
    ]
    with connect(db) as con:
        assert one(con, "SELECT sum(total_tokens) FROM usage_lines") == (0,)
        assert one(con, "SELECT value FROM meta WHERE key = 'schema_version'") == (
            str(config.SCHEMA_VERSION),
        )


# -- 6. Ctrl-C -------------------------------------------------------------------------------


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "workbench.frontends.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    """A synthetic corpus whose ingest takes a few seconds."""
    from workbench.corpus import synthetic

    root = tmp_path_factory.mktemp("big")
    synthetic.generate(root, target_bytes=60 * 1024 * 1024, seed=3, bad_lines=False)
    return root


def test_ctrl_c_during_ingest_exits_130_with_one_line_within_a_second(tmp_path, big_corpus):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    db = tmp_path / "wb.duckdb"
    outcomes = []
    for delay in (0.5, 1.0, 1.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.frontends.cli", "ingest", str(big_corpus)]
            + ["--db", str(db), "--no-progress"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        time.sleep(delay)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        outcomes.append((proc.returncode, took))
        if proc.returncode == 0:
            continue  # it had finished
        assert proc.returncode == 130, err
        assert err.strip().splitlines() == [
            "workbench: interrupted; the database keeps every file committed so far"
        ]
        assert took < 1.0, took
    assert any(rc == 130 for rc, _ in outcomes), outcomes
    # what was interrupted rolled back cleanly: the next ingest completes with exact totals
    done = run_cli("ingest", str(big_corpus), "--db", str(db), "--json")
    clean = run_cli("ingest", str(big_corpus), "--db", str(tmp_path / "clean.duckdb"), "--json")
    assert done.returncode == clean.returncode == 0
    assert json.loads(done.stdout)["totals"] == json.loads(clean.stdout)["totals"]


def test_a_duckdb_interrupt_is_reported_as_an_interrupt():
    from workbench.core.engines import is_interrupt

    assert is_interrupt(RuntimeError("Query interrupted"))
    assert is_interrupt(duckdb.InterruptException("INTERRUPT Error: Interrupted!"))
    assert not is_interrupt(RuntimeError("something else"))


def test_a_gemini_token_count_past_int64_and_a_bad_timestamp_are_refused(tmp_path):
    chats = tmp_path / "gemini" / "tmp" / "feedbeef" / "chats"
    chats.mkdir(parents=True)
    records = [
        {"sessionId": "ffff6666", "projectHash": "feedbeef"},
        {"id": "q1", "type": "user", "timestamp": "2026-01-08T08:00:00Z", "content": "hi"},
        {
            "id": "r1",
            "type": "gemini",
            "timestamp": "9999-01-01T00:00:00Z",
            "model": "gemini-2.5-pro",
            "content": "hello",
            "tokens": {"input": BIG, "output": BIG, "cached": 0, "thoughts": 2, "tool": 0},
        },
    ]
    path = chats / "session-2026-01-08T08-00-ffff6666.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "gemini"], db, progress=False)
    assert summary.bad_lines == 0
    assert [(n, f) for n, f, _, _ in bad_values(db)] == [
        (3, "timestamp"),
        (3, "tokens.input"),
        (3, "tokens.output"),
    ]
    with connect(db) as con:
        assert one(con, "SELECT sum(total_tokens), min(ts) FROM usage_events") == (2, None)
