"""The team hub on a real PostgreSQL server: two machines push, every read command and a report
read the hub through the same queries as DuckDB, and give the same figures."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest
from builders import Transcript
from conftest import DATA
from parity import PARITY, assert_same, busy_session, cli, cli_json, normal
from pg_server import PASSWORDS

from workbench.corpus import synthetic
from workbench.frontends.cli import main
from workbench.ingest.load import ingest
from workbench.query import report_data, summary
from workbench.query.db import open_reader

END = datetime(2026, 5, 20, 23, tzinfo=timezone.utc)
WORKBENCH = str(Path(sys.executable).with_name("workbench"))


@pytest.fixture(scope="module")
def machines(tmp_path_factory) -> dict:
    """Two machines' databases: a synthetic team plus the hand-written transcripts on laptop-a,
    another team on laptop-b that also holds a copy of one of laptop-a's sessions."""
    base = tmp_path_factory.mktemp("hub")
    a_root, b_root = base / "a", base / "b"
    synthetic.generate(a_root, sessions=40, end=END, payload_scale=0.2, seed=3)
    shutil.copytree(DATA / "claude" / "projects", a_root / "ana" / "projects")
    synthetic.generate(b_root, sessions=20, end=END, payload_scale=0.2, seed=4, bad_lines=False)
    shared = sorted((a_root / "ana" / "projects").rglob("*.jsonl"))[0]
    (b_root / "ana").mkdir(parents=True, exist_ok=True)
    shutil.copy(shared, b_root / "ana" / shared.name)
    a, b = base / "a.duckdb", base / "b.duckdb"
    ingest([a_root], a, progress=False, machine="laptop-a")
    ingest([b_root], b, progress=False, machine="laptop-b")
    reader = open_reader(a)
    collide = reader.scalar(
        f"SELECT session_id FROM sessions WHERE source_path LIKE '%{shared.name}' LIMIT 1"
    )
    reader.close()
    return {"a": a, "b": b, "a_root": a_root, "collide": collide}


def fresh_hub(pg, capsys=None) -> dict:
    """A new hub database with its schema and roles (``workbench hub init`` as the owner)."""
    name = pg.new_database()
    urls = {role: pg.url(role, name) for role in PASSWORDS}
    code = main(
        ["hub", "init", "--to", urls["wb_owner"], "--push-role", "wb_push", "--read-role",
         "wb_read"]
    )  # fmt: skip
    assert code == 0
    if capsys is not None:
        assert "Hub ready" in capsys.readouterr().out
    return urls


@pytest.fixture(scope="module")
def hub(pg, machines) -> dict:
    urls = fresh_hub(pg)
    for key in ("a", "b"):
        assert main(["push", "--db", str(machines[key]), "--to", urls["wb_push"]]) == 0
    return urls


@pytest.mark.parametrize("command", PARITY)
def test_the_hub_gives_the_figures_duckdb_gives(machines, hub, capsys, command):
    argv = command.split()
    tz = ["--timezone", "Europe/Paris"]
    local = cli_json(capsys, *argv, *tz, "--db", str(machines["a"]))
    remote = cli_json(capsys, *argv, *tz, "--db", hub["wb_read"], "--machine", "laptop-a")
    assert_same(normal(local), normal(remote))
    assert local != {} and remote != {}


@pytest.mark.parametrize("what", ["get", "messages", "tool-calls"])
def test_one_session_reads_the_same_on_the_hub(machines, hub, capsys, what):
    sid = busy_session(machines["a"])
    local = cli_json(capsys, "sessions", what, sid, "--db", str(machines["a"]))
    # on the hub the id is laptop-a:<id>; the id as written finds it too
    remote = cli_json(capsys, "sessions", what, sid, "--db", hub["wb_read"])
    assert_same(normal(local), normal(remote))
    if what == "get":
        assert remote["session_id"] == f"laptop-a:{sid}" and remote["machine"] == "laptop-a"


