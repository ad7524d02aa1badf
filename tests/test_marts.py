"""The marts count each fact once on the shapes real transcripts take (issue: the semantic core):
lines without requestId, subagent turns copied into the parent (agent_progress) with and
without the subagent's own file, a Gemini chat resumed into a second file, one Claude session
file present in two folders or moved between them. Hand-written transcripts, exact totals."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from workbench.ingest.load import ingest
from workbench.query import signals, tokens
from workbench.query.db import open_reader

PARENT = "a1a1a1a1-0000-4000-8000-000000000001"
AGENT = "feed01"
T0 = "2026-03-02T10:00:00.000Z"


def _ts(second: int) -> str:
    return f"2026-03-02T10:{second // 60:02d}:{second % 60:02d}.000Z"


def _line(sid: str, n: int, kind: str, message: dict, **extra) -> dict:
    return {
        "type": kind,
        "sessionId": sid,
        "uuid": f"{sid[:4]}-{n:04d}",
        "parentUuid": f"{sid[:4]}-{n - 1:04d}" if n > 1 else None,
        "timestamp": _ts(n * 10),
        "cwd": "/home/ana/src/shop",
        "isSidechain": False,
        "message": message,
        **extra,
    }


def _usage(inp: int, out: int, write: int = 0, read: int = 0) -> dict:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
    }


def _assistant(msg_id: str, usage: dict, text: str, model: str = "claude-sonnet-4-5") -> dict:
    return {
        "id": msg_id,
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "usage": usage,
    }


def _write(path: Path, lines: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def _session_lines(sid: str, *, request_ids: bool = True) -> list[dict]:
    """A prompt and two responses, each streamed over two content-block lines (partial output
    tokens on the first), as Claude Code writes them."""
    lines = [_line(sid, 1, "user", {"role": "user", "content": "hello"})]
    n = 2
    for k, (inp, out, write, read) in enumerate([(10, 100, 1000, 5000), (20, 200, 0, 6000)]):
        for partial in (True, False):
            extra = {"requestId": f"req_{sid[:4]}_{k}"} if request_ids else {}
            usage = _usage(inp, 8 if partial else out, write, read)
            lines.append(
                _line(sid, n, "assistant", _assistant(f"msg_{sid[:4]}_{k}", usage, "hi"), **extra)
            )
            n += 1
    return lines


ONE_SESSION = {"input": 30, "output": 300, "write": 1000, "read": 11000}


def _totals(db: Path) -> dict:
    data = tokens.report(open_reader(db), "daily", tz="UTC")["totals"]
    return {
        "input": data["inputTokens"],
        "output": data["outputTokens"],
        "write": data["cacheCreationTokens"],
        "read": data["cacheReadTokens"],
    }


def test_lines_without_request_id_are_deduplicated_on_message_id(tmp_path):
    _write(
        tmp_path / "p" / "-home-ana-src-shop" / f"{PARENT}.jsonl",
        _session_lines(PARENT, request_ids=False),
    )
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, user="ana", progress=False)
    assert _totals(db) == ONE_SESSION
    r = open_reader(db)
    assert r.scalar("SELECT count(*) FROM responses") == 2
    row = signals.get(r, PARENT)
    assert (row["own_responses"], row["own_output_tokens"]) == (2, 300)


def _agent_progress(parent: str, n: int, msg_id: str, usage: dict) -> dict:
    """Claude Code 2.x's copy of a subagent turn in the parent transcript."""
    return {
        "type": "progress",
        "sessionId": parent,
        "uuid": f"prog-{n:04d}",
        "parentUuid": None,
        "timestamp": _ts(n * 10),
        "parentToolUseID": "toolu_task_1",
        "toolUseID": f"agent_msg_{n}",
        "data": {
            "type": "agent_progress",
            "agentId": AGENT,
            "prompt": "look around",
            "message": {
                "type": "assistant",
                "timestamp": _ts(n * 10),
                "requestId": f"req_{msg_id}",
                "message": _assistant(msg_id, usage, "found it", model="claude-haiku-4-5"),
            },
        },
    }


