"""Conformance over the real transcripts in ../shared/fixtures (skipped when absent).

The reference numbers are the measured totals in ../shared/fixtures/README.md: deduplicated
Claude usage, and ccusage 20.0.24's per-day figures for every file ccusage reads.
"""

from __future__ import annotations

import pytest
from conftest import SHARED_FIXTURES

from workbench.core import store
from workbench.ingest.load import ingest
from workbench.query import tokens
from workbench.query.db import open_reader

CLAUDE = SHARED_FIXTURES / "claude" / "projects"
pytestmark = pytest.mark.skipif(not CLAUDE.is_dir(), reason="../shared/fixtures not present")

# ccusage claude daily --offline --json --timezone UTC (input/output/cache creation/cache read)
CCUSAGE_DAYS = {
    "2025-06-10": (88, 278, 16_000, 44_544),
    "2025-07-13": (43, 487, 25_577, 299_222),
    "2025-12-09": (561, 974, 5_158, 93_553),
    "2026-01-23": (4_470, 200, 60_226, 485_124),
    "2026-02-16": (23, 88, 9_036, 239_606),
    "2026-04-18": (1_318, 25_274, 119_187, 829_390),
}


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("conformance") / "wb.duckdb"
    summary = ingest([CLAUDE], db, user="fixtures", progress=False)
    assert summary.bad_lines == 0
    return db


def test_reference_totals(fixture_db):
    con = store.open_db(fixture_db, read_only=True)
    got = con.execute("""
        SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_creation_tokens),
               sum(cache_read_tokens) FROM responses""").fetchone()
    con.close()
    assert got == (83, 6_529, 28_338, 251_137, 2_077_127)


def test_days_equal_ccusage(fixture_db):
    daily = tokens.report(open_reader(fixture_db), "daily", tz="UTC")["daily"]
    got = {
        d["date"]: (
            d["inputTokens"],
            d["outputTokens"],
            d["cacheCreationTokens"],
            d["cacheReadTokens"],
        )
        for d in daily
    }
    # ccusage drops the df749439 excerpt (6 fractional digits): its only day, 2025-07-03
    assert got.pop("2025-07-03") == (26, 1_037, 15_953, 85_688)
    assert got == CCUSAGE_DAYS


def test_every_fixture_session_and_subagent(fixture_db):
    con = store.open_db(fixture_db, read_only=True)
    sessions = dict(con.execute("SELECT session_id, parent_session_id FROM sessions").fetchall())
    tool_errors = con.execute("SELECT sum(tool_errors) FROM sessions").fetchone()[0]
    missing = con.execute("""
        SELECT count(DISTINCT agent_id) FROM raw_tool_results r WHERE agent_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.agent_id = r.agent_id)""").fetchone()[0]
    con.close()
    assert len(sessions) == 11  # 12 files; one holds only a summary line
    assert sessions["agent-a2271d1"] == "29ccd257-68b1-427f-ae5f-6524b7cb6f20"
    assert sessions["agent-aef063ba534d73153"] == "ef958aa1-0e93-49f0-bb71-150f63befcd1"
    assert sessions["agent-0c4c3cf8"] == "7f2abd2d-7cfc-4447-9ddd-3ca8d14e02e9"
    assert tool_errors == 11  # 2 rejections + 2 ty errors + 6 permission denials + 1 shim error
    assert missing == 5  # six Agent spawns in ef958aa1, one subagent file present
