"""Token reports: ccusage's shape, days in a time zone, filters."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import S1, S2

from workbench import tables, tokens
from workbench.periods import UsageError, parse_when, resolve_timezone


@pytest.fixture
def ibis_con(ingested):
    return tables.connect(ingested)


def test_daily_report_in_utc(ibis_con):
    data = tokens.report(ibis_con, "daily", tz="UTC")
    assert [d["date"] for d in data["daily"]] == ["2026-03-02", "2026-03-05", "2026-03-09"]
    first = data["daily"][0]
    assert (
        first["inputTokens"],
        first["outputTokens"],
        first["cacheCreationTokens"],
        first["cacheReadTokens"],
    ) == (36, 407, 1600, 35300)
    assert first["totalTokens"] == 36 + 407 + 1600 + 35300
    assert sorted(first["modelsUsed"]) == [
        "claude-haiku-4-5-20251001",
        "claude-sonnet-4-5-20250929",
    ]
    assert sum(b["outputTokens"] for b in first["modelBreakdowns"]) == 407
    assert data["totals"] == {
        "inputTokens": 51,
        "outputTokens": 527,
        "cacheCreationTokens": 2100,
        "cacheReadTokens": 41800,
        "totalTokens": 44478,
    }
    assert "totalCost" not in first  # cost fields arrive with pricing


def test_days_follow_the_time_zone(ibis_con):
    # msg_F is at 2026-03-05 23:30 UTC = 2026-03-06 00:30 in Paris
    paris = tokens.report(ibis_con, "daily", tz="Europe/Paris")
    assert [d["date"] for d in paris["daily"]] == ["2026-03-02", "2026-03-06", "2026-03-09"]


def test_monthly_and_session_reports(ibis_con):
    monthly = tokens.report(ibis_con, "monthly", tz="UTC")
    assert [(m["month"], m["totalTokens"]) for m in monthly["monthly"]] == [("2026-03", 44478)]
    sessions = tokens.report(ibis_con, "session", tz="UTC")["sessions"]
    by_id = {s["sessionId"]: s for s in sessions}
    # subagents roll up into the session that spawned them (S1 + sub001 + warm0001)
    assert set(by_id) == {S1, S2}
    assert by_id[S1]["inputTokens"] == 22 + 11 + 3
    assert by_id[S1]["firstActivity"] == "2026-03-02T08:59:52.000Z"
    assert by_id[S1]["lastActivity"] == "2026-03-02T09:30:00.000Z"
    assert by_id[S2]["user"] == "ana" and by_id[S2]["projectPath"] == "/home/ana/src/shop"


def test_filters(ibis_con):
    since = parse_when("2026-03-05", "UTC")
    until = parse_when("2026-03-05", "UTC", end=True)
    data = tokens.report(ibis_con, "daily", tz="UTC", since=since, until=until)
    assert [d["date"] for d in data["daily"]] == ["2026-03-05"]
    assert tokens.report(ibis_con, "daily", tz="UTC", agents=["codex"])["daily"] == []
    assert (
        tokens.report(ibis_con, "daily", tz="UTC", users=["nobody"])["totals"]["totalTokens"] == 0
    )


def test_parse_when():
    now = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    assert parse_when("7d", "UTC", now=now) == datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
    assert parse_when("24h", "UTC", now=now) == datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)
    assert parse_when("2026-03-05", "Europe/Paris") == datetime(
        2026, 3, 4, 23, 0, tzinfo=timezone.utc
    )
    assert parse_when("20260305", "UTC", end=True) == datetime(2026, 3, 6, tzinfo=timezone.utc)
    assert parse_when(None, "UTC") is None
    with pytest.raises(UsageError, match="cannot read 'yesterday'"):
        parse_when("yesterday", "UTC")
    with pytest.raises(UsageError, match="unknown time zone"):
        resolve_timezone("Mars/Olympus")
