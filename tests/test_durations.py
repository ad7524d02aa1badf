"""Command durations through `workbench friction`: call-to-result time per tool, and the
slowest commands with the span of their `bash_progress` lines (max - min of the cumulative
elapsedTimeSeconds, never a sum); and the schema upgrade that stores those lines."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from builders import Transcript

from workbench.core import config, store
from workbench.frontends import report
from workbench.frontends.cli import main
from workbench.ingest.load import ingest
from workbench.query.db import open_reader

SID = "d0000001-0000-4000-8000-000000000001"
TOKEN = "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"


def bash(t: Transcript, command: str, elapsed: list[float], *, result: bool = True) -> None:
    """A Bash call, a progress line (10 s apart) per cumulative ``elapsed`` figure, then its
    result 10 s after the last line; as Claude Code 2.x writes them."""
    use_id = f"toolu_{t.sid[:8]}_{t.n + 1}"
    t._assistant(
        [{"type": "tool_use", "id": use_id, "name": "Bash", "input": {"command": command}}]
    )
    for i, sec in enumerate(elapsed):
        t._base(
            "progress",
            data={
                "type": "bash_progress",
                "output": "",
                "fullOutput": "",
                "elapsedTimeSeconds": sec,
                "totalLines": i,
            },
            toolUseID=f"bash-progress-{i}",
            parentToolUseID=use_id,
        )
    if result:
        block = {"tool_use_id": use_id, "type": "tool_result", "content": "ok", "is_error": False}
        t._base("user", message={"role": "user", "content": [block]}, toolUseResult={})


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("durations") / "projects"
    t = Transcript(SID, start="2026-05-04T09:00:00Z")
    t.prompt("run the tests")
    bash(t, "pytest -q", [2, 5, 9, 14])  # result 50 s after the call; progress span 12 s
    bash(t, "ls", [])  # 10 s
    t.tool("Read", {"file_path": "/x"}, "text")  # 10 s
    bash(t, f"curl -H 'Authorization: token {TOKEN}' https://api.github.com", [1, 3])  # 30 s
    bash(t, "sleep 600", [3, 8], result=False)  # interrupted: no result, seen running 5 s
    t.say("done")
    t.write(root / "-home-ana-src-shop")
    path = root.parent / "wb.duckdb"
    ingest([root], path, user="ana", progress=False)
    return path


def friction(capsys, db: Path, *args: str) -> dict:
    code = main(["friction", "--db", str(db), "--json", "--timezone", "UTC", *args])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def test_progress_lines_are_stored_with_their_call(db):
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "SELECT tool_use_id, kind, elapsed_seconds FROM raw_progress ORDER BY line_no"
        ).fetchall()
    assert [r[2] for r in rows] == [2, 5, 9, 14, 1, 3, 3, 8]
    assert {r[1] for r in rows} == {"bash_progress"}
    assert all(r[0].startswith("toolu_") for r in rows)  # parentToolUseID, not bash-progress-N


def test_slowest_commands_use_call_to_result_time_and_progress_span(db, capsys):
    slowest = friction(capsys, db)["durations"]["slowest_commands"]
    assert [r["seconds"] for r in slowest] == [50, 30, 10, None]
    pytest_run = slowest[0]
    assert pytest_run["command"] == "pytest -q" and pytest_run["tool_name"] == "Bash"
    # max - min of the cumulative figures: not their sum (30), not the last one alone (14)
    assert pytest_run["progress_seconds"] == 12 and pytest_run["progress_events"] == 4
    assert slowest[2]["command"] == "ls" and slowest[2]["progress_seconds"] is None
    # a command without a result is still listed by the span it was seen running
    assert slowest[3]["command"] == "sleep 600" and slowest[3]["progress_seconds"] == 5
    assert TOKEN not in json.dumps(slowest) and "[REDACTED" in slowest[1]["command"]
    raw = friction(capsys, db, "--no-redact")["durations"]["slowest_commands"]
    assert TOKEN in raw[1]["command"]


def test_slowest_tools_per_tool(db, capsys):
    tools = {t["tool_name"]: t for t in friction(capsys, db)["durations"]["tools"]}
    assert set(tools) == {"Bash", "Read"}
    b = tools["Bash"]
    assert (b["calls"], b["timed"], b["with_progress"]) == (4, 3, 3)
    assert (b["median_seconds"], b["max_seconds"], b["total_seconds"]) == (30, 50, 90)
    assert tools["Read"]["median_seconds"] == 10
    assert list(tools) == ["Bash", "Read"]  # slowest (by median) first


def test_durations_in_the_terminal_and_the_period(db, capsys):
    assert main(["friction", "--db", str(db), "--timezone", "UTC"]) == 0
    out = capsys.readouterr().out
    assert "slowest tools" in out and "slowest commands" in out
    assert "pytest -q" in out and "50s" in out and "12s" in out and TOKEN not in out
    later = friction(capsys, db, "--since", "2026-05-05")["durations"]
    assert later == {"tools": [], "slowest_commands": []}


def test_a_schema_5_database_gets_progress_on_upgrade(tmp_path):
    root = tmp_path / "projects"
    t = Transcript(SID, start="2026-05-04T09:00:00Z")
    t.prompt("go")
    bash(t, "make", [4, 9])
    t.write(root / "-home-ana-src-shop")
    db = tmp_path / "wb.duckdb"
    ingest([root], db, user="ana", progress=False)
    with duckdb.connect(str(db)) as con:  # as schema 5 and parser 2 left it (a view of calls)
        con.execute("DROP TABLE tool_calls")
        con.execute("CREATE VIEW tool_calls AS SELECT * FROM raw_tool_uses")
        con.execute("DROP TABLE raw_progress")
        con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        con.execute("UPDATE files SET parser_version = 2")
    with pytest.raises(store.WorkbenchError, match="older workbench"):
        open_reader(db)
    summary = ingest([root], db, user="ana", progress=False)
    assert summary.files_parsed == 1  # read again by the newer parser, to fill raw_progress
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "SELECT list(elapsed_seconds ORDER BY line_no) FROM raw_progress"
        ).fetchone()[0] == [4, 9]
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        assert int(version[0]) == config.SCHEMA_VERSION


def test_the_friction_report_shows_the_slowest_tools_and_commands(db, tmp_path):
    params = {"db": str(db), "timezone": "UTC"}
    out = report.run("friction", tmp_path / "friction.html", parameters=params)
    page = out.path.read_text(encoding="utf-8")
    assert "Slowest tools and commands" in page
    row = re.search(r"<tr><td class=nw>Bash</td>(.*?)</tr>", page).group(1)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row) == ["4", "3", "30s", "46s", "50s", "1m 30s"]
    assert "pytest -q" in page and "sleep 600" in page
    assert TOKEN not in page and "[REDACTED:github-token]" in page


def test_hostile_progress_lines_store_nothing_and_break_nothing(tmp_path, capsys):
    t = Transcript(SID, start="2026-05-04T09:00:00Z")
    t.prompt("go")
    bash(t, "make", [4, 9])
    use_id = f"toolu_{t.sid[:8]}_2"
    for value in ("abc", "5", -5, 1e300, [1], {"a": 1}, None, True):
        t._base("progress", data={"type": "bash_progress", "elapsedTimeSeconds": value},
                parentToolUseID=use_id)  # fmt: skip
    t._base("progress", data={"type": "bash_progress", "elapsedTimeSeconds": 7})  # no call
    t._base("progress", data="bash_progress", parentToolUseID=use_id)  # not an object
    t.write(tmp_path / "projects" / "-home-ana-src-shop")
    db = tmp_path / "wb.duckdb"
    summary = ingest([tmp_path / "projects"], db, user="ana", progress=False)
    assert summary.bad_lines == 0
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("SELECT elapsed_seconds FROM raw_progress ORDER BY line_no")
        assert [v for (v,) in stored.fetchall()] == [4, 9]
    [make] = friction(capsys, db)["durations"]["slowest_commands"]
    assert (make["progress_seconds"], make["progress_events"]) == (5, 2)


def test_codex_and_gemini_calls_are_timed_from_call_to_result(tmp_path, capsys):
    from conftest import DATA

    db = tmp_path / "wb.duckdb"
    ingest([DATA / "codex" / "sessions", DATA / "gemini" / "tmp"], db, user="ana", progress=False)
    d = friction(capsys, db)["durations"]
    commands = {(r["tool_name"], r["command"]): r for r in d["slowest_commands"]}
    # Codex shell calls (`command`, or `cmd` for exec_command) and Gemini's run_shell_command
    assert {("shell_command", "pytest -q"), ("exec_command", "pytest -q"),
            ("run_shell_command", "ls missing")} <= set(commands)  # fmt: skip
    assert all(r["seconds"] == 1.0 and r["progress_seconds"] is None for r in commands.values())
    tools = {t["tool_name"]: t for t in d["tools"]}
    assert tools["replace"]["median_seconds"] == 20 and tools["shell_command"]["timed"] == 2


def test_spark_reads_the_same_durations_from_a_parquet_lake(db, tmp_path, capsys):
    pytest.importorskip("pyspark")
    if not shutil.which("java"):
        pytest.skip("Spark needs Java")
    from workbench.query import durations

    assert main(["export", "--parquet", str(tmp_path / "lake"), "--db", str(db)]) == 0
    capsys.readouterr()
    local = durations.report(open_reader(db))
    lake = durations.report(open_reader(f"spark://local[2]?path={tmp_path / 'lake'}"))
    assert lake == local and local["tools"][0]["p90_seconds"] == 46  # exact, not approximate
