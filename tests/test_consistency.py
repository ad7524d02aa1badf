"""One set of numbers: for several periods, one of them cutting through a session, the CLI's
token reports, the session rows, the KPIs and a report's embedded headline agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from builders import Transcript

from workbench.frontends import report
from workbench.frontends.cli import main
from workbench.ingest.load import ingest

TYPES = {
    "input": "inputTokens",
    "output": "outputTokens",
    "cache_creation": "cacheCreationTokens",
    "cache_read": "cacheReadTokens",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("consistency") / "team"
    # ana: a session from 23:00 on May 3 to 01:00 on May 4 (a period starting May 4 cuts it),
    # with a subagent working after midnight
    long = Transcript("c0000001-0000-4000-8000-000000000001", start="2026-05-03T23:00:00Z")
    long.prompt("start").say("ok").tool("Bash", {"command": "ls"}, "a b")
    long.wait(1800).say("still here").wait(1800).say("after midnight")
    long.tool("Task", {"subagent_type": "Explore", "description": "look"}, "done")
    long.write(root / "ana" / "-home-ana-src-shop")
    sub = Transcript(
        "c0000001-0000-4000-8000-000000000001",
        start="2026-05-04T00:40:00Z",
        sidechain=True,
        agent_id="sub001",
        model="claude-haiku-4-5",
    )
    sub.prompt("look").say(
        "found",
        usage={
            "input_tokens": 7,
            "output_tokens": 70,
            "cache_creation_input_tokens": 700,
            "cache_read_input_tokens": 7000,
        },
    )
    sub.write(root / "ana" / "-home-ana-src-shop" / long.sid / "subagents", "agent-sub001.jsonl")
    # ben: one session on May 5 with an error
    ben = Transcript("c0000002-0000-4000-8000-000000000002", start="2026-05-05T09:00:00Z")
    ben.prompt("fix").tool("Edit", {"file_path": "/x"}, "String to replace not found", error=True)
    ben.say("sorry")
    ben.write(root / "ben" / "-home-ben-src-api")
    path = root.parent / "wb.duckdb"
    ingest([root], path, progress=False)
    return path


def cli(capsys, *argv: str) -> dict:
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


PERIODS = [
    (),
    ("--since", "2026-05-04"),  # cuts ana's session
    ("--since", "2026-05-04", "--until", "2026-05-04"),
    ("--until", "2026-05-03"),
]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: " ".join(p) or "all")
def test_the_cli_agrees_with_itself(db, capsys, period):
    args = ["--db", str(db), "--timezone", "UTC", *period]
    daily = cli(capsys, "tokens", "daily", *args)["totals"]
    sessions = cli(capsys, "tokens", "session", *args)["sessions"]
    # the listing's complete view (its default leaves one-shot and automated sessions out)
    every = ["--include-one-shot", "--include-automated"]
    rows = cli(capsys, "sessions", "list", "--limit", "500", *every, *args)["rows"]
    kpis = cli(capsys, "sessions", "kpis", *args)
    for out, col in TYPES.items():
        assert sum(s[col] for s in sessions) == daily[col]
        assert sum(r[f"total_{out}_tokens"] for r in rows) == daily[col]
    cost = sum(r["total_cost_usd"] or 0 for r in rows)
    assert cost == pytest.approx(daily["totalCost"], abs=1e-9)
    assert len(rows) == kpis["sessions"]
    assert (
        sum(r["tool_calls"] for r in rows)
        + sum(
            r["tool_calls"]
            for r in cli(
                capsys, "sessions", "list", "--include-children", "--limit", "500", *every, *args
            )["rows"]
            if r["is_subagent"]
        )
        == kpis["tool_calls"]
    )


def test_a_period_cutting_a_session_counts_what_happened_in_it(db, capsys):
    args = ["--db", str(db), "--timezone", "UTC"]
    whole = cli(capsys, "tokens", "daily", *args)["daily"]
    after = cli(capsys, "tokens", "daily", *args, "--since", "2026-05-04")
    assert after["daily"] == [d for d in whole if d["date"] >= "2026-05-04"]
    [ana] = [
        r
        for r in cli(
            capsys, "sessions", "list", *args, "--since", "2026-05-04", "--include-one-shot"
        )["rows"]
        if r["user_name"] == "ana"
    ]
    lifetime = cli(capsys, "sessions", "get", ana["session_id"], "--db", str(db))
    assert 0 < ana["own_total_tokens"] < lifetime["own_total_tokens"]
    assert ana["total_total_tokens"] - ana["own_total_tokens"] == 7 + 70 + 700 + 7000


def test_a_report_embeds_the_cli_figures(db, capsys, tmp_path):
    params = {"db": str(db), "since": "2026-05-04", "timezone": "UTC"}
    out = report.run("tokens", tmp_path / "tokens.html", parameters=params)
    page = out.path.read_text(encoding="utf-8")
    m = re.search(
        rf'<script type="application/json" id="{report.SUMMARY_ID}">(.*?)</script>', page, re.S
    )
    summary = json.loads(m.group(1))
    args = ["--db", str(db), "--timezone", "UTC", "--since", "2026-05-04"]
    daily = cli(capsys, "tokens", "daily", *args)["totals"]
    kpis = cli(capsys, "sessions", "kpis", *args)
    for out_name, col in TYPES.items():
        assert summary["tokens"][out_name] == daily[col]
    assert summary["cost_usd"]["total"] == pytest.approx(daily["totalCost"], abs=1e-9)
    for key in ("sessions", "users", "tool_calls", "tool_errors"):
        assert summary[key] == kpis[key]
