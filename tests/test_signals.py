"""Per-session signals: time, counters, retries, churn, outcome and health, hand-computed."""

from __future__ import annotations

import pytest
from builders import Transcript
from conftest import one, rows

from workbench.core import store
from workbench.ingest.load import ingest
from workbench.query.db import open_reader

IDS = {
    k: f"{n:08d}-0000-4000-8000-000000000000"
    for n, k in enumerate(
        ["loop", "errored", "api", "abandoned", "compact", "features", "gaps"], start=1
    )
}


def build(folder):
    t = Transcript(IDS["loop"]).prompt("fix the build")
    for _ in range(3):  # a retry loop: the same failing command three times
        t.tool(
            "Bash", {"command": "npm run build"}, "Exit code 1\nnpm ERR! Missing script", error=True
        )
    for n in range(3):  # edit churn: app.py edited three times within 10 messages
        t.tool("Edit", {"file_path": "/app/app.py", "old_string": f"v{n}", "new_string": "x"})
    t.say("done").write(folder)

    t = Transcript(IDS["errored"]).prompt("read the config")
    t.tool("Read", {"file_path": "/a"}, "File does not exist.", error=True)
    t.tool("Read", {"file_path": "/b"}, "File does not exist.", error=True)
    t.tool(
        "Bash", {"command": "cat c"}, "Exit code 1\ncat: c: No such file or directory", error=True
    )
    t.write(folder)

    t = Transcript(IDS["api"]).prompt("hi").say("hello").prompt("more").api_error()
    t.write(folder)

    Transcript(IDS["abandoned"]).prompt("hi").say("hello").prompt("and now?").write(folder)

    t = Transcript(IDS["compact"]).prompt("long task")
    for _ in range(3):
        t.say("working").compaction()
    t.say("finished").write(folder)

    t = Transcript(IDS["features"])
    t.prompt("<command-name>/review</command-name>\n<command-message>review</command-message>")
    t.tool("Skill", {"skill": "pdf"}).tool("Skill", {"skill": "xlsx"})
    t.tool("mcp__github__create_issue", {"title": "bug"})
    t.tool("Task", {"description": "look", "prompt": "look", "subagent_type": "Explore"})
    t.interrupt().write(folder)

    t = Transcript(IDS["gaps"]).prompt("start").say("ok").wait(4 * 86400)
    t.prompt("back again").say("ok").write(folder)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("signals")
    build(root / "projects" / "-home-ana-src-shop")
    db = root / "wb.duckdb"
    ingest([root / "projects"], db, user="ana", progress=False)
    c = store.open_db(db, read_only=True)
    yield c
    c.close()


def session(con, key, cols):
    return one(con, f"SELECT {cols} FROM sessions WHERE session_id = ?", [IDS[key]])


def test_retry_loop_churn_and_streaks(con):
    assert session(
        con,
        "loop",
        "tool_calls, tool_errors, error_retries, retry_loops, "
        "edit_churn, max_failure_streak, final_failure_streak, outcome",
    ) == (6, 3, 2, 1, 1, 3, 0, "completed")
    assert rows(con, "SELECT tool_name, input_excerpt, length, failures FROM retry_loops") == [
        ("Bash", '{"command":"npm run build"}', 3, 3)
    ]


def test_health_score_and_penalties(con):
    score, grade, penalties = session(con, "loop", "health_score, health_grade, penalties")
    assert penalties == [
        {"rule": "tool_failures", "count": 3, "points": 9},
        {"rule": "retries", "count": 2, "points": 10},
        {"rule": "edit_churn", "count": 1, "points": 4},
        {"rule": "failure_streak", "count": 3, "points": 10},
    ]
    assert (score, grade) == (67, "C")


@pytest.mark.parametrize(
    ("key", "ended_with", "outcome", "score", "grade"),
    [
        # three failures at the end: errored 30 + failures 9 + retries 5 + streak 10
        ("errored", "tool_result", "errored", 46, "D"),
        ("api", "api_error", "errored", 70, "C"),
        ("abandoned", "prompt", "abandoned", 85, "B"),
        ("compact", "assistant", "completed", 90, "A"),  # 3 compactions: (3 - 1) x 5
        ("features", "interrupt", "abandoned", 85, "B"),
        ("gaps", "assistant", "completed", 100, "A"),
    ],
)
def test_outcomes(con, key, ended_with, outcome, score, grade):
    assert session(con, key, "ended_with, outcome, health_score, health_grade") == (
        ended_with,
        outcome,
        score,
        grade,
    )


