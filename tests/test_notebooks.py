"""The five report notebooks, run headless with papermill on small fixtures, then opened in
a real headless Chromium with the network off. (``make test`` also runs them with their
defaults through ``pytest --nbval-lax notebooks/``.)"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from browser import load
from builders import Transcript
from conftest import S1, S2

from workbench.core import config
from workbench.frontends import report
from workbench.ingest.load import ingest

NOTEBOOKS = sorted(p.stem for p in (config.PROJECT_DIR / "notebooks").glob("*.ipynb"))
XSS = "<img src=x onerror=\"document.body.dataset.pwned='1'\">"
TOKEN = "ghp_R4nd0mFak3T0k3nF0rD3m0Purp0s3s1234"
FORBIDDEN = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.While,
    ast.AsyncFor,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The hand-written fixture plus one session that tries to inject markup and leaks a key."""
    import shutil

    from conftest import DATA

    root = tmp_path_factory.mktemp("notebooks")
    corpus = root / "projects"
    shutil.copytree(DATA / "claude" / "projects", corpus)
    t = Transcript("66666666-0000-4000-8000-000000000000", start="2026-03-04T08:00:00Z")
    t.prompt(f"look at {XSS} with {TOKEN}")
    t.tool("Bash", {"command": "deploy"}, f"{XSS}\nfatal: Authentication failed", error=True)
    t.say("done").write(corpus / "-home-ana-src-shop")
    path = root / "wb.duckdb"
    ingest([corpus], path, user="ana", progress=False)
    return path


@pytest.fixture(scope="module")
def rendered(db, tmp_path_factory) -> dict[str, Path]:
    """Every notebook rendered to HTML with injected parameters."""
    out = tmp_path_factory.mktemp("reports")
    common = {"db": str(db), "timezone": "UTC"}
    extra = {"friction": {"compare_at": "2026-03-04"}, "session": {"session_id": "66666666"}}
    return {
        name: report.run(name, out, parameters={**common, **extra.get(name, {})}).path
        for name in NOTEBOOKS
    }


def test_the_five_notebooks_exist():
    assert NOTEBOOKS == ["friction", "overview", "session", "sessions", "tokens"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_thin(name):
    nb = nbformat.read(config.PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    params = ast.parse(code[0].source)
    assert all(
        isinstance(n, ast.Assign) and isinstance(n.value, (ast.Constant, ast.List))
        for n in params.body
    ), "the parameters cell holds typed literals only"
    assert all("#" in line for line in code[0].source.splitlines()), "a comment per parameter"
    for cell in code[1:]:
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, FORBIDDEN), f"{name}: logic belongs in the package"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_reports_are_self_contained_escaped_redacted_and_small(rendered):
    for name, path in rendered.items():
        page = path.read_text(encoding="utf-8")
        assert report.remote_assets(page) == [], name
        assert path.stat().st_size < 5 * 1024 * 1024, name
        assert TOKEN not in page, name
        assert "<img src=x" not in page, name


def test_report_contents(rendered):
    sessions = rendered["sessions"].read_text(encoding="utf-8")
    assert "wb-sessions" in sessions and S1 in sessions and S2 in sessions  # static table
    assert "application/vnd.jupyter.widget-view" not in sessions
    session = rendered["session"].read_text(encoding="utf-8")
    assert "66666666-0000-4000-8000-000000000000" in session and "&lt;img src=x" in session
    assert "[REDACTED:" in session and "ERROR auth" in session
    friction = rendered["friction"].read_text(encoding="utf-8")
    assert "Before 2026-03-04" in friction and "command_not_found" in friction
    tokens = rendered["tokens"].read_text(encoding="utf-8")
    assert "Every model in this period has a price." in tokens


def test_charts_draw_in_offline_chromium(rendered):
    for name in ("overview", "tokens", "friction"):
        page = load(rendered[name])
        charts = page.charts()
        assert len(charts) >= 5, name
        assert all(c.drawn and c.svg and not c.error for c in charts), (name, charts)
        assert sum(c.marks > 0 for c in charts) >= 4, name
        assert page.page_requests == [], (name, page.page_requests)
        assert 'data-pwned="1"' not in page.dom


def test_filters_reach_the_notebooks(db, tmp_path):
    r = report.run(
        "sessions", tmp_path, parameters={"db": str(db), "timezone": "UTC", "since": "2026-03-05"}
    )
    page = r.path.read_text(encoding="utf-8")
    assert S2 in page and S1 not in page
    r = report.run("overview", tmp_path, parameters={"db": str(db), "users": "nobody"})
    assert "no data for these filters" in r.path.read_text(encoding="utf-8")


def test_a_relative_db_is_the_callers(db, tmp_path, monkeypatch):
    monkeypatch.chdir(db.parent)
    r = report.run("sessions", tmp_path, parameters={"db": db.name, "timezone": "UTC"})
    assert S1 in r.path.read_text(encoding="utf-8")
    assert r.parameters["db"] == str(db)
