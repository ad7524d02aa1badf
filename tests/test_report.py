"""Headless reports: papermill with injected parameters, nbconvert without code, self-contained
HTML (no remote assets, charts drawn in a real offline Chromium), escaping, redaction, failures
naming the cell, report --all with its index, notebook hygiene, and `workbench lab`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import nbformat
import pytest
from browser import load
from conftest import DATA

from workbench.core.redact import redact
from workbench.frontends import report
from workbench.frontends.cli import main
from workbench.ingest.load import ingest
from workbench.present import charts

NOTEBOOKS = DATA / "notebooks"
PROJECT_NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TOKEN = "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
AWS_KEY = "AKIAQ3EGUK5WEXAMPLE1"
MAX_BYTES = 5_000_000


@pytest.fixture(scope="module")
def report_db(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report-db")
    shutil.copytree(DATA / "claude" / "projects", root / "projects")
    db = root / "wb.duckdb"
    ingest([root / "projects"], db, user="ana", progress=False)
    return db


@pytest.fixture(scope="module")
def demo(report_db, tmp_path_factory) -> report.Report:
    """report_demo.ipynb run once, with parameters injected as the command line gives them."""
    out = tmp_path_factory.mktemp("report") / "demo.html"
    params = {"db": str(report_db), "users": "ana,nobody", "since": "7d"}
    return report.run(NOTEBOOKS / "report_demo.ipynb", out, parameters=params)


@pytest.fixture(scope="module")
def page(demo: report.Report) -> str:
    return demo.path.read_text(encoding="utf-8")


# -- one report -----------------------------------------------------------------------------


def test_parameters_are_injected_and_typed(demo: report.Report, page: str) -> None:
    assert demo.title == "Test report"
    assert demo.parameters["users"] == ["ana", "nobody"]  # "a,b" for a list parameter
    assert "users shown: ana" in page  # the notebook filtered with the injected list
    assert "since=7d" in page  # the footer lists parameters (not the db path)
    assert str(demo.parameters["db"]) not in page


def test_report_has_outputs_only(page: str) -> None:
    assert "<h1" in page and "Sessions per user" in page  # markdown kept
    assert "con.sql(" not in page and "charts.setup()\n" not in page  # code cells dropped
    assert "STDERR-NOISE-MARKER" not in page  # stderr dropped
    assert "HIDDEN-OUTPUT-MARKER" not in page  # remove-cell tag honoured
    assert 'jp-InputArea-editor"' not in page  # no code input areas


def test_transcript_text_is_escaped(page: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page


def test_secrets_are_redacted(page: str) -> None:
    assert TOKEN not in page
    assert "[REDACTED:github-token]" in page  # through redact.Text
    assert AWS_KEY not in page
    assert "a key printed by a tool: [REDACTED:aws-access-key]" in page  # the report-wide net


def test_report_is_self_contained_and_small(demo: report.Report, page: str) -> None:
    assert report.remote_assets(page) == []
    assert "<script" not in page  # charts are SVG drawn in Python: no chart library
    assert "jp-RenderedHTMLCommon" not in page  # no JupyterLab stylesheet
    assert page.count('class="wb-chart"') == 2 and page.count("<svg") == 2
    assert 5_000 < demo.bytes < 400_000


def test_charts_draw_in_offline_chromium(demo: report.Report) -> None:
    loaded = load(demo.path, javascript=False)
    drawn = loaded.charts()
    assert len(drawn) == 2
    for chart in drawn:
        assert chart.error is None
        assert chart.drawn and chart.svg and chart.marks > 0, chart
    assert loaded.page_requests == []  # nothing fetched: no CDN, no fonts
    assert "data-pwned" not in loaded.dom  # the escaped <img onerror> never ran


def test_browser_check_can_fail(tmp_path: Path) -> None:
    """The harness sees remote loads and undrawn charts (so the checks above can fail)."""
    remote = tmp_path / "remote.html"
    remote.write_text(
        '<!DOCTYPE html><html><head><script src="https://cdn.example.net/vega.js"></script>'
        '<link rel="stylesheet" href="http://fonts.example.org/f.css"></head>'
        '<body><div class="wb-chart"></div>'
        + charts.chart_html({"mark": "nonsense"})
        + "</body></html>"
    )
    loaded = load(remote)
    hosts = " ".join(loaded.page_requests)
    assert "cdn.example.net" in hosts and "fonts.example.org" in hosts
    empty, bad = loaded.charts()
    assert not empty.drawn and not empty.svg and empty.marks == 0
    assert not bad.drawn and bad.marks == 0 and bad.error
    assert len(report.remote_assets(remote.read_text())) == 2


def test_redact_false_opts_out_but_still_escapes(report_db: Path, tmp_path: Path) -> None:
    r = report.run(
        "report_demo",
        tmp_path,
        parameters={"db": str(report_db), "redact": "false"},
        notebooks_dir=NOTEBOOKS,
    )
    assert r.path == tmp_path / "report_demo.html"
    page = r.path.read_text(encoding="utf-8")
    assert TOKEN in page and AWS_KEY in page
    assert "<script>alert(1)</script>" not in page


def test_failing_cell_is_named_with_exit_1(report_db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "failing.html"
    args = ["report", str(NOTEBOOKS / "failing.ipynb"), "--db", str(report_db)]
    code = main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "failing.ipynb failed in cell 4 (y = x / 0  # boom)" in err
    assert "ZeroDivisionError: division by zero" in err
    assert not out.exists()


def test_a_successful_run_writes_nothing_to_stderr(report_db: Path, tmp_path: Path) -> None:
    """No `[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.` in cron mail: the kernel
    is shut down without the SIGINT jupyter_client sends first."""
    cmd = [sys.executable, "-m", "workbench.frontends.cli", "report", "report_demo"]
    cmd += ["--notebooks", str(NOTEBOOKS), "--db", str(report_db), "--out", str(tmp_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and "wrote " in done.stdout


def test_bad_parameters_are_usage_errors(capsys) -> None:
    base = ["report", "report_demo", "--notebooks", str(NOTEBOOKS)]
    assert main([*base, "-p", "colour=red"]) == 2
    assert "has no parameter colour (its parameters: db, users, since, redact)" in (
        capsys.readouterr().err
    )
    assert main([*base, "-p", "redact=maybe"]) == 2
    assert main([*base, "-p", "novalue"]) == 2
    assert main([*base, "--since", "soon"]) == 2
    assert main(["report"]) == 2
    assert main(["report", "no-such-notebook"]) == 2


def test_list(capsys) -> None:
    assert main(["report", "--list", "--notebooks", str(NOTEBOOKS)]) == 0
    out = capsys.readouterr().out
    assert "report_demo" in out and "db, users, since, redact" in out


def test_coerce() -> None:
    assert report.coerce("users", "a, b,", []) == ["a", "b"]
    assert report.coerce("users", "['a']", []) == ["a"]
    assert report.coerce("redact", "No", True) is False
    assert report.coerce("n", "12", 3) == 12
    assert report.coerce("since", "7d", None) == "7d"
    assert report.coerce("name", "123", "x") == "123"
    assert report.coerce("users", ["a"], []) == ["a"]


def test_remote_assets() -> None:
    assert report.remote_assets('<a href="https://example.com">ok</a><img src="data:,x">') == []
    assert report.remote_assets('<svg><use xlink:href="#m"></use></svg>') == []
    found = report.remote_assets(
        '<script src="//cdn.x/a.js"></script><img srcset="a.png 1x, https://x/b.png 2x">'
        "<style>@import url('https://fonts.x/c.css'); p { background: url(http://x/i.png) }"
        '</style><link rel="icon" href="favicon.ico"><p style="background:url(https://x/d)">'
    )
    assert len(found) == 6, found


def test_remote_assets_sees_altairs_cdn_loader() -> None:
    import altair as alt

    chart = alt.Chart({"values": [{"x": 1}]}).mark_point().encode(x="x:Q")
    with alt.renderers.enable("default"):
        online = chart._repr_mimebundle_()
    online = online[0] if isinstance(online, tuple) else online
    found = report.remote_assets(online["text/html"])
    assert found and all("cdn.jsdelivr.net" in f for f in found)
    assert report.remote_assets(charts.chart_html(chart.to_dict())) == []


def test_svg_charts_keep_tooltips_and_survive_redaction() -> None:
    spec = {
        "data": {"values": [{"x": "a", "y": 1}, {"x": "b", "y": 2}]},
        "mark": "bar",
        "encoding": {"x": {"field": "x", "type": "nominal"},
                     "y": {"field": "y", "type": "quantitative"}, "tooltip": [{"field": "y"}]},
    }  # fmt: skip
    drawn = charts.chart_html(spec)
    assert drawn.startswith('<div class="wb-chart" data-wb-drawn="1"') and "<svg" in drawn
    assert "y: 2</title>" in drawn  # the tooltip as a native SVG hover title
    assert redact(drawn) == drawn


def test_kernel_is_this_python() -> None:
    spec = report.ProjectKernelManager(kernel_name="python3").kernel_spec
    assert spec.argv[0] == sys.executable and spec.language == "python"


# -- report --all -----------------------------------------------------------------------------


def test_report_all_writes_every_report_and_an_index(
    report_db: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "site"
    code = main(
        ["report", "--all", "--notebooks", str(NOTEBOOKS), "--db", str(report_db)]
        + ["--since", "7d", "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert code == 1  # failing.ipynb fails; the others are still written
    assert "failing.ipynb failed in cell 4" in captured.err
    assert sorted(p.name for p in out.iterdir()) == [
        "index.html",
        "no_setup.html",
        "report_demo.html",
    ]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="report_demo.html">Test report</a>' in index
    assert '<a href="no_setup.html">Chart without setup</a>' in index
    assert "since 7d (" in index and "until now" in index
    assert 'class="generated">20' in index
    assert "newest session activity 20" in index and "2 sessions" in index  # top-level
    assert "ZeroDivisionError" in index
    assert report.remote_assets(index) == []
    # no_setup.ipynb never calls charts.setup(); its chart still draws offline
    loaded = load(out / "no_setup.html")
    [chart] = loaded.charts()
    assert chart.drawn and chart.marks > 0 and loaded.page_requests == []


def test_freshness_tolerates_missing_and_empty_databases(report_db: Path, tmp_path: Path) -> None:
    assert report.freshness(None)["error"] == "no database"
    assert report.freshness(tmp_path / "absent.duckdb")["error"] == "no database"
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    info = report.freshness(empty)
    assert info["error"] is None and info["sessions"] == 0 and info["newest_session"] is None
    info = report.freshness(report_db)
    assert info["sessions"] == 2 and info["newest_session"].year >= 2026  # top-level
    assert info["last_ingest"] is not None


def test_period_text() -> None:
    assert report.period_text({}) == "all data"
    text = report.period_text({"since": "2026-01-01", "until": "2026-01-31", "timezone": "UTC"})
    assert text == "since 2026-01-01 (2026-01-01 00:00 UTC) until 2026-01-31 (2026-02-01 00:00 UTC)"


# -- notebook hygiene -----------------------------------------------------------------------


def _notebooks() -> list[Path]:
    return sorted(PROJECT_NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("*.ipynb"))


def problems(path: Path) -> list[str]:
    """Why a notebook may not be committed: outputs, execution counts, not one parameters cell."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            found.append(f"cell {i} has outputs or an execution count (run nbstripout)")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        found.append(f"{len(tagged)} cells tagged 'parameters' (want exactly one)")
    if "widgets" in nb.metadata:
        found.append("widget state in the metadata")
    return found


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_committed_notebooks_are_stripped(path: Path) -> None:
    assert problems(path) == []


