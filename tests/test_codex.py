"""Codex CLI rollouts: sessions, messages, tool calls, exit codes and token events.

tests/data/codex holds two hand-written rollouts: session A (two turns, a model switch, tool
calls failing with exit codes 1 and 2, repeated token_count events, an aborted turn, an error
event, a compaction) and its fork B, which repeats A's session_meta and first turn before its own.
Token events of A (cumulative total -> this response's usage, input/cached/output/reasoning):
  1050 -> 1000/800/50/20 (written twice), 2290 -> 1200/1000/40/0,
  3630 -> 1300/1200/40/0 (written twice), 4250 -> 600/400/20/0 (gpt-5.1-codex-mini).
B repeats the 1050 event and adds 1100/900/30/0.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, one, rows

from workbench.core import config, store
from workbench.frontends.cli import main
from workbench.ingest.discover import discover
from workbench.ingest.load import ingest

CODEX = DATA / "codex"
A = "0199aaaa-0000-7000-8000-00000000000a"
B = "0199bbbb-0000-7000-8000-00000000000b"
DAY = CODEX / "sessions" / "2026" / "01" / "05"
FILE_A = DAY / f"rollout-2026-01-05T09-00-00-{A}.jsonl"


@pytest.fixture
def codex_db(tmp_path: Path) -> Path:
    db = tmp_path / "wb.duckdb"
    summary = ingest([CODEX], db, user="ana", progress=False)
    assert (summary.files, summary.files_parsed, summary.bad_lines) == (2, 2, 0)
    return db


@pytest.fixture
def con(codex_db: Path):
    c = store.open_db(codex_db, read_only=True)
    yield c
    c.close()


def test_a_codex_home_is_found_and_read_whole(monkeypatch):
    monkeypatch.setattr(config, "default_user", lambda: "osuser")
    # tests/data/codex is like $CODEX_HOME: one person's, whatever its name
    for folder in (CODEX, CODEX / "sessions", DAY):
        found = discover([folder])
        assert [(f.agent, f.user, f.session_id, f.kind, f.appendable) for f in found.files] == [
            ("codex", "osuser", A, "session", False),
            ("codex", "osuser", B, "session", False),
        ]


def test_session_from_session_meta_and_turn_context(con):
    got = one(
        con,
        "SELECT agent, user_name, project, project_path, git_branch, cli_version, started_at, "
        "ended_at, primary_model, models, first_prompt FROM sessions WHERE session_id = ?",
        [A],
    )
    assert got[:6] == ("codex", "ana", "shop", "/home/ana/src/shop", "main", "0.80.0")
    assert (got[6].isoformat(), got[7].isoformat()) == (
        "2026-01-05T09:00:00.001000+00:00",  # the first message (session_meta is not one)
        "2026-01-05T09:11:00+00:00",  # the compaction
    )
    assert got[8:] == (
        "gpt-5.1-codex",
        ["gpt-5.1-codex", "gpt-5.1-codex-mini"],
        "fix the failing test",
    )


def test_injected_context_is_not_a_prompt(con):
    got = rows(
        con,
        "SELECT ordinal, type, role, is_meta, left(text, 22) FROM messages "
        "WHERE session_id = ? AND type = 'user' AND tool_result_count = 0 ORDER BY ordinal",
        [A],
    )
    assert got == [
        (0, "user", "developer", True, "<permissions instructi"),
        (1, "user", "user", True, "# AGENTS.md instructio"),
        (2, "user", "user", True, "<environment_context>\n"),
        (3, "user", "user", False, "fix the failing test"),
        (12, "user", "user", False, "now run the linter"),
    ]
    assert one(con, "SELECT user_messages FROM sessions WHERE session_id = ?", [A]) == (2,)


def test_message_rows_of_every_kind(con):
    got = rows(
        con,
        "SELECT type, count(*), count(*) FILTER (thinking IS NOT NULL), "
        "count(*) FILTER (model IS NOT NULL) FROM messages WHERE session_id = ? GROUP BY type "
        "ORDER BY type",
        [A],
    )
    # assistant: reasoning, 4 tool calls, the final message; user: 3 injected, 2 prompts,
    # 4 tool outputs; system: the aborted turn, the error event, the compaction
    assert got == [("assistant", 6, 1, 6), ("system", 3, 0, 0), ("user", 9, 0, 0)]
    assert one(con, "SELECT thinking FROM messages WHERE session_id = ? AND ordinal = 4", [A]) == (
        "**Looking at the tests**",
    )
    assert rows(
        con,
        "SELECT subtype, text, is_api_error FROM messages WHERE session_id = ? "
        "AND type = 'system' ORDER BY ordinal",
        [A],
    ) == [
        ("turn_aborted", "interrupted", False),
        ("error", "stream disconnected before completion", True),
        ("compact_boundary", "Summary: fixed the cart total; the linter run failed.", False),
    ]
    assert rows(
        con,
        "SELECT model, count(*) FROM messages WHERE session_id = ? AND type = 'assistant' "
        "GROUP BY model ORDER BY model",
        [A],
    ) == [("gpt-5.1-codex", 5), ("gpt-5.1-codex-mini", 1)]


def test_tool_calls_fail_on_a_nonzero_exit_code(con):
    got = rows(
        con,
        "SELECT tool_use_id, name, is_error, left(result_text, 24) FROM tool_calls "
        "WHERE session_id = ? ORDER BY ordinal",
        [A],
    )
    assert got == [
        ("call_1", "shell_command", True, "Exit code: 1\nWall time: "),  # "Exit code: 1"
        ("call_2", "apply_patch", False, "Success. Updated the fol"),  # metadata.exit_code 0
        ("call_3", "exec_command", False, "Chunk ID: 1\nWall time: 0"),  # exited with code 0
        ("call_4", "shell_command", True, "error: unknown rule sele"),  # metadata.exit_code 2
    ]
    inputs = dict(
        rows(con, "SELECT tool_use_id, input_json FROM raw_tool_uses WHERE session_id = ?", [A])
    )
    assert json.loads(inputs["call_1"]) == {"command": "pytest -q", "workdir": "/home/ana/src/shop"}
    assert json.loads(inputs["call_2"]).startswith("*** Begin Patch\n*** Update File: cart.py")
    assert one(con, "SELECT tool_calls, tool_errors FROM sessions WHERE session_id = ?", [A]) == (
        4,
        2,
    )


def test_each_increase_of_the_cumulative_total_counts_once(con):
    # six token_count events with usage (one more has info: null), four distinct totals
    assert one(con, "SELECT count(*) FROM usage_lines WHERE session_id = ?", [A]) == (6,)
    got = rows(
        con,
        "SELECT model, count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), "
        "sum(reasoning_tokens), sum(total_tokens) FROM responses WHERE session_id = ? "
        "GROUP BY model ORDER BY model",
        [A],
    )
    # input is the uncached part: (1000-800) + (1200-1000) + (1300-1200); mini: 600-400
    assert got == [
        ("gpt-5.1-codex", 3, 500, 3000, 130, 20, 3630),
        ("gpt-5.1-codex-mini", 1, 200, 400, 20, 0, 620),
    ]


def test_a_fork_counts_its_parents_history_once(con):
    got = one(
        con,
        "SELECT count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens) "
        "FROM responses",
    )
    assert got == (5, 700 + 200, 3400 + 900, 150 + 30)
    assert one(
        con,
        "SELECT own_responses, own_input_tokens, own_cache_read_tokens, own_output_tokens "
        "FROM sessions "
        "WHERE session_id = ?",
        [B],
    ) == (1, 200, 900, 30)


def test_tokens_daily_for_codex(codex_db, capsys):
    code = main(
        [
            "tokens",
            "daily",
            "--db",
            str(codex_db),
            "--agent",
            "codex",
            "--json",
            "--timezone",
            "UTC",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    day = out["daily"][0]
    assert (day["date"], day["inputTokens"], day["cacheReadTokens"], day["outputTokens"]) == (
        "2026-01-05",
        900,
        4300,
        180,
    )
    assert day["cacheCreationTokens"] == 0
    assert day["totalTokens"] == 900 + 4300 + 180


def test_a_grown_rollout_is_read_again_in_full(tmp_path):
    corpus = tmp_path / "codex"
    shutil.copytree(CODEX, corpus)
    path = corpus / FILE_A.relative_to(CODEX)
    full = path.read_bytes().splitlines(keepends=True)
    # stop between the model switch (turn_context) and the first response of that turn
    path.write_bytes(b"".join(full[:24]))
    warm = tmp_path / "warm.duckdb"
    ingest([corpus], warm, user="ana", progress=False)
    path.write_bytes(b"".join(full))
    s = ingest([corpus], warm, user="ana", progress=False)
    assert (s.files_parsed, s.files_appended, s.files_unchanged) == (1, 0, 1)
    cold = tmp_path / "cold.duckdb"
    ingest([corpus], cold, user="ana", progress=False)
    query = (
        "SELECT session_id, line_no, dedupe_key, model, input_tokens, output_tokens "
        "FROM responses ORDER BY ALL"
    )
    warm_con, cold_con = store.open_db(warm, read_only=True), store.open_db(cold, read_only=True)
    assert rows(warm_con, query) == rows(cold_con, query)
    assert one(warm_con, "SELECT count(*) FROM messages") == one(
        cold_con, "SELECT count(*) FROM messages"
    )
    assert ("gpt-5.1-codex-mini",) in rows(warm_con, "SELECT DISTINCT model FROM responses")
    warm_con.close()
    cold_con.close()


def test_rollouts_before_the_payload_wrapper(tmp_path):
    sid = "0199cccc-0000-7000-8000-00000000000c"
    lines = [
        {
            "id": sid,
            "timestamp": "2025-06-01T10:00:00.000Z",
            "instructions": None,
            "git": {"branch": "dev"},
        },
        {"record_type": "state"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]},
        {
            "type": "function_call",
            "name": "shell",
            "arguments": '{"command": ["ls"]}',
            "call_id": "c1",
        },
        {
            "type": "function_call_output",
            "call_id": "c1",
            "output": '{"output": "ls: x: No such file\\n", "metadata": {"exit_code": 1}}',
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "x is missing"}],
        },
    ]
    path = tmp_path / "sessions" / "2025" / "06" / "01" / f"rollout-2025-06-01T10-00-00-{sid}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    db = tmp_path / "wb.duckdb"
    s = ingest([tmp_path / "sessions"], db, user="ana", progress=False)
    assert s.bad_lines == 0
    con = store.open_db(db, read_only=True)
    assert rows(con, "SELECT type, left(text, 12) FROM messages ORDER BY ordinal") == [
        ("user", "hello"),
        ("assistant", None),
        ("user", None),
        ("assistant", "x is missing"),
    ]
    assert one(con, "SELECT name, is_error, result_text FROM tool_calls") == (
        "shell",
        True,
        "ls: x: No such file\n",
    )
    assert one(con, "SELECT git_branch, user_messages FROM sessions") == ("dev", 1)
    con.close()


def test_bad_codex_lines_are_recorded_and_the_rest_loads(tmp_path):
    sid = "0199dddd-0000-7000-8000-00000000000d"
    good = FILE_A.read_bytes().splitlines(keepends=True)
    lines = [
        good[0],  # 1 session_meta
        b"not json\n",  # 2
        b"[1, 2]\n",  # 3
        b'{"timestamp": "2026-01-05T09:00:01Z", "type": "response_item"}\n',  # 4 no payload
        b'{"timestamp": "2026-01-05T09:00:02Z", "payload": {"type": "message"}}\n',  # 5 no type
        b'{"type": "response_item", "payload": {"type": "message", "role": "user", '
        b'"content": "text"}}\n',  # 6 content not a list
        b'{"type": "response_item", "payload": {"role": "user"}}\n',  # 7 item without a type
        b'{"type": "response_item", "payload": {"type": "message", "role": "user", '
        b'"content": [{"type": "input_text", "text": "caf\xe9"}]}}\n',  # 8 latin-1 byte
        b"\n",  # 9 blank
        good[4],  # 10 the prompt
        b'{"type": "event_msg", "payload": {"type": "brand_new_event"}}\n',  # 11 unknown: skipped
        good[10],  # 12 a token_count
        b'{"timestamp": "2026-01-05T09:00:09Z", "type": "resp',  # 13 still being written
    ]
    path = tmp_path / "codex" / f"rollout-2026-01-05T09-00-00-{sid}.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"".join(lines))
    db = tmp_path / "wb.duckdb"
    s = ingest([path], db, user="ana", progress=False)
    assert (s.bad_lines, s.pending_lines) == (7, 1)
    con = store.open_db(db, read_only=True)
    got = rows(con, "SELECT line_no, reason FROM bad_lines ORDER BY line_no")
    assert [n for n, _ in got] == [2, 3, 4, 5, 6, 7, 8]
    reasons = dict(got)
    assert reasons[2].startswith("not valid JSON")
    assert reasons[3] == "not a JSON object (got an array)"
    assert reasons[4] == "response_item line has no payload object"
    assert reasons[5] == 'object has no "type" field'
    assert reasons[6] == "message payload has no content list"
    assert reasons[7] == 'response_item payload has no "type"'
    assert reasons[8].startswith("not valid UTF-8")
    assert one(con, "SELECT count(*), min(text) FROM messages") == (1, "fix the failing test")
    assert one(con, "SELECT count(*) FROM responses") == (1,)
    assert one(con, "SELECT lines, pending_bytes FROM files") == (12, len(lines[-1]))
    con.close()


def test_any_mix_of_agents_in_one_folder(tmp_path, capsys):
    # every format in one flat folder, under names that say nothing (a JSON document must be
    # named session-*.json, as Gemini names it): told apart by content
    mix = tmp_path / "mix"
    mix.mkdir()
    claude = DATA / "claude" / "projects" / "-home-ana-src-shop"
    shutil.copy(claude / "22222222-2222-4222-8222-222222222222.jsonl", mix / "a.jsonl")
    shutil.copy(FILE_A, mix / "b.jsonl")
    gemini = DATA / "gemini" / "tmp" / "549df1e2" / "chats"
    shutil.copy(gemini / "session-2026-01-06T10-00-aaaa1111.json", mix / "session-c.json")
    shutil.copy(gemini / "session-2026-01-07T09-00-bbbb2222.jsonl", mix / "d.jsonl")
    (mix / "notes.json").write_text('{"not": "a transcript"}')
    db = str(tmp_path / "wb.duckdb")
    code = main(["ingest", str(mix), "--db", db, "--user", "ana", "--json", "--no-progress"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (summary["files"], summary["sessions"], summary["bad_lines"]) == (4, 4, 0)
    con = store.open_db(db, read_only=True)
    assert rows(con, "SELECT agent, session_id FROM sessions ORDER BY agent, session_id") == [
        ("claude", "a"),
        ("codex", A),  # from session_meta: the file name has no UUID
        ("gemini", "aaaa1111-0000-4000-8000-000000000001"),
        ("gemini", "bbbb2222-0000-4000-8000-000000000002"),
    ]
    con.close()
    code = main(["tokens", "daily", "--db", db, "--agent", "gemini", "--json", "--timezone", "UTC"])
    days = {d["date"]: d["inputTokens"] for d in json.loads(capsys.readouterr().out)["daily"]}
    assert code == 0
    assert days == {"2026-01-06": 905, "2026-01-07": 800}
