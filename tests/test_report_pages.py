"""What the reports draw and write beside themselves: transcript pages read in batches, and
time series that mark the days (weeks) the period covers only in part."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

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


def _ctx(db, **period):
    from workbench.frontends import notebook

    ctx = notebook.context(str(db), timezone=period.pop("timezone", "UTC"))
    for key, value in period.items():  # an instant inside a day, as --since 36h gives
        setattr(ctx, key, datetime.fromisoformat(value))
    return ctx


def test_a_period_starting_and_ending_inside_a_day_marks_both_days(ingested):
    from workbench.present import charts

    # the fixture runs 2026-03-02 .. 2026-03-09 (UTC)
    ctx = _ctx(ingested, since="2026-03-02T08:00:00+00:00", until="2026-03-09T12:00:00+00:00")
    assert charts.partial_bins(ctx) == {
        "2026-03-02": "partial day, from 08:00",
        "2026-03-09": "partial day, until 12:00",
    }
    chart = charts.tokens_per_day(ctx)
    data = [r for d in chart.to_dict()["datasets"].values() for r in d]
    marked = {r["start"]: r["partial"] for r in data if r.get("partial")}
    assert set(marked) == {"2026-03-02", "2026-03-09"}  # the data carry the marker
    svg = charts.svg(chart.to_dict())
    assert "Shaded: Mar 02 (partial day, from 08:00), Mar 09 (partial day, until 12:00)" in svg
    assert "note: partial day, from 08:00</title>" in svg  # the band, on hover
    for draw in (charts.activity_per_day, charts.cost_per_day, charts.errors_per_day,
                 charts.error_rate_per_day, charts.cache_ratio):  # fmt: skip
        assert "partial day, until 12:00" in charts.svg(draw(ctx).to_dict()), draw.__name__


def test_whole_days_are_not_marked(ingested):
    from workbench.present import charts

    for period in (
        {},
        {"since": "2026-03-02T00:00:00+00:00", "until": "2026-03-10T00:00:00+00:00"},
    ):
        ctx = _ctx(ingested, **period)
        assert charts.partial_bins(ctx) == {}, period
        svg = charts.svg(charts.tokens_per_day(ctx).to_dict())
        assert "partial" not in svg and "Shaded" not in svg


def test_today_is_marked_in_progress(tmp_path):
    from builders import Transcript

    from workbench.ingest.load import ingest
    from workbench.present import charts

    # a zone where it is about noon now: the session an hour ago and now fall on one day
    now = datetime.now(timezone.utc)
    offset = 12 - now.hour
    zone = f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5
    t = Transcript("77777777-0000-4000-8000-000000000000",
                   start=(now - timedelta(hours=1)).isoformat())  # fmt: skip
    t.prompt("hello").say("hi").write(tmp_path / "projects" / "-home-ana-src-shop")
    ingest([tmp_path / "projects"], tmp_path / "wb.duckdb", user="ana", progress=False)
    ctx = _ctx(tmp_path / "wb.duckdb", timezone=zone)
    (today,) = charts.partial_bins(ctx)
    assert today == now.astimezone(ZoneInfo(zone)).date().isoformat()
    assert charts.partial_bins(ctx)[today].startswith("partial day, in progress at ")
    assert "in progress at" in charts.svg(charts.activity_per_day(ctx).to_dict())


def test_weekly_axes_mark_the_weeks_the_period_cuts(ingested):
    from workbench.present import charts

    # over 90 days the axis is weekly: 2026-01-01 is a Thursday, 2026-04-15 a Wednesday
    ctx = _ctx(ingested, since="2026-01-01T00:00:00+00:00", until="2026-04-16T00:00:00+00:00")
    assert charts.partial_bins(ctx) == {
        "2025-12-29": "partial week, from Thu Jan 01",
        "2026-04-13": "partial week, through Wed Apr 15",
    }


def test_the_session_table_spends_few_bytes_a_row(tmp_path):
    from builders import Transcript

    from workbench.ingest.load import ingest
    from workbench.present import browser

    long = "Port the exporter " + "and stream every row " * 20
    t = Transcript("88888888-0000-4000-8000-000000000000")
    t.prompt(long).say("ok").write(tmp_path / "projects" / "-home-ana-src-shop")
    ingest([tmp_path / "projects"], tmp_path / "wb.duckdb", user="ana", progress=False)
    table = browser.static_table(open_reader(tmp_path / "wb.duckdb"), tz="UTC")
    row = table[table.index("<tbody>") + len("<tbody>") : table.index("</tbody>")]
    cut = " ".join(long.split())[: browser.PROMPT_CHARS - 1].rstrip() + "…"
    assert f"<td>{cut}<td" in row  # the prompt once, cut with "…" (CSS ends it earlier)
    assert 'href="transcripts/88888888-0000-4000-8000-000000000000.html">88888888</a>' in row
    assert len(row.encode()) < 340  # no hover copy, classes or optional end tags


def test_the_readme_shows_a_screenshot_of_every_report():
    import importlib.util

    from workbench.core import config

    root = config.PROJECT_DIR
    spec = importlib.util.spec_from_file_location("screenshots", root / "docs" / "screenshots.py")
    shots = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shots)
    names = ["index", *(nb.stem for nb in report.list_notebooks())]
    readme = (root / "README.md").read_text(encoding="utf-8")
    reports = readme[readme.index("## Reports") :]
    for name in names:
        assert name in shots.PAGES, name  # `make screenshots` takes it
        assert f"![{name}](docs/screenshots/{name}.png)" in reports, name
        assert (root / "docs" / "screenshots" / f"{name}.png").is_file(), name


def test_report_all_in_parallel_writes_a_page_for_every_linked_session(
    ingested, tmp_path, monkeypatch
):
    import re
    import shutil

    from workbench.core import config

    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("sessions", "tokens", "friction"):
        shutil.copy(config.PROJECT_DIR / "notebooks" / f"{name}.ipynb", folder)
    monkeypatch.chdir(ingested.parent)  # relative paths, as on a command line
    out = tmp_path / "site"
    reports, failures, _ = report.report_all(
        "site", parameters={"db": ingested.name, "timezone": "UTC"}, notebooks_dir=folder,
        jobs=2,
    )  # fmt: skip
    assert failures == [] and [r.name for r in reports] == ["tokens", "friction", "sessions"]
    assert Path.cwd() == ingested.parent  # no thread moved the process (papermill's cwd= did)
    linked = set()
    for r in reports:
        for href in re.findall(r'href="(transcripts/[^"]+)"', r.path.read_text(encoding="utf-8")):
            assert (out / href).is_file(), (r.name, href)
            linked.add(href)
    assert f"transcripts/{S1}.html" in linked and f"transcripts/{S2}.html" in linked
    assert sorted((out / "transcripts").iterdir()) == sorted(out / h for h in linked)


def test_ctrl_c_stops_report_all_and_its_kernels(ingested, tmp_path):
    """A kernel runs in a session of its own (a Ctrl-C reaches only `workbench`): the
    running notebooks' kernels are killed, no other notebook starts."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "site"
    cmd = [sys.executable, "-m", "workbench.frontends.cli", "report", "--all", "--db",
           str(ingested), "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def kernels() -> list[int]:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == proc.pid and b"ipykernel" in cmdline:
                found.append(int(pid))
        return found

    try:
        running: list[int] = []
        deadline = time.monotonic() + 120  # a safeguard, not a measurement
        while not running and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            running = kernels()
        assert running, proc.communicate()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert not any(Path(f"/proc/{pid}").exists() for pid in running)
    assert not out.exists() or not list(out.glob("*.html"))  # no notebook ran to its end
