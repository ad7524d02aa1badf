"""The command line: JSON output, human output, and one-line errors with exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import DATA

from workbench.frontends.cli import build_parser, main


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_then_tokens_json(capsys, tmp_path):
    db = str(tmp_path / "wb.duckdb")
    code, out, _ = run(
        capsys,
        "ingest",
        str(DATA / "claude" / "projects"),
        "--db",
        db,
        "--user",
        "ana",
        "--json",
        "--no-progress",
    )
    assert code == 0
    summary = json.loads(out)
    assert {k: summary[k] for k in ("files", "sessions", "lines", "bad_lines")} == {
        "files": 5,
        "sessions": 4,
        "lines": 31,
        "bad_lines": 0,
    }
    code, out, _ = run(capsys, "tokens", "daily", "--db", db, "--json", "--timezone", "UTC")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"daily", "totals"}
    assert set(data["daily"][0]) == {
        "date",
        "inputTokens",
        "outputTokens",
        "cacheCreationTokens",
        "cacheReadTokens",
        "totalTokens",
        "totalCost",
        "modelsUsed",
        "modelBreakdowns",
    }
    assert set(data["daily"][0]["modelBreakdowns"][0]) == {
        "modelName",
        "inputTokens",
        "outputTokens",
        "cacheCreationTokens",
        "cacheReadTokens",
        "cost",
    }
    assert data["totals"]["totalTokens"] == 44478
    assert round(data["totals"]["totalCost"], 6) == 0.030505
    assert data["totals"]["unpricedModels"] == []
    code, out, _ = run(capsys, "tokens", "blocks", "--db", db, "--json")
    assert code == 0
    blocks = [b for b in json.loads(out)["blocks"] if not b["isGap"]]
    assert [(b["startTime"], b["entries"], b["user"]) for b in blocks] == [
        ("2026-03-02T08:00:00.000Z", 8, "ana"),
        ("2026-03-05T23:00:00.000Z", 1, "ana"),
        ("2026-03-09T10:00:00.000Z", 1, "ana"),
    ]


def test_human_output(capsys, tmp_path):
    db = str(tmp_path / "wb.duckdb")
    code, out, _ = run(
        capsys, "ingest", str(DATA / "claude" / "projects"), "--db", db, "--no-progress"
    )
    assert code == 0
    assert out.startswith("Scanned 5 transcript files")
    assert "Read 31 lines" in out and "into 4 sessions; 0 bad lines" in out
    # the bytes read, in byte units (not compact()'s "B" for a billion: "1.0BB")
    read = sum(p.stat().st_size for p in (DATA / "claude" / "projects").rglob("*.jsonl"))
    assert f"Read 31 lines ({read / 1e3:.1f} kB)" in out
    code, out, _ = run(capsys, "tokens", "daily", "--db", db, "--timezone", "UTC")
    assert code == 0
    assert out.splitlines()[0].split() == [
        "Date",
        "Input",
        "Output",
        "Cache",
        "write",
        "Cache",
        "read",
        "Total",
        "Cost",
        "Models",
    ]
    assert "2026-03-02" in out and "44,478" in out and "$0.03" in out
    code, out, _ = run(capsys, "tokens", "daily", "--db", db, "--timezone", "UTC", "--breakdown")
    assert code == 0
    assert "  └ claude-haiku-4-5-20251001" in out  # a row per model under the day
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    assert json.loads(out)["sessions"] == 4


def test_errors_are_one_line_with_exit_codes(capsys, tmp_path):
    code, out, err = run(capsys, "tokens", "daily", "--db", str(tmp_path / "none.duckdb"))
    assert (code, out) == (1, "")
    assert (
        err.strip() == f"workbench: no database at {tmp_path / 'none.duckdb'}: run "
        "`workbench ingest` first (or pass --db)"
    )
    db = str(tmp_path / "wb.duckdb")
    run(capsys, "ingest", str(DATA / "claude" / "projects"), "--db", db, "--no-progress")
    code, _, err = run(capsys, "tokens", "daily", "--db", db, "--since", "last tuesday")
    assert code == 2 and err.count("\n") == 1 and "cannot read 'last tuesday'" in err
    code, _, err = run(capsys, "tokens", "daily", "--db", db, "--timezone", "Nowhere/City")
    assert code == 2 and "unknown time zone" in err
    code, _, err = run(capsys, "tokens", "weekly", "--db", db)
    assert code == 2 and "invalid choice" in err


def test_ingest_without_transcripts_says_where_it_looked(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME"):
        monkeypatch.delenv(var, raising=False)
    code, out, err = run(capsys, "ingest", "--db", str(tmp_path / "wb.duckdb"))
    assert (code, out) == (1, "")
    assert "found no transcript folders" in err and "~/.claude/projects" in err
    code, _, err = run(capsys, "ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "w"))
    assert code == 2 and err.strip() == f"workbench: no such file or folder: {tmp_path / 'nope'}"


LEAN_INGEST = """
import json, sys
from workbench.frontends.cli import main
code = main(sys.argv[1:])
# "duckdb": the package, whose start-up is ~95 ms; the engine is the module _duckdb
heavy = {"numpy", "pyarrow", "pandas", "ibis", "psycopg", "pyspark", "sqlglot", "duckdb"}
heavy = sorted({m.split(".")[0] for m in sys.modules} & heavy)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def test_ingest_of_claude_files_imports_no_dataframe_library(tmp_path):
    # DuckDB reads Claude Code files itself; importing NumPy and PyArrow would cost every
    # `workbench ingest` (a cron job's no-op included) about 0.14 s of its 0.25 s
    argv = [str(DATA / "claude" / "projects"), "--db", str(tmp_path / "wb.duckdb"), "--json"]
    for _ in range(2):  # a cold ingest, then a no-op
        out = subprocess.run(
            [sys.executable, "-c", LEAN_INGEST, "ingest", *argv],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(out.splitlines()[-1]) == {"code": 0, "heavy": []}


READ_COMMANDS = [
    ["tokens", "daily"],
    ["tokens", "session", "--since", "2020-01-01"],
    ["tokens", "blocks"],
    ["sessions", "list", "--since", "2020-01-01"],
    ["sessions", "list", "--preset", "ops", "--date-from", "2020-01-01", "--active-since", "2d"],
    ["sessions", "get", "11111111"],
    ["sessions", "kpis"],
    ["sessions", "messages", "11111111"],
    ["sessions", "tool-calls", "11111111"],
    ["friction"],
    ["leaders"],
    ["search", "hello"],
    ["status"],
]


def test_read_commands_import_no_dataframe_library(ingested):
    # a read command's start-up is part of its speed: plain DuckDB rows, no Ibis, pandas,
    # NumPy or PyArrow (binding Python parameters would make DuckDB import pandas)
    for argv in READ_COMMANDS:
        out = subprocess.run(
            [sys.executable, "-c", LEAN_INGEST, *argv, "--db", str(ingested), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert json.loads(out.splitlines()[-1]) == {"code": 0, "heavy": []}, argv


AS_THE_PROGRAM = """
import gc, json, sys
from workbench.frontends.cli import main
sys.argv = ["workbench", *sys.argv[1:]]
code = main()  # as the `workbench` program calls it (argv None)
print(json.dumps({"code": code, "gc": gc.isenabled()}))
"""


def test_the_program_runs_reads_and_ingests_without_the_cyclic_collector(ingested, tmp_path):
    # a short-lived command (a read, an ingest) makes few reference cycles: the collector's
    # passes over every imported object would only cost it time; anything else (a server,
    # JupyterLab, reports, the hub) keeps it. A caller of main(argv) is left as it was.
    def program(*argv: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-c", AS_THE_PROGRAM, *argv],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        return json.loads(out.splitlines()[-1])

    db = str(ingested)
    for argv in (["tokens", "daily"], ["sessions", "kpis"], ["status"]):
        assert program(*argv, "--db", db, "--json") == {"code": 0, "gc": False}, argv
    cold = str(tmp_path / "cold.duckdb")
    assert program("ingest", str(DATA / "claude" / "projects"), "--db", cold, "--json") == {
        "code": 0,
        "gc": False,
    }
    # not short-lived: the collector is back on before the command runs (here it fails fast)
    out = program("hub", "status", "--to", "postgresql://127.0.0.1:1/none")
    assert out["gc"] is True and out["code"] != 0
    out = program("sessions", "show", "no-such-session", "--db", db)
    assert out["gc"] is True and out["code"] != 0


def test_a_command_is_parsed_alone_with_the_same_help(capsys):
    # main() builds only the named command's parser; its help and errors are the full CLI's
    full = build_parser()._subparsers._group_actions[0].choices["ingest"].format_help()
    assert build_parser("ingest")._subparsers._group_actions[0].choices.keys() == {"ingest"}
    code, out, _ = run(capsys, "ingest", "--help")
    assert code == 0 and out == full
    code, _, err = run(capsys, "ingest", "--wait", "soon")
    assert code == 2 and "argument --wait: invalid float value: 'soon'" in err


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_readers_wait_for_a_writer_when_asked(ingested):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(ingested), "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        argv = [sys.executable, "-m", "workbench.frontends.cli", "sessions", "kpis"]
        argv += ["--db", str(ingested), "--json"]
        busy = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert busy.returncode == 1 and "pass --wait SECONDS" in busy.stderr
        waited = subprocess.run([*argv, "--wait", "30"], capture_output=True, text=True, timeout=60)
        assert waited.returncode == 0 and json.loads(waited.stdout)["sessions"] == 2
    finally:
        holder.kill()
        holder.wait(10)


def test_data_size_names_bytes_in_decimal_units():
    from workbench.present.textout import data_size

    assert data_size(0) == "0 B"
    assert data_size(999) == "999 B"
    assert data_size(1_000) == "1.0 kB"
    assert data_size(211_700_000) == "211.7 MB"
    assert data_size(1_040_000_000) == "1.0 GB"
    assert data_size(2_500_000_000_000) == "2.5 TB"


def test_the_ingest_summary_counts_one_thing_in_the_singular():
    from workbench.frontends.commands.ingest import describe_ingest
    from workbench.ingest.summary import IngestSummary

    expected = {
        1: (
            "Scanned 1 transcript file in",
            "Read 1 line (300 B) into 1 session; 1 bad line recorded",
            "1 value refused",
            "1 file is gone from disk",
            "1 file ends in an incomplete line",
            "1 file is of an agent",
            "wb.duckdb: 1 session, 1 message, 10 tokens, 1 tool error.",
        ),
        2: (
            "Scanned 2 transcript files in",
            "Read 2 lines (300 B) into 2 sessions; 2 bad lines recorded",
            "2 values refused",
            "2 files are gone from disk",
            "2 files end in an incomplete line",
            "2 files are of an agent",
            "wb.duckdb: 2 sessions, 2 messages, 20 tokens, 2 tool errors.",
        ),
    }
    for n, phrases in expected.items():
        summary = IngestSummary(
            db="wb.duckdb", files=n, files_parsed=n, sessions=n, lines=n, bad_lines=n,
            bad_values=n, files_vanished=n, pending_lines=n, files_unsupported=n, bytes=300,
        )  # fmt: skip
        summary.totals = {"sessions": n, "messages": n, "tokens": 10 * n, "tool_errors": n}
        text = describe_ingest(summary)
        for phrase in phrases:
            assert phrase in text, phrase
