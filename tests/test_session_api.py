"""agentsview's Session API and agnes's habits: the list filters (message counts, one-shot and
automated sessions, children, days, last activity, cursor, the operator preset), message
source types and promoted subtypes, tool-call kinds, skills and subagent links, the health
score's basis, and `sessions download`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from builders import Transcript

from workbench.frontends.cli import main
from workbench.ingest.load import ingest

A = "aaaaaaaa-0000-4000-8000-000000000001"  # interactive, three prompts, a subagent
B = "bbbbbbbb-0000-4000-8000-000000000002"  # one-shot: a single prompt
C = "cccccccc-0000-4000-8000-000000000003"  # automated: claude -p (entrypoint sdk-cli)
D = "0199dddd-0000-7000-8000-000000000004"  # automated: codex exec (session_meta.source exec)
E = "0199eeee-0000-7000-8000-000000000005"  # Codex, interactive (source cli)


def codex_rollout(
    root: Path, sid: str, start: str, source: str, originator: str, extra: list[dict] = ()
) -> None:
    day = start[:10].replace("-", "/")
    path = root / "sessions" / day / f"rollout-{start[:19].replace(':', '-')}-{sid}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"id": sid, "timestamp": start, "cwd": "/home/ana/src/shop", "cli_version": "0.80.0",
            "originator": originator, "source": source, "model_provider": "openai"}  # fmt: skip
    lines = [{"timestamp": start, "type": "session_meta", "payload": meta}]
    for i, (role, text) in enumerate(
        [
            ("user", "run the tests"),
            ("assistant", "all green"),
            ("user", "and lint"),
            ("assistant", "clean"),
        ]  # fmt: skip
    ):
        kind = "input_text" if role == "user" else "output_text"
        lines.append(
            {
                "timestamp": f"{start[:17]}{10 + i:02d}.000Z",
                "type": "response_item",
                "payload": {
                    "type": "message",
                    "role": role,
                    "content": [{"type": kind, "text": text}],
                },  # fmt: skip
            }
        )
    lines += [{"timestamp": f"{start[:17]}30.000Z", **x} for x in extra]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    claude = tmp_path / "claude" / "-home-ana-src-shop"
    a = Transcript(A, start="2026-05-04T09:00:00Z")
    a.prompt("add a cart endpoint")
    a.think("Check the router first.", "Reading the router.")
    a.tool("Skill", {"skill": "pdf"}, "Launching skill: pdf")
    a.spawn("abc123", "find the router", "It is in src/router.py")
    a.spawn("gone999", "and the models", "In src/models.py", name="Agent")  # no file of its own
    a.prompt("now the tests").tool("Bash", {"command": "pytest"}, "1 failed", error=True)
    a.interrupt()
    a.prompt("<task-notification>\n<task-id>b1</task-id>\n<status>completed</status>")
    a.compaction()
    a.system("stop_hook_summary", hookCount=1, hookInfos=[], preventedContinuation=False)
    a.prompt("<command-name>/resume</command-name>\n<command-message>resume</command-message>")
    a.say("done").write(claude)
    sub = Transcript("agent-abc123", start="2026-05-04T09:00:30Z", sidechain=True,
                     agent_id="abc123")  # fmt: skip
    sub.sid = A  # a subagent's lines carry the parent's sessionId
    sub.prompt("find the router").say("It is in src/router.py")
    sub.write(claude / A / "subagents", "agent-abc123.jsonl")
    Transcript(B, start="2026-05-05T12:00:00Z").prompt("what is 2+2?").say("4").write(claude)
    c = Transcript(C, start="2026-05-06T03:00:00Z", entrypoint="sdk-cli")
    c.prompt("nightly: fix lint").tool("Bash", {"command": "ruff"}, "E501", error=True)
    c.tool("Bash", {"command": "ruff --fix"}, "E501", error=True)
    c.prompt("try again").say("gave up").write(claude)
    codex = tmp_path / "codex"
    codex_rollout(codex, D, "2026-05-06T04:00:00.000Z", "exec", "codex_exec")
    codex_rollout(
        codex, E, "2026-05-06T05:00:00.000Z", "cli", "codex_cli_rs",
        [{"type": "event_msg", "payload": {"type": "turn_aborted", "reason": "interrupted"}},
         {"type": "compacted", "payload": {"message": "the summary so far"}}],
    )  # fmt: skip
    return tmp_path


@pytest.fixture
def db(corpus: Path) -> Path:
    path = corpus / "wb.duckdb"
    ingest([corpus / "claude", corpus / "codex"], path, user="ana", progress=False)
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys, db: Path, *argv) -> list[str]:
    code, out, err = run(capsys, "sessions", "list", "--db", db, "--json", "--tz", "UTC", *argv)
    assert code == 0, err
    return [r["session_id"] for r in json.loads(out)["rows"]]


def test_one_shot_and_automated_are_left_out_by_default(db, capsys):
    assert listed(capsys, db) == [E, A]
    assert listed(capsys, db, "--include-one-shot") == [E, B, A]
    assert listed(capsys, db, "--include-automated") == [E, D, C, A]
    assert listed(capsys, db, "--include-one-shot", "--include-automated") == [E, D, C, B, A]
    # children go with the session that spawned them; default: top-level only
    assert listed(capsys, db, "--include-children") == [E, "agent-abc123", A]
    assert listed(capsys, db, "--include-subagents") == [E, "agent-abc123", A]
    code, out, _ = run(capsys, "sessions", "get", C, "--db", db, "--json")
    assert json.loads(out)["automated"] is True and json.loads(out)["entrypoint"] == "sdk-cli"
    code, out, _ = run(capsys, "sessions", "get", C, "--db", db)
    assert "started via sdk-cli (automated)" in out
    code, out, _ = run(capsys, "sessions", "get", D, "--db", db, "--json")
    assert json.loads(out)["automated"] is True and json.loads(out)["entrypoint"] == "exec"


def test_the_default_view_changes_no_total(db, capsys):
    """Only the listing leaves sessions out: KPIs and tokens count every session."""
    _, out, _ = run(capsys, "sessions", "kpis", "--db", db, "--json")
    assert json.loads(out)["sessions"] == 5
    _, out, _ = run(capsys, "tokens", "session", "--db", db, "--json", "--tz", "UTC")
    assert {r["sessionId"] for r in json.loads(out)["sessions"]} >= {A, B, C}


def test_message_count_filters(db, capsys):
    every = ("--include-one-shot", "--include-automated")
    assert listed(capsys, db, *every, "--min-user-messages", "3") == [A]
    assert listed(capsys, db, *every, "--max-messages", "2") == [B]
    assert listed(capsys, db, *every, "--min-messages", "4", "--max-messages", "7") == [E, D, C]
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--min-messages", "-1")
    assert code == 2 and "--min-messages must be 0 or more" in err


def test_day_and_activity_filters(db, capsys):
    every = ("--include-one-shot", "--include-automated")
    assert listed(capsys, db, *every, "--date", "2026-05-05") == [B]
    assert listed(capsys, db, *every, "--date-from", "2026-05-05") == [E, D, C, B]
    assert listed(capsys, db, *every, "--date-to", "2026-05-05") == [B, A]
    assert listed(capsys, db, *every, "--date-from", "2026-05-05", "--date-to", "2026-05-05") == [B]
    # the day is the --timezone's: 03:00 UTC on the 6th is the 5th in New York
    code, out, _ = run(capsys, "sessions", "list", "--db", db, "--json", *every,
                       "--tz", "America/New_York", "--date", "2026-05-05")  # fmt: skip
    assert [r["session_id"] for r in json.loads(out)["rows"]] == [C, B]  # D: 00:00 on the 6th
    assert listed(capsys, db, *every, "--active-since", "2026-05-06") == [E, D, C]
    for argv, message in (
        (["--date", "7d"], "cannot read '7d' as a date"),
        (["--date", "2026-05-05", "--date-to", "2026-05-06"], "--date is one day"),
    ):
        code, _, err = run(capsys, "sessions", "list", "--db", db, *argv)
        assert code == 2 and message in err, err


def test_cursor_pages_through_the_listing(db, capsys):
    every = ("--include-one-shot", "--include-automated", "--include-children")
    code, out, _ = run(capsys, "sessions", "list", "--db", db, "--json", *every, "--limit", "2")
    page = json.loads(out)
    seen = [r["session_id"] for r in page["rows"]]
    assert page["next_offset"] == 2 and page["next_cursor"]
    while page["next_cursor"]:
        argv = ["--json", *every, "--limit", "2", "--cursor", page["next_cursor"]]
        code, out, _ = run(capsys, "sessions", "list", "--db", db, *argv)
        page = json.loads(out)
        seen += [r["session_id"] for r in page["rows"]]
    assert seen == [E, D, C, B, "agent-abc123", A] and page["next_offset"] is None
    # relative times ("400d", the ops preset's "7d") are pinned: page 2 is over page 1's period
    argv = ["--json", "--preset", "ops", "--since", "400d", "--active-since", "2000d"]
    code, out, _ = run(capsys, "sessions", "list", "--db", db, *argv, "--limit", "3")
    first = json.loads(out)
    code, out, err = run(capsys, "sessions", "list", "--db", db, *argv, "--limit", "3",
                         "--cursor", first["next_cursor"])  # fmt: skip
    assert code == 0, err
    second = json.loads(out)
    assert [r["session_id"] for r in first["rows"] + second["rows"]][:2] == [C, A]
    assert first["total"] == second["total"] == 5 and second["next_cursor"] is None
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--json", "--preset", "ops",
                       "--since", "500d", "--cursor", first["next_cursor"])  # fmt: skip
    assert code == 2 and "other filters or sort" in err
    # a cursor of another listing, or no cursor at all, is refused
    code, out, _ = run(capsys, "sessions", "list", "--db", db, "--json", *every, "--limit", "2")
    cursor = json.loads(out)["next_cursor"]
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--cursor", cursor, "--errors")
    assert code == 2 and "other filters or sort" in err
    fake = base64.urlsafe_b64encode(b"nonsense").decode()
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--cursor", fake)
    assert code == 2 and "not a cursor" in err


def test_operator_preset(db, capsys):
    """--preset ops: every session of the last 7 days, most tool errors first (the corpus is
    in 2026-05, so the period is widened with an explicit --since, which wins)."""
    code, out, _ = run(capsys, "sessions", "list", "--db", db, "--json", "--preset", "ops")
    assert code == 0 and json.loads(out)["total"] == 0  # nothing in the last 7 days
    ids = listed(capsys, db, "--preset", "ops", "--since", "2026-05-01")
    assert ids[:2] == [C, A] and set(ids) == {A, B, C, D, E}  # 2 errors, then 1
    # an explicit --sort wins too
    assert (
        listed(capsys, db, "--preset", "ops", "--since", "2026-05-01", "--sort", "started_at:asc")[
            0
        ]
        == A
    )


def test_message_sources_and_promoted_subtypes(db, capsys):
    code, out, _ = run(capsys, "sessions", "messages", A, "--db", db, "--json")
    msgs = json.loads(out)["messages"]
    assert all({"source_type", "source_subtype", "raw_subtype", "has_thinking"} <= set(m)
               for m in msgs)  # fmt: skip
    promoted = [(m["source_type"], m["source_subtype"], m["raw_subtype"]) for m in msgs
                if m["is_system"]]  # fmt: skip
    assert promoted == [
        ("user", "interrupted", None),
        ("user", "task_notification", None),
        ("system", "compact_boundary", "compact_boundary"),
        ("user", "continuation", None),
        ("system", "stop_hook", "stop_hook_summary"),
        ("user", "resume", None),
    ]
    thinking = [m for m in msgs if m["has_thinking"]]
    assert [m["thinking_text"] for m in thinking] == ["Check the router first."]
    assert [m["source_subtype"] for m in msgs if m["content"] == "add a cart endpoint"] == [None]
    code, out, _ = run(capsys, "sessions", "messages", A, "--db", db)
    assert "(task_notification)" in out and "(stop_hook)" in out
    code, out, _ = run(capsys, "sessions", "messages", E, "--db", db, "--json")
    codex = [(m["source_type"], m["source_subtype"], m["raw_subtype"])
             for m in json.loads(out)["messages"] if m["is_system"]]  # fmt: skip
    assert codex == [
        ("system", "interrupted", "turn_aborted"),
        ("system", "compact_boundary", "compact_boundary"),
    ]


def test_tool_call_kinds_skills_and_subagents(db, capsys):
    code, out, _ = run(capsys, "sessions", "tool-calls", A, "--db", db, "--json")
    calls = json.loads(out)["tool_calls"]
    got = [(c["tool_name"], c["category"], c["skill_name"], c["subagent_session_id"],
            c["error_category"]) for c in calls]  # fmt: skip
    assert got == [
        ("Skill", "Tool", "pdf", None, None),
        ("Task", "Task", None, "agent-abc123", None),
        ("Agent", "Task", None, None, None),  # its subagent is not in the archive
        ("Bash", "Bash", None, None, got[3][4]),
    ]
    assert [c["agent_id"] for c in calls] == [None, "abc123", "gone999", None]
    assert got[3][4] and calls[3]["is_error"] is True
    code, out, _ = run(capsys, "sessions", "tool-calls", D, "--db", db, "--json")
    assert json.loads(out)["tool_calls"] == []
    code, out, _ = run(capsys, "sessions", "tool-calls", A, "--db", db)
    assert "Skill (pdf)" in out and "-> agent-abc123" in out


def test_health_score_basis(db, capsys):
    code, out, _ = run(capsys, "sessions", "get", C, "--db", db, "--json")
    row = json.loads(out)
    basis = row["health_score_basis"]
    assert basis["start"] == 100 and basis["grades"]["A"] == 90
    assert row["health_penalties"] == row["penalties"] and row["penalties"]
    assert set(basis) >= {p["rule"] for p in row["penalties"]}
    failures = next(p for p in row["penalties"] if p["rule"] == "tool_failures")
    assert basis["tool_failures"].startswith("3 each") and failures == {
        "rule": "tool_failures", "count": 2, "points": 6}  # fmt: skip
    # the score is the start minus the penalties that applied
    assert row["health_score"] == basis["start"] - sum(p["points"] for p in row["penalties"])


def test_download(db, corpus, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = corpus / "claude" / "-home-ana-src-shop" / f"{A}.jsonl"
    code, out, err = run(capsys, "sessions", "download", A[:8], "--db", db)
    assert code == 0, err
    assert (tmp_path / f"{A}.jsonl").read_bytes() == src.read_bytes()
    assert out.startswith(f"saved {A}.jsonl (")
    # never over an existing file without --force
    code, _, err = run(capsys, "sessions", "download", A, "--db", db)
    assert code == 1 and "exists: pass --force" in err
    (tmp_path / f"{A}.jsonl").write_text("mine")
    code, _, _ = run(capsys, "sessions", "download", A, "--db", db)
    assert (tmp_path / f"{A}.jsonl").read_text() == "mine"
    code, out, _ = run(capsys, "sessions", "download", A, "--db", db, "--force", "--subagents",
                       "--out", tmp_path / "dl" / "a.jsonl", "--json")  # fmt: skip
    saved = json.loads(out)["saved"]
    assert [s["session_id"] for s in saved] == [A, "agent-abc123"]
    assert (tmp_path / "dl" / "a.jsonl").read_bytes() == src.read_bytes()
    sub = corpus / "claude" / "-home-ana-src-shop" / A / "subagents" / "agent-abc123.jsonl"
    assert (tmp_path / "dl" / "agent-abc123.jsonl").read_bytes() == sub.read_bytes()
    # a folder as --out: the default name inside it
    code, _, _ = run(capsys, "sessions", "download", B, "--db", db, "--out", tmp_path / "dl")
    assert code == 0 and (tmp_path / "dl" / f"{B}.jsonl").is_file()
    # gone from disk: exit 1, the archive keeps the session
    src.unlink()
    code, _, err = run(capsys, "sessions", "download", A, "--db", db, "--force")
    assert code == 1 and "source file not found" in err


def test_a_schema_4_database_learns_which_sessions_were_automated(db, corpus, capsys):
    """Upgrading from schema 4 (no entrypoint column, files parsed by parser 2) reads the
    files again, so the automated sessions are known without a fresh database."""
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE raw_messages DROP COLUMN entrypoint")
        con.execute("UPDATE files SET parser_version = 2")
        con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    code, _, err = run(capsys, "sessions", "list", "--db", db)
    assert code == 1 and "older workbench" in err
    summary = ingest([corpus / "claude", corpus / "codex"], db, user="ana", progress=False)
    assert summary.files_parsed == summary.files
    assert listed(capsys, db, "--include-one-shot") == [E, B, A]
    assert listed(capsys, db, "--include-one-shot", "--include-automated") == [E, D, C, B, A]
