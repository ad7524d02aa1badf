"""The session commands: list, show, messages, tool-calls, export, search, and their errors."""

from __future__ import annotations

import json

import pytest
from builders import Transcript
from conftest import S1, S2

from workbench.frontends.cli import main
from workbench.ingest.load import ingest

XSS = "<script>alert('x')</script>"
TOKEN = "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(ingested, corpus):
    """The main fixture plus a session whose text tries to inject markup and leaks a token."""
    t = Transcript("55555555-0000-4000-8000-000000000000", start="2026-03-03T08:00:00Z")
    t.prompt(f"render {XSS} and use {TOKEN}")
    t.tool("Bash", {"command": f"echo {XSS}"}, f"{XSS}\nExit code 1", error=True)
    t.say("done").write(corpus / "-home-ana-src-shop")
    ingest([corpus], ingested, user="ana", progress=False)
    return ingested


def test_list_json_filters_sort_and_pages(db, capsys):
    code, out, _ = run(capsys, "sessions", "list", "--db", db, "--json", "--timezone", "UTC")
    data = json.loads(out)
    # the one-prompt session 5555… is one-shot: left out by default
    assert code == 0 and data["total"] == 2 and data["next_offset"] is None
    assert [r["session_id"] for r in data["rows"]] == [S2, S1]
    code, out, _ = run(
        capsys, "sessions", "list", "--db", db, "--json", "--include-one-shot", "--tz", "UTC"
    )
    data = json.loads(out)
    assert code == 0 and data["total"] == 3 and data["next_offset"] is None
    # newest first; subagents left out
    assert [r["session_id"] for r in data["rows"]] == [
        S2,
        "55555555-0000-4000-8000-000000000000",
        S1,
    ]
    _, out, _ = run(
        capsys,
        "sessions",
        "list",
        "--db",
        db,
        "--json",
        "--include-subagents",
        "--include-one-shot",
        "--limit",
        "2",
        "--sort",
        "started_at:asc",
    )
    page = json.loads(out)
    assert page["total"] == 5 and page["next_offset"] == 2
    assert [r["session_id"] for r in page["rows"]] == ["agent-warm0001", S1]
    _, out, _ = run(
        capsys, "sessions", "list", "--db", db, "--json", "--errors", "--include-one-shot"
    )
    assert {r["session_id"] for r in json.loads(out)["rows"]} == {
        S1,
        "55555555-0000-4000-8000-000000000000",
    }
    _, out, _ = run(capsys, "sessions", "list", "--db", db, "--json", "--q", "flaky")
    assert [r["session_id"] for r in json.loads(out)["rows"]] == [S2]
    _, out, _ = run(
        capsys,
        "sessions",
        "list",
        "--db",
        db,
        "--json",
        "--model",
        "claude-opus-4-6",
        "--outcome",
        "completed",
        "--health-grade",
        "a",
    )
    assert [r["session_id"] for r in json.loads(out)["rows"]] == [S2]
    _, out, _ = run(
        capsys,
        "sessions",
        "list",
        "--db",
        db,
        "--json",
        "--sort",
        "cost:desc",
        "--min-tool-failures",
        "1",
    )
    rows = json.loads(out)["rows"]
    assert [r["cost_usd"] for r in rows] == sorted((r["cost_usd"] for r in rows), reverse=True)


def test_list_human_table(db, capsys):
    code, out, _ = run(
        capsys, "sessions", "list", "--db", db, "--limit", "2", "--tz", "UTC", "--include-one-shot"
    )
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "id",
        "when",
        "user",
        "project",
        "active",
        "tools",
        "errors",
        "cost",
        "model",
        "grade",
    ]
    assert max(len(x) for x in lines) <= 120
    assert lines[2].startswith(" 22222222")  # no errors: no mark
    assert lines[3].startswith("!55555555")  # errors: marked
    assert lines[-3].startswith("! before an id: tool errors. cost: ")  # the legend
    assert lines[-2] == "Showing 1–2 of 3. Next page: --offset 2"
    assert lines[-1] == "Automated sessions left out (--include-automated)."


def test_show_and_errors_only(db, capsys):
    code, out, _ = run(capsys, "sessions", "show", S1[:8], "--db", db)
    assert code == 0
    assert "USER: Add a cart endpoint to the shop API" in out
    assert 'TOOL_USE Bash {"command": "pnpm routes"}' in out
    assert "TOOL_RESULT Bash [ERROR command_not_found]" in out
    assert "THINKING: Check the router first." in out
    code, out, _ = run(capsys, "sessions", "show", S1[:8], "--db", db, "--errors")
    assert out.count("TOOL_USE") == 1 and "pnpm routes" in out and "USER:" not in out
    code, out, _ = run(capsys, "sessions", "show", S1[:8], "--db", db, "--depth", "all")
    assert "┌ subagent agent-sub001 (Explore)" in out and "TOOL_USE Glob" in out


