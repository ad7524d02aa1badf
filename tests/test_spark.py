"""Spark in local mode over the Parquet lake: every read command and the report headlines give
DuckDB's figures for the same data (one SparkSession for the module)."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timezone

import pytest
from conftest import DATA
from parity import PARITY, assert_same, busy_session, cli, cli_json, normal

from workbench.corpus import synthetic
from workbench.ingest.load import ingest
from workbench.query import report_data, summary
from workbench.query.db import open_reader

pytest.importorskip("pyspark", reason="pip install 'workbench[spark]' (make install does)")

END = datetime(2026, 5, 20, 23, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("spark")
    root = base / "team"
    synthetic.generate(root, sessions=40, end=END, payload_scale=0.2, seed=3)
    shutil.copytree(DATA / "claude" / "projects", root / "ana" / "projects")
    db = base / "wb.duckdb"
    ingest([root], db, progress=False, machine="laptop-a")
    out = base / "lake"
    from workbench.hub.parquet import export

    export(db, out)
    return {"db": db, "url": f"spark://local[2]?path={out}", "out": out}


@pytest.mark.parametrize("command", PARITY)
def test_spark_gives_the_figures_duckdb_gives(lake, capsys, command):
    argv = command.split()
    tz = ["--timezone", "Europe/Paris"]
    local = cli_json(capsys, *argv, *tz, "--db", str(lake["db"]))
    remote = cli_json(capsys, *argv, *tz, "--db", lake["url"])
    assert_same(normal(local), normal(remote))


@pytest.mark.parametrize("what", ["get", "messages", "tool-calls"])
def test_one_session_reads_the_same_on_spark(lake, capsys, what):
    sid = busy_session(lake["db"])
    local = cli_json(capsys, "sessions", what, sid[:8], "--db", str(lake["db"]))
    remote = cli_json(capsys, "sessions", what, sid[:8], "--db", lake["url"])
    assert_same(normal(local), normal(remote))


def test_report_headlines_match_on_spark(lake):
    local, remote = open_reader(lake["db"]), open_reader(lake["url"])
    try:
        for since, until in ((None, None), (datetime(2026, 5, 12, tzinfo=timezone.utc), END)):
            a = summary.headline(local, since=since, until=until)
            b = summary.headline(remote, since=since, until=until)
            assert_same(normal(a), normal(b))
            assert a["sessions"] > 0
            if since:
                a = report_data.with_previous(local, since=since, until=until)
                b = report_data.with_previous(remote, since=since, until=until)
                assert_same(normal(a), normal(b))
    finally:
        local.close()


def test_a_report_runs_on_spark(lake, tmp_path, capsys):
    out = tmp_path / "tokens.html"
    code, _out, err = cli(capsys, "report", "tokens", "--db", lake["url"], "--out", str(out))
    assert code == 0, err
    page = out.read_text()
    embedded = json.loads(page.split('id="workbench-summary">')[1].split("</script>")[0])
    reader = open_reader(lake["db"])
    try:
        expected = summary.headline(reader)
    finally:
        reader.close()
    assert embedded["tokens"] == expected["tokens"] and embedded["sessions"] == expected["sessions"]
    assert math.isclose(embedded["cost_usd"]["total"], expected["cost_usd"]["total"], rel_tol=1e-9)


def test_clear_errors(capsys, tmp_path):
    code, _out, err = cli(capsys, "tokens", "daily", "--db", f"spark://local[1]?path={tmp_path}")
    assert code == 1 and "export --parquet" in err
    code, _out, err = cli(capsys, "tokens", "daily", "--db", "spark://local[1]")
    assert code == 1 and "?path=DIR" in err