def _parent_with_copies() -> list[dict]:
    lines = _session_lines(PARENT)
    lines.append(_agent_progress(PARENT, 10, "msg_sub_1", _usage(5, 50, 0, 700)))
    lines.append(_agent_progress(PARENT, 11, "msg_sub_2", _usage(6, 60, 0, 800)))
    return lines


def _subagent_file_lines() -> list[dict]:
    sid = PARENT
    out = []
    for n, (msg_id, usage) in enumerate(
        [("msg_sub_1", _usage(5, 50, 0, 700)), ("msg_sub_2", _usage(6, 60, 0, 800))], start=1
    ):
        line = _line(sid, n, "assistant", _assistant(msg_id, usage, "found it", "claude-haiku-4-5"))
        line.update(isSidechain=True, agentId=AGENT, requestId=f"req_{msg_id}")
        out.append(line)
    return out


WITH_SUBAGENT = {"input": 41, "output": 410, "write": 1000, "read": 12500}


def test_agent_progress_copies_count_when_the_subagent_file_is_missing(tmp_path):
    project = tmp_path / "p" / "-home-ana-src-shop"
    _write(project / f"{PARENT}.jsonl", _parent_with_copies())
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, user="ana", progress=False)
    assert _totals(db) == WITH_SUBAGENT
    r = open_reader(db)
    sub = signals.get(r, f"agent-{AGENT}")
    assert (sub["is_subagent"], sub["parent_session_id"], sub["messages"]) == (True, PARENT, 0)
    assert (sub["own_responses"], sub["own_output_tokens"], sub["source_missing"]) == (
        2,
        110,
        True,
    )
    parent = signals.get(r, PARENT)
    assert (parent["own_output_tokens"], parent["total_output_tokens"]) == (300, 410)
    assert parent["subagents"] == [f"agent-{AGENT}"]
    [row] = tokens.report(r, "session", tz="UTC")["sessions"]
    assert (row["sessionId"], row["outputTokens"]) == (PARENT, 410)


def test_agent_progress_copies_are_a_no_op_when_the_subagent_file_exists(tmp_path):
    project = tmp_path / "p" / "-home-ana-src-shop"
    _write(project / f"{PARENT}.jsonl", _parent_with_copies())
    _write(project / PARENT / "subagents" / f"agent-{AGENT}.jsonl", _subagent_file_lines())
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, user="ana", progress=False)
    assert _totals(db) == WITH_SUBAGENT
    r = open_reader(db)
    assert r.scalar("SELECT count(*) FROM responses") == 4
    sub = signals.get(r, f"agent-{AGENT}")
    assert (sub["messages"], sub["own_responses"], sub["source_missing"]) == (2, 2, False)
    assert signals.get(r, PARENT)["total_output_tokens"] == 410


def test_a_session_file_in_two_folders_counts_once(tmp_path):
    lines = _session_lines(PARENT) + [
        _line(PARENT, 6, "user", {"role": "user", "content": "thanks"})
    ]
    a = _write(tmp_path / "claude" / "projects" / "-home-ana-src-shop" / f"{PARENT}.jsonl", lines)
    b = tmp_path / "config" / "claude" / "projects" / "-home-ana-src-shop" / f"{PARENT}.jsonl"
    b.parent.mkdir(parents=True)
    shutil.copy(a, b)
    db = tmp_path / "wb.duckdb"
    s = ingest([tmp_path / "claude", tmp_path / "config"], db, user="ana", progress=False)
    assert s.files == 2 and s.sessions == 1 and s.totals["messages"] == 6
    assert _totals(db) == ONE_SESSION
    r = open_reader(db)
    row = signals.get(r, PARENT)
    assert (row["messages"], row["user_messages"], row["files"]) == (6, 2, 2)
    assert (row["own_output_tokens"], row["primary_model"]) == (300, "claude-sonnet-4-5")
    assert r.scalar(f"SELECT count(*) FROM messages WHERE session_id = '{PARENT}'") == 6