def test_messages_window_and_tool_calls(db, capsys):
    code, out, _ = run(
        capsys, "sessions", "messages", S1, "--db", db, "--json", "--from", "2", "--limit", "3"
    )
    data = json.loads(out)
    assert code == 0 and data["total"] == 15 and data["next_from"] == 5
    assert [m["ordinal"] for m in data["messages"]] == [2, 3, 4]
    assert set(data["messages"][0]) >= {
        "ordinal",
        "role",
        "content",
        "thinking_text",
        "timestamp",
        "is_system",
        "has_tool_use",
    }
    assert data["messages"][1]["has_tool_use"] is True
    _, out, _ = run(
        capsys,
        "sessions",
        "messages",
        S1,
        "--db",
        db,
        "--json",
        "--direction",
        "desc",
        "--limit",
        "2",
    )
    assert [m["ordinal"] for m in json.loads(out)["messages"]] == [14, 13]
    _, out, _ = run(capsys, "sessions", "tool-calls", S1, "--db", db, "--json")
    calls = json.loads(out)["tool_calls"]
    assert [(c["tool_name"], c["is_error"], c["error_category"], c["category"]) for c in calls] == [
        ("Bash", True, "command_not_found", "Bash"),
        ("Read", False, None, "Read"),
        ("Task", False, None, "Task"),
        ("Task", False, None, "Task"),
    ]
    assert set(calls[0]) >= {
        "ordinal",
        "tool_use_id",
        "tool_name",
        "category",
        "skill_name",
        "subagent_session_id",
        "input_json",
        "is_error",
        "error_category",
        "result_length",
    }
    # the two Task calls: one spawned agent-sub001 (its file is in the corpus)
    assert "agent-sub001" in [c["subagent_session_id"] for c in calls]


def test_export_raw_is_byte_for_byte(db, corpus, capsysbinary):
    src = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    assert main(["sessions", "export", S1, "--db", str(db)]) == 0
    assert capsysbinary.readouterr().out == src.read_bytes()


def test_export_md_html(db, corpus, capsys):
    src = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    code, out, _ = run(capsys, "sessions", "export", "55555555", "--db", db, "--format", "html")
    assert code == 0 and XSS not in out and "&lt;script&gt;" in out and TOKEN not in out
    assert "[REDACTED:" in out and 'class="ev tool_result error"' in out
    code, out, _ = run(capsys, "sessions", "export", "55555555", "--db", db, "--format", "md")
    assert TOKEN not in out and "ERROR (runtime_error)" not in out and "Exit code 1" in out
    code, out, _ = run(
        capsys, "sessions", "export", "55555555", "--db", db, "--format", "md", "--no-redact"
    )
    assert TOKEN in out
    code, out, _ = run(
        capsys, "sessions", "export", S1, "--db", db, "--format", "html", "--depth", "all"
    )
    assert "agent-sub001" in out and "agent-warm0001" in out
    src.unlink()
    ingest([corpus], db, user="ana", progress=False)
    code, out, err = run(capsys, "sessions", "export", S1, "--db", db)
    assert code == 1 and out == "" and "source file not found" in err
    code, out, _ = run(capsys, "sessions", "export", S1, "--db", db, "--format", "md")
    assert code == 0 and "Add a cart endpoint" in out  # the database is the archive


def test_search(db, capsys):
    code, out, _ = run(capsys, "search", "PNPM", "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 2  # the Bash input and its error output
    assert {(h["session_id"], h["kind"]) for h in data["hits"]} == {
        (S1, "tool_input"),
        (S1, "tool_output"),
    }
    assert any("pnpm: command not found" in h["snippet"] for h in data["hits"])
    _, out, _ = run(capsys, "search", r"cart (endpoint|test)", "--regex", "--db", db, "--json")
    assert {h["session_id"] for h in json.loads(out)["hits"]} == {S1, S2}
    _, out, _ = run(
        capsys, "search", "cart", "--db", db, "--json", "--since", "2026-03-04", "--timezone", "UTC"
    )
    assert {h["session_id"] for h in json.loads(out)["hits"]} == {S2}
    _, out, _ = run(capsys, "search", "a.b(", "--db", db, "--json")  # literal: no regex error
    assert json.loads(out)["total"] == 0
    code, out, _ = run(capsys, "search", "pnpm", "--db", db, "--limit", "1")
    assert code == 0 and "1 of 2 hits (--limit to see more)" in out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["sessions", "show", "zzz"], 1, "no session matches 'zzz'"),
        (["sessions", "list", "--sort", "vibes:up"], 2, "cannot sort by 'vibes:up'"),
        (["sessions", "list", "--since", "someday"], 2, "cannot read 'someday'"),
        (["sessions", "list", "--limit", "900"], 2, "--limit must be between 1 and 500"),
        (["search", "a(", "--regex"], 2, "not a valid regular expression"),
    ],
)
def test_errors_are_one_line(db, capsys, argv, code, message):
    got, out, err = run(capsys, *argv, "--db", db)
    assert (got, out) == (code, "")
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_database(tmp_path, capsys):
    code, _, err = run(capsys, "sessions", "list", "--db", tmp_path / "nope.duckdb")
    assert code == 1 and "no database at" in err


def test_show_json(db, capsys):
    code, out, _ = run(capsys, "sessions", "show", S1[:8], "--db", db, "--json", "--depth", "1")
    data = json.loads(out)
    assert code == 0 and data["session"]["session_id"] == S1
    kinds = [e["kind"] for e in data["events"]]
    assert kinds[:4] == ["user", "thinking", "assistant", "tool_use"]
    failed = [e for e in data["events"] if e.get("is_error")]
    assert [(e["tool_name"], e["error_category"]) for e in failed] == [
        ("Bash", "command_not_found")
    ]
    nested = [e["subagent"]["session"]["session_id"] for e in data["events"] if "subagent" in e]
    assert nested == ["agent-sub001", "agent-warm0001"]
    _, out, _ = run(capsys, "sessions", "show", S1[:8], "--db", db, "--json", "--errors")
    assert [e["kind"] for e in json.loads(out)["events"]] == ["tool_use", "tool_result"]
