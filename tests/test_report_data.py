"""The reports' figures (query.report_data) equal the CLI's, and the helpers behave."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from workbench.frontends import notebook
from workbench.frontends.cli import main
from workbench.present import views
from workbench.query import report_data


def cli(capsys, *argv) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def ctx(ingested):
    return notebook.context(str(ingested), timezone="UTC", charts_setup=False)


def test_headline_equals_the_cli(ingested, ctx, capsys):
    h = report_data.headline(ctx.con, **ctx.filters)
    kpis = cli(capsys, "sessions", "kpis", "--json", "--db", str(ingested))
    assert {k: h[k] for k in kpis} == kpis
    tokens = cli(capsys, "tokens", "daily", "--json", "--db", str(ingested))
    assert h["tokens"] == tokens["totals"]["totalTokens"]
    assert h["cost_usd"] == round(tokens["totals"]["totalCost"], 2)
    by_type = report_data.cost_by_type(ctx.con, "UTC", **ctx.filters)
    assert by_type["total_usd"] == h["cost_usd"]
    assert sum(t["cost_usd"] for t in by_type["types"]) == pytest.approx(h["cost_usd"], abs=0.02)


def test_scorecard_rows_sum_to_the_period(ctx):
    h = report_data.headline(ctx.con, **ctx.filters)
    rows = report_data.scorecard(ctx.con, "user_name", n=1, **ctx.filters)
    assert sum(r["sessions"] for r in rows) == h["sessions"]
    assert sum(r["tool_calls"] for r in rows) == h["tool_calls"]


def test_previous_period_has_the_same_length():
    since = datetime(2026, 3, 8, tzinfo=timezone.utc)
    until = datetime(2026, 3, 15, tzinfo=timezone.utc)
    before = report_data.previous({"since": since, "until": until, "users": ["a"]})
    assert before == {"since": datetime(2026, 3, 1, tzinfo=timezone.utc), "until": since,
                      "users": ["a"]}  # fmt: skip
    assert report_data.previous({"since": None, "until": None}) is None
    assert report_data.change(150, 100) == 0.5 and report_data.change(1, 0) is None


def test_error_messages_are_normalised():
    n = report_data.normalise
    assert n('Exit code 1\nnpm ERR! Missing script: "build"') == 'npm ERR! Missing script: "build"'
    assert (
        n("/bin/bash: line 3: pnpm: command not found")
        == "<path>: line <n>: pnpm: command not found"
    )
    trace = "Traceback (most recent call last):\n  File \"/a/b.py\", line 3\nKeyError: 'x'"
    assert n(trace) == "KeyError: 'x'"


def test_money_never_prints_four_decimals():
    assert [views.money(x) for x in (None, 0, 0.004, 1.234, 12345.6)] == [
        "-", "$0", "<$0.01", "$1.23", "$12,346",
    ]  # fmt: skip


def test_session_links_and_cut_text():
    link = str(views.sid("11111111-1111-4111-8111-111111111111"))
    assert 'href="transcripts/11111111-1111-4111-8111-111111111111.html"' in link
    assert ">11111111</code>" in link and "data-session" not in link  # the href says it
    odd = views.transcript_href("../../etc/passwd")
    assert odd.startswith("transcripts/") and ".." not in odd
    odd_link = str(views.sid("../../etc/passwd"))
    assert 'data-session="../../etc/passwd"' in odd_link
    from workbench.frontends.report import linked_sessions

    assert linked_sessions(link + odd_link) == [
        "11111111-1111-4111-8111-111111111111",
        "../../etc/passwd",
    ]
    assert str(views.cut("a " * 50, 10)).endswith("…</span>")
    assert views.cut("short", 10) == "short"
