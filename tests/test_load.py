"""Ingest of Claude Code transcripts: rows, token dedupe, subagents, summaries."""

from __future__ import annotations

import duckdb
from conftest import S1, S2, one, rows

from workbench.core import config
from workbench.ingest.load import ingest


def test_sessions_are_one_per_transcript_with_messages(con):
    ids = {r[0] for r in rows(con, "SELECT session_id FROM sessions")}
    # the summary-only file holds no session
    assert ids == {S1, S2, "agent-sub001", "agent-warm0001"}


def test_main_session_fields(con):
    r = one(
        con,
        """
        SELECT user_name, project, project_path, git_branch, cli_version, messages,
               user_messages, tool_calls, tool_errors, first_prompt, primary_model,
               started_at::VARCHAR, ended_at::VARCHAR, is_subagent, agent
        FROM sessions WHERE session_id = ?""",
        [S1],
    )
    assert r == (
        "ana",
        "shop",
        "/home/ana/src/shop",
        "main",
        "2.1.42",
        15,
        2,
        4,
        1,
        "Add a cart endpoint to the shop API",
        "claude-sonnet-4-5-20250929",
        "2026-03-02 09:00:00+00",
        "2026-03-02 09:30:00+00",
        False,
        "claude",
    )


def test_subagents_link_to_their_parent(con):
    got = rows(
        con,
        """
        SELECT session_id, parent_session_id, agent_id, agent_type, agent_description
        FROM sessions WHERE is_subagent ORDER BY session_id""",
    )
    assert got == [
        ("agent-sub001", S1, "sub001", "Explore", "Survey tests"),  # 2.1 layout + meta.json
        ("agent-warm0001", S1, "warm0001", None, None),  # 2.0 layout: parent from the lines
    ]


def test_missing_subagent_file_is_harmless(con):
    # toolu_4's result names agent gone42, whose file does not exist
    assert one(con, "SELECT agent_id FROM raw_tool_results WHERE tool_use_id = 'toolu_4'") == (
        "gone42",
    )
    assert one(con, "SELECT count(*) FROM sessions WHERE agent_id = 'gone42'") == (0,)


def test_token_dedupe_counts_each_response_once(con):
    # hand-computed from the fixture: 10 responses (msg_A split over 3 lines, msg_B repeated by
    # the subagent file, the <synthetic> API-error line excluded)
    assert one(
        con,
        """
        SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
               sum(cache_5m_tokens), sum(cache_1h_tokens), sum(cache_read_tokens)
        FROM responses""",
    ) == (10, 51, 527, 2100, 1700, 400, 41800)
    # the split response keeps its largest (final) line, not the partial ones
    assert one(con, "SELECT output_tokens, line_no FROM responses WHERE message_id = 'msg_A'") == (
        120,
        6,
    )
    # usage_lines keeps every line as written
    assert one(con, "SELECT count(*) FROM usage_lines WHERE message_id = 'msg_A'") == (3,)


def test_repeated_response_goes_to_the_non_sidechain_copy(con):
    assert one(
        con, "SELECT session_id, is_sidechain FROM responses WHERE message_id = 'msg_B'"
    ) == (S1, False)
    assert rows(
        con,
        """
        SELECT session_id, own_responses, own_input_tokens, own_output_tokens,
               own_cache_creation_tokens, own_cache_read_tokens
        FROM sessions ORDER BY session_id""",
    ) == [
        (S1, 5, 22, 330, 1300, 29800),
        (S2, 2, 15, 120, 500, 6500),
        ("agent-sub001", 2, 11, 70, 300, 4300),
        ("agent-warm0001", 1, 3, 7, 0, 1200),
    ]


def test_synthetic_lines_are_messages_but_not_api_calls(con):
    assert one(con, "SELECT is_api_error, model FROM messages WHERE message_id = 'msg_syn'") == (
        True,
        "<synthetic>",
    )
    assert one(con, "SELECT count(*) FROM usage_lines WHERE model = '<synthetic>'") == (0,)


def test_messages_text_thinking_and_order(con):
    got = rows(
        con,
        """
        SELECT ordinal, line_no, type, left(text, 26), thinking FROM messages
        WHERE session_id = ? AND ordinal < 4 ORDER BY ordinal""",
        [S1],
    )
    assert got == [
        (0, 3, "user", "Add a cart endpoint to the", None),
        (1, 4, "assistant", None, "Check the router first."),
        (2, 5, "assistant", "Let me look at the routes.", None),
        (3, 6, "assistant", None, None),
    ]
    # summary, snapshot, progress and last-prompt lines are not messages
    assert one(con, "SELECT count(*) FROM messages WHERE session_id = ?", [S1]) == (15,)