def test_a_moved_session_file_counts_once(tmp_path):
    lines = _session_lines(PARENT)
    old = _write(tmp_path / "projects" / "-home-ana-src-shop" / f"{PARENT}.jsonl", lines)
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, user="ana", progress=False)
    new = tmp_path / "projects" / "-home-ana-src-shop-v2" / f"{PARENT}.jsonl"
    new.parent.mkdir()
    old.rename(new)
    s = ingest([tmp_path / "projects"], db, user="ana", progress=False)
    assert s.files_vanished == 1
    assert _totals(db) == ONE_SESSION
    r = open_reader(db)
    row = signals.get(r, PARENT)
    assert (row["messages"], row["source_missing"], row["source_path"]) == (5, False, str(new))
    kpis = signals.kpis(r)
    assert kpis["sessions"] == 1


def test_a_resumed_gemini_chat_is_one_session_over_two_files(tmp_path):
    sid = "9e9e9e9e-0000-4000-8000-000000000009"
    chats = tmp_path / "gemini" / "tmp" / "abcd1234" / "chats"
    first = [
        {"id": "u1", "timestamp": "2026-03-01T09:00:00.000Z", "type": "user", "content": "hi"},
        {
            "id": "g1",
            "timestamp": "2026-03-01T09:00:05.000Z",
            "type": "gemini",
            "content": "hello",
            "model": "gemini-2.5-pro",
            "tokens": {"input": 100, "output": 10, "cached": 0, "thoughts": 0, "tool": 0},
        },
    ]
    doc = {
        "sessionId": sid,
        "projectHash": "abcd1234",
        "startTime": "2026-03-01T09:00:00.000Z",
        "lastUpdated": "2026-03-01T09:00:05.000Z",
        "messages": first,
    }
    chats.mkdir(parents=True)
    (chats / "session-2026-03-01T09-00-9e9e9e9e.json").write_text(json.dumps(doc))
    later = [
        {"id": "u2", "timestamp": "2026-03-02T14:00:00.000Z", "type": "user", "content": "more"},
        {
            "id": "g2",
            "timestamp": "2026-03-02T14:00:09.000Z",
            "type": "gemini",
            "content": "sure",
            "model": "gemini-2.5-pro",
            "tokens": {"input": 200, "output": 20, "cached": 50, "thoughts": 5, "tool": 0},
        },
    ]
    meta = {k: doc[k] for k in ("sessionId", "projectHash", "startTime")}
    _write(chats / "session-2026-03-02T14-00-9e9e9e9e.jsonl", [meta, *first, *later])
    db = tmp_path / "wb.duckdb"
    s = ingest([tmp_path / "gemini"], db, user="ana", progress=False)
    assert (s.files, s.sessions) == (2, 1)
    r = open_reader(db)
    row = signals.get(r, sid)
    assert (row["messages"], row["user_messages"], row["files"]) == (4, 2, 2)
    assert row["started_at"].isoformat() == "2026-03-01T09:00:00+00:00"
    assert (row["own_responses"], row["own_input_tokens"], row["own_output_tokens"]) == (
        2,
        100 + 150,
        10 + 25,
    )
    assert [m["content"] for m in signals_messages(r, sid)] == ["hi", "hello", "more", "sure"]


def signals_messages(r, sid: str) -> list[dict]:
    from workbench.query import transcript

    return transcript.message_window(r, sid)["messages"]


def test_an_append_rebuilds_only_what_it_touched_and_equals_a_cold_ingest(tmp_path):
    project = tmp_path / "p" / "-home-ana-src-shop"
    other = "b2b2b2b2-0000-4000-8000-000000000002"
    _write(project / f"{other}.jsonl", _session_lines(other))
    lines = _parent_with_copies()
    path = _write(project / f"{PARENT}.jsonl", lines[:3])
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, user="ana", progress=False)
    with open(path, "a") as fh:
        fh.write("".join(json.dumps(x) + "\n" for x in lines[3:]))
    s = ingest([tmp_path / "p"], db, user="ana", progress=False)
    assert (s.files_appended, s.files_unchanged) == (1, 1)
    cold = tmp_path / "cold.duckdb"
    ingest([tmp_path / "p"], cold, user="ana", progress=False)
    query = (
        "SELECT session_id, messages, own_total_tokens, total_total_tokens, own_cost_usd, "
        "total_cost_usd, tool_calls, outcome FROM sessions ORDER BY ALL"
    )
    assert open_reader(db).rows(query) == open_reader(cold).rows(query)
    assert open_reader(db).rows("SELECT * FROM responses ORDER BY dedupe_key") == open_reader(
        cold
    ).rows("SELECT * FROM responses ORDER BY dedupe_key")


