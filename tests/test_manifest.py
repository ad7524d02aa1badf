"""The ingest manifest: an ingest with nothing to do answers from it, without DuckDB; anything
that may need work (a changed, new, gone or returned file, a database written since, a new
parser or price table, a damaged manifest) takes the full path, which opens the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import duckdb
import pytest
from conftest import S1, one
from test_incremental import _grow, _hold_lock

from workbench.core import config, store
from workbench.ingest import manifest
from workbench.ingest.discover import discover
from workbench.ingest.load import ingest

NOOP_IN_A_FRESH_PROCESS = """
import json, sys
from workbench.frontends.cli import main
rc = main(["ingest", sys.argv[1], "--db", sys.argv[2], "--user", "ana", "--json"])
print(json.dumps({"rc": rc, "duckdb": bool({"duckdb", "_duckdb"} & set(sys.modules))}))
"""


def _cli_ingest(corpus, db) -> tuple[dict, dict]:
    out = subprocess.run(
        [sys.executable, "-c", NOOP_IN_A_FRESH_PROCESS, str(corpus), str(db)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    *summary, status = out.strip().splitlines()
    return json.loads("\n".join(summary)), json.loads(status)


def test_a_noop_ingest_answers_without_importing_duckdb(ingested, corpus):
    full = ingest([corpus], ingested, user="ana", progress=False)  # writes the manifest again
    assert manifest.path_for(ingested).exists()
    summary, status = _cli_ingest(corpus, ingested)
    assert status == {"rc": 0, "duckdb": False}
    assert (summary["files"], summary["files_unchanged"], summary["files_parsed"]) == (5, 5, 0)
    assert summary["totals"] == full.totals and summary["totals"]["sessions"] > 0


def test_a_changed_file_takes_the_full_path(ingested, corpus):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    with open(main, "ab") as fh:
        fh.write(main.read_bytes().splitlines(keepends=True)[2].replace(b"u-001", b"u-100"))
    summary, status = _cli_ingest(corpus, ingested)
    assert status == {"rc": 0, "duckdb": True}
    assert (summary["files_appended"], summary["lines"]) == (1, 1)
    # and the manifest written after it answers the next run
    summary, status = _cli_ingest(corpus, ingested)
    assert status["duckdb"] is False and summary["files_unchanged"] == 5


def test_a_database_written_since_retires_the_manifest(ingested, corpus):
    con = duckdb.connect(str(ingested))  # another program drops a file's row
    con.execute("DELETE FROM files WHERE session_id LIKE '2222%'")
    con.close()
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert (s.files_parsed, s.files_unchanged) == (1, 4)


def test_new_gone_and_returned_files_take_the_full_path(ingested, corpus, tmp_path):
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    copy = corpus / "-home-ana-src-shop" / "44444444-4444-4444-8444-444444444444.jsonl"
    copy.write_bytes(main.read_bytes())
    assert ingest([corpus], ingested, user="ana", progress=False).files_parsed == 1
    away = tmp_path / "away.jsonl"
    os.rename(main, away)  # keeps its size and mtime
    assert ingest([corpus], ingested, user="ana", progress=False).files_vanished == 1
    os.rename(away, main)  # back, unchanged: its sessions are no longer "source missing"
    s = ingest([corpus], ingested, user="ana", progress=False)
    assert (s.files_unchanged, s.files_parsed, s.files_vanished) == (6, 0, 0)
    con = store.open_db(ingested, read_only=True)
    try:
        assert one(con, "SELECT missing FROM files WHERE session_id = ?", [S1]) == (False,)
        assert one(con, "SELECT source_missing FROM sessions WHERE session_id = ?", [S1]) == (
            False,
        )
    finally:
        con.close()


def test_only_a_valid_manifest_spares_opening_the_database(ingested, corpus, monkeypatch):
    # while another process holds the database, only a no-op the manifest vouches for
    # answers; every other case opens the database and so reports it busy
    with _hold_lock(ingested, 60):
        s = ingest([corpus], ingested, user="ana", progress=False)
        assert (s.files_unchanged, s.files_parsed) == (5, 0)
        path = manifest.path_for(ingested)
        good = path.read_text()
        cut = json.loads(good)
        cut["files"] = [row[:3] for row in cut["files"]]  # rows too short to compare
        for damaged in (
            "",
            "{",
            "[]",
            '{"format": 1}',
            good.replace('"files":', '"fi":'),
            json.dumps(cut),
        ):
            path.write_text(damaged)
            with pytest.raises(store.DatabaseBusy):
                ingest([corpus], ingested, user="ana", progress=False)
        path.write_text(good)
        monkeypatch.setattr(config, "prices_fingerprint", lambda: "another-price-table")
        with pytest.raises(store.DatabaseBusy):
            ingest([corpus], ingested, user="ana", progress=False)
        monkeypatch.undo()
        monkeypatch.setattr(config, "SCHEMA_VERSION", config.SCHEMA_VERSION + 1)
        with pytest.raises(store.DatabaseBusy):
            ingest([corpus], ingested, user="ana", progress=False)
        monkeypatch.undo()
        assert ingest([corpus], ingested, user="ana", progress=False).files_unchanged == 5


def test_a_server_ingest_leaves_the_manifest_to_retire(ingested, corpus):
    # a server (no CLI ingest runs beside it) neither reads nor writes the manifest; the one
    # left from before no longer vouches for the database it changed
    path = manifest.path_for(ingested)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    _grow(corpus)
    s = ingest([corpus], ingested, user="ana", progress=False, use_manifest=False)
    assert s.files_appended == 1
    assert (path.read_bytes(), path.stat().st_mtime_ns) == (before, mtime)
    with _hold_lock(ingested, 60), pytest.raises(store.DatabaseBusy):
        ingest([corpus], ingested, user="ana", progress=False)  # the full path opens the db


def test_totals_are_left_out_only_where_no_manifest_keeps_them(ingested, corpus):
    # a server's ingest shows no whole-database totals, so it skips counting them; an ingest
    # that writes the manifest counts them whatever it is asked (the manifest answers with them)
    _grow(corpus)
    s = ingest([corpus], ingested, user="ana", progress=False, use_manifest=False, totals=False)
    assert s.files_appended == 1 and s.totals == {}
    _grow(corpus)
    s = ingest([corpus], ingested, user="ana", progress=False, totals=False)
    assert s.totals["files"] > 0 and s.totals["messages"] > 0
    assert json.loads(manifest.path_for(ingested).read_text())["totals"] == s.totals


def _rows_in_db(db) -> list[list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [list(row) for row in con.execute(manifest.QUERY).fetchall()]
    finally:
        con.close()


def test_an_ingest_with_a_valid_manifest_reads_and_rewrites_only_what_changed(
    ingested, corpus, tmp_path, monkeypatch
):
    # the manifest stands in for the files table: the loader reads, plans and rewrites in the
    # manifest only the files it calls changed (or that vanished), and the manifest it leaves
    # is row for row the files table, whatever changed
    from workbench.ingest import load, plan

    priors = []
    real = plan.known_files

    def known_files(con, found=None, prior=None):
        priors.append(prior)
        return real(con, found, prior)

    monkeypatch.setattr(load.planning, "known_files", known_files)
    folder = corpus / "-home-ana-src-shop"
    # a quote in a name: paths reach the SQL as literals (a bound list would import pandas)
    main, copy = folder / f"{S1}.jsonl", folder / "o'brien-4444-4444-8444-444444444444.jsonl"
    away = tmp_path / "away.jsonl"

    def grow():
        _grow(corpus)
        return {str(main)}

    def add():
        copy.write_bytes(main.read_bytes())
        return {str(copy)}

    def move_away():
        os.rename(main, away)  # keeps its size and mtime
        return set()

    def bring_back():
        os.rename(away, main)
        return {str(main)}  # back after it had gone: its row changes (missing)

    expected = [(grow, "files_appended"), (add, "files_parsed"), (move_away, "files_vanished")]
    expected.append((bring_back, "files_unchanged"))
    for change, counter in expected:
        changed = change()
        s = ingest([corpus], ingested, user="ana", progress=False)
        assert getattr(s, counter) >= 1, (change.__name__, s)
        assert priors[-1] is not None and priors[-1].changed == changed, change.__name__
        assert json.loads(manifest.path_for(ingested).read_text())["files"] == _rows_in_db(
            ingested
        ), change.__name__
    assert len(priors) == len(expected)


def test_the_manifest_is_written_as_json_reads_it_back_whatever_it_holds(tmp_path):
    # orjson writes it; what orjson refuses (a lone surrogate, an integer beyond 64 bits) the
    # standard library writes: either way json.loads gives back what was written, and so does
    # the manifest's own reader (orjson, else the standard library)
    cases = [
        {"files": [[1, "/home/ana/projets/café/é.jsonl", "claude", False, None, 2**40]]},
        {"files": [[2, "/tmp/caf\udce9.jsonl"]], "totals": {"tokens": 2**70}},
    ]
    db = tmp_path / "wb.duckdb"
    for data in cases:
        assert json.loads(manifest._encode(data)) == data
        manifest.path_for(db).write_bytes(manifest._encode({**data, "format": manifest.FORMAT}))
        assert manifest._read(db) == {**data, "format": manifest.FORMAT}


def test_a_file_read_as_another_user_is_a_change(ingested, corpus):
    # the same bytes under another --user mean other rows (the identity compare.IDENTITY
    # names): the manifest calls every file changed, as the planner would
    _, summary, prior = manifest.check([corpus], ingested, user="ana")
    assert summary is not None and prior.changed == set()
    _, summary, prior = manifest.check([corpus], ingested, user="bea")
    assert summary is None and prior.changed == {str(p) for p in corpus.rglob("*.jsonl")}


def test_the_manifest_keeps_the_folder_listings_for_the_next_scan(corpus, db_path, monkeypatch):
    from workbench.ingest import discover as module

    monkeypatch.setattr(module, "SETTLED_NS", 50_000_000)  # 10 s outside tests
    time.sleep(0.1)
    ingest([corpus], db_path, user="ana", progress=False)
    kept = json.loads(manifest.path_for(db_path).read_text())["listings"]
    assert str(corpus / "-home-ana-src-shop") in kept
    # a new file in a folder that has a listing: its folder changed, the scan finds it, and
    # the ingest reads it
    time.sleep(0.1)
    main = corpus / "-home-ana-src-shop" / f"{S1}.jsonl"
    (main.parent / "55555555-5555-4555-8555-555555555555.jsonl").write_bytes(main.read_bytes())
    s = ingest([corpus], db_path, user="ana", progress=False)
    assert (s.files_parsed, s.files_unchanged) == (1, 5)
    # listings the loader cannot use (the file was edited) only mean every folder is listed
    data = json.loads(manifest.path_for(db_path).read_text())
    for damaged in ({str(corpus): 5}, {str(corpus / "-home-ana-src-shop"): [1, 2]}):
        manifest.path_for(db_path).write_text(json.dumps({**data, "listings": damaged}))
        found, summary, _ = manifest.check([corpus], db_path, user="ana")
        assert summary is not None and summary.files_unchanged == 6
        assert [s.path for s in found.files] == [s.path for s in discover([corpus], "ana").files]
