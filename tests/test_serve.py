"""`workbench serve`: a real server on a free loopback port, real HTTP, real file events.

Every wait has a deadline; a server a test started is stopped (SIGINT, then SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from builders import Transcript
from conftest import S1, S2

from workbench.core import config
from workbench.frontends.cli import main
from workbench.frontends.serve import state
from workbench.ingest.load import ingest

ENV = {**os.environ, "PYTHONPATH": str(config.PROJECT_DIR), "WORKBENCH_DEBUG": ""}
ENV.pop("WORKBENCH_TOKEN", None)


def until(predicate, timeout: float = 30.0, step: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def workbench(*argv, env=None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.frontends.cli", *map(str, argv)],
        env=env or ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def http(url: str, *, token: str | None = None, method: str = "GET", body=None, headers=None):
    """(status, headers, body bytes) of one request."""
    req = urllib.request.Request(url, method=method, data=body)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


class Server:
    def __init__(self, db: Path, *roots: Path, args=(), env=None, token=None, user="ana"):
        self.db, self.token = db, token
        self.proc = workbench(
            "serve", *roots, "--db", db, "--port", "0", "--heartbeat", "0.5",
            "--debounce", "50", *(["--user", user] if user else []), *args, env=env,
        )  # fmt: skip
        try:
            self.info = until(self._state, 60, what="the server's state file")
        except AssertionError:
            self.stop()
            raise AssertionError(f"server did not start: {self.proc.stderr.read()}") from None
        self.url = self.info["url"]

    def _state(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited: {self.proc.stderr.read()}")
        doc = state.live(self.db)
        return doc if doc and doc["pid"] == self.proc.pid else None

    def get(self, path: str):
        return http(self.url + path, token=self.token)

    def json(self, path: str):
        status, _, body = self.get(path)
        assert status == 200, (path, status, body)
        return json.loads(body)

    def idle(self, ingests: int = 1, timeout: float = 60):
        """Wait until at least ``ingests`` ingests ran and none is running."""

        def done():
            info = self.json("/api/v1/server")
            return info["ingests"] >= ingests and not info["ingesting"] and info

        return until(done, timeout, what="the server's ingest")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def append(path: Path, t: Transcript) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(d) + "\n" for d in t.lines))


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(ingested, corpus):
    """The shared fixture database, served from its corpus folder."""
    return ingested


def with_json(argv: list[str]) -> list[str]:
    cut = argv.index("--") if "--" in argv else len(argv)
    return [*argv[:cut], "--json", *argv[cut:]]


def endpoint_cases(db: Path) -> list[tuple[str, list[str]]]:
    d = ["--db", str(db)]
    utc = ["--timezone", "UTC"]
    return [
        ("/api/v1/sessions", ["sessions", "list", *d]),
        (
            "/api/v1/sessions?include_subagents=true&limit=2&sort=started_at:asc",
            [
                "sessions",
                "list",
                *d,
                "--include-subagents",
                "--limit",
                "2",
                "--sort",
                "started_at:asc",
            ],
        ),  # fmt: skip
        (
            "/api/v1/sessions?user=ana&errors=1&timezone=UTC&since=2026-03-01&outcome=completed,errored",
            [
                "sessions",
                "list",
                *d,
                "--user",
                "ana",
                "--errors",
                *utc,
                "--since",
                "2026-03-01",
                "--outcome",
                "completed,errored",
            ],
        ),  # fmt: skip
        (
            "/api/v1/sessions?include_one_shot=true&min_user_messages=2&date_from=2026-03-01&timezone=UTC",
            [
                "sessions",
                "list",
                *d,
                "--include-one-shot",
                "--min-user-messages",
                "2",
                "--date-from",
                "2026-03-01",
                *utc,
            ],
        ),  # fmt: skip
        (f"/api/v1/sessions/{S1}", ["sessions", "get", S1, *d]),
        ("/api/v1/sessions/2222", ["sessions", "get", "2222", *d]),
        (
            f"/api/v1/sessions/{S1}/messages?from=2&limit=3&direction=asc",
            ["sessions", "messages", S1, *d, "--from", "2", "--limit", "3"],
        ),
        (f"/api/v1/sessions/{S1}/tool-calls", ["sessions", "tool-calls", S1, *d]),
        (
            "/api/v1/kpis?since=2026-03-01&timezone=UTC",
            ["sessions", "kpis", *d, "--since", "2026-03-01", *utc],
        ),  # fmt: skip
        ("/api/v1/tokens/daily?timezone=UTC", ["tokens", "daily", *d, *utc]),
        (
            "/api/v1/tokens/monthly?timezone=UTC&agent=claude",
            ["tokens", "monthly", *d, *utc, "--agent", "claude"],
        ),  # fmt: skip
        ("/api/v1/tokens/session?timezone=UTC", ["tokens", "session", *d, *utc]),
        ("/api/v1/tokens/blocks?timezone=UTC", ["tokens", "blocks", *d, *utc]),
        ("/api/v1/friction?timezone=UTC", ["friction", *d, *utc]),
        ("/api/v1/leaders?user=ana", ["leaders", *d, "--user", "ana"]),
        ("/api/v1/leaders/skills?limit=3", ["leaders", "skills", *d, "--limit", "3"]),
        ("/api/v1/search?q=cart&limit=5", ["search", "cart", *d, "--limit", "5"]),
        ("/api/v1/search?q=-x&regex=false", ["search", *d, "--", "-x"]),
        ("/api/v1/status", ["status", *d]),
    ]


def test_every_endpoint_answers_what_the_cli_prints(db, corpus, capsys):
    cases = endpoint_cases(db)
    expected = {}
    for path, argv in cases:  # the CLI on the file, before the server owns it
        code, out, err = cli(capsys, *with_json(argv))
        assert code == 0, (argv, err)
        expected[path] = out
    human = {}
    for argv in (["sessions", "list", "--db", db], ["status", "--db", db]):
        human[argv[0]] = cli(capsys, *argv)[1]
    exports = {f: cli(capsys, "sessions", "export", S1, "--db", db, "--format", f)[1]
               for f in ("md", "html")}  # fmt: skip
    with Server(db, corpus) as server:
        server.idle()
        for path, _argv in cases:
            status, headers, body = server.get(path)
            assert status == 200, (path, body)
            assert headers["Content-Type"].startswith("application/json")
            assert "Access-Control-Allow-Origin" not in headers
            assert body.decode() == expected[path], path
        # the same commands through the transport (the file is locked now): the same bytes
        for path, argv in cases:
            code, out, err = cli(capsys, *with_json(argv))
            assert (code, out) == (0, expected[path]), (argv, err)
        assert cli(capsys, "sessions", "list", "--db", db)[1] == human["sessions"]
        assert cli(capsys, "status", "--db", db)[1] == human["status"]
        code, _, err = cli(capsys, "ingest", corpus, "--db", db)
        assert code == 1 and "`workbench serve`" in err and "owns" in err
        code, out, _ = cli(capsys, "sessions", "show", S1, "--db", db, "--errors")
        assert code == 0 and "ERROR" in out
        # download asks the server for the recorded path and copies the local file
        saved = corpus.parent / "saved.jsonl"
        code, out, err = cli(capsys, "sessions", "download", S1, "--db", db, "--out", saved)
        assert code == 0, err
        assert saved.read_bytes() == (corpus / "-home-ana-src-shop" / f"{S1}.jsonl").read_bytes()
        for fmt, text in exports.items():
            status, headers, body = server.get(f"/api/v1/sessions/{S1}/export?format={fmt}")
            assert status == 200 and body.decode() == text
            assert cli(capsys, "sessions", "export", S1, "--db", db, "--format", fmt)[1] == text
        source = next(corpus.rglob(f"{S1}.jsonl")).read_bytes()
        status, _, body = server.get(f"/api/v1/sessions/{S1}/export")
        assert status == 200 and body == source
        assert main(["sessions", "export", S1, "--db", str(db)]) == 0
        assert capsys.readouterr().out.encode() == source
        # errors: as the CLI says them, with the HTTP status that fits
        status, _, body = server.get("/api/v1/sessions/nope")
        assert status == 404 and json.loads(body)["error"] == "no session matches 'nope'"
        code, _, err = cli(capsys, "sessions", "get", "nope", "--db", db)
        assert (code, err) == (1, "workbench: no session matches 'nope'\n")
        for bad in (
            "/api/v1/sessions?limit=x",
            "/api/v1/sessions?db=/etc/passwd",
            "/api/v1/sessions?help=1",
            "/api/v1/sessions?bogus=1",
            "/api/v1/sessions?errors=maybe",
            "/api/v1/tokens/weekly",
            "/api/v1/search",
            "/api/v1/sessions/--db=x",
            f"/api/v1/sessions/{S1}/export?format=raw&path=/etc/passwd",
            f"/api/v1/sessions/{S1}/export?format=pdf",
        ):
            status, _, body = server.get(bad)
            assert status == 400 and json.loads(body)["error"], bad
        status, _, _ = server.get("/api/v1/sessions/..%2F..%2Fetc%2Fpasswd/export")
        assert status in (400, 404)


def test_sse_session_updated_and_sessions_watch(db, corpus):
    with Server(db, corpus) as server:
        server.idle()
        seen: list[tuple[str, str]] = []
        stop = threading.Event()

        def listen():
            from workbench.frontends.serve import client

            for event in client.events(server.info, timeout=10):
                seen.append(event)
                if stop.is_set():
                    return

        threading.Thread(target=listen, daemon=True).start()
        watch = workbench("sessions", "watch", S2[:8], "--db", db)
        try:
            lines: list[dict] = []
            threading.Thread(
                target=lambda: [lines.append(json.loads(x)) for x in watch.stdout], daemon=True
            ).start()
            until(lambda: any(e[0] == "heartbeat" for e in seen), 10, what="an SSE heartbeat")
            until(lambda: any(x["event"] == "heartbeat" for x in lines), 20, what="watch")
            path = next(corpus.rglob(f"{S2}.jsonl"))
            append(path, Transcript(S2, start="2026-03-06T10:00:00Z").prompt("one more thing"))
            until(lambda: ("session_updated", S2) in seen, 20, what="session_updated over SSE")
            until(lambda: {"event": "session_updated", "data": S2} in lines, 20, what="watch")
            assert all(set(x) == {"event", "data"} for x in lines)
            assert server.json(f"/api/v1/sessions/{S2}")["messages"] > 0
            watch.send_signal(signal.SIGINT)
            assert watch.wait(10) == 130
            assert len(watch.stderr.read().strip().splitlines()) == 1
        finally:
            stop.set()
            if watch.poll() is None:
                watch.kill()
            watch.wait(5)
            watch.stdout.close()
            watch.stderr.close()


def test_watch_an_unknown_id_fails_at_once(db, corpus):
    for serving in (False, True):
        server = Server(db, corpus) if serving else None
        try:
            t = time.monotonic()
            proc = workbench("sessions", "watch", "nope", "--db", db)
            out, err = proc.communicate(timeout=30)
            assert proc.returncode == 1 and out == ""
            assert err.strip() == "workbench: watch: session not found: nope"
            assert time.monotonic() - t < 20
        finally:
            if server:
                server.stop()


def test_watch_without_a_server_ingests_the_growing_file(db, corpus):
    watch = workbench("sessions", "watch", S2, "--db", db, "--heartbeat", "0.5")
    try:
        lines: list[dict] = []
        threading.Thread(
            target=lambda: [lines.append(json.loads(x)) for x in watch.stdout], daemon=True
        ).start()
        until(lambda: lines, 60, what="the first heartbeat")
        path = next(corpus.rglob(f"{S2}.jsonl"))
        append(path, Transcript(S2, start="2026-03-06T10:00:00Z").prompt("and this"))
        until(lambda: {"event": "session_updated", "data": S2} in lines, 60, what="the event")
        watch.send_signal(signal.SIGINT)
        assert watch.wait(10) == 130
    finally:
        if watch.poll() is None:
            watch.kill()
        watch.wait(5)
        watch.stdout.close()
        watch.stderr.close()
    con = __import__("duckdb").connect(str(db), read_only=True)
    try:
        assert (
            con.execute(
                "SELECT count(*) FROM messages WHERE session_id = ? AND text = 'and this'", [S2]
            ).fetchone()[0]
            == 1
        )
    finally:
        con.close()


def test_a_line_written_before_the_watcher_starts_is_not_missed(db, corpus, monkeypatch, capsys):
    # `sessions watch` looks the session up, then starts watching its folder: a line written
    # in between (here: just before the watcher starts) must still be ingested and announced
    import argparse

    import watchfiles

    from workbench.frontends.serve import follow

    path = next(corpus.rglob(f"{S2}.jsonl"))
    real_watch = watchfiles.watch

    def a_line_lands_first(*args, **kwargs):
        append(path, Transcript(S2, start="2026-03-06T11:00:00Z").prompt("written early"))
        for n, changes in enumerate(real_watch(*args, **kwargs)):
            yield changes
            if n >= 1:
                raise KeyboardInterrupt  # as Ctrl-C would

    monkeypatch.setattr(watchfiles, "watch", a_line_lands_first)
    args = argparse.Namespace(session_id=S2, db=str(db), heartbeat=0.3)
    assert follow.watch(args) == 130
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {"event": "session_updated", "data": S2} in events
    con = __import__("duckdb").connect(str(db), read_only=True)
    try:
        got = con.execute(
            "SELECT count(*) FROM messages WHERE session_id = ? AND text = 'written early'", [S2]
        ).fetchone()[0]
    finally:
        con.close()
    assert got == 1


A = "aaaaaaaa-0000-4000-8000-000000000000"
B = "bbbbbbbb-0000-4000-8000-000000000000"


def resumed(folder: Path) -> Path:
    """Session A, and session B resumed from it: B's file repeats A's lines (with A's id)."""
    a = Transcript(A, start="2026-04-01T09:00:00Z").prompt("first").say("ok")
    a.write(folder)
    b = Transcript(B, start="2026-04-01T10:00:00Z").prompt("continue").say("done")
    path = folder / f"{B}.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in a.lines + b.lines))
    return path


def test_sync_prints_the_session_and_refuses_a_file_of_several(db, corpus, capsys):
    folder = corpus / "-home-ana-src-shop"
    both = resumed(folder)
    code, out, err = cli(capsys, "sessions", "sync", folder / f"{A}.jsonl", "--db", db)
    assert (code, out) == (0, f"synced: {A}\n"), err
    code, out, err = cli(capsys, "sessions", "sync", both, "--db", db)
    assert code == 1 and out == ""
    assert A in err and B in err and "2 sessions" in err
    # every candidate was synced
    assert cli(capsys, "sessions", "get", B, "--db", db, "--json")[0] == 0
    code, out, _ = cli(capsys, "sessions", "sync", B, "--db", db, "--json")
    assert code == 0 and out == cli(capsys, "sessions", "get", B, "--db", db, "--json")[1]
    assert cli(capsys, "sessions", "sync", "nope", "--db", db)[0] == 1
    assert cli(capsys, "sessions", "sync", "no/such.jsonl", "--db", db)[0] == 1

    expected = cli(capsys, "sessions", "get", S1, "--db", db, "--json")[1]
    with Server(db, corpus) as server:
        server.idle()
        code, out, err = cli(capsys, "sessions", "sync", both, "--db", db)
        assert code == 1 and A in err and B in err
        code, out, err = cli(capsys, "sessions", "sync", S1[:8], "--db", db, "--json")
        assert code == 0 and json.loads(out).keys() == json.loads(expected).keys()
        assert json.loads(out)["session_id"] == S1
        outside = corpus.parent / "elsewhere" / f"{B}.jsonl"
        outside.parent.mkdir()
        outside.write_bytes(both.read_bytes())
        code, _, err = cli(capsys, "sessions", "sync", outside, "--db", db)
        assert code == 1 and "neither under a folder this server watches" in err


def test_a_non_local_bind_needs_a_token_and_then_every_request_carries_it(db, corpus):
    proc = workbench("serve", corpus, "--db", db, "--host", "0.0.0.0", "--port", "0")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "--token" in err and not state.state_path(db).exists()
    token = "s3cret-token"
    with Server(db, corpus, args=["--host", "0.0.0.0", "--token", token], token=token) as server:
        server.idle()
        url = server.url  # 127.0.0.1: the tests never connect anywhere else
        assert url.startswith("http://127.0.0.1:") and server.info["token"] is True
        for path in ("/api/v1/status", "/api/v1/events", "/reports/", "/api/v1/server"):
            assert http(url + path)[0] == 401
            assert http(url + path, token="wrong")[0] == 401
        status, headers, _ = http(url + "/api/v1/status", token=token,
                                  headers={"Origin": "http://evil.example"})  # fmt: skip
        assert status == 200 and "Access-Control-Allow-Origin" not in headers
        # the CLI goes through the server with the token from the environment
        env = {**ENV, "WORKBENCH_TOKEN": token}
        proc = workbench("status", "--db", db, "--json", env=env)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and json.loads(out)["sessions"] == 4, err
        proc = workbench("status", "--db", db)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1 and "wants a token" in err


def test_a_stale_state_file_is_ignored_and_removed(db, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = state.state_path(db)
    path.write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": dead.pid, "token": False}))
    code, out, _ = cli(capsys, "status", "--db", db, "--json")
    assert code == 0 and json.loads(out)["sessions"] == 4
    assert not path.exists()


def totals(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM sessions), "
            "(SELECT count(*) FROM messages), (SELECT count(*) FROM tool_calls), "
            "(SELECT sum(total_tokens) FROM responses), (SELECT count(*) FROM responses),"
            "(SELECT count(*) FROM bad_lines), (SELECT sum(lines) FROM files)"
        ).fetchone()
    finally:
        con.close()
    return dict(zip(["files", "sessions", "messages", "tool_uses", "tokens", "responses",
                     "bad_lines", "lines"], row))  # fmt: skip


def test_kill_9_in_the_middle_of_an_ingest_then_restart(tmp_path):
    from workbench.corpus import synthetic

    root = tmp_path / "team"
    synthetic.generate(root, sessions=None, target_bytes=24 << 20, seed=5)
    db = tmp_path / "live.duckdb"
    server = Server(db, root, user=None)
    try:
        # kill while the first ingest runs (it parses ~24 MB: seconds, polled every 10 ms)
        until(lambda: server.json("/api/v1/server")["ingesting"], 60, 0.01, "the ingest to start")
        time.sleep(0.2)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
    finally:
        server.stop()
    assert state.state_path(db).exists()  # left behind by kill -9
    with Server(db, root, user=None) as again:  # the stale state file is replaced
        assert again.info["pid"] == again.proc.pid
        again.idle()
        live = again.json("/api/v1/status")
    assert not state.state_path(db).exists()  # removed on a clean stop
    clean = tmp_path / "clean.duckdb"
    ingest([root], clean, progress=False)
    assert totals(db) == totals(clean)
    assert live["sessions"] == totals(clean)["sessions"]


def test_reports_and_notebooks_work_while_serving(db, corpus, tmp_path):
    from workbench.frontends import notebook

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    demo = config.PROJECT_DIR / "tests" / "data" / "notebooks" / "report_demo.ipynb"
    (notebooks / demo.name).write_bytes(demo.read_bytes())
    with Server(db, corpus) as server:
        server.idle()
        ctx = notebook.context(db=str(db), charts_setup=False)  # a snapshot the server took
        assert ctx.con.scalar("SELECT count(*) FROM sessions") == 4
        ctx.con.close()
        out = tmp_path / "reports"
        proc = workbench("report", "--all", "--db", db, "--notebooks", notebooks, "--out", out)
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        assert (out / "report_demo.html").stat().st_size > 1000
        assert "1 reports, 0 failed" in stdout


def test_the_server_renders_and_serves_the_reports(db, corpus, tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    demo = config.PROJECT_DIR / "tests" / "data" / "notebooks" / "report_demo.ipynb"
    (notebooks / demo.name).write_bytes(demo.read_bytes())
    out = tmp_path / "www"
    args = ["--reports-every", "1h", "--reports-out", out, "--reports-notebooks", notebooks]
    with Server(db, corpus, args=args) as server:
        until(lambda: (out / "index.html").exists(), 240, 0.5, what="the first reports")
        status, headers, body = server.get("/reports/report_demo.html")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert server.get("/reports/")[0] == 200
        assert server.get("/reports/../wb.duckdb")[0] == 404
        assert server.get("/")[0] == 200  # redirected to /reports/
    assert not (db.parent / f"{db.name}.snapshots").exists()


SECRET = "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"


def test_formats_validation_and_redaction_through_the_server(db, corpus, capsys):
    # a session whose first prompt (a column of `sessions list`) holds a token
    t = Transcript("99999999-0000-4000-8000-000000000000", start="2026-03-06T08:00:00Z")
    t.prompt(f"deploy with {SECRET} please").say("ok").write(corpus / "-home-ana-src-shop")
    ingest([corpus], db, user="ana", progress=False)
    d = ["--db", str(db)]
    cases = [  # (a one-shot session: listed with --include-one-shot)
        ["sessions", "list", *d, "--include-one-shot", "--format", "csv"],
        ["sessions", "list", *d, "--format", "ndjson"],
        ["sessions", "get", S1, *d, "--format", "csv"],
        ["tokens", "daily", *d, "--timezone", "UTC", "--format", "ndjson"],
        ["search", "cart", *d, "--format", "csv"],
        ["search", "cart", *d, "--color", "always"],
        ["sessions", "show", S1, *d, "--format", "ndjson"],
    ]
    bad = [
        ["sessions", "list", *d, "--outcome", "done"],
        ["tokens", "daily", *d, "--user", "anna"],
        ["sessions", "list", *d, "--bogus"],
    ]
    expected = {}
    for argv in cases + bad:  # on the file, before the server owns it
        expected[tuple(argv)] = cli(capsys, *argv)
    assert SECRET not in expected[tuple(cases[0])][1]
    assert "[REDACTED:github-token]" in expected[tuple(cases[0])][1]
    assert "\x1b[1;7m" in expected[tuple(cases[5])][1]
    for argv in bad:
        assert expected[tuple(argv)][0] == 2 and expected[tuple(argv)][2], argv
    with Server(db, corpus) as server:
        server.idle()
        for argv in cases + bad:  # through the transport: the same output and exit status
            code, out, err = cli(capsys, *argv)
            want = expected[tuple(argv)]
            assert (code, out) == want[:2], argv
            if code:
                assert err.splitlines()[-1] == want[2].splitlines()[-1], argv
        # the HTTP API: format=ndjson|csv, redacted like the CLI
        status, headers, body = server.get("/api/v1/sessions?format=ndjson")
        assert status == 200 and headers["Content-Type"].startswith("application/x-ndjson")
        assert body.decode() == expected[tuple(cases[1])][1]
        assert SECRET not in body.decode()
        status, headers, body = server.get("/api/v1/sessions?format=csv&include_one_shot=true")
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        assert body.decode() == expected[tuple(cases[0])][1]
        status, _, body = server.get("/api/v1/sessions?include_one_shot=true")
        assert status == 200 and SECRET not in body.decode()
        assert "[REDACTED:github-token]" in body.decode()
        status, _, body = server.get("/api/v1/sessions?outcome=done")
        assert status == 400
        assert json.loads(body)["error"] == (
            "unknown outcome 'done': use completed, abandoned, errored, unknown"
        )
        status, _, body = server.get("/api/v1/tokens/daily?user=anna")
        assert status == 400 and "did you mean: ana?" in json.loads(body)["error"]
