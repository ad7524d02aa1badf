"""Ingest benchmark: cold, no-op and 1 MB-append ingest against a raw DuckDB JSON scan.

    python benchmarks/run.py --mb 200 [--repeat 3] [--no-hub] [--spark]

With PostgreSQL installed it also times the team hub (a temp cluster on a free port, as the
tests start it): a cold push, a push after the 1 MB append, and read commands on the hub.
With --spark (pyspark installed) it exports the Parquet lake and runs the reports' queries on
Spark in local mode, with one core and with every core, beside DuckDB on the same data.

Generates (once, cached in benchmarks/.corpus/) a realistic multi-user Claude Code corpus of the
given size with workbench.corpus.synthetic, then times each step in a fresh subprocess, so peak
RSS is the step's own. Prints a table and writes benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from workbench.corpus import synthetic  # noqa: E402

CORPUS_VERSION = 3
SEED = 11

RAW_SCAN = """
import duckdb, json, resource, sys, time
t = time.perf_counter()
con = duckdb.connect()
glob = (sys.argv[1] + "/**/*.jsonl").replace("'", "''")
# a literal path: passed as a prepared parameter the same scan runs 3-4x slower
n = con.execute(f"SELECT count(*) FROM read_ndjson_objects('{glob}')").fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - t, "lines": n,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# The same scan as a user would time it from a shell: interpreter start, import, scan, exit.
RAW_SCAN_PROCESS = """
import duckdb, sys
glob = (sys.argv[1] + "/**/*.jsonl").replace("'", "''")
duckdb.connect().execute(f"SELECT count(*) FROM read_ndjson_objects('{glob}')").fetchone()
"""

# What any append must do, whatever computes the marts after it: start Python and DuckDB
# (its compiled module, as workbench imports it), open the database, write the raw rows of the
# appended lines (copied from the rows the last append wrote: no parse) and commit them into
# the file. A lower bound for ``workbench ingest`` after the append, not a workbench command.
APPEND_FLOOR = """
import json, sys
from workbench.core.duck import duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '1KB'")  # the commit writes into the file
con.execute("SET auto_checkpoint_skip_wal_threshold = 0")
before = json.loads(sys.argv[2])  # path -> the number of lines it had before the append
con.execute("BEGIN")
# literals, not parameters: a Python list as a parameter makes DuckDB import NumPy (~0.6 s)
quoted = {"'" + p.replace("'", "''") + "'": int(n) for p, n in before.items()}
rows = ", ".join(f"({p}, {n})" for p, n in quoted.items())
con.execute(
    "CREATE TEMP TABLE appended AS SELECT f.file_id, b.lines FROM files f "
    f"JOIN (VALUES {rows}) b(path, lines) USING (path)"
)
for table in ("raw_messages", "raw_tool_uses", "raw_tool_results", "raw_progress"):
    con.execute(
        f"INSERT INTO {table} SELECT t.* FROM {table} t "
        "JOIN appended a ON a.file_id = t.file_id AND t.line_no > a.lines"
    )
con.execute("UPDATE files SET ingested_at = now() WHERE file_id IN (SELECT file_id FROM appended)")
con.execute("COMMIT")
con.close()
"""

