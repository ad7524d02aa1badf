"""Prices and costs: the bundled table, name matching, the cost of each response, reports.

Every expected cost is computed by hand from the table's rates (USD per million tokens):
claude-sonnet-4-5 3 / 15 / 3.75 (5m write) / 6 (1h write) / 0.3 (read); claude-opus-4-7
5 / 25 / 6.25 / 10 / 0.5; claude-sonnet-4-20250514 the same as sonnet-4-5 below 200k prompt
tokens and 6 / 22.5 / 7.5 / 12 / 0.6 above.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from conftest import SHARED_FIXTURES

from workbench.ingest.load import ingest
from workbench.models import pricing
from workbench.query import tokens
from workbench.query.db import open_reader

SESSION = "44444444-4444-4444-8444-444444444444"


def assistant(n: int, ts: str, model: str, usage: dict) -> str:
    """One Claude Code assistant line (the real shape, compact JSON)."""
    line = {
        "parentUuid": None,
        "isSidechain": False,
        "userType": "external",
        "cwd": "/home/bo/src/api",
        "sessionId": SESSION,
        "version": "2.1.42",
        "gitBranch": "main",
        "type": "assistant",
        "uuid": f"p-{n:03d}",
        "timestamp": ts,
        "message": {
            "model": model,
            "id": f"msg_P{n}",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "end_turn",
            "usage": usage,
        },
        "requestId": f"req_P{n}",
    }
    return json.dumps(line, separators=(",", ":"))


def usage(inp=0, out=0, read=0, write=0, split: tuple[int, int] | None = None) -> dict:
    u = {
        "input_tokens": inp,
        "cache_creation_input_tokens": write,
        "cache_read_input_tokens": read,
        "output_tokens": out,
    }
    if split is not None:
        u["cache_creation"] = {
            "ephemeral_5m_input_tokens": split[0],
            "ephemeral_1h_input_tokens": split[1],
        }
    return u


LINES = [
    # 2026-05-01: a 1h cache write: 100*3 + 500*15 + 1000*3.75 + 2000*6 + 10000*0.3 = 26550
    (1, "2026-05-01T10:00:00.000Z", "claude-sonnet-4-5-20250929",
     usage(100, 500, 10_000, 3_000, split=(1_000, 2_000))),
    # 2026-05-02: no 5m/1h split, so all 4000 written tokens are 5m: 10*5 + 200*25 + 4000*6.25
    (2, "2026-05-02T10:00:00.000Z", "claude-opus-4-7", usage(10, 200, 0, 4_000)),
    # 2026-05-03: prompt 1000 + 50000 + 150000 = 201000 > 200k, long-context rates for all:
    # 1000*6 + 2000*22.5 + 50000*7.5 + 150000*0.6 = 516000
    (3, "2026-05-03T10:00:00.000Z", "claude-sonnet-4-20250514",
     usage(1_000, 2_000, 150_000, 50_000)),
    # prompt exactly 200000 is not above: 200000*0.3 + 100*15 = 61500
    (4, "2026-05-03T11:00:00.000Z", "claude-sonnet-4-20250514", usage(0, 100, 200_000)),
    # 2026-05-04: an unknown model (no price) and a name that matches after normalising
    (5, "2026-05-04T10:00:00.000Z", "claude-experimental-9", usage(100, 100)),
    (6, "2026-05-04T11:00:00.000Z", "claude-sonnet-4.5", usage(1_000)),  # 1000*3 = 3000
    # 2026-05-05: only the unknown model
    (7, "2026-05-05T10:00:00.000Z", "claude-experimental-9", usage(10, 10)),
]  # fmt: skip
COSTS = {  # USD per response
    "msg_P1:req_P1": 0.02655,
    "msg_P2:req_P2": 0.03005,
    "msg_P3:req_P3": 0.516,
    "msg_P4:req_P4": 0.0615,
    "msg_P5:req_P5": None,
    "msg_P6:req_P6": 0.003,
    "msg_P7:req_P7": None,
}


@pytest.fixture
def priced_db(tmp_path: Path) -> Path:
    project = tmp_path / "projects" / "-home-bo-src-api"
    project.mkdir(parents=True)
    (project / f"{SESSION}.jsonl").write_text(
        "\n".join(assistant(*line) for line in LINES) + "\n", encoding="utf-8"
    )
    db = tmp_path / "wb.duckdb"
    ingest([tmp_path / "projects"], db, user="bo", progress=False)
    return db


def test_table_names_its_source_and_date():
    table = pricing.load_table()
    src = table["source"]
    assert src["name"] == "LiteLLM model_prices_and_context_window.json"
    assert src["copies"][0].startswith("PyPI litellm 1.109.1")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", src["retrieved"])
    assert table["units"] == "USD per 1,000,000 tokens"
    for name in ("claude-opus-4-7", "claude-sonnet-4-20250514", "gpt-5.1-codex-max"):
        assert name in table["models"]
    assert table["models"]["gemini-2.5-flash"]["provider"] == "google"
    assert all(m["input"] >= 0 and m["output"] >= 0 for m in table["models"].values())


def test_build_table_from_litellm_releases():
    newer = {
        "claude-x-1": {
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "cache_creation_input_token_cost": 3.75e-06,
            "cache_creation_input_token_cost_above_1hr": 6e-06,
            "cache_read_input_token_cost": 3e-07,
            "input_cost_per_token_above_200k_tokens": 6e-06,
            "output_cost_per_token_above_200k_tokens": 2.25e-05,
        },
        "gemini/gemini-x": {
            "litellm_provider": "gemini",
            "mode": "chat",
            "input_cost_per_token": 3e-07,
            "output_cost_per_token": 2.5e-06,
        },
        "ft:gpt-x": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6},
        "bedrock/claude-x-1": {
            "litellm_provider": "bedrock",
            "mode": "chat",
            "input_cost_per_token": 9e-06,
            "output_cost_per_token": 9e-06,
        },
    }
    older = {
        "claude-x-1": {  # superseded by the newer release
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 1e-06,
        },
        "claude-old-0": {  # dropped by the newer release: kept from the older one
            "litellm_provider": "anthropic",
            "mode": "chat",
            "input_cost_per_token": 8e-07,
            "output_cost_per_token": 4e-06,
        },
    }
    table = pricing.build_table([("2.0", newer), ("1.0", older)], "2026-01-01")
    assert table["source"]["retrieved"] == "2026-01-01"
    assert table["models"] == {
        "claude-old-0": {"provider": "anthropic", "release": "1.0", "input": 0.8, "output": 4.0},
        "claude-x-1": {
            "provider": "anthropic",
            "release": "2.0",
            "input": 3.0,
            "output": 15.0,
            "cache_write_5m": 3.75,
            "cache_write_1h": 6.0,
            "cache_read": 0.3,
            "long_context": {"above_tokens": 200_000, "input": 6.0, "output": 22.5},
        },
        "gemini-x": {"provider": "google", "release": "2.0", "input": 0.3, "output": 2.5},
    }


def test_matching_exact_then_normalised_then_prefix():
    assert pricing.match("claude-opus-4-7") == ("claude-opus-4-7", "exact")
    assert pricing.match("claude-sonnet-4.5") == ("claude-sonnet-4-5", "normalized")
    assert pricing.match("anthropic/claude-opus-4-5@20251101") == ("claude-opus-4-5", "normalized")
    assert pricing.match("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == (
        "claude-sonnet-4-5",
        "normalized",
    )
    assert pricing.match("claude-sonnet-4") == ("claude-sonnet-4-20250514", "normalized")
    assert pricing.match("gpt-5.1-codex-max-xhigh") == ("gpt-5.1-codex-max", "prefix")
    # a version number after a known name is another model: no price rather than a wrong one
    assert pricing.match("claude-opus-4-9") is None
    assert pricing.match("claude-experimental-9") is None
    assert pricing.lookup("<synthetic>") is None and pricing.lookup(None) is None


def test_rates_and_defaults():
    sonnet4 = pricing.lookup("claude-sonnet-4-20250514")
    assert (sonnet4.input, sonnet4.output, sonnet4.cache_write_5m, sonnet4.cache_write_1h) == (
        3.0,
        15.0,
        3.75,
        6.0,
    )
    assert sonnet4.long_threshold == 200_000
    # the source has no long-context 1h rate: the base 1h rate scaled like input (6 * 6/3)
    assert (sonnet4.long_input, sonnet4.long_cache_read, sonnet4.long_cache_write_1h) == (
        6.0,
        0.6,
        12.0,
    )
    assert pricing.lookup("claude-opus-4-7").long_threshold is None


def test_cost_of_each_response(priced_db):
    # the cost formula lives in one place, models/sql/build_responses.sql: priced at ingest
    con = open_reader(priced_db)
    rows = con.rows("SELECT * FROM responses")
    by_key = {r["dedupe_key"]: r for r in rows}
    assert {k: r["cost_usd"] for k, r in by_key.items()} == pytest.approx(COSTS)
    assert by_key["msg_P3:req_P3"]["long_context"] is True
    assert by_key["msg_P4:req_P4"]["long_context"] is False
    assert by_key["msg_P5:req_P5"]["price_key"] is None
    assert by_key["msg_P5:req_P5"]["input_cost_usd"] is None
    assert by_key["msg_P6:req_P6"]["price_key"] == "claude-sonnet-4-5"  # a normalised name
    # the 1h write: 1000*3.75 + 2000*6 = 15750 per million
    assert by_key["msg_P1:req_P1"]["cache_write_cost_usd"] == pytest.approx(0.01575)
    for r in rows:
        if r["price_key"] is not None:
            parts = ("input", "output", "cache_write", "cache_read")
            assert sum(r[f"{k}_cost_usd"] for k in parts) == pytest.approx(r["cost_usd"])


def test_session_costs_in_the_sessions_mart(priced_db):
    con = open_reader(priced_db)
    assert con.scalar("SELECT count(*) FROM responses") == 7
    s = con.one(f"SELECT * FROM sessions WHERE session_id = '{SESSION}'")
    assert s["own_cost_usd"] == pytest.approx(0.02655 + 0.03005 + 0.516 + 0.0615 + 0.003)
    assert (s["own_responses"], s["own_unpriced_responses"]) == (7, 2)
    assert s["unpriced_models"] == ["claude-experimental-9"]
    assert s["total_cost_usd"] == pytest.approx(s["own_cost_usd"])


def test_daily_report_costs(priced_db):
    data = tokens.report(open_reader(priced_db), "daily", tz="UTC")
    days = {d["date"]: d for d in data["daily"]}
    assert days["2026-05-01"]["totalCost"] == pytest.approx(0.02655)
    assert days["2026-05-03"]["totalCost"] == pytest.approx(0.516 + 0.0615)
    may4 = days["2026-05-04"]
    # the unknown model is listed last with a null cost; the day's cost is the priced part
    assert [(b["modelName"], b["cost"]) for b in may4["modelBreakdowns"]] == [
        ("claude-sonnet-4.5", pytest.approx(0.003)),
        ("claude-experimental-9", None),
    ]
    assert may4["totalCost"] == pytest.approx(0.003)
    assert days["2026-05-05"]["totalCost"] is None  # nothing priced: unknown, not $0
    assert data["totals"]["totalCost"] == pytest.approx(0.6371)
    assert data["totals"]["unpricedModels"] == ["claude-experimental-9"]


def test_blocks(priced_db):
    data = tokens.blocks(open_reader(priced_db), tz="UTC")
    real = [b for b in data["blocks"] if not b["isGap"]]
    assert [b["startTime"] for b in real] == [
        "2026-05-01T10:00:00.000Z",
        "2026-05-02T10:00:00.000Z",
        "2026-05-03T10:00:00.000Z",
        "2026-05-04T10:00:00.000Z",
        "2026-05-05T10:00:00.000Z",
    ]
    may3 = real[2]
    assert (may3["endTime"], may3["actualEndTime"], may3["entries"]) == (
        "2026-05-03T15:00:00.000Z",
        "2026-05-03T11:00:00.000Z",
        2,
    )
    assert may3["costUSD"] == pytest.approx(0.5775)
    assert real[4]["costUSD"] is None and real[4]["user"] == "bo"
    gaps = [b for b in data["blocks"] if b["isGap"]]
    assert gaps[0]["startTime"] == "2026-05-01T15:00:00.000Z"  # last response + 5h
    assert gaps[0]["endTime"] == "2026-05-02T10:00:00.000Z"
    assert data["totals"]["unpricedModels"] == ["claude-experimental-9"]


def test_an_active_block_has_a_burn_rate_and_a_projection(priced_db):
    now = datetime(2026, 5, 3, 12, 0, tzinfo=timezone.utc)  # an hour after May 3's last response
    real = [b for b in tokens.blocks(open_reader(priced_db), now=now)["blocks"] if not b["isGap"]]
    assert [b["isActive"] for b in real[:3]] == [False, False, True]
    may3 = real[2]
    # 203,000 + 200,100 tokens over the 60 minutes from the block's start to its last response
    assert may3["burnRate"]["tokensPerMinute"] == pytest.approx(403_100 / 60)
    assert may3["burnRate"]["costPerHour"] == pytest.approx(0.5775)
    # 180 minutes left until 15:00 at that rate
    assert may3["projection"] == {
        "totalTokens": 1_612_400,
        "totalCost": pytest.approx(0.5775 * 4),
        "remainingMinutes": 180,
    }
    assert real[0]["burnRate"] is None and real[0]["projection"] is None


def test_prices_install_on_read_only_duckdb(priced_db):
    con = duckdb.connect(str(priced_db), read_only=True)
    pricing.install(con)
    got = con.execute(
        "SELECT price_key, price_match FROM model_prices WHERE model = 'claude-sonnet-4.5'"
    ).fetchone()
    assert got == ("claude-sonnet-4-5", "normalized")
    assert con.execute(
        "SELECT count(*) FROM model_prices WHERE model = 'claude-experimental-9'"
    ).fetchone() == (0,)
    con.close()


# -- conformance with ccusage on a multi-user corpus built from the real fixtures ---------------

CLAUDE = SHARED_FIXTURES / "claude" / "projects"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RESPONSE_IDS = re.compile(r'("id":"msg_|"requestId":"req_)([0-9A-Za-z]+)"')
#: user -> (projects copied, or None for all; model renames)
TEAM = {
    "alice": (None, {}),
    "bob": (None, {}),
    "carol": (
        {"-experiments-worktrees", "-home-user-project", "-Users-chip-dev-ai-music"},
        {"claude-sonnet-4-20250514": "acme-coder-1"},  # a model no price table knows
    ),
}
# `CLAUDE_CONFIG_DIR=<root>/alice,<root>/bob,<root>/carol ccusage claude daily --offline --json
#  --timezone UTC` (ccusage 20.0.24), measured once on build_team_corpus's output.
CCUSAGE_TEAM_DAYS = {
    "2025-06-10": 0.1555944,
    "2025-07-13": 0.3862287,
    "2025-12-09": 0.1274028,
    "2026-01-23": 0.6389466,
    "2026-02-16": 0.637434,
    "2026-04-18": 6.5437875,
}
CCUSAGE_TEAM_TOTAL = 8.489394
CCUSAGE_TEAM_UNPRICED = ["acme-coder-1"]


def build_team_corpus(dest: Path) -> None:
    """``dest/<user>/projects/...``: copies of the Claude fixtures, one per user, with session
    ids, agent ids, message ids and request ids rewritten so every copy is its own responses."""
    files = sorted(p for p in CLAUDE.rglob("*") if p.is_file())
    sessions = {s for p in files for s in UUID.findall(str(p.relative_to(CLAUDE)))}
    agents = {m.group(1) for p in files if (m := re.match(r"agent-(\w+)\.", p.name))}
    for k, (user, (projects, models)) in enumerate(TEAM.items(), start=1):

        def rewrite(text: str, k: int = k) -> str:
            for s in sessions:
                text = text.replace(s, s[:-4] + f"{k:04x}")
            for a in agents:
                text = text.replace(a, a + f"{k:x}")
            return text

        for path in files:
            rel = path.relative_to(CLAUDE)
            if projects is not None and rel.parts[0] not in projects:
                continue
            text = rewrite(path.read_text(encoding="utf-8"))
            text = RESPONSE_IDS.sub(lambda m, u=user: f'{m.group(1)}{m.group(2)}{u}"', text)
            for old, new in models.items():
                text = text.replace(f'"model":"{old}"', f'"model":"{new}"')
            out = dest / user / "projects" / rewrite(str(rel))
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")


@pytest.mark.skipif(not CLAUDE.is_dir(), reason="../shared/fixtures not present")
def test_team_cost_within_one_percent_of_ccusage(tmp_path):
    root = tmp_path / "team"
    build_team_corpus(root)
    db = tmp_path / "team.duckdb"
    ingest([root], db, progress=False)
    data = tokens.report(open_reader(db), "daily", tz="UTC")
    got = {d["date"]: d["totalCost"] for d in data["daily"]}
    # ccusage drops the df749439 excerpt (timestamps with 6 fractional digits), 2025-07-03 here
    # (the token conformance test shows it is the only difference); its cost is 2 copies
    # (alice's, bob's) of 26*3 + 1037*15 + 15953*3.75 + 85688*0.3 per million
    assert got.pop("2025-07-03") == pytest.approx(2 * 0.10116315)
    assert got == pytest.approx(CCUSAGE_TEAM_DAYS, rel=0.01)
    total = data["totals"]["totalCost"] - 2 * 0.10116315
    assert total == pytest.approx(CCUSAGE_TEAM_TOTAL, rel=0.01)
    assert data["totals"]["unpricedModels"] == CCUSAGE_TEAM_UNPRICED
    users = {s["user"] for s in tokens.report(open_reader(db), "session", tz="UTC")["sessions"]}
    assert users == set(TEAM)
    blocks = tokens.blocks(open_reader(db))["blocks"]
    # per user: the 6 blocks ccusage finds in the fixtures plus the excerpt's; carol has 3
    assert sorted((b["user"], b["startTime"]) for b in blocks if not b["isGap"])[:1] == [
        ("alice", "2025-06-10T12:00:00.000Z")
    ]
    assert [sum(not b["isGap"] and b["user"] == u for b in blocks) for u in TEAM] == [7, 7, 3]
    shutil.rmtree(root)


CODEX_GEMINI = [SHARED_FIXTURES / "codex" / "sessions", SHARED_FIXTURES / "gemini" / "tmp"]
#: `ccusage codex daily` / `ccusage gemini daily` --offline --json --timezone UTC (20.0.24)
CCUSAGE_OTHER = {"gpt-5.1-codex-max": 0.011729, "gemini-2.5-flash": 0.01016261}


@pytest.mark.skipif(not CODEX_GEMINI[0].is_dir(), reason="../shared/fixtures not present")
def test_codex_and_gemini_fixture_costs_end_to_end(tmp_path):
    db = tmp_path / "other.duckdb"
    ingest(CODEX_GEMINI, db, user="fixtures", progress=False)
    data = tokens.report(open_reader(db), "daily", tz="UTC")
    got = {b["modelName"]: b["cost"] for d in data["daily"] for b in d["modelBreakdowns"]}
    if not got:
        pytest.skip("this checkout does not ingest Codex or Gemini transcripts yet")
    assert got == pytest.approx(CCUSAGE_OTHER, rel=0.01)
    assert data["totals"]["unpricedModels"] == []
