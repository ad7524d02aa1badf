"""Everyday CLI habits: output formats, input validation, search snippets, help, Ctrl-C."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from builders import Transcript
from conftest import S1

from workbench.core import config
from workbench.frontends.cli import build_parser, main
from workbench.ingest.load import ingest

ENV = {**os.environ, "PYTHONPATH": str(config.PROJECT_DIR), "WORKBENCH_DEBUG": ""}
TOKEN = "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
LONG = "lorem ipsum dolor sit amet " * 20  # 540 characters of filler
SID = "77777777-0000-4000-8000-000000000000"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(ingested, corpus):
    """The main fixture plus a session whose prompt hides a rare word in the middle of a long
    text, next to a token."""
    t = Transcript(SID, start="2026-03-04T08:00:00Z")
    t.prompt(f"{LONG}the Zanzibar error with key {TOKEN} appeared {LONG}")
    t.say("Looked into it.").write(corpus / "-home-ana-src-shop")
    ingest([corpus], ingested, user="ana", progress=False)
    return ingested


# -- output formats ------------------------------------------------------------------------

#: Each read command and the list in its JSON that ndjson and csv print (None: the object).
FORMAT_CASES = [
    (["sessions", "list", "--include-subagents", "--timezone", "UTC"], "rows"),
    (["sessions", "get", S1], None),
    (["sessions", "messages", S1], "messages"),
    (["sessions", "tool-calls", S1], "tool_calls"),
    (["sessions", "kpis", "--timezone", "UTC"], None),
    (["sessions", "show", S1], "events"),
    (["tokens", "daily", "--timezone", "UTC"], "daily"),
    (["tokens", "monthly", "--timezone", "UTC"], "monthly"),
    (["tokens", "session", "--timezone", "UTC"], "sessions"),
    (["tokens", "blocks", "--timezone", "UTC"], "blocks"),
    (["search", "cart", "--timezone", "UTC"], "hits"),
    (["friction", "--timezone", "UTC"], "categories"),
    (["status"], None),
]


@pytest.mark.parametrize(
    ("argv", "key"), FORMAT_CASES, ids=[" ".join(a[:2]) for a, _ in FORMAT_CASES]
)
def test_every_read_command_prints_json_ndjson_and_csv(db, capsys, argv, key):
    argv = [*argv, "--db", db]
    code, as_json, _ = run(capsys, *argv, "--json")
    assert code == 0
    code, formatted, _ = run(capsys, *argv, "--format", "json")
    assert (code, formatted) == (0, as_json)  # --json is --format json
    data = json.loads(as_json)
    rows = [data] if key is None else data[key]
    assert rows, "the fixture gives every command something to print"

    code, out, _ = run(capsys, *argv, "--format", "ndjson")
    assert code == 0 and out.endswith("\n")
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == rows  # one compact object per line
    assert all("\n" not in line and line.startswith("{") for line in lines)

    code, out, _ = run(capsys, *argv, "--format", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == len(rows)
    first = rows[0]
    for name, value in first.items():
        if isinstance(value, dict) and value:
            assert not any(col == name for col in table[0])  # flattened, not one column
            continue
        cell = table[0][name]
        if value is None:
            assert cell == ""
        elif isinstance(value, bool):
            assert cell == ("true" if value else "false")
        elif isinstance(value, (list, dict)):
            assert json.loads(cell) == value  # lists as JSON text
        elif isinstance(value, (int, float)):
            assert float(cell) == pytest.approx(value)
        else:
            assert cell == str(value)


@pytest.mark.parametrize(
    ("argv", "key"), FORMAT_CASES, ids=[" ".join(a[:2]) for a, _ in FORMAT_CASES]
)
def test_json_is_the_standard_librarys_indented_text(db, capsys, argv, key):
    # orjson writes --json; the text is what json.dumps(indent=2) writes of the same values
    code, out, _ = run(capsys, *argv, "--db", db, "--json")
    assert code == 0 and out.endswith("}\n")
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"


def test_json_falls_back_to_the_standard_library_for_what_orjson_refuses():
    from datetime import date, datetime, timezone
    from decimal import Decimal

    from workbench.present.textout import _default, json_text

    values = [
        {"when": datetime(2026, 3, 4, 8, 0, 1, 5, tzinfo=timezone.utc), "day": date(2026, 3, 4)},
        {"cost": Decimal("1.25"), "tags": {"b", "a"}, 3: "int key", None: "null key"},
        {"big": 2**70},  # beyond 64 bits: orjson refuses it
        {"text": "lone \ud800 surrogate, é, <&>"},  # orjson refuses a lone surrogate
        [[], {}, {"nested": [1, 2.5, None, True]}],
    ]
    for value in values:
        assert (
            json_text(value)
            == json.dumps(value, indent=2, default=_default, ensure_ascii=False) + "\n"
        )


def test_csv_flattens_nested_objects_with_dotted_keys(db, capsys):
    code, out, _ = run(capsys, "sessions", "get", S1, "--db", db, "--format", "csv")
    assert code == 0
    (row,) = csv.DictReader(io.StringIO(out))
    get = json.loads(run(capsys, "sessions", "get", S1, "--db", db, "--json")[1])
    assert row["session_id"] == S1
    assert (
        row["health_score_basis.grades.A"] == "90" == str(get["health_score_basis"]["grades"]["A"])
    )
    assert json.loads(row["penalties"]) == get["penalties"]
    assert "health_score_basis" not in row


def test_a_session_reads_its_times_in_utc_to_the_second(db, capsys):
    # not Python's isoformat (microseconds, +00:00); one block, several blocks
    from workbench.frontends.commands.sessions import describe_session

    code, out, _ = run(capsys, "sessions", "get", S1, "--db", db)
    get = json.loads(run(capsys, "sessions", "get", S1, "--db", db, "--json")[1])
    assert code == 0
    start = get["started_at"][:19].replace("T", " ")
    assert f"  started {start} UTC, ended " in out
    n = get["activity_blocks"]
    assert f" in {n} block{'' if n == 1 else 's'}" in out
    row = {**get, "activity_blocks": 1}
    for k in ("started_at", "ended_at"):
        row[k] = datetime.fromisoformat(get[k])
    assert " in 1 block\n" in describe_session(row)
    assert " in 3 blocks\n" in describe_session({**row, "activity_blocks": 3})


def test_ndjson_streams_into_a_pipe_that_closes_early(db):
    # `workbench ... --format ndjson | head -1`: the first row, exit 0, nothing on stderr
    cmd = [sys.executable, "-m", "workbench.frontends.cli", "search", "e", "--db", str(db)]
    cmd += ["--format", "ndjson", "--limit", "200"]
    shell = f"{shlex.join(cmd)} | head -1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["session_id"]


def test_an_unknown_format_is_a_usage_error(db, capsys):
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--format", "xml")
    assert code == 2 and "usage: workbench sessions list" in err
    assert "invalid choice: 'xml'" in err and "'ndjson'" in err and "'csv'" in err


# -- validation ----------------------------------------------------------------------------


def test_an_unknown_outcome_or_grade_exits_2_listing_the_valid_ones(db, capsys):
    code, out, err = run(capsys, "sessions", "list", "--db", db, "--outcome", "completed,done")
    assert (code, out) == (2, "")
    assert err == "workbench: unknown outcome 'done': use completed, abandoned, errored, unknown\n"
    code, out, err = run(capsys, "sessions", "list", "--db", db, "--health-grade", "b,Z")
    assert (code, out) == (2, "")
    assert err == "workbench: unknown health grade 'Z': use A, B, C, D, F\n"
    code, out, _ = run(capsys, "sessions", "list", "--db", db, "--health-grade", "a", "--json")
    assert code == 0 and json.loads(out)["total"] >= 1  # a known one, in either case


def test_an_unknown_user_project_or_machine_lists_close_matches(db, capsys):
    for argv in (["tokens", "daily"], ["sessions", "list"], ["sessions", "kpis"], ["friction"],
                 ["search", "cart"]):  # fmt: skip
        code, out, err = run(capsys, *argv, "--db", db, "--user", "anna")
        assert (code, out) == (2, ""), argv
        assert err == "workbench: no user 'anna' in the database; did you mean: ana?\n", argv
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--project", "zzz")
    assert code == 2
    assert err == "workbench: no project 'zzz' in the database; known projects: shop\n"
    machine = config.default_machine()  # what the fixture's ingest recorded
    code, _, err = run(capsys, "sessions", "kpis", "--db", db, "--machine", "nowhere-box")
    assert code == 2
    assert (
        err == f"workbench: no machine 'nowhere-box' in the database; known machines: {machine}\n"
    )
    code, _, err = run(capsys, "sessions", "kpis", "--db", db, "--machine", machine)
    assert code == 0
    code, _, err = run(capsys, "tokens", "daily", "--db", db, "--user", "ana", "--user", "bob")
    assert code == 2 and "no user 'bob'" in err
    code, out, _ = run(capsys, "tokens", "daily", "--db", db, "--user", "ana", "--json")
    assert code == 0 and json.loads(out)["daily"]


def test_an_unknown_agent_is_refused_by_the_parser(db, capsys):
    code, _, err = run(capsys, "sessions", "list", "--db", db, "--agent", "clade")
    assert code == 2 and "usage: workbench sessions list" in err
    assert "invalid choice: 'clade' (choose from 'claude', 'codex', 'gemini')" in err


def test_ingest_of_a_folder_without_transcripts_creates_no_database(tmp_path, capsys):
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "readme.txt").write_text("not a transcript")
    db = tmp_path / "wb.duckdb"
    code, out, err = run(capsys, "ingest", empty, "--db", db, "--no-progress")
    assert (code, out) == (1, "")
    assert err.startswith(f"workbench: no transcripts found in {empty} ")
    assert "no database created" in err
    assert list(tmp_path.iterdir()) == [empty]  # no wb.duckdb, no .wal
    code, _, _ = run(capsys, "ingest", empty, "--db", db, "--json")
    assert code == 1 and not db.exists()


def test_an_empty_folder_still_updates_an_existing_database(ingested, tmp_path, capsys):
    # the archive exists: an ingest of nothing is a no-op that succeeds, not an error
    code, out, _ = run(capsys, "ingest", tmp_path / "empty-but-there", "--db", ingested)
    assert code == 2  # a path that does not exist at all is still a usage error
    (tmp_path / "nothing").mkdir()
    code, out, _ = run(capsys, "ingest", tmp_path / "nothing", "--db", ingested, "--json")
    assert code == 0 and json.loads(out)["files"] == 0


# -- search snippets ------------------------------------------------------------------------


def test_search_shows_the_match_centred_in_the_table(db, capsys):
    code, out, _ = run(capsys, "search", "zanzibar", "--db", db)
    assert code == 0
    (line,) = [x for x in out.splitlines() if x.startswith(SID[:12])]
    snippet = line.rsplit("  ", 1)[1].strip()
    assert "Zanzibar" in snippet and "\x1b" not in snippet  # not a terminal: plain
    assert snippet.startswith("…") and snippet.endswith("…")  # cut on both sides
    left, right = snippet.split("Zanzibar")
    assert abs(len(left) - len(right)) <= 2  # centred on the match
    assert TOKEN[:8] not in out and "key [REDACTED:" in snippet
    assert len(line) <= 120


def test_search_json_cuts_the_snippet_around_the_first_match(db, capsys):
    code, out, _ = run(capsys, "search", "ZANZIBAR", "--db", db, "--json")
    (hit,) = json.loads(out)["hits"]
    before, match, after = hit["snippet_parts"]
    assert match == "Zanzibar"  # as written, whatever the case searched
    assert hit["snippet"] == before + match + after
    assert before.endswith("lorem ipsum dolor sit amet the ") and len(before) <= 60
    # the 60 characters after the match, the token in them replaced whole
    assert after == " error with key [REDACTED:github-token] appea"
    code, out, _ = run(capsys, "search", "ZANZIBAR", "--db", db, "--json", "--no-redact")
    assert TOKEN in json.loads(out)["hits"][0]["snippet_parts"][2]
    code, out, _ = run(capsys, "search", r"Zan\w+ error", "--regex", "--db", db, "--json")
    assert json.loads(out)["hits"][0]["snippet_parts"][1] == "Zanzibar error"


def test_search_highlights_the_match_on_a_terminal(db, capsys):
    code, out, _ = run(capsys, "search", "zanzibar", "--db", db, "--color", "always")
    assert code == 0 and "\x1b[1;7mZanzibar\x1b[0m" in out
    # the `workbench` program on a real terminal (a pseudo-terminal): highlighted by itself
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.frontends.cli", "search", "zanzibar", "--db", str(db)],
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**ENV, "COLUMNS": "120"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(60) == 0
    assert b"\x1b[1;7mZanzibar\x1b[0m" in b"".join(chunks)
    env = {**ENV, "NO_COLOR": "1"}
    plain = subprocess.run(
        [sys.executable, "-m", "workbench.frontends.cli", "search", "zanzibar", "--db", str(db)],
        capture_output=True,
        env=env,
    )
    assert b"Zanzibar" in plain.stdout and b"\x1b" not in plain.stdout


# -- help ----------------------------------------------------------------------------------


def parsers(p: argparse.ArgumentParser):
    yield p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from parsers(child)


def test_every_command_and_subcommand_has_examples():
    for p in parsers(build_parser()):
        text = p.format_help()
        assert "\nexamples:\n  workbench " in text, p.prog
        # examples are printed as written, one per line
        for line in text.split("\nexamples:\n", 1)[1].splitlines():
            if line.startswith("  workbench "):
                command = line.split("  # ")[0].split(" | ")[0].split(" > ")[0].strip()
                argv = shlex.split(command)[1:]
                assert build_parser(argv[0]).parse_args(argv).func, line


def test_ingest_help_lists_every_default_folder(capsys):
    code, out, _ = run(capsys, "ingest", "--help")
    assert code == 0
    for root in ("$CLAUDE_CONFIG_DIR/projects", "~/.config/claude/projects", "~/.claude/projects",
                 "$CODEX_HOME/sessions", "$CODEX_HOME/archived_sessions", "~/.codex/sessions",
                 "~/.gemini/tmp"):  # fmt: skip
        assert root in out, root
    # and they are the folders it scans
    home = Path.home()
    scanned = [str(p).replace(str(home), "~") for p in config.candidate_roots()]
    for path in scanned:
        assert path.replace(os.environ.get("CODEX_HOME", "~/.codex"), "~/.codex") in out


def test_a_subcommand_error_shows_that_subcommands_usage(capsys):
    for argv, prog in (
        (["sessions", "list", "--bogus"], "workbench sessions list"),
        (["sessions", "get", "x", "--bogus"], "workbench sessions get"),
        (["tokens", "daily", "--bogus"], "workbench tokens"),
        (["search", "x", "--bogus"], "workbench search"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2
        assert err.startswith(f"usage: {prog} "), err
        assert err.rstrip().endswith(f"{prog}: error: unrecognized arguments: --bogus")


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_help_prints_bench_mb():
    root = config.PROJECT_DIR
    out = subprocess.run([MAKE, "-s", "-C", root, "help"], capture_output=True, text=True).stdout
    assert "BENCH_MB=200" in out and "generated 200 MB corpus" in out
    out = subprocess.run(
        [MAKE, "-s", "-C", root, "help", "BENCH_MB=1000"], capture_output=True, text=True
    ).stdout
    assert "BENCH_MB=1000" in out and "generated 1000 MB corpus" in out


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_demo_says_what_it_does_and_how_to_go_on():
    root = config.PROJECT_DIR
    recipe = subprocess.run(
        [MAKE, "-n", "-B", "-C", root, "demo"], capture_output=True, text=True, check=True
    ).stdout
    install = [x for x in recipe.splitlines() if "pip install" in x and "-e" in x]
    assert install and "--quiet" not in install[0]  # pip shows its progress
    steps = [x for x in recipe.splitlines() if x.startswith('echo "==>')]
    assert len(steps) >= 4  # before the venv, pip, the install, the demo and the reports
    (hint,) = [x for x in recipe.splitlines() if x.startswith('echo "Next: ')]
    program = hint.split()[2]
    assert program == f"{root}/.venv/bin/workbench"  # a full path: works in a fresh shell


def test_the_demo_hint_runs_in_a_fresh_shell(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "workbench.frontends.cli", "demo", "--sessions", "4"]
        + ["--corpus", str(tmp_path / "corpus"), "--db", str(tmp_path / "demo.duckdb")],
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    (hint,) = [x for x in done.stdout.splitlines() if x.startswith("Try: ")]
    env = {**ENV, "PATH": "/usr/bin:/bin"}  # no venv on PATH
    again = subprocess.run(
        ["bash", "-c", hint.removeprefix("Try: ")], capture_output=True, text=True, env=env
    )
    assert again.returncode == 0, again.stderr
    assert "Total" in again.stdout


# -- Ctrl-C --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> Path:
    """A database from a synthetic corpus on which a broad search takes seconds."""
    from workbench.corpus import synthetic

    root = tmp_path_factory.mktemp("big")
    synthetic.generate(root / "corpus", target_bytes=20 * 1024 * 1024, seed=5, bad_lines=False)
    db = root / "wb.duckdb"
    ingest([root / "corpus"], db, progress=False)
    return db


def interrupt(argv: list[str], delay: float) -> tuple[int, str, float]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.frontends.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    time.sleep(delay)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    return proc.returncode, err, time.monotonic() - sent


def test_ctrl_c_during_a_slow_read_exits_130_with_one_line(big_db):
    slow = ["search", "e", "--db", str(big_db), "--limit", "100000", "--format", "ndjson"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "workbench.frontends.cli", *slow],
        capture_output=True,
        env=ENV,
    )
    took = time.monotonic() - started
    assert done.returncode == 0 and took > 1.5, took  # slow enough to be interrupted
    for delay in (0.3, 0.7, 1.2):  # in the imports, the query, the rows
        code, err, after = interrupt(slow, delay)
        assert code == 130, err
        assert err == "workbench: interrupted\n"
        assert after < 2.0, after


IGNORED_INTERRUPT = """
import os, signal, sys, time, weakref
from workbench.frontends import cli