def test_counters(con):
    assert session(
        con,
        "features",
        "user_messages, slash_commands, skill_calls, "
        "distinct_skills, mcp_calls, subagent_calls, distinct_tools, interruptions",
    ) == (1, 1, 2, 2, 1, 1, 3, 1)
    assert session(con, "api", "api_errors, user_messages") == (2, 2)
    assert session(con, "compact", "compactions") == (3,)


def test_active_time_skips_long_pauses(con):
    # events every 10 s: 2 in the first block, a 4-day pause, 2 in the second
    wall, active, blocks = session(con, "gaps", "wall_seconds, active_seconds, activity_blocks")
    assert (active, blocks) == (20.0, 2)
    assert wall == 4 * 86400 + 30


def test_a_closing_slash_command_is_not_an_abandoned_turn(tmp_path):
    t = Transcript("99999999-0000-4000-8000-000000000000").prompt("hi").say("hello")
    t.meta("<local-command-caveat>Caveat: local commands below.</local-command-caveat>")
    t.prompt("<command-name>/exit</command-name>\n<command-message>exit</command-message>")
    t.write(tmp_path / "p" / "-x")
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, progress=False)
    c = store.open_db(db, read_only=True)
    got = one(c, "SELECT ended_with, outcome, user_messages, slash_commands FROM sessions")
    c.close()
    assert got == ("assistant", "completed", 2, 1)


# ---- the Ibis layer over the same fixture ------------------------------------------------


@pytest.fixture(scope="module")
def ibis_con(tmp_path_factory):

    root = tmp_path_factory.mktemp("signals_ibis")
    build(root / "projects" / "-home-ana-src-shop")
    db = root / "wb.duckdb"
    ingest([root / "projects"], db, user="ana", progress=False)
    return open_reader(db)


def test_kpis(ibis_con):
    from workbench.query import signals

    assert signals.kpis(ibis_con) == {
        "sessions": 7,
        "users": 1,
        "sessions_with_errors": 2,
        "tool_calls": 13,
        "tool_errors": 6,
        "tool_error_rate": round(6 / 13, 4),
        "sessions_with_errors_share": round(2 / 7, 4),
    }
    assert signals.kpis(ibis_con, users=["nobody"])["sessions"] == 0


def test_get_by_prefix(ibis_con):
    from workbench.query import signals

    row = signals.get(ibis_con, IDS["loop"][:8])
    assert row["session_id"] == IDS["loop"] and row["health_score"] == 67
    assert [p["rule"] for p in row["penalties"]] == [
        "tool_failures",
        "retries",
        "edit_churn",
        "failure_streak",
    ]
    with pytest.raises(signals.AmbiguousSession, match="matches 7 sessions"):
        signals.get(ibis_con, "0000")
    with pytest.raises(signals.SessionNotFound, match="no session matches 'zzz'"):
        signals.get(ibis_con, "zzz")


def test_active_time_for_any_gap(ibis_con):
    from workbench.query import signals

    got = {r["session_id"]: r for r in signals.active_time(ibis_con, gap_seconds=5 * 86400)}
    assert got[IDS["gaps"]]["active_seconds"] == 4 * 86400 + 30  # the pause now counts
    assert got[IDS["gaps"]]["activity_blocks"] == 1
    short = {r["session_id"]: r["active_seconds"] for r in signals.active_time(ibis_con, 600)}
    assert short[IDS["gaps"]] == 20


def test_session_cost_from_the_price_table(ingested):
    from conftest import S1

    from workbench.query import signals

    row = signals.get(open_reader(ingested), S1)
    # sonnet 4.5 per million: input 3, output 15, 5m write 3.75, 1h write 6, read 0.30;
    # S1's own responses: input 22, output 330, 5m writes 900, 1h writes 400, reads 29,800
    expected = (22 * 3 + 330 * 15 + 900 * 3.75 + 400 * 6 + 29_800 * 0.3) / 1e6
    assert row["cost_usd"] == pytest.approx(expected, rel=1e-9)
    assert (row["unpriced_responses"], row["unpriced_models"]) == (0, [])


def test_codex_aborted_turns_and_gemini_cancellations_are_interruptions(tmp_path):
    t = Transcript("88888888-0000-4000-8000-000000000000").prompt("run it")
    t.tool(
        "run_shell_command",
        {"command": "make"},
        "[Operation Cancelled] Reason: User cancelled tool execution.",
        error=True,
    )
    t._base("system", subtype="turn_aborted", content="turn aborted: interrupted")
    t.write(tmp_path / "p" / "-x")
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "p"], db, progress=False)
    c = store.open_db(db, read_only=True)
    got = one(c, "SELECT interruptions, ended_with, outcome FROM sessions")
    category = one(c, "SELECT category FROM tool_errors")[0]
    c.close()
    assert got == (2, "interrupt", "abandoned") and category == "interrupted"