def test_report_headlines_match(machines, hub):
    local = open_reader(machines["a"])
    remote = open_reader(hub["wb_read"])
    try:
        for since, until in ((None, None), (datetime(2026, 5, 12, tzinfo=timezone.utc), END)):
            a = summary.headline(local, since=since, until=until)
            b = summary.headline(remote, since=since, until=until, machines=["laptop-a"])
            assert_same(normal(a), normal(b))
            if since:  # the previous period of an open one ends at "now": when it was asked
                a = report_data.with_previous(local, since=since, until=until)
                b = report_data.with_previous(
                    remote, since=since, until=until, machines=["laptop-a"]
                )
                assert_same(normal(a), normal(b))
                assert a["now"]["sessions"] > 0
    finally:
        local.close()
        remote.close()


def test_a_report_runs_on_the_hub_without_showing_its_password(machines, hub, tmp_path, capsys):
    out = tmp_path / "overview.html"
    code, _out, err = cli(
        capsys, "report", "overview", "--db", hub["wb_read"], "--machine", "laptop-a",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    page = out.read_text()
    assert PASSWORDS["wb_read"] not in page and PASSWORDS["wb_read"] not in err
    embedded = json.loads(page.split('id="workbench-summary">')[1].split("</script>")[0])
    reader = open_reader(machines["a"])
    try:
        expected = summary.headline(reader)
    finally:
        reader.close()
    for key in ("sessions", "users", "responses", "tokens", "tool_calls", "tool_errors"):
        assert_same(normal(expected[key]), normal(embedded[key]), key)
    assert math.isclose(embedded["cost_usd"]["total"], expected["cost_usd"]["total"], rel_tol=1e-9)


def test_the_hub_holds_both_machines_and_their_sum(machines, hub, capsys):
    total = cli_json(capsys, "tokens", "daily", "--db", hub["wb_read"])["totals"]
    parts = [cli_json(capsys, "tokens", "daily", "--db", str(machines[k]))["totals"] for k in "ab"]
    for key in ("inputTokens", "outputTokens", "cacheReadTokens", "totalTokens", "totalCost"):
        assert math.isclose(total[key], parts[0][key] + parts[1][key], rel_tol=1e-9), key
    b = cli_json(capsys, "sessions", "list", "--db", hub["wb_read"], "--machine", "laptop-b",
                 "--limit", "500")  # fmt: skip
    b_local = cli_json(capsys, "sessions", "list", "--db", str(machines["b"]), "--limit", "500")
    assert b["total"] == b_local["total"] > 0
    assert {r["machine"] for r in b["rows"]} == {"laptop-b"}
    assert all(r["session_id"].startswith("laptop-b:") for r in b["rows"])


def test_colliding_session_ids_stay_apart(machines, hub, capsys):
    sid = machines["collide"]
    reader = open_reader(hub["wb_read"])
    try:
        rows = reader.rows(
            f"SELECT session_id, machine, messages FROM sessions WHERE source_session_id = "
            f"'{sid}' ORDER BY machine"
        )
    finally:
        reader.close()
    assert [r["session_id"] for r in rows] == [f"laptop-a:{sid}", f"laptop-b:{sid}"]
    assert rows[0]["messages"] == rows[1]["messages"] > 0
    code, _out, err = cli(capsys, "sessions", "get", sid, "--db", hub["wb_read"])
    assert code != 0 and f"laptop-a:{sid}" in err and f"laptop-b:{sid}" in err
    assert (
        cli_json(capsys, "sessions", "get", f"laptop-b:{sid}", "--db", hub["wb_read"])["machine"]
        == "laptop-b"
    )


def _counts(url: str) -> dict:
    with psycopg.connect(url) as con:
        tables = ("sessions", "responses", "messages", "tool_calls", "tool_errors",
                  "activity_blocks", "retry_loops", "files", "bad_lines")  # fmt: skip
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_pushing_again_changes_nothing(machines, hub, capsys):
    before = _counts(hub["wb_read"])
    again = cli_json(capsys, "push", "--db", str(machines["a"]), "--to", hub["wb_push"])
    assert again["sessions_pushed"] == 0 and again["sessions_unchanged"] == again["sessions"] > 0
    assert _counts(hub["wb_read"]) == before


def test_a_push_sends_what_changed(pg, machines, tmp_path, capsys):
    root = tmp_path / "a"
    shutil.copytree(machines["a_root"], root)
    db = tmp_path / "a.duckdb"
    ingest([root], db, progress=False, machine="laptop-a")
    urls = fresh_hub(pg, capsys)
    first = cli_json(capsys, "push", "--db", str(db), "--to", urls["wb_push"])
    assert first["sessions_pushed"] == first["sessions"]
    target = sorted((root / "ana" / "projects").rglob("*.jsonl"))[-1]
    last = json.loads(target.read_text().splitlines()[-1])
    extra = {**last, "type": "user", "uuid": "appended-1", "parentUuid": last.get("uuid"),
             "timestamp": "2026-05-21T10:00:00.000Z",
             "message": {"role": "user", "content": "one more thing"}}  # fmt: skip
    with target.open("a") as fh:
        fh.write(json.dumps(extra) + "\n")
    ingest([root], db, progress=False, machine="laptop-a")
    second = cli_json(capsys, "push", "--db", str(db), "--to", urls["wb_push"])
    assert 1 <= second["sessions_pushed"] <= 3  # the session (and a parent whose totals moved)
    local = cli_json(capsys, "sessions", "kpis", "--db", str(db))
    remote = cli_json(capsys, "sessions", "kpis", "--db", urls["wb_read"])
    assert_same(normal(local), normal(remote))
    code, out, _err = cli(capsys, "search", "one more thing", "--db", urls["wb_read"])
    assert code == 0 and "one more thing" in out


def test_a_killed_push_is_finished_by_the_next(pg, machines, capsys):
    urls = fresh_hub(pg, capsys)
    proc = subprocess.Popen(
        [WORKBENCH, "push", "--db", str(machines["a"]), "--to", urls["wb_push"],
         "--batch-messages", "20", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seen = 0
    with psycopg.connect(urls["wb_read"], autocommit=True) as con:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            seen = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
            if seen:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    proc.wait(30)
    reader = open_reader(machines["a"])
    everything = reader.scalar("SELECT count(*) FROM sessions")
    reader.close()
    partial = _counts(urls["wb_read"])["sessions"]
    assert 0 < seen <= partial < everything  # some batches landed, not all
    again = cli_json(capsys, "push", "--db", str(machines["a"]), "--to", urls["wb_push"])
    assert again["sessions_unchanged"] > 0 and again["sessions_pushed"] > 0
    for command in ("tokens daily", "sessions kpis"):
        local = cli_json(capsys, *command.split(), "--db", str(machines["a"]))
        remote = cli_json(capsys, *command.split(), "--db", urls["wb_read"])
        assert_same(normal(local), normal(remote))


def test_roles_and_credentials(pg, machines, capsys):
    urls = fresh_hub(pg, capsys)
    # the reading role cannot push
    code, _out, err = cli(capsys, "push", "--db", str(machines["b"]), "--to", urls["wb_read"])
    assert code == 1 and "permission denied" in err
    assert PASSWORDS["wb_read"] not in err and "***" in err
    # the pushing role cannot create a hub's tables
    bare = pg.url("wb_push", pg.new_database())
    code, _out, err = cli(capsys, "push", "--db", str(machines["b"]), "--to", bare)
    assert code == 1 and "permission denied" in err and "hub init" in err
    # a wrong password says so, and never shows it
    wrong = urls["wb_push"].replace(PASSWORDS["wb_push"], "s3cret-guess")
    code, _out, err = cli(capsys, "sessions", "kpis", "--db", wrong)
    assert code == 1 and "password authentication failed" in err and "s3cret-guess" not in err
    # credentials from the environment (libpq's PGPASSWORD) work without one in the URL
    env = {**os.environ, "PGPASSWORD": PASSWORDS["wb_push"]}
    no_pw = urls["wb_push"].replace(f":{PASSWORDS['wb_push']}@", "@")
    done = subprocess.run(
        [WORKBENCH, "push", "--db", str(machines["b"]), "--to", no_pw, "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sessions_pushed"] > 0
    assert PASSWORDS["wb_push"] not in done.stdout + done.stderr


def test_a_newer_hub_is_refused(pg, machines, capsys):
    urls = fresh_hub(pg, capsys)
    with psycopg.connect(urls["wb_owner"], autocommit=True) as con:
        con.execute("UPDATE meta SET value = '99'")
    code, _out, err = cli(capsys, "push", "--db", str(machines["b"]), "--to", urls["wb_push"])
    assert code == 1 and "newer workbench" in err
    code, _out, err = cli(capsys, "tokens", "daily", "--db", urls["wb_read"])
    assert code == 1 and "upgrade workbench" in err


def test_push_needs_a_hub(capsys, machines, monkeypatch):
    monkeypatch.delenv("WORKBENCH_HUB", raising=False)
    code, _out, err = cli(capsys, "push", "--db", str(machines["b"]))
    assert code == 2 and "WORKBENCH_HUB" in err
    code, _out, err = cli(capsys, "push", "--db", str(machines["b"]), "--to", "mysql://x")
    assert code == 2 and "not a PostgreSQL URL" in err


GH_TOKEN = "ghp_" + "R4nd0mFak3T0k3nF0rHubT3st1234567890"
AWS_KEY = "AKIA" + "QWERTYUIOPASDFGH"


def _secret_session(root: Path) -> None:
    """A session with a secret in each text the hub receives: prompt, thinking, a reply, a
    tool's input (JSON, under a secret-named key) and its failed result (an error excerpt)."""
    t = Transcript("88888888-0000-4000-8000-000000000000", start="2026-05-10T08:00:00Z")
    t.prompt(f"deploy with {GH_TOKEN} please")
    t.think(f"the key is {AWS_KEY}", "On it.")
    t.tool("Bash", {"command": "deploy", "api_token": "hunter2hunter2x9"},
           f"fatal: auth failed for {GH_TOKEN}", error=True)  # fmt: skip
    t.say(f"Used {AWS_KEY}.").write(root / "-home-ana-src-shop")


def _hub_text(url: str) -> str:
    with psycopg.connect(url) as con:
        rows = []
        for sql in (
            "SELECT first_prompt FROM sessions",
            "SELECT concat_ws(' ', text, thinking) FROM messages",
            "SELECT concat_ws(' ', input_json, result_text) FROM tool_calls",
            "SELECT excerpt FROM tool_errors",
        ):
            rows += [r[0] or "" for r in con.execute(sql).fetchall()]
    return "\n".join(rows)


def test_text_reaches_the_hub_redacted_unless_asked_not_to(pg, tmp_path, capsys):
    root = tmp_path / "projects"
    _secret_session(root)
    db = tmp_path / "wb.duckdb"
    ingest([root], db, progress=False)
    urls = fresh_hub(pg, capsys)
    code = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom workbench.frontends.cli import main\n"
         "code = main(sys.argv[1:])\nassert 'pandas' not in sys.modules, 'pandas imported'\n"
         "sys.exit(code)", "push", "--db", str(db), "--to", urls["wb_push"], "--no-progress"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert code.returncode == 0, code.stderr  # and without pandas (~0.5 s of every push)
    text = _hub_text(urls["wb_read"])
    for secret in (GH_TOKEN, AWS_KEY, "hunter2hunter2x9"):
        assert secret not in text
    for label in ("github-token", "aws-access-key", "secret-field"):
        assert f"[REDACTED:{label}]" in text
    assert "deploy with" in text and "fatal: auth failed for" in text  # the rest as written
    plain = fresh_hub(pg, capsys)
    assert main(["push", "--db", str(db), "--to", plain["wb_push"], "--no-redact"]) == 0
    text = _hub_text(plain["wb_read"])
    assert GH_TOKEN in text and AWS_KEY in text and "hunter2hunter2x9" in text
    assert "[REDACTED:" not in text