class Thing:
    pass

held = [Thing()]

def on_free(_ref):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.5)  # the handler runs here, where Python can only ignore what it raises

ref = weakref.ref(held[0], on_free)
build = cli.build_parser

def build_parser(only=None):
    held.clear()  # mid-command, as an import's module-lock callback is
    return build(only)

cli.build_parser = build_parser
sys.argv = ["workbench", "sessions", "list", "--db", sys.argv[1]]
sys.exit(cli.main())
"""


def test_a_ctrl_c_python_has_to_ignore_still_ends_the_command_with_130(ingested):
    # CI saw it: the SIGINT landed in a callback of the import machinery, Python printed
    # "Exception ignored in ..." with a traceback, and the read went on to exit 0
    done = subprocess.run(
        [sys.executable, "-c", IGNORED_INTERRUPT, str(ingested)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (130, "workbench: interrupted\n")


def test_ctrl_c_at_any_moment_of_a_read_never_ends_in_a_traceback(big_db):
    # whenever the signal lands (start-up, a DuckDB query, printing, the interpreter closing
    # DuckDB), the process exits 0 (it had finished) or 130 with the one line
    outcomes = set()
    for command in (["friction"], ["tokens", "session"], ["search", "(a|e).*z", "--regex"]):
        for delay in (0.15, 0.25, 0.3, 0.35, 0.45, 0.6):
            code, err, _ = interrupt([*command, "--db", str(big_db)], delay)
            assert (code, err) in ((0, ""), (130, "workbench: interrupted\n")), (command, delay)
            outcomes.add(code)
    assert 130 in outcomes
