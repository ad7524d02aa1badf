"""`workbench export --parquet DIR`: the marts by day, incremental, idempotent, redacted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb
from builders import Transcript

from workbench.corpus import synthetic
from workbench.frontends.cli import main
from workbench.ingest.load import ingest

END = datetime(2026, 5, 20, 23, tzinfo=timezone.utc)
TABLES = ("sessions", "responses", "messages", "tool_calls", "tool_errors", "retry_loops",
          "activity_blocks", "files", "bad_lines")  # fmt: skip


def export(capsys, db: Path, out: Path) -> dict:
    assert main(["export", "--parquet", str(out), "--db", str(db), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def lake(out: Path, table: str) -> str:
    return f"read_parquet('{out}/{table}/*/*.parquet', hive_partitioning=true)"


def test_the_lake_holds_the_marts_and_an_unchanged_export_writes_nothing(tmp_path, capsys):
    root = tmp_path / "team"
    synthetic.generate(root, sessions=30, end=END, payload_scale=0.2, seed=5)
    db, out = tmp_path / "wb.duckdb", tmp_path / "lake"
    ingest([root], db, progress=False, machine="box-1")
    first = export(capsys, db, out)
    assert all(first["tables"][t]["days_written"] == first["tables"][t]["days"] for t in TABLES)
    con = duckdb.connect(str(db), read_only=True)
    q = duckdb.connect()
    for table in TABLES:
        assert (
            q.execute(f"SELECT count(*) FROM {lake(out, table)}").fetchone()[0]
            == (con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        ), table
    local = con.execute("SELECT sum(total_tokens), sum(cost_usd) FROM responses").fetchone()
    parq = q.execute(f"SELECT sum(total_tokens), sum(cost_usd) FROM {lake(out, 'responses')}")
    tokens, cost = parq.fetchone()
    assert tokens == local[0] and math.isclose(cost, local[1], rel_tol=1e-12)
    days = q.execute(f"SELECT DISTINCT day FROM {lake(out, 'responses')} ORDER BY day").fetchall()
    assert len(days) > 5 and all(len(str(d)) == 10 for (d,) in days)  # YYYY-MM-DD partitions
    assert {m for (m,) in q.execute(f"SELECT DISTINCT machine FROM {lake(out, 'sessions')}")
            .fetchall()} == {"box-1"}  # fmt: skip
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    again = export(capsys, db, out)
    assert sum(t["days_written"] for t in again["tables"].values()) == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")} == mtimes
    # nothing to write: no redaction functions registered (DuckDB imports NumPy for them)
    code = (
        "import sys\nfrom workbench.frontends.cli import main\n"
        f"assert main(['export', '--parquet', {str(out)!r}, '--db', {str(db)!r}]) == 0\n"
        "print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def test_an_export_rewrites_the_days_that_changed_and_redacts(tmp_path, capsys):
    root = tmp_path / "team"
    synthetic.generate(root, sessions=10, end=END, payload_scale=0.2, seed=6)
    db, out = tmp_path / "wb.duckdb", tmp_path / "lake"
    ingest([root], db, progress=False)
    export(capsys, db, out)
    key = "ghp_" + "A" * 36
    t = Transcript("d0000001-0000-4000-8000-000000000001", start="2026-06-02T10:00:00Z")
    t.prompt(f"deploy with {key} please").say("done")
    t.write(root / "zoe" / "-home-zoe-app")
    ingest([root], db, progress=False)
    second = export(capsys, db, out)
    written = {t: v["days_written"] for t, v in second["tables"].items()}
    assert written["messages"] == 1 and written["sessions"] == 1  # only 2026-06-02
    q = duckdb.connect()
    text = q.execute(
        f"SELECT string_agg(text, ' ') FROM {lake(out, 'messages')} WHERE day = '2026-06-02'"
    ).fetchone()[0]
    assert "deploy with" in text and key not in text and "[REDACTED:github-token]" in text
