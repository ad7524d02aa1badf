"""Live benchmark for `workbench serve` (not a timed test).

    python benchmarks/live.py [--corpus benchmarks/.corpus/claude-200mb-v3] [--appends 100]
                              [--readers 20]

Copies the corpus to a temporary folder (the original is never touched), starts a real server
on a free loopback port, waits for its first ingest, then appends one line to a live session
``--appends`` times. For each append it measures the time until ``GET /api/v1/sessions/{id}``
shows the new message and until the ``session_updated`` event arrives over SSE, while
``--readers`` threads keep reading the API (every error counted). At the end it compares the
database's totals with a clean ingest of the same files. Prints a summary and writes
benchmarks/results/live.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from workbench.frontends.serve import client, state  # noqa: E402
from workbench.ingest.load import ingest  # noqa: E402


def get(url: str, timeout: float = 30.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def pick_session(root: Path) -> Path:
    """A main-session transcript of middling size (a subagent's file would roll up)."""
    files = [
        Path(d) / n
        for d, _, names in os.walk(root)
        for n in names
        if n.endswith(".jsonl") and not n.startswith("agent-") and "subagents" not in d
    ]
    files.sort(key=lambda p: p.stat().st_size)
    return files[len(files) // 2]


def next_line(path: Path, i: int) -> str:
    last = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    ts = datetime.fromisoformat(last["timestamp"].replace("Z", "+00:00")) + timedelta(seconds=1)
    line = {
        "parentUuid": last.get("uuid"),
        "isSidechain": False,
        "userType": "external",
        "cwd": last.get("cwd"),
        "sessionId": last.get("sessionId"),
        "version": last.get("version"),
        "type": "user",
        "message": {"role": "user", "content": f"live benchmark append {i}"},
        "uuid": f"live-bench-{i:04d}-{os.getpid()}",
        "timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }
    return json.dumps(line) + "\n"


def totals(db: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM sessions), "
            "(SELECT count(*) FROM messages), (SELECT sum(total_tokens) FROM responses), "
            "(SELECT count(*) FROM responses), (SELECT count(*) FROM tool_errors)"
        ).fetchone()
    finally:
        con.close()
    return dict(zip(["files", "sessions", "messages", "tokens", "responses", "tool_errors"], row))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE / ".corpus" / "claude-200mb-v3")
    ap.add_argument("--appends", type=int, default=100)
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per append")
    opts = ap.parse_args()
    if not opts.corpus.is_dir():
        print(f"no corpus at {opts.corpus}: run `make bench` first", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="workbench-live-"))
    root, db = tmp / "corpus", tmp / "live.duckdb"
    print(f"copying {opts.corpus} to {root} …", file=sys.stderr)
    shutil.copytree(opts.corpus, root)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    cmd = [sys.executable, "-m", "workbench.frontends.cli", "serve", str(root), "--db", str(db)]
    cmd += ["--port", "0", "--heartbeat", "5", "--debounce", "50"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    result: dict = {"corpus": str(opts.corpus), "appends": opts.appends, "readers": opts.readers}
    result["cpus"], result["loadavg_start"] = os.cpu_count(), round(os.getloadavg()[0], 2)
    try:
        deadline = time.monotonic() + 120
        while not (info := state.live(db)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not info:
            raise SystemExit("the server did not start")
        url = info["url"]
        while True:
            s = get(url + "/api/v1/server")
            if s["ingests"] >= 1 and not s["ingesting"]:
                break
            if time.monotonic() > deadline + 600:
                raise SystemExit("the first ingest did not finish")
            time.sleep(0.2)
        result["first_ingest_seconds"] = round(time.perf_counter() - started, 2)
        path = pick_session(root)
        sid = path.stem
        base = get(f"{url}/api/v1/sessions/{sid}")["messages"]

        events: list[tuple[float, str]] = []
        ingests: list[dict] = []  # the server's own account of each ingest while appending

        def listen():
            for event, data in client.events(info, timeout=60):
                if event == "session_updated":
                    events.append((time.perf_counter(), data))
                elif event == "ingest" and '"finished"' in data:
                    ingests.append(json.loads(data))

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(0.5)

        stop = threading.Event()
        reads: list[float] = []
        errors: list[str] = []
        paths = [
            f"/api/v1/sessions/{sid}",
            "/api/v1/sessions?limit=20",
            "/api/v1/kpis",
            "/api/v1/status",
            f"/api/v1/sessions/{sid}/messages?limit=20&direction=desc",
            "/api/v1/tokens/daily?since=2026-10-01",
        ]

        def reader(k: int):
            i = k
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    get(url + paths[i % len(paths)])
                    reads.append(time.perf_counter() - t)
                except Exception as exc:  # noqa: BLE001 - counted
                    errors.append(f"{paths[i % len(paths)]}: {exc}")
                i += 1

        threads = [threading.Thread(target=reader, args=(k,)) for k in range(opts.readers)]
        for t in threads:
            t.start()
        visible: list[float] = []
        evented: list[float] = []
        missed = 0
        for i in range(opts.appends):
            line = next_line(path, i)
            t0 = time.perf_counter()
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line)
            want = base + i + 1
            seen_at = event_at = None
            while time.perf_counter() - t0 < opts.timeout and (seen_at is None or event_at is None):
                if seen_at is None and get(f"{url}/api/v1/sessions/{sid}")["messages"] >= want:
                    seen_at = time.perf_counter()
                if event_at is None:
                    event_at = next((t for t, d in events if d == sid and t >= t0), None)
                time.sleep(0.05)  # each poll is a read the server answers
            if seen_at is None or event_at is None:
                missed += 1
            else:
                visible.append(seen_at - t0)
                evented.append(event_at - t0)
            print(f"\rappend {i + 1}/{opts.appends}", end="", file=sys.stderr)
        print(file=sys.stderr)
        stop.set()
        for t in threads:
            t.join(60)
        result |= {
            "loadavg_end": round(os.getloadavg()[0], 2),  # other work on the machine counts
            "visible_p50_s": round(pct(visible, 0.5), 3),
            "visible_p95_s": round(pct(visible, 0.95), 3),
            "event_p50_s": round(pct(evented, 0.5), 3),
            "event_p95_s": round(pct(evented, 0.95), 3),
            "missed_appends": missed,
            "ingests": len(ingests),
            "ingest_files_max": max((x["files"] for x in ingests), default=None),
            "ingest_p50_s": round(pct([x["seconds"] for x in ingests], 0.5), 3),
            "ingest_p95_s": round(pct([x["seconds"] for x in ingests], 0.95), 3),
            "reader_requests": len(reads),
            "reader_errors": len(errors),
            "reader_error_samples": errors[:5],
            "read_p50_s": round(pct(reads, 0.5), 3),
            "read_p95_s": round(pct(reads, 0.95), 3),
            "read_mean_s": round(statistics.fmean(reads), 3) if reads else None,
        }
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    live = totals(db)
    clean = tmp / "clean.duckdb"
    ingest([root], clean, progress=False)
    result["totals_live"] = live
    result["totals_clean"] = totals(clean)
    result["totals_equal"] = live == result["totals_clean"]
    shutil.rmtree(tmp, ignore_errors=True)
    out = HERE / "results" / "live.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = result["totals_equal"] and not result["reader_errors"] and not result["missed_appends"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