INGEST = """
import json, resource, sys, time
from workbench.ingest.load import ingest
t = time.perf_counter()
s = ingest([sys.argv[1]], sys.argv[2], progress=False)
print(json.dumps({"seconds": time.perf_counter() - t, "lines": s.lines, "files_read":
                  s.files_parsed + s.files_appended, "bad_lines": s.bad_lines,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


#: Read commands timed against the team hub too.
HUB_READS = ("tokens daily", "sessions list", "sessions kpis")

#: Read commands timed as whole processes (``{sid}``: a session of the corpus).
READS = {
    "tokens daily": ["tokens", "daily"],
    "tokens session": ["tokens", "session"],
    "tokens blocks": ["tokens", "blocks"],
    "sessions list": ["sessions", "list"],
    "sessions get": ["sessions", "get", "{sid}"],
    "sessions kpis": ["sessions", "kpis"],
    "friction": ["friction"],
    "search": ["search", "ModuleNotFoundError"],
}


def corpus_for(mb: int) -> Path:
    path = HERE / ".corpus" / f"claude-{mb}mb-v{CORPUS_VERSION}"
    stamp = path / ".complete"
    if not stamp.exists():
        if path.exists():
            shutil.rmtree(path)
        print(f"generating a {mb} MB corpus in {path} …", file=sys.stderr)
        from datetime import datetime, timezone

        stats = synthetic.generate(
            path,
            sessions=None,
            target_bytes=mb * 1024 * 1024,
            seed=SEED,
            end=datetime(2026, 11, 1, tzinfo=timezone.utc),
            bad_lines=False,
        )
        stamp.write_text(json.dumps({"files": stats.files, "bytes": stats.bytes}))
    return path


def step(code: str, *args: str) -> dict:
    os.sync()  # flush earlier writes (corpus copies, databases) so they don't skew timings
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def whole_process(argv: list[str]) -> dict:
    """Wall time of a command run as a user runs it (interpreter start to exit)."""
    os.sync()
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=HERE.parent)
    return {"seconds": time.perf_counter() - started}


def cli(*args: str) -> list[str]:
    """``workbench`` with ``args``: the console script installed beside this Python."""
    return [str(Path(sys.executable).with_name("workbench")), *args]


def session_of(db: Path) -> str:
    """A top-level session with tool calls (for ``sessions get``)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT session_id FROM sessions WHERE NOT is_subagent ORDER BY tool_calls DESC, "
            "session_id LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()


def appended_files(work: Path) -> list[Path]:
    """The eight session files ``append_one_mb`` appends to."""
    return sorted(p for p in work.rglob("*.jsonl") if "subagents" not in p.parts)[:8]


def line_counts(files: list[Path]) -> dict[str, int]:
    """Each file's number of lines, by path."""
    return {str(f): f.read_bytes().count(b"\n") for f in files}


def append_one_mb(work: Path) -> int:
    """Append about 1 MB of complete lines to eight session files (live sessions growing)."""
    files = appended_files(work)
    per_file = 1024 * 1024 // len(files)
    added = 0
    for f in files:
        lines = f.read_bytes().splitlines(keepends=True)
        chunk = b""
        for line in reversed(lines):
            if len(chunk) >= per_file:
                break
            chunk = line + chunk
        with open(f, "ab") as fh:
            fh.write(chunk)
        added += len(chunk)
    return added


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=200, help="corpus size in MB (default 200)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step; the median is shown")
    ap.add_argument("--no-hub", dest="hub", action="store_false", help="skip the team hub")
    ap.add_argument("--spark", action="store_true", help="also time Spark over the Parquet lake")
    args = ap.parse_args()
    pg = start_hub() if args.hub else None
    try:
        run(args, pg)
    finally:
        if pg:
            pg.stop()


#: Read commands timed on Spark (and DuckDB, on the same data).
SPARK_READS = ("tokens daily", "sessions kpis", "sessions list", "friction")

SPARK_IN_ONE = """
import json, sys, time
from workbench.frontends.cli import main
from workbench.query.spark import session, parse
t = time.perf_counter(); session(parse(sys.argv[1])[0]); start = time.perf_counter() - t
out = {"start": start}
for argv in json.loads(sys.argv[2]):
    t = time.perf_counter(); main([*argv, "--db", sys.argv[1], "--json"])
    out[" ".join(argv)] = time.perf_counter() - t
print(json.dumps(out))
"""


def spark_steps(runs: dict, db: Path, lake: Path) -> None:
    """Export the lake, then each read on DuckDB, Spark local[1] and local[*] as whole
    processes, and the same reads in one Spark process (the query time without the JVM)."""
    runs.setdefault("export", []).append(
        whole_process(cli("export", "--parquet", str(lake), "--db", str(db)))
    )
    for name in SPARK_READS:
        argv = name.split()
        runs.setdefault(f"duck {name}", []).append(whole_process(cli(*argv, "--db", str(db))))
        for label, master in (("spark1", "local[1]"), ("spark", "local[*]")):
            url = f"spark://{master}?path={lake}"
            runs.setdefault(f"{label} {name}", []).append(
                whole_process(cli(*argv, "--db", url, "--json"))
            )
    reads = json.dumps([n.split() for n in SPARK_READS])
    for label, master in (("spark1", "local[1]"), ("spark", "local[*]")):
        url = f"spark://{master}?path={lake}"
        done = subprocess.run(
            [sys.executable, "-c", SPARK_IN_ONE, url, reads], capture_output=True, text=True,
            check=True, cwd=HERE.parent,
        )  # fmt: skip
        runs.setdefault(f"{label} in one process", []).append(
            {"seconds": 0.0, **json.loads(done.stdout.strip().splitlines()[-1])}
        )


