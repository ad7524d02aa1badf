"""Gemini CLI chats: the legacy JSON document, the JSONL record log, subagents, bad input.

tests/data/gemini/tmp/549df1e2/chats holds three hand-written chats of one project:
- session-…-aaaa1111.json (legacy, one JSON document): 8 messages of every type; tokens
  (input/cached/output/thoughts/tool) 1000/400/20/30/0 and 1200/1000/10/0/5 on gemini-2.5-pro,
  1300/1200/5/0/0 on gemini-2.5-flash; tool calls: a write that succeeds, a shell command with
  "Exit Code: 2" (status success), a read with status error, a replace the user cancelled.
- session-…-bbbb2222.jsonl (records): g1 written twice (the second adds the tool result and
  tokens), a `$rewindTo` of u2 that drops u2 and g3, `$set` patches; tokens 500/0/10/5,
  600/500/8/0, 700/600/12/0 (g3, rewound but billed), 800/700/20/10.
- bbbb2222-…/cccc3333-….jsonl: a subagent of bbbb2222, 300/0/5/0 on gemini-2.5-flash.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATA, one, rows

from workbench.core import config, store
from workbench.ingest.discover import discover
from workbench.ingest.load import ingest

GEMINI = DATA / "gemini"
CHATS = GEMINI / "tmp" / "549df1e2" / "chats"
HASH = "549df1e2e63b588ddd2563983ddfa9ff29a133ae610f24e9f73048e8cd15c502"  # sha256 /home/ana/shop
G1 = "aaaa1111-0000-4000-8000-000000000001"
G2 = "bbbb2222-0000-4000-8000-000000000002"
G3 = "cccc3333-0000-4000-8000-000000000003"
LEGACY = CHATS / "session-2026-01-06T10-00-aaaa1111.json"
RECORDS = CHATS / "session-2026-01-07T09-00-bbbb2222.jsonl"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    dest = tmp_path / "gemini"
    shutil.copytree(GEMINI, dest)
    return dest


@pytest.fixture
def gemini_db(tmp_path: Path) -> Path:
    db = tmp_path / "wb.duckdb"
    summary = ingest([GEMINI], db, user="ana", progress=False)
    assert (summary.files, summary.files_parsed, summary.bad_lines) == (3, 3, 0)
    return db


@pytest.fixture
def con(gemini_db: Path):
    c = store.open_db(gemini_db, read_only=True)
    yield c
    c.close()


def test_ids_come_from_the_chat_not_the_file_name():
    found = discover([GEMINI / "tmp"], user="ana")
    got = [
        (
            Path(f.path).name[:18],
            f.session_id,
            f.kind,
            f.parent_session_id,
            f.project_dir,
            f.document,
            f.appendable,
        )
        for f in found.files
    ]
    assert got == [
        (f"{G3}.jsonl"[:18], G3, "subagent", G2, HASH, False, False),
        ("session-2026-01-06", G1, "session", None, HASH, True, False),
        ("session-2026-01-07", G2, "session", None, HASH, False, False),
    ]


def test_legacy_document_messages(con):
    got = rows(
        con,
        "SELECT ordinal, line_no, type, subtype, level, left(text, 14), is_api_error, model "
        "FROM messages WHERE session_id = ? ORDER BY ordinal",
        [G1],
    )
    assert got == [
        (0, 1, "user", None, None, "add a README", False, None),
        (1, 1, "assistant", None, None, "I'll create it", False, "gemini-2.5-pro"),
        (2, 1, "assistant", None, None, "Now checking.", False, "gemini-2.5-pro"),
        (3, 1, "system", "info", "info", "Request cancel", False, None),
        (4, 1, "user", None, None, "thanks", False, None),
        (5, 1, "assistant", None, None, "You're welcome", False, "gemini-2.5-flash"),
        (6, 1, "system", "error", "error", "[API Error: Qu", True, None),
        (7, 1, "system", "warning", "warning", "Some MCP tools", False, None),
    ]
    assert one(con, "SELECT thinking FROM messages WHERE session_id = ? AND ordinal = 1", [G1]) == (
        "Planning: Write a short README.",
    )
    got = one(
        con,
        "SELECT agent, project, project_path, started_at, ended_at, user_messages, "
        "system_messages, first_prompt, primary_model FROM sessions WHERE session_id = ?",
        [G1],
    )
    assert got[:3] == ("gemini", HASH, HASH)  # Gemini records only a hash of the project path
    assert (got[3].isoformat(), got[4].isoformat()) == (
        "2026-01-06T10:00:00+00:00",
        "2026-01-06T10:03:00+00:00",
    )
    assert got[5:] == (2, 3, "add a README", "gemini-2.5-pro")


def test_embedded_tool_calls_and_their_errors(con):
    got = rows(
        con,
        "SELECT tool_use_id, name, is_error, interrupted, left(result_text, 20), result_ts "
        "FROM tool_calls WHERE session_id = ? ORDER BY ordinal, block_index",
        [G1],
    )
    assert [g[:5] for g in got] == [
        ("write_file-1", "write_file", False, False, "Successfully created"),
        ("run_shell_command-2", "run_shell_command", True, False, "Command: ls missing\n"),
        ("read_file-3", "read_file", True, False, "Permission denied: /"),
        ("replace-4", "replace", True, True, "[Operation Cancelled"),
    ]
    assert got[0][5].isoformat() == "2026-01-06T10:00:05+00:00"  # the call's own timestamp
    args = one(con, "SELECT input_json FROM raw_tool_uses WHERE tool_use_id = 'read_file-3'")[0]
    assert json.loads(args) == {"absolute_path": "/etc/shadow"}
    assert one(con, "SELECT tool_calls, tool_errors FROM sessions WHERE session_id = ?", [G1]) == (
        4,
        3,
    )


def test_tokens_cached_is_part_of_input_and_thoughts_bill_as_output(con):
    got = rows(
        con,
        "SELECT model, count(*), sum(input_tokens), sum(cache_read_tokens), sum(output_tokens), "
        "sum(reasoning_tokens), sum(total_tokens) FROM responses WHERE session_id = ? "
        "GROUP BY model ORDER BY model",
        [G1],
    )
    assert got == [
        # (1300-1200) / 1200 / 5
        ("gemini-2.5-flash", 1, 100, 1200, 5, 0, 1305),
        # (1000-400) + (1200-1000) + 5 tool-use prompt tokens / 400+1000 / 20+30 + 10
        ("gemini-2.5-pro", 2, 805, 1400, 60, 30, 2265),
    ]
    # a message's own usage, as on Claude lines
    assert one(
        con,
        "SELECT has_usage, input_tokens, output_tokens, cache_read_tokens FROM messages "
        "WHERE session_id = ? AND ordinal = 1",
        [G1],
    ) == (True, 600, 50, 400)


def test_records_latest_per_id_wins_and_rewind_truncates(con):
    got = rows(
        con,
        "SELECT ordinal, line_no, uuid, type, text FROM messages WHERE session_id = ? "
        "ORDER BY ordinal",
        [G2],
    )
    assert got == [
        (0, 2, "u1", "user", "list the files"),
        (1, 5, "g1", "assistant", None),  # its second record (line 5) wins
        (2, 6, "g2", "assistant", "There are 2 files."),
        (3, 10, "u3", "user", "summarize them instead"),  # u2 and g3 were rewound
        (4, 11, "g4", "assistant", "Two files: a.txt and b.txt."),
    ]
    assert rows(
        con, "SELECT tool_use_id, is_error, has_result FROM tool_calls WHERE session_id = ?", [G2]
    ) == [("ls-1", False, True)]
    # the rewound response was billed: it stays in the token totals
    assert rows(
        con,
        "SELECT message_id, input_tokens, cache_read_tokens, output_tokens FROM responses "
        "WHERE session_id = ? ORDER BY line_no",
        [G2],
    ) == [("g1", 500, 0, 15), ("g2", 100, 500, 8), ("g3", 100, 600, 12), ("g4", 100, 700, 30)]


def test_subagent_chat_is_linked_to_its_parent(con):
    assert one(
        con,
        "SELECT is_subagent, parent_session_id, agent_id, project, own_input_tokens, first_prompt "
        "FROM sessions WHERE session_id = ?",
        [G3],
    ) == (True, G2, G3, HASH, 300, "Find the config files")


def test_a_migrated_chat_counts_its_responses_once(corpus, tmp_path):
    # resuming a legacy chat, Gemini CLI writes session-X.jsonl beside session-X.json with the
    # same session id and every message again
    legacy = corpus / LEGACY.relative_to(GEMINI)
    doc = json.loads(legacy.read_text())
    meta = {k: doc[k] for k in ("sessionId", "projectHash", "startTime", "lastUpdated")}
    records = [meta, *doc["messages"], {"$set": {"sessionId": doc["sessionId"]}}]
    legacy.with_suffix(".jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    db = tmp_path / "migrated.duckdb"
    s = ingest([corpus], db, user="ana", progress=False)
    assert (s.files, s.bad_lines) == (4, 0)
    con = store.open_db(db, read_only=True)
    assert one(con, "SELECT count(*) FROM sessions WHERE session_id = ?", [G1]) == (1,)
    assert one(
        con,
        "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM responses "
        "WHERE session_id = ?",
        [G1],
    ) == (3, 905, 65)
    con.close()


def test_a_changed_chat_is_read_again_in_full(corpus, tmp_path):
    db = tmp_path / "wb.duckdb"
    ingest([corpus], db, user="ana", progress=False)
    records = corpus / RECORDS.relative_to(GEMINI)
    with open(records, "a") as fh:  # g4 again, with its final token count
        fh.write(
            json.dumps(
                {
                    "id": "g4",
                    "timestamp": "2026-01-07T09:02:04.000Z",
                    "type": "gemini",
                    "content": "Two files.",
                    "model": "gemini-2.5-pro",
                    "tokens": {
                        "input": 900,
                        "output": 25,
                        "cached": 700,
                        "thoughts": 10,
                        "tool": 0,
                        "total": 935,
                    },
                }
            )
            + "\n"
        )
    legacy = corpus / LEGACY.relative_to(GEMINI)
    doc = json.loads(legacy.read_text())
    del doc["messages"][4:]  # a rewritten document, shorter than before
    legacy.write_text(json.dumps(doc, indent=2))
    s = ingest([corpus], db, user="ana", progress=False)
    assert (s.files_parsed, s.files_appended, s.files_unchanged) == (2, 0, 1)
    con = store.open_db(db, read_only=True)
    assert rows(
        con,
        "SELECT session_id, messages, own_responses, own_input_tokens, own_output_tokens "
        "FROM sessions "
        "WHERE session_id IN (?, ?) ORDER BY session_id",
        [G1, G2],
    ) == [(G1, 4, 2, 805, 60), (G2, 5, 4, 500 + 100 + 100 + 200, 15 + 8 + 12 + 35)]
    assert one(con, "SELECT text FROM messages WHERE uuid = 'g4'") == ("Two files.",)
    con.close()


def test_a_broken_document_is_one_bad_line(corpus, tmp_path):
    legacy = corpus / LEGACY.relative_to(GEMINI)
    text = legacy.read_text()
    legacy.write_text(text[: text.index('"m3"') + 4])  # cut while being written
    db = tmp_path / "wb.duckdb"
    s = ingest([corpus], db, user="ana", progress=False)
    assert (s.files_parsed, s.bad_lines) == (3, 1)
    con = store.open_db(db, read_only=True)
    line_no, offset, reason, excerpt = one(
        con, "SELECT line_no, byte_offset, reason, excerpt FROM bad_lines"
    )
    assert (line_no, offset) == (1, 0)
    assert reason.startswith("not valid JSON: ") and "(line " in reason
    assert excerpt.startswith('{\n  "sessionId": "aaaa1111')
    assert one(con, "SELECT count(*) FROM messages WHERE session_id = ?", [G1]) == (0,)
    assert one(con, "SELECT count(*) FROM sessions") == (2,)  # the other chats load
    con.close()


def test_bad_records_are_recorded_and_the_rest_loads(tmp_path):
    chats = tmp_path / "tmp" / "feedbeef" / "chats"
    chats.mkdir(parents=True)
    lines = [
        b'{"sessionId": "dddd4444", "projectHash": "feedbeef"}',  # 1 metadata
        b'{"id": "u1", "timestamp": "2026-01-08T08:00:00Z", "type": "user", "content": "hi"}',
        b"{broken",  # 3
        b'"just a string"',  # 4
        b'{"id": "x1", "content": "no type"}',  # 5
        b'{"hello": "world"}',  # 6 none of id, sessionId, $set, $rewindTo
        b'{"$set": {"messages": "not a list"}}',  # 7
        b'{"id": "u2", "type": "user", "content": "caf\xe9"}',  # 8 latin-1 byte
        b'{"id": "n1", "type": "brand-new-type", "content": "skipped"}',  # 9 unknown type
        b'{"id": "g1", "timestamp": "2026-01-08T08:00:02Z", "type": "gemini", "content": "hello",'
        b' "tokens": {"input": 10, "output": 2, "cached": 0}}',  # 10
    ]
    (chats / "session-2026-01-08T08-00-dddd4444.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    db = tmp_path / "wb.duckdb"
    s = ingest([tmp_path / "tmp"], db, user="ana", progress=False)
    assert s.bad_lines == 6
    con = store.open_db(db, read_only=True)
    reasons = dict(rows(con, "SELECT line_no, reason FROM bad_lines"))
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert reasons[3].startswith("not valid JSON")
    assert reasons[4] == "not a JSON object (got a string)"
    assert reasons[5] == 'message record has no "type" field'
    assert reasons[6] == 'not a Gemini chat record (no "id", "sessionId", "$set" or "$rewindTo")'
    assert reasons[7] == '"messages" is not a list'
    assert reasons[8].startswith("not valid UTF-8")
    assert rows(con, "SELECT uuid, type FROM messages ORDER BY ordinal") == [
        ("u1", "user"),
        ("g1", "assistant"),
    ]
    assert one(con, "SELECT session_id, own_input_tokens FROM sessions") == ("dddd4444", 10)
    con.close()


def test_team_root_with_every_agent(tmp_path):
    team = tmp_path / "team"
    shutil.copytree(DATA / "claude" / "projects", team / "ana" / ".claude" / "projects")
    shutil.copytree(DATA / "codex" / "sessions", team / "ana" / ".codex" / "sessions")
    shutil.copytree(GEMINI / "tmp", team / "ben" / ".gemini" / "tmp")
    db = tmp_path / "wb.duckdb"
    s = ingest([team], db, progress=False)
    assert (s.files, s.files_unsupported, s.bad_lines) == (5 + 2 + 3, 0, 0)
    con = store.open_db(db, read_only=True)
    assert rows(
        con, "SELECT user_name, agent, count(*) FROM sessions GROUP BY ALL ORDER BY ALL"
    ) == [("ana", "claude", 4), ("ana", "codex", 2), ("ben", "gemini", 3)]
    con.close()


def test_every_folder_of_one_persons_homes(monkeypatch):
    # a home under any name (tests/data/gemini is like ~/.gemini), its tmp, a project, its chats;
    # none of them is mistaken for a team root of users
    monkeypatch.setattr(config, "default_user", lambda: "osuser")
    project = GEMINI / "tmp" / "549df1e2"
    for folder in (GEMINI, GEMINI / "tmp", project, project / "chats"):
        found = discover([folder])
        assert (len(found.files), {f.user for f in found.files}) == (3, {"osuser"})


def test_set_messages_update_and_rewind_to_an_unknown_id(tmp_path):
    chats = tmp_path / "tmp" / "cafe0001" / "chats"
    chats.mkdir(parents=True)
    ts = "2026-01-09T08:00:0{}Z"
    records = [
        {"sessionId": "eeee5555", "projectHash": "cafe0001"},
        {"id": "a", "timestamp": ts.format(0), "type": "user", "content": "first"},
        {"id": "b", "timestamp": ts.format(1), "type": "gemini", "content": "long answer"},
        {"$rewindTo": "nowhere"},  # unknown: every message so far is dropped
        {"id": "c", "timestamp": ts.format(2), "type": "user", "content": "second"},
        {"id": "d", "timestamp": ts.format(3), "type": "gemini", "content": "full output"},
        # history rewritten (masking): d updated, a summary turn added, c left out of the list
        {"$set": {"messages": [
            {"id": "d", "timestamp": ts.format(3), "type": "gemini", "content": "[masked]"},
            {"id": "s", "timestamp": ts.format(4), "type": "user", "content": "<state_snapshot>"},
        ]}},
    ]  # fmt: skip
    path = chats / "session-2026-01-09T08-00-eeee5555.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    db = tmp_path / "wb.duckdb"
    assert ingest([tmp_path / "tmp"], db, user="ana", progress=False).bad_lines == 0
    con = store.open_db(db, read_only=True)
    assert rows(
        con, "SELECT ordinal, uuid, text, is_compact_summary FROM messages ORDER BY ordinal"
    ) == [
        (0, "c", "second", False),
        (1, "d", "[masked]", False),
        (2, "s", "<state_snapshot>", True),
    ]
    con.close()
