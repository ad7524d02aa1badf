"""Incremental ingest: unchanged files cost nothing, appends equal a cold ingest, no loss."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator

import duckdb
import pytest
from conftest import DATA, S1, one, rows

from workbench.core import config, store
from workbench.ingest import load
from workbench.ingest.load import ingest
from workbench.models import build

TABLES = {
    "messages": "session_id, line_no, ordinal, uuid, type, text, thinking, ts, model",
    "raw_tool_uses": "session_id, line_no, ordinal, tool_use_id, name, input_json",
    "raw_tool_results": "session_id, line_no, tool_use_id, result_text, is_error, agent_id",
    "usage_lines": "session_id, line_no, dedupe_key, input_tokens, output_tokens",
    "responses": "session_id, dedupe_key, input_tokens, output_tokens, cache_read_tokens",
    "bad_lines": "line_no, byte_offset, reason",
    "sessions": "session_id, messages, user_messages, tool_calls, tool_errors, total_total_tokens, "
    "started_at, ended_at, first_prompt, parent_session_id",
    "files": "path, lines, bad_lines, bytes_consumed, pending_bytes, size_bytes",
}


def snapshot(db) -> dict:
    con = store.open_db(db, read_only=True)
    try:
        return {t: rows(con, f"SELECT {cols} FROM {t} ORDER BY ALL") for t, cols in TABLES.items()}
    finally:
        con.close()


def split_file(path, keep_lines: int, partial: int = 0):
    """Cut ``path`` to its first ``keep_lines`` lines (+ ``partial`` bytes of the next);
    return the bytes removed."""
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    head = b"".join(lines[:keep_lines]) + lines[keep_lines][:partial]
    path.write_bytes(head)
    return data[len(head) :]


MARTS = ("responses", "sessions", "tool_calls", "tool_errors", "retry_loops",
         "activity_blocks", "file_roles", "shadowed_messages")  # fmt: skip
SOURCES = [DATA / "claude" / "projects", DATA / "codex" / "sessions", DATA / "gemini" / "tmp"]


def marts(db) -> dict:
    con = store.open_db(db, read_only=True)
    try:
        return {t: rows(con, f"SELECT * FROM {t} ORDER BY ALL") for t in MARTS}
    finally:
        con.close()


def test_marts_built_commit_by_commit_equal_one_build(tmp_path, monkeypatch):
    # a large ingest builds the marts after each commit (its memory stays one commit's): here
    # every file is a commit of its own, subagents apart from their parents
    once = tmp_path / "once.duckdb"
    ingest(SOURCES, once, user="ana", progress=False)
    monkeypatch.setattr(load, "NATIVE_BATCH_BYTES", 1)
    steps = tmp_path / "steps.duckdb"
    s = ingest(SOURCES, steps, user="ana", progress=False, batch_bytes=1, commit_bytes=1)
    assert s.files_parsed == s.files == 10
    got, want = marts(steps), marts(once)
    assert all(want[t] for t in ("responses", "sessions", "tool_calls", "tool_errors"))
    for table in MARTS:
        assert got[table] == want[table], table


def test_the_sessions_mart_is_the_same_with_its_steps_materialised_or_not(tmp_path, monkeypatch):
    # a build of a few sessions materialises the steps of build_sessions.sql, a large one
    # lets DuckDB inline them (less memory): the same rows either way
    chosen = []
    real = build._materialized
    monkeypatch.setattr(build, "_materialized", lambda *a: chosen.append(real(*a)) or chosen[-1])
    few, many = tmp_path / "few.duckdb", tmp_path / "many.duckdb"
    for db in (few, many):  # a new database's first build is a full one; the second is not
        if db == many:
            monkeypatch.setattr(build, "MATERIALIZE_UP_TO", 0)
        ingest(SOURCES[:1], db, user="ana", progress=False)
        ingest(SOURCES, db, user="ana", progress=False)
    assert chosen == ["", "MATERIALIZED", "", ""]
    got, want = marts(many), marts(few)
    assert want["sessions"]
    for table in MARTS:
        assert got[table] == want[table], table


def test_unchanged_files_are_skipped(ingested, corpus):
    before = snapshot(ingested)
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert (s.files_unchanged, s.files_parsed, s.files_appended, s.lines) == (5, 0, 0, 0)
    assert snapshot(ingested) == before


def test_append_equals_cold_ingest(corpus, tmp_path):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    rest = split_file(main, 5)  # cut in the middle of the split response msg_A
    warm = tmp_path / "warm.duckdb"
    first = ingest([corpus], warm, user="ana", progress=False)
    assert first.files_parsed == 5
    with open(main, "ab") as fh:
        fh.write(rest)
    s = ingest([corpus], warm, user="ana", progress=False)
    assert (s.files_appended, s.files_parsed, s.lines) == (1, 0, 14)
    cold = tmp_path / "cold.duckdb"
    ingest([corpus], cold, user="ana", progress=False)
    assert snapshot(warm) == snapshot(cold)


def test_incomplete_last_line_waits_until_complete(corpus, tmp_path):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    rest = split_file(main, 6, partial=40)  # a line still being written
    db = tmp_path / "wb.duckdb"
    s = ingest([corpus], db, user="ana", progress=False)
    assert s.bad_lines == 0 and s.pending_lines == 1
    con = store.open_db(db, read_only=True)
    assert one(con, "SELECT lines, pending_bytes FROM files WHERE session_id = ?", [S1]) == (6, 40)
    assert one(con, "SELECT max(line_no) FROM messages WHERE session_id = ?", [S1]) == (6,)
    con.close()
    with open(main, "ab") as fh:
        fh.write(rest)
    s = ingest([corpus], db, user="ana", progress=False)
    assert s.files_appended == 1 and s.bad_lines == 0
    cold = tmp_path / "cold.duckdb"
    ingest([corpus], cold, user="ana", progress=False)
    assert snapshot(db) == snapshot(cold)


def test_complete_last_line_without_newline_is_read(corpus, tmp_path):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    main.write_bytes(main.read_bytes().rstrip(b"\n"))
    db = tmp_path / "wb.duckdb"
    ingest([corpus], db, user="ana", progress=False)
    con = store.open_db(db, read_only=True)
    assert one(con, "SELECT lines, pending_bytes FROM files WHERE session_id = ?", [S1]) == (19, 0)
    con.close()
    # a newline arriving later adds nothing and breaks nothing
    with open(main, "ab") as fh:
        fh.write(b"\n")
    s = ingest([corpus], db, user="ana", progress=False)
    assert s.bad_lines == 0 and s.files_appended == 1


def test_vanished_file_keeps_its_sessions(ingested, corpus):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    saved = main.read_bytes()
    main.unlink()
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert s.files_vanished == 1
    con = store.open_db(ingested, read_only=True)
    assert one(con, "SELECT source_missing, messages FROM sessions WHERE session_id = ?", [S1]) == (
        True,
        15,
    )
    assert one(con, "SELECT missing FROM files WHERE session_id = ?", [S1]) == (True,)
    con.close()
    main.write_bytes(saved)
    os.utime(main, ns=(time.time_ns(), time.time_ns()))
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert s.files_vanished == 0
    con = store.open_db(ingested, read_only=True)
    assert one(con, "SELECT source_missing FROM sessions WHERE session_id = ?", [S1]) == (False,)
    con.close()


def test_files_outside_the_scanned_folder_are_not_vanished(ingested, corpus, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(corpus / "-home-ana-src-shop", other / "-x")
    for f in (other / "-x").rglob("*.jsonl"):
        f.rename(f.with_name(f.name.replace("1111", "9999").replace("2222", "8888")))
    s = ingest([other], ingested, user="ana", progress=False)
    assert s.files_vanished == 0


def test_parser_version_bump_reparses(ingested, corpus, monkeypatch):
    before = snapshot(ingested)
    monkeypatch.setattr(config, "PARSER_VERSION", config.PARSER_VERSION + 1)
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert s.files_parsed == 5
    assert snapshot(ingested) == before
    con = store.open_db(ingested, read_only=True)
    assert one(con, "SELECT min(parser_version) FROM files") == (config.PARSER_VERSION,)
    con.close()


def test_rewritten_file_is_read_again_in_full(ingested, corpus):
    s2 = corpus / "-home-ana-src-shop" / "22222222-2222-4222-8222-222222222222.jsonl"
    lines = s2.read_bytes().splitlines(keepends=True)
    s2.write_bytes(lines[0].replace(b"Fix the flaky", b"Mend the flaky") + lines[1])
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert s.files_parsed == 1 and s.files_appended == 0
    con = store.open_db(ingested, read_only=True)
    assert rows(
        con, "SELECT line_no, text FROM messages WHERE session_id LIKE '2222%' ORDER BY line_no"
    ) == [(1, "Mend the flaky cart test"), (2, "Fixed the fixture.")]
    con.close()


def test_interrupted_ingest_leaves_the_database_as_before(ingested, corpus, monkeypatch):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    with open(main, "ab") as fh:
        fh.write(main.read_bytes().splitlines(keepends=True)[2].replace(b"u-001", b"u-100"))
    before = snapshot(ingested)

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(load, "_upsert_files", boom)  # after the rows were written
    with pytest.raises(KeyboardInterrupt):
        ingest([corpus], ingested, user="ana", progress=False)
    assert snapshot(ingested) == before
    monkeypatch.undo()
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert s.files_appended == 1 and s.lines == 1


HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


@contextlib.contextmanager
def _hold_lock(db, seconds: float) -> Iterator[subprocess.Popen]:
    """Another process holding the database's lock for up to ``seconds``, ended on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _grow(corpus) -> None:
    """Append a line to a session, so that the next ingest has work (a no-op ingest does
    not open the database: tests/test_manifest.py)."""
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    with open(main, "ab") as fh:
        fh.write(main.read_bytes().splitlines(keepends=True)[2].replace(b"u-001", b"u-100"))


def test_concurrent_ingest_fails_with_a_clear_message(ingested, corpus):
    _grow(corpus)
    with (
        _hold_lock(ingested, 30),
        pytest.raises(store.DatabaseBusy, match=r"in use by process \d+"),
    ):
        ingest([corpus], ingested, user="ana", progress=False)


def test_concurrent_ingest_can_wait(ingested, corpus):
    _grow(corpus)
    with _hold_lock(ingested, 1.5):
        s = ingest([corpus], ingested, user="ana", progress=False, wait_seconds=30)
        assert (s.files_unchanged, s.files_appended) == (4, 1)


def test_a_small_ingest_leaves_the_thread_setting_as_it_found_it(ingested, corpus):
    # a small ingest runs DuckDB on one thread; the setting belongs to the whole instance,
    # which a running server's readers share with its ingests
    reader = duckdb.connect(str(ingested))  # keeps the instance open, as `serve` does
    try:
        reader.execute("SET threads = 3")
        _grow(corpus)
        s = ingest([corpus], ingested, user="ana", progress=False)
        assert s.files_appended == 1
        assert reader.execute("SELECT current_setting('threads')").fetchone() == (3,)
    finally:
        reader.close()