def start_hub():
    """A PostgreSQL server for the hub steps (None, with a note, when it is not installed)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from pg_server import PgServer, pg_bin

    if not pg_bin("initdb"):
        print("PostgreSQL is not installed: skipping the hub steps", file=sys.stderr)
        return None
    return PgServer().start()


def compile_bytecode() -> None:
    """Compile workbench's modules once, as an installed package has them (pip compiles what it
    installs; an editable install's first run writes them, unless PYTHONDONTWRITEBYTECODE is
    set, when every command would compile every module it imports again)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "workbench")], check=True
    )


def run(args, pg) -> None:
    compile_bytecode()
    corpus = corpus_for(args.mb)
    size = sum(p.stat().st_size for p in corpus.rglob("*.jsonl"))
    files = sum(1 for _ in corpus.rglob("*.jsonl"))
    steps = ("raw", "cold", "noop", "append", "append2", "raw_process", "cold_cli", "noop_cli")
    steps += ("append_cli", "append2_cli", "append_floor")
    steps += tuple(READS)
    if pg:
        steps += ("push_cold", "push_append", *(f"hub {n}" for n in HUB_READS))
    runs: dict[str, list[dict]] = {k: [] for k in steps}
    with tempfile.TemporaryDirectory(prefix="wb-bench-") as tmp:
        for _ in range(args.repeat):
            runs["raw"].append(step(RAW_SCAN, str(corpus)))
            work = Path(tmp) / "corpus"
            if work.exists():
                shutil.rmtree(work)
            shutil.copytree(corpus, work)
            db = Path(tmp) / "bench.duckdb"
            for f in (db, db.with_suffix(".duckdb.wal")):
                if f.exists():
                    f.unlink()
            runs["cold"].append(step(INGEST, str(work), str(db)))
            runs["noop"].append(step(INGEST, str(work), str(db)))
            runs["raw_process"].append(
                whole_process([sys.executable, "-c", RAW_SCAN_PROCESS, str(work)])
            )
            db_cli = Path(tmp) / "cli.duckdb"
            ingest_cli = cli("ingest", str(work), "--db", str(db_cli), "--json")
            runs["cold_cli"].append(whole_process(ingest_cli))
            runs["noop_cli"].append(whole_process(ingest_cli))
            sid = session_of(db_cli)
            for name, argv in READS.items():
                argv = [a.replace("{sid}", sid) for a in argv]
                # the raw scan again beside each read: this machine's speed drifts within a
                # run, and the median of many raw scans taken among the reads is their baseline
                runs["raw_process"].append(
                    whole_process([sys.executable, "-c", RAW_SCAN_PROCESS, str(work)])
                )
                runs[name].append(whole_process(cli(*argv, "--db", str(db_cli), "--json")))
            if pg:
                name = pg.new_database()
                owner, pusher, reader = (pg.url(r, name) for r in ("wb_owner", "wb_push",
                                                                    "wb_read"))  # fmt: skip
                subprocess.run(cli("hub", "init", "--to", owner, "--push-role", "wb_push",
                                   "--read-role", "wb_read"), check=True,
                               stdout=subprocess.DEVNULL)  # fmt: skip
                push = cli("push", "--db", str(db_cli), "--to", pusher, "--no-progress")
                runs["push_cold"].append(whole_process(push))
                for n in HUB_READS:
                    runs[f"hub {n}"].append(whole_process(cli(*n.split(), "--db", reader,
                                                              "--json")))  # fmt: skip
            appended = append_one_mb(work)
            runs["append_cli"].append(whole_process(ingest_cli))
            if pg:
                runs["push_append"].append(whole_process(push))
            runs["append"].append(step(INGEST, str(work), str(db)))
            runs["append"][-1]["appended_bytes"] = appended
            # the next append: the first after a cold ingest also repacks the row groups the
            # ingest's groups of commits left part-filled (DuckDB, at its checkpoint), once
            before = line_counts(appended_files(work))
            append_one_mb(work)
            runs["append2_cli"].append(whole_process(ingest_cli))
            runs["append2"].append(step(INGEST, str(work), str(db)))
            floor_db = Path(tmp) / "floor.duckdb"
            shutil.copy(db_cli, floor_db)
            runs["append_floor"].append(whole_process(
                [sys.executable, "-c", APPEND_FLOOR, str(floor_db), json.dumps(before)]
            ))  # fmt: skip
            floor_db.unlink()
            db_cli.unlink()
        if args.spark:
            db_cli = Path(tmp) / "cli.duckdb"
            subprocess.run(ingest_cli, check=True, stdout=subprocess.DEVNULL)
            spark_steps(runs, db_cli, Path(tmp) / "lake")
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items() if v}
    rss = {k: max(r["rss_mb"] for r in v) for k, v in runs.items() if v and "rss_mb" in v[0]}
    raw = med["raw"]
    result = {
        "corpus": {
            "path": str(corpus),
            "bytes": size,
            "files": files,
            "lines": runs["raw"][0]["lines"],
        },
        "repeat": args.repeat,
        "seconds": med,
        "ratio_to_raw_scan": {k: med[k] / raw for k in ("cold", "noop", "append", "append2")},
        "whole_process_ratio_to_raw_scan": {
            k: med[k] / med["raw_process"]
            for k in ("cold_cli", "noop_cli", "append_cli", "append2_cli", "append_floor", *READS)
            + tuple(f"hub {n}" for n in HUB_READS if pg)
        },
        "peak_rss_mb": rss,
        "all_runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2))
    print(
        f"corpus: {size / 2**20:.0f} MB, {files} files, {result['corpus']['lines']:,} lines "
        f"(median of {args.repeat} runs)"
    )
    print(f"{'step':<28}{'seconds':>9}{'x raw scan':>12}{'peak RSS':>11}")
    rows = [
        ("raw read_ndjson_objects scan", "raw"),
        ("cold ingest", "cold"),
        ("no-op re-ingest", "noop"),
        ("1 MB-append re-ingest", "append"),
        ("the next 1 MB append", "append2"),
    ]
    for label, key in rows:
        print(f"{label:<28}{med[key]:>9.3f}{med[key] / raw:>11.1f}x{rss[key]:>8.0f} MB")
    print("\nwhole processes, as run from a shell (interpreter start, imports, work, exit):")
    raw_process = med["raw_process"]
    for label, key in (
        ("python: import duckdb, scan", "raw_process"),
        ("workbench ingest (cold)", "cold_cli"),
        ("workbench ingest (no-op)", "noop_cli"),
        ("workbench ingest (1 MB app.)", "append_cli"),
        ("workbench ingest (next 1 MB)", "append2_cli"),
        ("floor: raw rows + commit", "append_floor"),
        *((f"workbench {name}", name) for name in READS),
    ):
        print(f"{label:<28}{med[key]:>9.3f}{med[key] / raw_process:>11.2f}x")
    if pg:
        print("\nteam hub (PostgreSQL on this machine), whole processes:")
        for label, key in (
            ("workbench push (cold)", "push_cold"),
            ("workbench push (1 MB app.)", "push_append"),
            *((f"hub: {n}", f"hub {n}") for n in HUB_READS),
        ):
            print(f"{label:<28}{med[key]:>9.3f}{med[key] / raw_process:>11.2f}x")
        print("hub targets: cold push <= 30 s, push after 1 MB <= 2 s, hub reads <= 1 s each")
    if args.spark:
        print("\nSpark over the Parquet lake (whole processes, JVM start included):")
        print(f"{'workbench export --parquet':<28}{med['export']:>9.3f}")
        print(f"{'':<28}{'duckdb':>9}{'spark[1]':>10}{'spark[*]':>10}")
        for name in SPARK_READS:
            print(
                f"{name:<28}{med['duck ' + name]:>9.2f}{med['spark1 ' + name]:>10.2f}"
                f"{med['spark ' + name]:>10.2f}"
            )
        for label in ("spark1", "spark"):
            one = runs[f"{label} in one process"][-1]
            parts = ", ".join(f"{k} {v:.2f}" for k, v in one.items() if k != "seconds")
            print(f"{label} in one process (s): {parts}")
    print("targets: read commands and a 1 MB append <= 1x, no-op <= 0.7x the raw scan process;")
    print("cold ingest no slower than before; peak RSS of a cold ingest <= 1 GB")


if __name__ == "__main__":
    main()
