"""`workbench serve` ingests a changed transcript alone, read exactly as a scan of its watched
folder reads it (user, session, project), and leaves anything else to a scan of the folder.

The attribution is checked against ``discover`` on every folder shape; the server test runs a
real server on a free loopback port (tests/test_serve.py's ``Server``) over a team root."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import duckdb
from builders import Transcript
from conftest import DATA, S1
from test_serve import Server, append, http, until

from workbench.ingest.discover import discover, spec_under
from workbench.ingest.load import ingest

B = "bbbbbbbb-1111-4111-8111-111111111111"
C = "cccccccc-1111-4111-8111-111111111111"
E = "eeeeeeee-1111-4111-8111-111111111111"


def team(tmp_path: Path) -> Path:
    """ana: a ~/.claude (with history.jsonl and todos/, never transcripts); ben: a flat
    project folder; cleo: a Codex home; dan: a Gemini home."""
    root = tmp_path / "team"
    home = root / "ana" / ".claude"
    shutil.copytree(DATA / "claude" / "projects", home / "projects")
    (home / "history.jsonl").write_text('{"display": "x"}\n')
    (home / "todos").mkdir()
    (home / "todos" / "t.jsonl").write_text("{}\n")
    Transcript(B, cwd="/home/ben/shop").prompt("hello").say("hi").write(root / "ben" / "shop")
    shutil.copytree(DATA / "codex" / "sessions", root / "cleo" / ".codex" / "sessions")
    shutil.copytree(DATA / "gemini" / "tmp", root / "dan" / ".gemini" / "tmp")
    return root


def test_a_file_alone_is_read_as_the_scan_of_its_folder_reads_it(tmp_path):
    root = team(tmp_path)
    home = root / "ana" / ".claude"
    folders = [root, root / "ana", home, home / "projects", root / "cleo" / ".codex"]
    folders += [root / "dan" / ".gemini", root / "ben", root / "ben" / "shop"]
    checked = set()
    for folder in folders:
        for user in (None, "zoe"):
            found = discover([folder], user=user)
            assert found.files, folder
            for spec in found.files:
                assert spec_under(folder, spec.path, user) == spec, (folder, spec.path)
                # and an ingest of that file alone, given that user, reads it the same way
                assert discover([spec.path], user=spec.user).files == [spec]
                checked.add((spec.agent, spec.user))
    assert {a for a, _ in checked} == {"claude", "codex", "gemini"}
    assert {u for _, u in checked} >= {"ana", "ben", "cleo", "dan", "zoe"}


def test_what_only_a_scan_of_the_folder_can_tell(tmp_path):
    root = team(tmp_path)
    home = root / "ana" / ".claude"
    session = next(home.rglob(f"{S1}.jsonl"))
    assert spec_under(root, session).user == "ana"
    link = home / "projects" / "-home-ana-src-shop" / "link.jsonl"
    link.symlink_to(session)
    linked_dir = root / "ben" / "linked"
    linked_dir.symlink_to(home / "projects" / "-home-ana-src-shop", target_is_directory=True)
    elsewhere = tmp_path / "elsewhere.jsonl"
    shutil.copy(session, elsewhere)
    hard = root / "ben" / "shop" / "hard.jsonl"
    os.link(elsewhere, hard)
    for path in (
        home / "history.jsonl",  # not a transcript
        home / "todos" / "t.jsonl",  # a folder scans skip
        home / "projects" / "gone.jsonl",  # not there (deleted: the scan marks it missing)
        link,  # a symlink
        linked_dir / f"{S1}.jsonl",  # through a symlinked folder
        hard,  # a second name of a file
        elsewhere,  # outside the folder
        root / "loose.jsonl",  # would make the team root a projects folder
    ):
        assert spec_under(root, path) is None, path


def files_table(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT path, agent, user_name, kind, session_id, parent_session_id, project_dir, "
            "lines, bytes_consumed, missing FROM files ORDER BY path"
        ).fetchall()
    finally:
        con.close()


def totals(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM messages), "
            "(SELECT count(*) FROM tool_calls), (SELECT sum(total_tokens) FROM responses), "
            "(SELECT list(user_name ORDER BY session_id) FROM sessions)"
        ).fetchone()
    finally:
        con.close()


def test_the_server_ingests_a_changed_file_alone_with_its_folder_s_user(tmp_path):
    root = team(tmp_path)
    db = tmp_path / "live.duckdb"
    with Server(db, root, user=None) as server:
        server.idle()
        seen: list[tuple[str, str]] = []
        finished: list[dict] = []

        def listen():
            from workbench.frontends.serve import client

            for event, data in client.events(server.info, timeout=60):
                seen.append((event, data))
                if event == "ingest" and '"finished"' in data:
                    finished.append(json.loads(data))

        threading.Thread(target=listen, daemon=True).start()
        until(lambda: any(e == "heartbeat" for e, _ in seen), 20, what="the event stream")
        before = server.json(f"/api/v1/sessions/{B}")
        assert before["user_name"] == "ben"

        # a session grows: that file alone is read, as ben's
        path = next(root.rglob(f"{B}.jsonl"))
        append(path, Transcript(B, start="2026-05-04T10:00:00Z").prompt("one more"))
        until(lambda: ("session_updated", B) in seen, 30, what="session_updated")
        after = server.json(f"/api/v1/sessions/{B}")
        assert after["messages"] == before["messages"] + 1
        assert after["user_name"] == "ben"
        assert finished[-1]["files"] == 1 and finished[-1]["files_appended"] == 1

        # a new session beside it: alone too
        Transcript(C, cwd="/home/ben/shop").prompt("hi").say("ok").write(path.parent)
        until(lambda: ("session_updated", C) in seen, 30, what="the new session")
        assert server.json(f"/api/v1/sessions/{C}")["user_name"] == "ben"
        assert finished[-1]["files"] == 1 and finished[-1]["files_parsed"] == 1

        # a new user's folder (its file may be written before the folder is watched): the
        # folder's event has the root scanned, which finds the session, as that user's
        Transcript(E, cwd="/home/eve/app").prompt("hi").say("ok").write(root / "eve" / "app")
        until(lambda: ("session_updated", E) in seen, 30, what="the new user's session")
        assert server.json(f"/api/v1/sessions/{E}")["user_name"] == "eve"

        # the archive equals a clean ingest of the same files
        status, _, body = http(server.url + "/api/v1/snapshot", method="POST", body=b"")
        assert status == 200
        snapshot = Path(json.loads(body)["path"])
        clean = tmp_path / "clean.duckdb"
        ingest([root], clean, progress=False)
        assert files_table(snapshot) == files_table(clean)
        assert totals(snapshot) == totals(clean)

        # a deleted file is noticed by a scan of its folder
        n = len(finished)
        path.unlink()
        until(lambda: len(finished) > n and finished[-1]["files_vanished"], 30, what="the scan")
        assert finished[-1]["files"] > 1
        assert server.json(f"/api/v1/sessions/{B}")["source_missing"] is True


def test_reads_during_an_ingest_wait_their_turn_and_are_answered(tmp_path):
    """While an ingest runs, new reads wait (the writer goes first) and then are answered:
    none is refused, and all see a committed state."""
    from concurrent.futures import ThreadPoolExecutor

    from workbench.corpus import synthetic

    root = tmp_path / "team"
    synthetic.generate(root, sessions=None, target_bytes=8 << 20, seed=7)
    db = tmp_path / "live.duckdb"
    with Server(db, root, user=None) as server:

        def started():
            info = server.json("/api/v1/server")
            return info["ingesting"] or info["ingests"]

        until(started, 60, 0.01, "the first ingest")
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: server.get("/api/v1/status"), range(16)))
        assert [status for status, _, _ in answers] == [200] * 16
        assert all(json.loads(body)["sessions"] >= 0 for _, _, body in answers)
        server.idle()
        clean = tmp_path / "clean.duckdb"
        ingest([root], clean, progress=False)
        assert server.json("/api/v1/status")["sessions"] == totals(clean)[0]


def test_a_quick_read_never_waits_behind_heavy_ones(ingested):
    """One connection of the pool is kept for reads of one session: with every other one held
    by aggregates, another aggregate waits (here until its timeout), a session read does not."""
    import contextlib
    import time

    from workbench.core.errors import WorkbenchError
    from workbench.frontends.serve.runner import Readers

    readers = Readers(ingested, size=4)
    try:
        with contextlib.ExitStack() as held:
            cons = [held.enter_context(readers.connection()) for _ in range(3)]
            assert all(c.scalar("SELECT count(*) FROM sessions") for c in cons)
            started = time.monotonic()
            try:
                with readers.connection(timeout=0.3):
                    raise AssertionError("a fourth aggregate got a connection")
            except WorkbenchError as exc:
                assert "busy" in str(exc) and time.monotonic() - started >= 0.3
            with readers.connection(quick=True, timeout=0.3) as con:
                assert con.scalar("SELECT count(*) FROM sessions") > 0
        with readers.connection(timeout=0.3) as con:  # freed: aggregates go on
            assert con.scalar("SELECT 1") == 1
    finally:
        readers.close()
