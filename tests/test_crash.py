"""Crash safety: an ingest killed with SIGKILL at any point (while reading, between commits,
while committing, in the rebuild at the end) leaves a database that the next ingest brings to
exactly what a clean ingest gives. Real subprocesses, real DuckDB files."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.core import store

ROOT = Path(__file__).resolve().parents[1]

#: An ingest in small batches and commits, so that a kill can land between them.
RUN = """
import json, sys
from workbench.ingest.load import ingest
s = ingest([sys.argv[1]], sys.argv[2], progress=False, batch_bytes=1 << 20, commit_bytes=2 << 20)
print(json.dumps(s.totals), flush=True)
"""

RAW = """
SELECT
    (SELECT count(*) FROM files), (SELECT sum(bytes_consumed) FROM files),
    (SELECT sum(lines) FROM files), (SELECT count(*) FROM files WHERE missing),
    (SELECT count(*) FROM messages),
    (SELECT sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0)
                + coalesce(cache_read_tokens, 0)) FROM messages),
    (SELECT count(*) FROM raw_tool_uses), (SELECT count(*) FROM raw_tool_results),
    (SELECT count(*) FROM usage_events), (SELECT sum(total_tokens) FROM usage_events),
    (SELECT count(*) FROM bad_lines), (SELECT count(*) FROM bad_values),
    (SELECT count(*) FROM sessions), (SELECT sum(total_total_tokens) FROM sessions),
    (SELECT count(*) FROM responses), (SELECT sum(total_tokens) FROM responses)
"""


def run(corpus: Path, db: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", RUN, str(corpus), str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def raw_totals(db: Path) -> tuple:
    con = store.open_db(db, read_only=True)
    try:
        return con.execute(RAW).fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from workbench.corpus import synthetic

    root = tmp_path_factory.mktemp("crash")
    synthetic.generate(root, target_bytes=12 * 1024 * 1024, seed=11)  # bad lines included
    return root


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


def test_kill_9_at_any_point_then_a_normal_ingest_gives_exact_totals(tmp_path, corpus):
    clean = tmp_path / "clean.duckdb"
    started = time.monotonic()
    expected_summary = finish(run(corpus, clean))
    took = time.monotonic() - started
    expected = raw_totals(clean)

    rng = random.Random(16)
    # early (start-up, first batches), the middle, late (last commits, the rebuild at the end)
    points = [0.2, 0.5, 0.8, 0.95, rng.uniform(0.3, 1.0)]
    killed = 0
    for i, point in enumerate(points):
        db = tmp_path / f"crashed-{i}.duckdb"
        proc = run(corpus, db)
        time.sleep(took * point)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        if i == len(points) - 1:  # once more on what the last one left
            proc = run(corpus, db)
            time.sleep(took * 0.4)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        assert finish(run(corpus, db)) == expected_summary, point
        assert raw_totals(db) == expected, point
    assert killed >= 3  # most kills landed while it ran
