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


def test_the_six_notebooks_exist():
    assert NOTEBOOKS == ["friction", "overview", "session", "sessions", "tokens", "user"]


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
        assert path.stat().st_size < 400_000, name
        assert "jp-RenderedHTMLCommon" not in page and "vegaEmbed" not in page, name
        assert str(db) not in page, name  # no absolute database path in a shared page
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
    assert "$0.0000" not in tokens and "Cost per day by token type (USD)" in tokens
    assert "Top error messages" in friction and "what the rule means" in friction
    user = rendered["user"].read_text(encoding="utf-8")
    assert "For <b>ana</b>." in user  # the user with the most sessions, by default


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_charts_are_svg_with_javascript_off(rendered, name):
    """As a mail client or wiki preview shows the page: scripts stripped and blocked."""
    page = load(rendered[name], javascript=False)
    charts = page.charts()
    minimum = {"overview": 3, "tokens": 6, "friction": 5, "user": 4}.get(name, 0)
    assert len(charts) >= minimum, name
    assert all(c.drawn and c.svg and c.marks > 0 and not c.error for c in charts), charts
    assert page.page_requests == [], (name, page.page_requests)
    assert 'data-pwned="1"' not in page.dom
    assert '<nav class="wb-nav"' in page.dom and 'href="index.html"' in page.dom


LAYOUT = """
var text = document.querySelector('table td:not(.n)');
var num = document.querySelector('table td.n, table.wb-sessions td:nth-child(7)');
document.body.dataset.textAlign = text ? getComputedStyle(text).textAlign : 'none';
document.body.dataset.numAlign = num ? getComputedStyle(num).textAlign : 'none';
document.body.dataset.numFigures = num ? getComputedStyle(num).fontVariantNumeric : 'none';
"""


@pytest.mark.parametrize("name", ["tokens", "friction", "sessions", "overview", "user"])
def test_tables_read_text_left_numbers_right(rendered, name):
    page = load(rendered[name], script=LAYOUT)
    assert 'data-text-align="left"' in page.dom, name
    assert 'data-num-align="right"' in page.dom, name
    assert 'data-num-figures="tabular-nums"' in page.dom, name
    assert page.page_requests == []


def test_every_session_link_points_to_an_existing_page(rendered):
    import re

    linked = {}
    for name, path in rendered.items():
        page = path.read_text(encoding="utf-8")
        assert "&lt;a class=&quot;wb-sid&quot;" not in page, name  # a link shown as text
        for href in re.findall(r'href="(transcripts/[^"]+)"', page):
            assert (path.parent / href).is_file(), (name, href)
            linked[name] = linked.get(name, 0) + 1
    # the most expensive sessions, the worst sessions, every session, the person's sessions
    assert {"tokens", "friction", "sessions", "user"} <= set(linked), linked
    sessions = rendered["sessions"].read_text(encoding="utf-8")
    assert f'href="transcripts/{S1}.html"' in sessions  # every session reachable
    transcript = (rendered["sessions"].parent / "transcripts" / f"{S1}.html").read_text()
    assert 'href="../index.html"' in transcript and "<details" in transcript


def test_the_session_table_is_complete_without_script_and_searchable_with_it(rendered):
    static = load(rendered["sessions"], javascript=False)
    assert static.dom.count('href="transcripts/') >= 3
    search = (
        "var box = document.querySelector('input.wb-search');"
        "box.value = '66666666'; box.dispatchEvent(new Event('input'));"
        "document.body.dataset.shown = document.querySelector('.wb-count').textContent;"
    )
    page = load(rendered["sessions"], script=search)
    assert 'data-shown=" 1 of ' in page.dom


def test_filters_reach_the_notebooks(db, tmp_path):
    r = report.run(
        "sessions", tmp_path, parameters={"db": str(db), "timezone": "UTC", "since": "2026-03-05"}
    )
    page = r.path.read_text(encoding="utf-8")
    assert S2 in page and S1 not in page
    r = report.run("overview", tmp_path, parameters={"db": str(db), "users": "nobody"})
    assert "no data for these filters" in r.path.read_text(encoding="utf-8")


def test_an_empty_db_means_workbench_db(db, tmp_path, monkeypatch):
    """`workbench lab --db FILE` exports $WORKBENCH_DB: a notebook's empty `db` opens it."""
    from workbench.frontends import notebook

    monkeypatch.setenv("WORKBENCH_DB", str(db))
    assert notebook.context(charts_setup=False).db == db
    r = report.run("sessions", tmp_path, parameters={"timezone": "UTC"})  # the kernel inherits it
    assert S1 in r.path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_notebook_passes_its_db_parameter(name):
    nb = nbformat.read(config.PROJECT_DIR / "notebooks" / f"{name}.ipynb", as_version=4)
    setup = next(c.source for c in nb.cells[2:] if c.cell_type == "code")
    assert "db=db" in setup and ("notebook.context(" in setup or "notebook.person(" in setup)


def test_a_relative_db_is_the_callers(db, tmp_path, monkeypatch):
    monkeypatch.chdir(db.parent)
    r = report.run("sessions", tmp_path, parameters={"db": db.name, "timezone": "UTC"})
    assert S1 in r.path.read_text(encoding="utf-8")
    assert r.parameters["db"] == str(db)