def test_nbstripout_cleans_an_executed_notebook(report_db: Path, tmp_path: Path) -> None:
    import papermill

    executed = tmp_path / "executed.ipynb"
    with pytest.raises(papermill.PapermillExecutionError):  # written before it raises
        papermill.execute_notebook(
            str(NOTEBOOKS / "failing.ipynb"), str(executed), progress_bar=False,
            kernel_manager_class=report.ProjectKernelManager, cwd=str(tmp_path),
        )  # fmt: skip
    assert problems(executed)  # executed: the check notices
    subprocess.run([sys.executable, "-m", "nbstripout", str(executed)], check=True)
    assert problems(executed) == []


# -- workbench lab --------------------------------------------------------------------------


@contextlib.contextmanager
def lab(tmp_path: Path, *args: str):
    """``workbench lab ARGS`` on a free port with token ``t0k``; yields (port, runtime dir)
    once its REST API answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "workbench.frontends.cli", "lab", *args]
    cmd += ["--port", str(port), "--no-browser", "--", "--IdentityProvider.token=t0k"]
    runtime = tmp_path / "runtime"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    env.pop("WORKBENCH_DB", None)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path, text=True, env=env
    )
    try:
        up = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/api/status?token=t0k"
                with urllib.request.urlopen(url, timeout=2):
                    up = True
                break
            except OSError:
                time.sleep(0.3)
        assert up, proc.stderr.read() if proc.poll() is not None else "timeout"
        yield port, runtime
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_lab_serves_the_notebooks_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nbs"
    folder.mkdir()
    shutil.copy(NOTEBOOKS / "report_demo.ipynb", folder)
    with lab(tmp_path, "--notebooks", str(folder)) as (port, _):
        url = f"http://127.0.0.1:{port}/api/contents?token=t0k"
        with urllib.request.urlopen(url, timeout=10) as resp:
            listing = json.load(resp)
        assert [item["name"] for item in listing["content"]] == ["report_demo.ipynb"]


def test_lab_db_reaches_the_notebooks_kernels(tmp_path: Path, report_db: Path) -> None:
    """`workbench lab --db FILE`: a kernel started in that JupyterLab opens FILE where a
    notebook's ``db`` parameter is empty (as every notebook passes it: test_notebooks)."""
    from jupyter_client import BlockingKernelClient

    with lab(tmp_path, "--db", str(report_db), "--notebooks", str(tmp_path)) as (port, runtime):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/kernels?token=t0k",
            data=json.dumps({"name": "python3"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            kernel = json.load(resp)["id"]
        client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel}.json"))
        client.load_connection_file()
        client.start_channels(hb=False)  # no heartbeat: a client without the manager
        try:
            client.wait_for_ready(timeout=60)
            out: list[str] = []
            code = (
                "from workbench.frontends import notebook\n"
                "ctx = notebook.context(db='', charts_setup=False)\n"
                "print(ctx.db, ctx.con.scalar('SELECT count(*) FROM sessions'))"
            )
            reply = client.execute_interactive(
                code,
                timeout=60,
                output_hook=lambda m: out.append(m["content"].get("text", "")),
            )
            assert reply["content"]["status"] == "ok", reply["content"]
        finally:
            client.stop_channels()
    sessions = duckdb.connect(str(report_db), read_only=True)
    n = sessions.execute("SELECT count(*) FROM sessions").fetchone()[0]
    sessions.close()
    assert "".join(out).split() == [str(report_db.resolve()), str(n)]


def test_report_defaults_to_the_users_database(tmp_path: Path, monkeypatch) -> None:
    from workbench.frontends.commands.report import _default_db

    monkeypatch.delenv("WORKBENCH_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert _default_db() is None  # no database yet: the notebooks' demo default
    (tmp_path / "workbench").mkdir()
    (tmp_path / "workbench" / "workbench.duckdb").write_bytes(b"")
    assert _default_db() == tmp_path / "workbench" / "workbench.duckdb"
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "team.duckdb"))
    assert _default_db() == tmp_path / "team.duckdb"
