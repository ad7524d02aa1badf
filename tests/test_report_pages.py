"""What the reports draw and write beside themselves: transcript pages read in batches, and
time series that mark the days (weeks) the period covers only in part."""

from __future__ import annotations

from workbench.frontends import report
from workbench.query import transcript
from workbench.query.db import open_reader

S1 = "11111111-1111-4111-8111-111111111111"
S2 = "22222222-2222-4222-8222-222222222222"


def test_a_batch_of_transcripts_equals_one_at_a_time(ingested):
    con = open_reader(ingested)
    ids = con.column("SELECT session_id FROM sessions ORDER BY session_id")
    assert S1 in ids and any(con.column("SELECT is_subagent FROM sessions"))
    for depth in (None, 0, 1):
        batch = transcript.load_many(con, [*ids, "no-such-session"], depth=depth)
        assert list(batch) == ids  # in the order asked, the unknown id left out
        for sid in ids:
            one = transcript.as_dict(transcript.load(con, sid, depth=depth))
            assert transcript.as_dict(batch[sid]) == one, (sid, depth)
    nested = transcript.as_dict(transcript.load_many(con, [S1], depth=None)[S1])
    assert any("subagent" in e for e in nested["events"])  # subagents attached in a batch too


def test_transcript_pages_are_written_for_the_known_ids(ingested, tmp_path, monkeypatch):
    monkeypatch.setattr(report, "TRANSCRIPT_BATCH", 1)  # several batches on a small fixture
    done: set[str] = {S2}
    n = report.write_transcripts([S1, S1, S2, "no-such-session"], tmp_path, db=str(ingested),
                                 done=done)  # fmt: skip
    assert n == 1 and done == {S1, S2, "no-such-session"}
    page = (tmp_path / "transcripts" / f"{S1}.html").read_text(encoding="utf-8")
    assert "Session 11111111" in page and 'href="../index.html"' in page
    assert not (tmp_path / "transcripts" / f"{S2}.html").exists()  # already written: skipped
    assert sorted(p.name for p in (tmp_path / "transcripts").iterdir()) == [f"{S1}.html"]
