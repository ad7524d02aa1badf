"""The synthetic corpus: deterministic, and it holds the shapes the demo promises."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from conftest import one

from workbench.core import store
from workbench.corpus import synthetic
from workbench.ingest.load import ingest

END = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def digest(root) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(tmp_path):
    a = synthetic.generate(tmp_path / "a", sessions=30, end=END)
    b = synthetic.generate(tmp_path / "b", sessions=30, end=END)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert (a.sessions, a.files, a.bytes) == (b.sessions, b.files, b.bytes)
    synthetic.generate(tmp_path / "c", sessions=30, end=END, seed=8)
    assert digest(tmp_path / "c") != digest(tmp_path / "a")


def test_demo_shapes_are_present(tmp_path):
    synthetic.generate(tmp_path / "corpus", sessions=120, end=END)
    db = tmp_path / "wb.duckdb"
    s = ingest([tmp_path / "corpus"], db, progress=False)
    assert s.bad_lines == 4  # two planted bad lines in each of two sessions
    con = store.open_db(db, read_only=True)
    q = lambda sql: one(con, sql)[0]  # noqa: E731
    assert q("SELECT count(DISTINCT user_name) FROM sessions") == 5
    assert q("SELECT count(DISTINCT project) FROM sessions") >= 4
    assert q("SELECT count(DISTINCT primary_model) FROM sessions") >= 4
    assert q("SELECT count(*) FROM sessions WHERE is_subagent AND agent_type IS NOT NULL") >= 1
    assert (
        q("SELECT count(*) FROM files WHERE kind = 'subagent' AND parent_session_id IS NULL") >= 1
    )
    assert q("SELECT count(*) FROM raw_tool_results WHERE is_error") >= 20
    assert q("SELECT count(*) FROM messages WHERE subtype = 'compact_boundary'") >= 1
    assert q("SELECT count(*) FROM messages WHERE is_api_error") >= 1
    assert q("SELECT count(*) FROM sessions WHERE ended_at - started_at > INTERVAL 3 DAY") >= 1
    assert q("SELECT count(*) FROM responses WHERE model = 'claude-nebula-preview'") >= 1
    assert q("SELECT max(ended_at) FROM sessions") <= END
    # a spawned subagent whose file is missing
    assert (
        q("""SELECT count(*) FROM raw_tool_results r WHERE agent_id IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.agent_id = r.agent_id)""")
        >= 1
    )
    con.close()