def test_a_session_with_responses_and_no_message_has_a_row_and_a_period(tmp_path):
    # a Codex rollout of token counts alone (truncated, or written by a tool that keeps no
    # messages): its response counts in tokens daily, so the session has a row, its span and
    # activity are its responses' times, and every period that holds them holds the session
    sid = "0199dddd-0000-7000-8000-00000000000d"
    day = tmp_path / "codex" / "sessions" / "2026" / "03" / "01"
    meta = {"id": sid, "timestamp": "2026-03-01T11:00:00Z", "cwd": "/w"}
    lines = [
        {"timestamp": "2026-03-01T11:00:00Z", "type": "session_meta", "payload": meta},
        {
            "timestamp": "2026-03-01T11:00:01Z",
            "type": "turn_context",
            "payload": {"cwd": "/w", "model": "gpt-5.1-codex"},
        },
    ]
    for minute, total in ((1, 1004), (3, 2012)):
        lines.append(
            {
                "timestamp": f"2026-03-01T11:0{minute}:00Z",
                "type": "event_msg",
                "payload": {
                    "type": "token_count",
                    "info": {
                        "total_token_usage": {
                            "input_tokens": total - 4 * minute,
                            "output_tokens": 4 * minute,
                            "total_tokens": total,
                        },
                        "last_token_usage": {"input_tokens": 1, "output_tokens": 3},
                    },
                },
            }
        )
    _write(day / f"rollout-2026-03-01T11-00-00-{sid}.jsonl", lines)
    _write(tmp_path / "p" / "-home-ana-src-shop" / f"{PARENT}.jsonl", _session_lines(PARENT))
    db = tmp_path / "wb.duckdb"
    s = ingest([tmp_path / "codex", tmp_path / "p"], db, user="ana", progress=False)
    assert (s.totals["sessions"], s.totals["api_responses"]) == (2, 4)
    r = open_reader(db)
    row = signals.get(r, sid)
    assert (row["messages"], row["own_responses"], row["user_messages"]) == (0, 2, 0)
    assert row["own_total_tokens"] == row["total_total_tokens"] > 0
    assert row["started_at"].isoformat() == "2026-03-01T11:01:00+00:00"
    assert row["ended_at"].isoformat() == "2026-03-01T11:03:00+00:00"
    assert (row["wall_seconds"], row["active_seconds"], row["activity_blocks"]) == (120, 120, 1)
    assert r.rows(f"SELECT messages FROM activity_blocks WHERE session_id = '{sid}'") == [
        {"messages": 0}
    ]
    # one set of numbers: all time, and the day the session happened on
    day1 = {"since": datetime(2026, 3, 1, tzinfo=UTC), "until": datetime(2026, 3, 2, tzinfo=UTC)}
    for window in ({}, day1):
        daily = tokens.report(r, "daily", tz="UTC", **window)["totals"]
        listed = signals.listing(r, **window)["rows"]
        assert sid in {x["session_id"] for x in listed}, window
        assert sum(x["total_total_tokens"] for x in listed) == daily["totalTokens"], window
    assert signals.kpis(r, **day1)["sessions"] == 1
    r.close()
    # an append of a message gives it the messages' span, as any session
    with open(day / f"rollout-2026-03-01T11-00-00-{sid}.jsonl", "a") as fh:
        fh.write(
            json.dumps(
                {
                    "timestamp": "2026-03-01T11:05:00Z",
                    "type": "response_item",
                    "payload": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "and now?"}],
                    },
                }
            )
            + "\n"
        )
    ingest([tmp_path / "codex", tmp_path / "p"], db, user="ana", progress=False)
    row = signals.get(open_reader(db), sid)
    assert (row["messages"], row["own_responses"]) == (1, 2)
    assert row["started_at"].isoformat() == "2026-03-01T11:05:00+00:00"