def test_timestamps_of_every_rfc3339_form(con):
    got = dict(
        rows(
            con,
            """
        SELECT uuid, ts::VARCHAR FROM messages WHERE uuid IN ('u-006', 'u-008', 'u-015')""",
        )
    )
    assert got == {
        "u-006": "2026-03-02 09:00:10+00",  # +02:00 offset
        "u-008": "2026-03-02 09:01:00.123456+00",  # nine fractional digits
        "u-015": "2026-03-02 09:30:00+00",  # no fraction
    }


def test_tool_calls_join_calls_and_results(con):
    got = rows(
        con,
        """
        SELECT tool_use_id, name, json_extract_string(input_json, '$.command'), is_error,
               left(result_text, 13), result_length, has_result
        FROM tool_calls WHERE session_id = ? ORDER BY ordinal""",
        [S1],
    )
    error = "Exit code 127\n/bin/bash: line 1: pnpm: command not found"
    assert got[0] == ("toolu_1", "Bash", "pnpm routes", True, "Exit code 127", len(error), True)
    # a result given as a list of text blocks is joined with newlines
    assert got[1][4:6] == (
        "1\tfrom flask ",
        len("1\tfrom flask import Flask\n2\tapp = Flask(__name__)"),
    )
    assert [g[0] for g in got] == ["toolu_1", "toolu_2", "toolu_3", "toolu_4"]


def test_files_table_records_what_was_read(con, corpus):
    got = one(
        con,
        """
        SELECT agent, user_name, kind, lines, bad_lines, pending_bytes, size_bytes = bytes_consumed,
               missing, parser_version
        FROM files WHERE session_id = ?""",
        [S1],
    )
    assert got == ("claude", "ana", "session", 19, 0, 0, True, False, config.PARSER_VERSION)
    assert one(con, "SELECT count(*) FROM files") == (5,)


def test_ingest_summary(corpus, db_path):
    s = ingest([corpus], db_path, user="ana", progress=False)
    assert (s.files, s.files_parsed, s.files_unchanged, s.sessions, s.bad_lines) == (5, 5, 0, 4, 0)
    assert s.lines == 19 + 5 + 2 + 4 + 1
    with duckdb.connect(str(db_path), read_only=True) as con:
        tokens = one(con, "SELECT sum(total_tokens) FROM responses")[0]
    assert s.totals["api_responses"] == 10 and s.totals["tokens"] == tokens > 0
    again = ingest([corpus], db_path, user="ana", progress=False)
    assert again.totals == s.totals  # nothing rebuilt: the totals the last rebuild stored
    assert (again.files_parsed, again.files_appended, again.files_unchanged, again.lines) == (
        0,
        0,
        5,
        0,
    )


def test_a_commit_goes_to_the_file_unless_the_database_is_held_open(corpus, ingested):
    # A connection held open (as a server holds its database) keeps DuckDB from checkpointing
    # when the ingest's own connection closes, so the write-ahead log shows where commits went.
    wal = ingested.with_name(ingested.name + ".wal")
    target = sorted(corpus.rglob("*.jsonl"))[0]
    first = target.read_text().splitlines()[0]
    lines = "SELECT lines FROM files WHERE path = ?"
    keeper = duckdb.connect(str(ingested))
    try:
        (before,) = keeper.execute(lines, [str(target)]).fetchone()
        for held in (False, True):
            with target.open("a") as fh:
                fh.write(first + "\n")
            s = ingest(
                [corpus], ingested, user="ana", progress=False, use_manifest=False, held=held
            )
            assert s.files_appended == 1
            if held:
                assert wal.stat().st_size > 0  # a held database's commit stays in the log
            else:
                assert not wal.exists() or wal.stat().st_size == 0  # straight into the file
        assert keeper.execute(lines, [str(target)]).fetchone() == (before + 2,)
    finally:
        keeper.close()
    with duckdb.connect(str(ingested), read_only=True) as con:  # nothing lost on the way
        assert con.execute(lines, [str(target)]).fetchone() == (before + 2,)
