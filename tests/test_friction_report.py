"""The friction report: categories, tools, rates, retry loops and the before/after comparison."""

from __future__ import annotations

import json

import pytest
from builders import Transcript
from test_signals import IDS, build

from workbench.frontends.cli import main
from workbench.ingest.load import ingest
from workbench.query import friction_report
from workbench.query.db import open_reader
from workbench.query.periods import parse_when


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    root = tmp_path_factory.mktemp("friction")
    build(root / "team" / "ana" / "-home-ana-src-shop")
    # a second user: two edit mismatches before a fix (May 1), none after (May 10)
    folder = root / "team" / "ben" / "-home-ben-src-api"
    t = Transcript(
        "b0000001-0000-4000-8000-000000000000",
        start="2026-05-01T10:00:00Z",
        cwd="/home/ben/src/api",
    )
    t.prompt("edit").tool(
        "Edit",
        {"file_path": "/x", "old_string": "a"},
        "String to replace not found in file.",
        error=True,
    )
    t.tool(
        "Edit",
        {"file_path": "/x", "old_string": "b"},
        "String to replace not found in file.\nString: b",
        error=True,
    )
    t.tool("Read", {"file_path": "/x"}).tool("Read", {"file_path": "/y"}).say("ok").write(folder)
    t = Transcript(
        "b0000002-0000-4000-8000-000000000000",
        start="2026-05-10T10:00:00Z",
        cwd="/home/ben/src/api",
    )
    t.prompt("edit again")
    for n in range(4):
        t.tool("Edit", {"file_path": f"/x{n}", "old_string": "a"})
    t.say("ok").write(folder)
    path = root / "wb.duckdb"
    ingest([root / "team"], path, progress=False)
    return path


def test_categories_tools_and_rates(db):
    con = open_reader(db)
    r = friction_report.report(con, users=["ana"])
    assert (r["tool_calls"], r["tool_errors"], r["other_share"]) == (13, 6, 0.0)
    assert [(c["category"], c["count"], c["sessions"], c["share"]) for c in r["categories"]] == [
        ("file_not_found", 3, 1, 0.5),
        ("missing_script", 3, 1, 0.5),  # npm ERR! Missing script: a script name, not a program
    ]
    assert r["categories"][1]["examples"][0]["session_id"] == IDS["loop"]
    tools = {t["tool_name"]: (t["calls"], t["errors"], t["rate"]) for t in r["tools"]}
    assert tools["Bash"] == (4, 4, 1.0) and tools["Read"] == (2, 2, 1.0)
    assert tools["Edit"] == (3, 0, 0.0)
    assert [(x["tool_name"], x["length"], x["failures"]) for x in r["retry_loops"]] == [
        ("Bash", 3, 3)
    ]
    everyone = friction_report.report(con)
    users = {
        u["user_name"]: (u["sessions"], u["tool_calls"], u["tool_errors"])
        for u in everyone["users"]
    }
    assert users == {"ana": (7, 13, 6), "ben": (2, 8, 2)}
    assert {p["project"] for p in everyone["projects"]} == {"shop", "api"}


def test_before_and_after_a_fix(db):
    con = open_reader(db)
    at = parse_when("2026-05-05", "UTC")
    c = friction_report.compare(con, at, users=["ben"])
    assert c["before"] == {"sessions": 1, "tool_calls": 4, "tool_errors": 2}
    assert c["after"] == {"sessions": 1, "tool_calls": 4, "tool_errors": 0}
    assert c["categories"] == [
        {
            "category": "edit_mismatch",
            "before": 2,
            "after": 0,
            "before_per_100_calls": 50.0,
            "after_per_100_calls": 0.0,
            "change": -50.0,
        }
    ]


def test_excerpts_are_redacted(tmp_path):
    t = Transcript("c0000001-0000-4000-8000-000000000000").prompt("deploy")
    t.tool(
        "Bash",
        {"command": "deploy"},
        "Exit code 1\nauth failed for token ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234",
        error=True,
    )
    t.say("no").write(tmp_path / "p" / "-x")
    ingest([tmp_path / "p"], tmp_path / "wb.duckdb", progress=False)
    con = open_reader(tmp_path / "wb.duckdb")
    safe = friction_report.report(con)["categories"][0]["examples"][0]["excerpt"]
    raw = friction_report.report(con, redact=False)["categories"][0]["examples"][0]["excerpt"]
    assert "ghp_R4nd0m" not in safe and "[REDACTED:" in safe
    assert "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234" in raw


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli(db, capsys):
    code, out, _ = run(capsys, "friction", "--db", str(db), "--json", "--user", "ana")
    data = json.loads(out)
    assert code == 0 and set(data) >= {
        "categories",
        "tools",
        "retry_loops",
        "users",
        "projects",
        "other_share",
        "tool_error_rate",
    }
    code, out, _ = run(
        capsys,
        "friction",
        "--db",
        str(db),
        "--compare-at",
        "2026-05-05",
        "--user",
        "ben",
        "--timezone",
        "UTC",
    )
    assert code == 0 and "edit_mismatch" in out and "-50.0" in out
    code, _, err = run(capsys, "friction", "--db", str(db), "--compare-at", "soon")
    assert code == 2 and "cannot read 'soon'" in err
    code, out, _ = run(capsys, "sessions", "kpis", "--db", str(db), "--json")
    assert json.loads(out)["sessions"] == 9
    code, out, _ = run(capsys, "sessions", "get", IDS["loop"][:8], "--db", str(db))
    assert code == 0 and "health 67 (C)" in out and "-10  retries (2)" in out
    code, out, _ = run(capsys, "sessions", "get", IDS["loop"][:8], "--db", str(db), "--json")
    assert json.loads(out)["edit_churn"] == 1
    code, _, err = run(capsys, "sessions", "get", "0000", "--db", str(db))
    assert code == 2 and "matches 7 sessions" in err and IDS["gaps"] in err
    code, _, err = run(capsys, "sessions", "get", "nope", "--db", str(db))
    assert code == 1 and err.strip() == "workbench: no session matches 'nope'"


def test_notebook_summary_line_matches_the_report(db):
    from workbench.frontends import notebook
    from workbench.present import views

    ctx = notebook.context(str(db), users="ana", timezone="UTC", charts_setup=False)
    r = friction_report.report(ctx.con, users=["ana"])
    html = views.friction_summary(ctx).data
    assert (r["tool_errors"], r["tool_calls"]) == (6, 13)
    assert (
        "6 tool errors in 13 calls (46.2%, 46.2 per 100 calls); 0.0% of errors match no rule "
        "(other)." in html
    )
