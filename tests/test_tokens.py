"""Token reports: ccusage's shape, days in a time zone, filters."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import S1, S2

from workbench.query import tokens
from workbench.query.db import open_reader
from workbench.query.periods import UsageError, parse_when, resolve_timezone


@pytest.fixture
def ibis_con(ingested):
    return open_reader(ingested)


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
    totals = dict(data["totals"])
    assert totals.pop("totalCost") == pytest.approx(0.030505)
    assert totals == {
        "inputTokens": 51,
        "outputTokens": 527,
        "cacheCreationTokens": 2100,
        "cacheReadTokens": 41800,
        "totalTokens": 44478,
        "unpricedModels": [],
    }


def test_daily_cost_by_hand(ibis_con):
    # USD per million: sonnet-4-5 3/15/3.75 (5m)/6 (1h)/0.3 (read); haiku-4-5 1/5/1.25/2/0.1;
    # opus-4-6 5/25/6.25/10/0.5
    daily = tokens.report(ibis_con, "daily", tz="UTC")["daily"]
    first = daily[0]
    # sonnet: 22*3 + 330*15 + 900*3.75 + 400*6 (msg_A's 1h write) + 29800*0.3 = 19731
    # haiku: 14*1 + 77*5 + 300*1.25 + 5500*0.1 = 1324; sorted by cost, highest first
    assert [(b["modelName"], b["cost"]) for b in first["modelBreakdowns"]] == [
        ("claude-sonnet-4-5-20250929", pytest.approx(0.019731)),
        ("claude-haiku-4-5-20251001", pytest.approx(0.001324)),
    ]
    assert first["modelsUsed"] == ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]
    assert first["totalCost"] == pytest.approx(0.021055)
    # opus-4-6: 7*5 + 90*25 + 500*6.25 + 3000*0.5 = 6910; 8*5 + 30*25 + 3500*0.5 = 2540
    assert [d["totalCost"] for d in daily[1:]] == [pytest.approx(0.00691), pytest.approx(0.00254)]


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
    assert by_id[S2]["totalCost"] == pytest.approx(0.00691 + 0.00254)
    assert monthly["totals"]["totalCost"] == pytest.approx(0.030505)


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


def test_blocks_split_exactly_five_hours_after_their_start(tmp_path):
    # a response exactly 5 h after its block's start stays in the block, the next one (10 s
    # later, in the same hour) opens a new block; models are listed in first-seen order
    from builders import Transcript

    from workbench.ingest.load import ingest

    t = Transcript(S1, start="2026-05-04T10:20:00Z", step=0)
    t.say("b", model="claude-b").wait(1200).say("a", model="claude-a")
    t.wait(600).say("a again", model="claude-a")
    t.wait(4 * 3600 + 600).say("on the hour", model="claude-c")  # 15:00:00.000
    t.wait(10).say("after", model="claude-a")
    t.write(tmp_path / "projects" / "-home-ana-src-shop")
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, progress=False)
    later = datetime(2026, 6, 1, tzinfo=timezone.utc)
    data = tokens.blocks(open_reader(db), now=later)
    assert [
        (b["startTime"], b["actualEndTime"], b["entries"], b["models"], b["isGap"])
        for b in data["blocks"]
    ] == [
        (
            "2026-05-04T10:00:00.000Z",
            "2026-05-04T15:00:00.000Z",
            4,
            ["claude-b", "claude-a", "claude-c"],
            False,
        ),
        ("2026-05-04T15:00:00.000Z", "2026-05-04T15:00:10.000Z", 1, ["claude-a"], False),
    ]
    assert data["blocks"][0]["totalTokens"] == 4 * 111
    assert data["totals"]["unpricedModels"] == ["claude-a", "claude-b", "claude-c"]


def test_times_are_written_in_utc_with_milliseconds():
    from datetime import datetime, timedelta, timezone

    from workbench.query.tokens import _iso

    utc = datetime(2026, 3, 4, 8, 0, 1, 234567, tzinfo=timezone.utc)
    assert _iso(utc) == "2026-03-04T08:00:01.234Z"  # truncated, as ccusage writes them
    assert _iso(utc.replace(microsecond=0)) == "2026-03-04T08:00:01.000Z"
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    assert _iso(paris) == "2026-03-04T08:00:01.234Z"  # the same instant, in UTC
    assert _iso(None) is None
