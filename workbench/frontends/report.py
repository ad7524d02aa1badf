"""Headless reports: run a notebook with papermill, convert it to one self-contained HTML file.

``run("tokens", parameters={"since": "7d"})`` executes ``notebooks/tokens.ipynb`` on the
project's own Python (whatever kernelspecs the machine has), drops code cells and stderr,
redacts secrets from every output (unless the notebook's ``redact`` parameter is false) and
writes ``reports/tokens.html``. The page embeds everything it needs: no remote scripts, styles
or fonts (checked by :func:`present.assets.remote_assets`); charts carry their own JavaScript
(:mod:`workbench.present.charts`). A failing cell raises :class:`ReportError` naming the cell.

``report_all(out_dir)`` does that for every notebook and writes ``index.html``
(:mod:`workbench.frontends.report_index`).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from workbench import __version__
from workbench.core import config
from workbench.core.engines import is_remote
from workbench.core.redact import escape, redact
from workbench.core.store import WorkbenchError
from workbench.frontends.report_index import freshness, headline, index_html, period_text
from workbench.present.assets import remote_assets
from workbench.query.periods import UsageError

__all__ = [
    "Report",
    "ReportError",
    "Failure",
    "run",
    "report_all",
    "remote_assets",
    "freshness",
    "period_text",
    "index_html",
]

NOTEBOOKS_DIR = config.PROJECT_DIR / "notebooks"
REPORTS_DIR = Path("reports")
KERNEL = "python3"

#: Cell tags that hide a cell, its output or its input in reports (as in Jupyter Book).
REMOVE_CELL_TAGS = ("remove-cell", "remove_cell")
REMOVE_OUTPUT_TAGS = ("remove-output", "remove_output")


class ReportError(WorkbenchError):
    """A report could not be produced (a failing cell, remote assets, a bad notebook)."""


@dataclass
class Report:
    """One written report."""

    name: str
    title: str
    path: Path
    bytes: int
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)
    summary: str = ""  # what the report answers (its notebook's first paragraph)
    redact: bool = True  # whether its text (and its transcript pages') is redacted


@dataclass
class Failure:
    """A notebook that failed during ``report_all``."""

    name: str
    error: str


# -- notebooks and parameters -------------------------------------------------------------


#: The order a reader meets the reports in (nav bar, index); others follow by name.
READING_ORDER = ("overview", "tokens", "friction", "sessions", "user", "session")


def list_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    """The report notebooks: ``*.ipynb`` in ``notebooks_dir`` (not starting with ``_``), in
    :data:`READING_ORDER` first."""
    folder = Path(notebooks_dir or NOTEBOOKS_DIR)
    found = [p for p in folder.glob("*.ipynb") if not p.name.startswith(("_", "."))]
    rank = {name: i for i, name in enumerate(READING_ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def notebook_path(name: str | Path, notebooks_dir: Path | None = None) -> Path:
    """``name`` as a notebook file: a path, or a name in ``notebooks_dir``."""
    p = Path(name)
    if p.suffix == ".ipynb" and p.exists():
        return p
    candidate = Path(notebooks_dir or NOTEBOOKS_DIR) / f"{p.stem if p.suffix else p.name}.ipynb"
    if candidate.exists():
        return candidate
    known = ", ".join(n.stem for n in list_notebooks(notebooks_dir)) or "none"
    raise UsageError(f"no report notebook {str(name)!r} (available: {known})")


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The ``parameters`` cell's names and default values (``None`` when not a literal)."""
    import papermill

    found = papermill.inspect_notebook(str(path))
    out: dict[str, Any] = {}
    for name, info in found.items():
        try:
            out[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            out[name] = None
    return out


def coerce(name: str, value: Any, default: Any) -> Any:
    """A command-line string for parameter ``name`` as the type of its ``default``; other
    values are returned unchanged. Lists accept ``a,b,c`` or a Python literal."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if isinstance(default, bool):
            words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
            return words[text.lower()]
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
    except (KeyError, ValueError):
        raise UsageError(
            f"parameter {name}: cannot read {value!r} as {type(default).__name__}"
        ) from None
    if isinstance(default, (list, tuple)):
        if text.startswith(("[", "(")):
            try:
                parsed = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise UsageError(
                    f"parameter {name}: cannot read {value!r} as a list "
                    "(write a,b,c or a Python list literal)"
                ) from None
            if not isinstance(parsed, (list, tuple)):
                raise UsageError(f"parameter {name}: {text!r} is not a list")
            return list(parsed)
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(default, str):
        return value
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def resolve_parameters(path: Path, given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` checked against the notebook's parameters cell and coerced to its types."""
    declared = notebook_parameters(path)
    unknown = sorted(set(given) - set(declared))
    if unknown:
        names = ", ".join(declared) or "none"
        raise UsageError(
            f"{path.stem} has no parameter {', '.join(unknown)} (its parameters: {names})"
        )
    return {k: coerce(k, v, declared[k]) for k, v in given.items()}


# -- execution ----------------------------------------------------------------------------


class ProjectKernelManager(AsyncKernelManager):
    """The ``python3`` kernel on this interpreter (the project's virtualenv), even when the
    machine has another kernelspec of that name. Transport encryption is on when the kernel
    and libzmq support it (the kernel warns on stderr otherwise)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _KERNELS.add(self)
        import zmq

        if "transport_encryption" in self.trait_names() and zmq.has("curve"):
            self.transport_encryption = "auto"

    async def _async_interrupt_kernel(self) -> None:
        """No SIGINT on the way out: jupyter_client interrupts a kernel before every shutdown,
        and the idle kernel then logs ``KeyboardInterrupt caught in kernel`` to stderr, noise
        in the cron mail of every successful report. The shutdown request (then SIGTERM and
        SIGKILL if it hangs) still follows; interrupts while running (timeouts) are kept."""
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel

    @property
    def kernel_spec(self):  # type: ignore[override]
        if self._kernel_spec is None:
            from ipykernel.kernelspec import RESOURCES, get_kernel_dict
            from jupyter_client.kernelspec import KernelSpec

            self._kernel_spec = KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())
        return self._kernel_spec


#: Every report kernel of this process (``report_all`` stops them on Ctrl-C).
_KERNELS: weakref.WeakSet[ProjectKernelManager] = weakref.WeakSet()


def _kill_kernels() -> None:
    """Kill the report kernels still running: a kernel is in a session of its own, so a
    Ctrl-C reaches only this process, and the threads of ``report_all`` wait on kernels."""
    for manager in list(_KERNELS):
        process = getattr(manager.provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()


#: Run before a report's first cell (hidden): charts render offline even if the notebook
#: forgot ``charts.setup()``, and widgets know there is no one to click them
#: (``browser.headless()`` renders a static table instead).
SETUP_CODE = (
    "import os as _os\n_os.environ['WORKBENCH_HEADLESS'] = '1'\n"
    "from workbench.present import charts as _workbench_charts\n_workbench_charts.setup()"
)


def execute(path: Path, parameters: Mapping[str, Any], *, timeout: float | None = None):
    """Run the notebook with papermill (parameters injected, :data:`SETUP_CODE` first) and
    return the executed notebook; a failing cell raises :class:`ReportError` naming it."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP_CODE, metadata={"tags": ["remove-cell"]}))
    try:
        return papermill.execute_notebook(
            nb,
            None,
            parameters=dict(parameters),
            kernel_name=KERNEL,
            progress_bar=False,
            # the kernel starts in the notebook's folder; papermill's own cwd= would chdir
            # this whole process, which report_all's threads share
            resources={"metadata": {"path": str(path.parent)}},
            execution_timeout=timeout,
            kernel_manager_class=ProjectKernelManager,
        )
    except PapermillExecutionError as exc:
        # numbered as in the notebook file, where the setup cell (index 0) is not
        number = next((i for i, c in enumerate(nb.cells) if i and c.source == exc.source), None)
        first = next((ln.strip() for ln in exc.source.splitlines() if ln.strip()), "")
        where = f"cell {number}" if number else f"cell In [{exc.exec_count}]"
        if len(first) > 60:
            first = first[:57] + "..."
        raise ReportError(
            f"{path.name} failed in {where} ({first}): {exc.ename}: {redact(str(exc.evalue))}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - dead kernel, timeout, unreadable notebook
        raise ReportError(f"{path.name} could not run: {type(exc).__name__}: {exc}") from exc


# -- conversion ---------------------------------------------------------------------------

#: Output MIME types a page shows, best first (widget views and the Vega-Lite spec are for a
#: live front end; charts carry their SVG in text/html).
_DISPLAY_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown",
                  "text/plain")  # fmt: skip
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def to_html(
    nb,
    *,
    title: str,
    redact_secrets: bool = True,
    footer: str = "",
    nav: list | None = None,
) -> str:
    """One self-contained HTML page for an executed notebook: outputs only (no code, no
    stderr), secrets redacted unless ``redact_secrets`` is false; ``footer`` is HTML;
    ``nav`` the :class:`workbench.present.page.Link` entries of the nav bar."""
    from markupsafe import Markup

    from workbench.present import page

    parts: list[str] = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & set(REMOVE_CELL_TAGS):
            continue
        if cell.get("cell_type") == "markdown":
            parts.append(str(page.markdown(_joined(cell.source), anchors=True)))
        elif cell.get("cell_type") == "code" and not tags & set(REMOVE_OUTPUT_TAGS):
            for output in cell.get("outputs", []):
                shown = _clean(copy.deepcopy(output), redact_secrets)
                if shown is not None:
                    parts.append(_output_html(shown))
    body = "\n".join(page.dedupe_styles(parts))
    return page.page(title, Markup(body), nav=nav or [], footer=Markup(footer))


def _output_html(output: dict) -> str:
    """One cell output as HTML (text escaped; HTML outputs are the views' own, escaped)."""
    kind = output.get("output_type")
    if kind == "stream":
        text = escape(_joined(output.get("text", "")), redact=False)
        return f'<pre class="wb-output wb-text">{text}</pre>'
    if kind == "error":
        trace = _ANSI.sub("", "\n".join(output.get("traceback", [])))
        return f'<div class="wb-output wb-error"><pre>{escape(trace, redact=False)}</pre></div>'
    data = output.get("data", {})
    for mime in _DISPLAY_ORDER:
        if mime not in data:
            continue
        value = _joined(data[mime])
        if mime == "text/html":
            return f'<div class="wb-output">{value}</div>'
        if mime == "image/svg+xml":
            return f'<div class="wb-output">{value}</div>'
        if mime in ("image/png", "image/jpeg"):
            src = f"data:{mime};base64,{value.strip()}"
            return f'<div class="wb-output"><img alt="" src="{src}"></div>'
        if mime == "text/markdown":
            from workbench.present import page

            return f'<div class="wb-output">{page.markdown(value)}</div>'
        return f'<pre class="wb-output wb-text">{escape(value, redact=False)}</pre>'
    return ""


def _clean(output: dict, redact_secrets: bool) -> dict | None:
    """Drop stderr; redact the text of everything else."""
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return None
    if not redact_secrets:
        return output
    if "text" in output:
        output["text"] = redact(_joined(output["text"]))
    if output.get("output_type") == "error":
        output["evalue"] = redact(output.get("evalue", ""))
        output["traceback"] = [redact(line) for line in output.get("traceback", [])]
    data = output.get("data", {})
    for mime in ("text/plain", "text/markdown", "text/latex", "image/svg+xml", "text/html"):
        if mime in data:
            data[mime] = redact(_joined(data[mime]))
    return output


def _joined(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


# -- one report ---------------------------------------------------------------------------


def run(
    notebook: str | Path,
    out: str | Path | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    notebooks_dir: Path | None = None,
    timeout: float | None = None,
    transcripts: bool = True,
    written: set[str] | None = None,
) -> Report:
    """Execute ``notebook`` (a name in ``notebooks/`` or a path) with ``parameters`` and write
    its HTML report to ``out`` (default ``reports/<name>.html``; a folder gets that name).
    ``defaults`` are parameters set only where the notebook declares them and
    ``parameters`` does not. Every session the page links to gets its transcript page in
    ``transcripts/`` beside it (unless ``transcripts`` is false; ids in ``written`` are
    already there), so no link of a report is dead."""
    path = notebook_path(notebook, notebooks_dir)
    declared = notebook_parameters(path)
    given = {k: v for k, v in (defaults or {}).items() if k in declared}
    params = resolve_parameters(path, {**given, **(parameters or {})})
    if isinstance(params.get("db"), str) and params["db"] and not is_remote(params["db"]):
        # the kernel runs in the notebook's folder: a relative path means the caller's folder
        params["db"] = str(Path(params["db"]).expanduser().absolute())
    target = Path(out) if out else REPORTS_DIR / f"{path.stem}.html"
    if target.is_dir():
        target = target / f"{path.stem}.html"
    started = time.monotonic()
    executed = execute(path, params, timeout=timeout)
    redact_secrets = bool(params.get("redact", declared.get("redact", True)))
    title = notebook_title(executed) or path.stem
    page = to_html(
        executed,
        title=title,
        redact_secrets=redact_secrets,
        footer=_footer(params),
        nav=nav_links(path.stem, notebooks_dir or path.parent),
    )
    page = embed_summary(page, {**declared, **params})
    remote = remote_assets(page)
    if remote:
        raise ReportError(f"{path.name}: the report would load remote assets: {remote[:3]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    written_report = Report(
        path.stem,
        title,
        target,
        target.stat().st_size,
        time.monotonic() - started,
        params,
        notebook_summary(executed),
        redact_secrets,
    )
    if transcripts:
        report_transcripts(written_report, notebooks_dir or path.parent, written)
        written_report.seconds = time.monotonic() - started
    return written_report


def report_transcripts(r: Report, notebooks_dir: Path, done: set[str] | None = None) -> int:
    """Write the transcript page of every session report ``r`` links to (beside it, with
    its database, time zone and redaction); ids in ``done`` are skipped and added."""
    return write_transcripts(
        linked_sessions(r.path.read_text(encoding="utf-8")),
        r.path.parent,
        db=r.parameters.get("db") or "",
        redact_secrets=r.redact,
        timezone=str(r.parameters.get("timezone") or ""),
        notebooks_dir=notebooks_dir,
        done=done,
    )


#: The id of the headline JSON every report embeds (``summary.headline`` of its scope).
SUMMARY_ID = "workbench-summary"
_SCOPE_PARAMETERS = (
    "db", "since", "until", "users", "projects", "agents", "machines", "timezone"
)  # fmt: skip


def summary_of(params: Mapping[str, Any]) -> dict | None:
    """The headline figures for a report's parameters (None when it has no such scope): the
    same function, scope and figures as ``tokens daily``, ``sessions kpis`` and the KPI cards."""
    if not {"db", "since", "until"} <= set(params):
        return None
    from workbench.frontends import notebook
    from workbench.query import summary

    scope = {k: params[k] for k in _SCOPE_PARAMETERS if k in params}
    ctx = notebook.context(**scope, charts_setup=False)
    try:
        return summary.headline(ctx.con, **ctx.filters)
    finally:
        ctx.con.close()


def embed_summary(page: str, params: Mapping[str, Any]) -> str:
    """``page`` with its headline figures as ``<script type="application/json">`` (machine
    readable: scripts and tests compare a report with the CLI) before ``</body>``."""
    data = summary_of(params)
    if data is None:
        return page
    text = json.dumps(data, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e")
    tag = f'<script type="application/json" id="{SUMMARY_ID}">{text}</script>\n'
    at = page.rfind("</body>")
    return page[:at] + tag + page[at:] if at >= 0 else page + tag


def nav_links(current: str, notebooks_dir: Path | None = None, prefix: str = "") -> list:
    """The nav bar of a page in the reports folder: the index, then every report notebook
    (``current`` marked); ``prefix`` leads from a page in a subfolder (``"../"``)."""
    import nbformat

    from workbench.present.page import Link

    links = [Link(f"{prefix}index.html", "Index", current == "index")]
    for nb in list_notebooks(notebooks_dir):
        try:
            label = notebook_title(nbformat.read(nb, as_version=4)) or nb.stem
        except Exception:  # noqa: BLE001 - an unreadable notebook fails in its own run
            label = nb.stem
        links.append(Link(f"{prefix}{nb.stem}.html", label, nb.stem == current))
    return links


_LINKED = re.compile(
    r'href="transcripts/([A-Za-z0-9][A-Za-z0-9._-]*)\.html"(?: data-session="([^"]+)")?'
)


def linked_sessions(page: str) -> list[str]:
    """The session ids a page links to (every ``transcripts/<id>.html`` link, as
    ``views.sid`` and the session table write them: the id is the file name, or, where that
    had to be a hash, in ``data-session``)."""
    import html as _h

    return list(dict.fromkeys(_h.unescape(d or f) for f, d in _LINKED.findall(page)))


def write_transcripts(
    session_ids: list[str],
    out_dir: Path,
    *,
    db: str = "",
    redact_secrets: bool = True,
    timezone: str = "",
    notebooks_dir: Path | None = None,
    done: set[str] | None = None,
) -> int:
    """Write ``transcripts/<id>.html`` under ``out_dir`` for each session (subagents inline,
    long output folded); returns how many were written. Ids in ``done`` are skipped and added.
    """
    from markupsafe import Markup

    from workbench.frontends import notebook
    from workbench.present import page, render, views
    from workbench.query import transcript

    done = set() if done is None else done
    todo = [sid for sid in dict.fromkeys(session_ids) if sid not in done]
    if not todo:
        return 0
    ctx = notebook.context(db=db, timezone=timezone, redact=redact_secrets, charts_setup=False)
    folder = out_dir / "transcripts"
    folder.mkdir(parents=True, exist_ok=True)
    nav = nav_links("", notebooks_dir, prefix="../")
    footer = Markup(_footer({}))
    n = 0
    try:
        # a batch of sessions (and their subagents) per few queries: one query per session
        # and table made --all on the demo data spend ~50 ms a page in DuckDB
        for at in range(0, len(todo), TRANSCRIPT_BATCH):
            batch = todo[at : at + TRANSCRIPT_BATCH]
            loaded = transcript.load_many(ctx.con, batch, depth=None)
            done.update(batch)
            for sid, t in loaded.items():  # an id not in the database gets no page
                s = t.session
                title = f"Session {sid[:8]} · {s.get('user_name') or ''} · {s.get('project') or ''}"
                body = f"<h1>{escape(title, redact=redact_secrets)}</h1>" + render.html(
                    t, redact=redact_secrets, max_chars=50_000
                )
                html_page = page.page(title, Markup(body), nav=nav, footer=footer)
                (out_dir / views.transcript_href(sid)).write_text(html_page, encoding="utf-8")
                n += 1
    finally:
        ctx.con.close()
    return n


#: Sessions whose transcripts are read together (bounds the memory of one batch's texts).
TRANSCRIPT_BATCH = 100


def notebook_title(nb) -> str | None:
    """The text of the notebook's first ``# heading``."""
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            m = re.search(r"^#\s+(.+?)\s*#*\s*$", _joined(cell.source), re.MULTILINE)
            if m:
                return m.group(1)
    return None


def notebook_summary(nb) -> str:
    """The first paragraph after the title in the notebook's first Markdown cell, as plain
    text (Markdown emphasis and code marks dropped)."""
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            paragraphs = [p.strip() for p in _joined(cell.source).split("\n\n") if p.strip()]
            text = next((p for p in paragraphs if not p.startswith("#")), "")
            return re.sub(r"`|\*\*", "", " ".join(text.split()))
    return ""


def _footer(params: Mapping[str, Any]) -> str:
    """Generation time, version and the parameters (never the database path: pages are
    shared)."""

    def plain(v: Any) -> str:
        return ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)

    shown = ", ".join(f"{k}={plain(v)}" for k, v in params.items() if k != "db" and v != "")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = f"Generated {when} by workbench {__version__}"
    return escape(text + (f" · parameters: {shown}" if shown else ""))


# -- every report and the index -----------------------------------------------------------


def default_jobs() -> int:
    """How many notebooks ``report_all`` runs at once: one per core, at most 3 (a run is a
    kernel, Altair and a Vega engine: ~300 MB)."""
    return max(1, min(3, os.cpu_count() or 1))


def _run_all(
    runs: list[tuple[Path, Path, dict[str, Any]]],
    *,
    defaults: Mapping[str, Any] | None,
    timeout: float | None,
    jobs: int,
) -> dict[Path, Report | Failure]:
    """Each (notebook, target, parameters) run into a :class:`Report` or :class:`Failure`,
    with the transcript pages its report links to."""
    written: set[str] = set()
    done: dict[Path, Report | Failure] = {}
    if jobs <= 1:
        for nb, target, mine in runs:
            try:
                done[nb] = run(nb, target, parameters=mine, defaults=defaults, timeout=timeout,
                               written=written)  # fmt: skip
            except ReportError as exc:
                done[nb] = Failure(nb.stem, str(exc))
        return done
    from concurrent.futures import ThreadPoolExecutor, as_completed, wait

    # threads suffice: a notebook runs in its kernel's process, a thread waits for it (and
    # callers need no `if __name__ == "__main__"` guard, as a process pool would ask)
    pool = ThreadPoolExecutor(jobs, thread_name_prefix="workbench-report")
    futures: dict = {}
    try:
        for nb, target, mine in runs:
            futures[pool.submit(run, nb, target, parameters=mine, defaults=defaults,
                                timeout=timeout, transcripts=False)] = nb  # fmt: skip
        for future in as_completed(futures):
            nb = futures[future]
            try:
                r = future.result()
            except ReportError as exc:
                done[nb] = Failure(nb.stem, str(exc))
                continue
            started = time.monotonic()
            report_transcripts(r, nb.parent, written)  # while the other notebooks run
            r.seconds += time.monotonic() - started
            done[nb] = r
    except BaseException:  # Ctrl-C: no other notebook starts, the running ones stop
        for future in futures:
            future.cancel()
        while not all(f.done() for f in futures):  # a kernel may be starting right now
            _kill_kernels()
            wait(futures, timeout=0.5)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return done


def _demo_ready() -> None:
    """Generate (or upgrade) the demo database here, once, when the notebooks will fall back
    to it: notebooks running at once would each start writing it."""
    from workbench.frontends import notebook

    if notebook.resolve_db("")[1]:
        notebook.context(charts_setup=False).con.close()


def report_all(
    out_dir: str | Path = REPORTS_DIR,
    *,
    parameters: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
    notebooks_dir: Path | None = None,
    timeout: float | None = None,
    jobs: int | None = None,
) -> tuple[list[Report], list[Failure], Path]:
    """Write every notebook's report into ``out_dir`` plus ``index.html`` linking them.

    Each notebook gets the ``parameters`` (and ``defaults``) its parameters cell declares; a
    parameter no notebook declares is an error. Returns (reports, failures, index path); a
    failure does not stop the others. ``jobs`` notebooks run at once (default
    :func:`default_jobs`), each in its own kernel; the transcript pages of every written
    report are written here, once per session, while the other notebooks run.
    """
    notebooks = list_notebooks(notebooks_dir)
    if not notebooks:
        raise ReportError(f"no notebooks in {notebooks_dir or NOTEBOOKS_DIR}")
    given = dict(parameters or {})
    declared = {nb: notebook_parameters(nb) for nb in notebooks}
    unused = set(given) - set().union(*(set(d) for d in declared.values()))
    if unused:
        raise UsageError(f"no report notebook has a parameter {', '.join(sorted(unused))}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = (
        given.get("db")
        or (defaults or {}).get("db")
        or next((d["db"] for d in declared.values() if d.get("db")), None)
    )
    if not db:
        _demo_ready()
    done = _run_all(
        [(nb, out / f"{nb.stem}.html", {k: v for k, v in given.items() if k in declared[nb]})
         for nb in notebooks],
        defaults=defaults,
        timeout=timeout,
        jobs=min(len(notebooks), jobs or default_jobs()),
    )  # fmt: skip
    reports = [r for nb in notebooks if isinstance(r := done[nb], Report)]
    failures = [f for nb in notebooks if isinstance(f := done[nb], Failure)]
    index = out / "index.html"
    page = index_html(
        reports,
        failures,
        given,
        freshness(db),
        headline(db, given),
        nav=nav_links("index", notebooks_dir),
    )
    scope = {"db": db or "", "since": "", "until": "", **given}
    index.write_text(embed_summary(page, scope), encoding="utf-8")
    return reports, failures, index
