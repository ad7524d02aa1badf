"""Conformance over the real Codex and Gemini transcripts in ../shared/fixtures (skipped when
absent). Reference numbers: ../shared/fixtures/README.md and the issue (ccusage 20.0.24,
`codex daily --offline --json --timezone UTC`; Gemini with thoughts billed as output)."""

from __future__ import annotations

import pytest
from conftest import SHARED_FIXTURES, one, rows

from workbench.core import store
from workbench.ingest.load import ingest
from workbench.query import tokens
from workbench.query.db import open_reader

CODEX = SHARED_FIXTURES / "codex"
GEMINI = SHARED_FIXTURES / "gemini"
pytestmark = pytest.mark.skipif(
    not (CODEX.is_dir() and GEMINI.is_dir()), reason="../shared/fixtures not present"
)
CODEX_MAIN = "019b04ae-b1c6-7c72-a134-a4c2de66058c"
CODEX_EXCERPT = "019b64e5-57fa-7463-b644-fba7e456f905"
GEMINI_SESSION = "f0a689a6-b0ac-407f-afcc-4fafa9e14e8a"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("agents") / "wb.duckdb"
    summary = ingest([CODEX, GEMINI], db, user="fixtures", progress=False)
    assert (summary.files, summary.files_parsed, summary.files_unsupported) == (3, 3, 0)
    assert summary.bad_lines == 0
    return db


@pytest.fixture
def con(fixture_db):
    c = store.open_db(fixture_db, read_only=True)
    yield c
    c.close()


def _day(fixture_db, agent: str) -> dict:
    report = tokens.report(open_reader(fixture_db), "daily", tz="UTC", agents=[agent])
    assert [d["date"] for d in report["daily"]] == ["2025-12-09"]
    return report["daily"][0]


def test_codex_day_equals_ccusage(fixture_db):
    day = _day(fixture_db, "codex")
    got = (day["inputTokens"], day["cacheReadTokens"], day["outputTokens"])
    assert got == (3_828, 22_912, 408)
    assert day["cacheCreationTokens"] == 0
    assert day["modelsUsed"] == ["gpt-5.1-codex-max"]
    assert day["totalCost"] == pytest.approx(0.011729, rel=0.01)


def test_codex_token_events(con):
    # 14 token_count events: one info:null, six exact repeats; the last total is 26,740 input
    # (22,912 cached), 408 output (128 reasoning)
    assert one(con, "SELECT count(*) FROM usage_lines WHERE session_id = ?", [CODEX_MAIN]) == (13,)
    assert one(
        con,
        "SELECT count(*), sum(input_tokens + cache_read_tokens), sum(reasoning_tokens), "
        "sum(total_tokens) FROM responses WHERE session_id = ?",
        [CODEX_MAIN],
    ) == (7, 26_740, 128, 27_148)


def test_codex_sessions(con):
    got = rows(
        con,
        "SELECT session_id, project_path, git_branch, cli_version, user_messages, tool_calls, "
        "tool_errors, primary_model FROM sessions WHERE agent = 'codex' ORDER BY session_id",
    )
    assert got == [
        # two shell calls end with "Exit code: 1"; apply_patch is a custom tool call
        (CODEX_MAIN, "/Users/test_user/agent-sample", "codex", "0.66.0", 2, 5, 2,
         "gpt-5.1-codex-max"),
        # the excerpt: AGENTS.md and environment_context are context, one prompt, no tokens
        (CODEX_EXCERPT, "/Users/macmini/Code/homelab-migration", None, "0.77.0", 1, 0, 0, None),
    ]  # fmt: skip
    assert rows(
        con,
        "SELECT is_meta, count(*) FROM messages WHERE session_id = ? GROUP BY ALL ORDER BY ALL",
        [CODEX_EXCERPT],
    ) == [(False, 1), (True, 2)]
    assert one(
        con,
        "SELECT count(*) FROM tool_calls WHERE session_id = ? AND name = 'apply_patch' "
        "AND has_result AND NOT is_error",
        [CODEX_MAIN],
    ) == (1,)


def test_gemini_day_with_thoughts_as_output(fixture_db):
    day = _day(fixture_db, "gemini")
    got = (day["inputTokens"], day["cacheReadTokens"], day["outputTokens"])
    assert got == (23_896, 43_377, 677)  # output 300 + thoughts 377
    assert day["modelsUsed"] == ["gemini-2.5-flash"]


def test_gemini_session(con):
    got = one(
        con,
        "SELECT messages, user_messages, assistant_messages, tool_calls, tool_errors, "
        "own_responses, started_at, ended_at, primary_model FROM sessions WHERE session_id = ?",
        [GEMINI_SESSION],
    )
    # `cd myapp && python hoge.py` reports "Exit Code: 1" under status success
    assert got[:6] == (9, 2, 7, 5, 1, 7)
    assert (got[6].isoformat(), got[7].isoformat()) == (
        "2025-12-09T19:51:29.418000+00:00",
        "2025-12-09T19:54:21.715000+00:00",
    )
    assert got[8] == "gemini-2.5-flash"
    assert one(
        con,
        "SELECT name, left(result_text, 35) FROM tool_calls WHERE session_id = ? AND is_error",
        [GEMINI_SESSION],
    ) == ("run_shell_command", "Command: cd myapp && python hoge.py")
