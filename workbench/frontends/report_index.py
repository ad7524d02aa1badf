"""The index page of ``workbench report --all``: the reports, the period, generation time and
how fresh the data is."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.core.redact import escape
from workbench.query.periods import parse_when, resolve_timezone

if TYPE_CHECKING:
    from workbench.frontends.report import Failure, Report


def freshness(db: str | Path | None) -> dict[str, Any]:
    """How current the data is: newest session activity, last ingest and session count, read
    through a read-only connection; ``error`` says why when the database cannot be read."""
    from workbench.core.engines import is_remote, mask
    from workbench.query.db import open_reader

    info: dict[str, Any] = {"db": mask(str(db)) if db else None, "newest_session": None,
                            "last_ingest": None, "sessions": 0, "error": None}  # fmt: skip
    if not _exists(db):
        info["error"] = "no database"
        return info
    try:
        con = open_reader(db) if is_remote(str(db)) else _plain(Path(db).expanduser())
    except Exception as exc:  # noqa: BLE001 - the index says why and lists the reports
        info["error"] = f"cannot open the database ({mask(str(exc).splitlines()[0])})"
        return info
    try:
        for key, sql in (
            ("newest_session", "SELECT max(coalesce(ended_at, started_at)) FROM sessions"),
            ("last_ingest", "SELECT max(ingested_at) FROM files"),
            ("sessions", "SELECT count(*) FROM sessions WHERE NOT is_subagent"),
        ):
            with contextlib.suppress(Exception):  # an empty database: keep the default
                info[key] = con.scalar(sql)
    finally:
        con.close()
    return info


def _plain(path: Path):
    """A read-only reader of a DuckDB file of any layout (an empty file included: the index
    then shows no sessions)."""
    from workbench.core.duck import duckdb
    from workbench.query.db import Reader

    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return Reader(con, path)


def _exists(db: str | Path | None) -> bool:
    from workbench.core.engines import is_remote

    return bool(db) and (is_remote(str(db)) or Path(db).expanduser().exists())


def period_text(parameters: Mapping[str, Any]) -> str:
    """The reporting period in words, e.g. ``since 7d (2026-01-01 09:00 UTC) until now``."""
    since, until = parameters.get("since"), parameters.get("until")
    if not since and not until:
        return "all data"
    tz = resolve_timezone(parameters.get("timezone") or None)

    def show(text: str, end: bool) -> str:
        when = parse_when(str(text), tz, end=end)
        return f"{text} ({when.astimezone(_zone(tz)).strftime('%Y-%m-%d %H:%M')} {tz})"

    start = f"since {show(since, False)}" if since else "from the beginning"
    stop = f"until {show(until, True)}" if until else "until now"
    return f"{start} {stop}"


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "none" if value is None else str(value)


def headline(db: str | Path | None, parameters: Mapping[str, Any]) -> dict[str, Any] | None:
    """The period's headline numbers and the previous period's, with data-quality notes
    (None when the database cannot be read)."""
    if not _exists(db):
        return None
    from workbench.frontends import notebook
    from workbench.query import report_data

    try:
        ctx = notebook.context(
            db=str(db),
            since=str(parameters.get("since") or ""),
            until=str(parameters.get("until") or ""),
            users=parameters.get("users") or (),
            projects=parameters.get("projects") or (),
            agents=parameters.get("agents") or (),
            machines=parameters.get("machines") or (),
            timezone=str(parameters.get("timezone") or ""),
            charts_setup=False,
        )
    except Exception:  # noqa: BLE001 - the index still lists the reports
        return None
    out = report_data.with_previous(ctx.con, **ctx.filters)
    out["span"] = report_data.span(ctx.con, **ctx.filters)
    out["quality"] = report_data.data_quality(ctx.con, **ctx.filters)
    out["tz"] = ctx.tz
    return out


_CARDS = (
    ("sessions", "sessions", lambda v: f"{v:,}"),
    ("active_hours", "active hours", lambda v: f"{v:,.1f}"),
    ("cost_usd", "cost (priced)", lambda v: f"${v:,.2f}"),
    ("tool_calls", "tool calls", lambda v: f"{v:,}"),
    ("tool_error_rate", "tool error rate", lambda v: "-" if v is None else f"{100 * v:.1f}%"),
    ("users", "users", lambda v: f"{v:,}"),
)


def _cards(head: Mapping[str, Any]) -> str:
    from workbench.query.report_data import change

    now, before = head["now"], head.get("before")
    cards = []
    for key, label, fmt in _CARDS:
        delta = ""
        if before is not None:
            c = change(now.get(key), before.get(key))
            if c is not None:
                arrow = "▲" if c > 0 else "▼" if c < 0 else "="
                delta = f'<div class="d">{arrow} {abs(c) * 100:.0f}% vs previous period</div>'
            else:
                delta = '<div class="d">no previous data</div>'
        cards.append(
            f'<div class="wb-card"><div class="v">{escape(fmt(now.get(key) or 0))}</div>'
            f'<div class="k">{escape(label)}</div>{delta}</div>'
        )
    return '<div class="wb-cards">' + "".join(cards) + "</div>"


def _quality(head: Mapping[str, Any] | None, fresh: Mapping[str, Any]) -> list[str]:
    notes = []
    if head:
        q = head["quality"]
        if q["bad_lines"]:
            notes.append(
                f"{q['bad_lines']:,} transcript lines could not be read and are left out "
                "(the bad_lines table of the database lists them)."
            )
        for m in q["unpriced_models"]:
            notes.append(
                f"{m['model']} has no price: its {m['responses']:,} responses "
                f"({m['tokens']:,} tokens) are left out of every cost, never counted as $0."
            )
        if q["activity_after_ingest"]:
            notes.append("Some activity is timestamped after the last ingest (clock skew?).")
    if fresh.get("error"):
        notes.append(f"Data freshness unknown: {fresh['error']}.")
    return notes or ["No data-quality issues found: every line was read, every model priced."]


def index_html(
    reports: list[Report],
    failures: list[Failure],
    parameters: Mapping[str, Any],
    fresh: Mapping[str, Any],
    head: Mapping[str, Any] | None = None,
    nav: list | None = None,
) -> str:
    """The landing page: what each report answers, the headline numbers with their change vs
    the previous period, data-quality notes, the period and how fresh the data is."""
    from markupsafe import Markup

    from workbench.present import page

    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if fresh.get("error"):
        data = f"unknown: {fresh['error']}"
    else:
        data = (
            f"newest session activity {_when(fresh.get('newest_session'))}, "
            f"last ingest {_when(fresh.get('last_ingest'))}, {fresh.get('sessions', 0):,} "
            "sessions in the database"
        )
    period = period_text(parameters)
    if head and head.get("span") and head["span"][0]:
        first, last = head["span"]
        period += f"; the data runs from {_when(first)} to {_when(last)}"
    rows = "\n".join(
        f'<tr><td class="nw"><a href="{html.escape(r.path.name)}">{escape(r.title)}</a></td>'
        f"<td>{escape(r.summary)}</td>"
        f'<td class="n">{r.bytes / 1e3:,.0f} KB</td></tr>'
        for r in reports
    )
    failed = "\n".join(
        f"<li><strong>{escape(f.name)}</strong>: <code>{escape(f.error)}</code></li>"
        for f in failures
    )
    failed_block = f"<h2>Failed</h2>\n<ul class='failed'>\n{failed}\n</ul>" if failures else ""
    cards = _cards(head) if head else ""
    compared = ""
    if head and head.get("before_filters"):
        b = head["before_filters"]
        compared = (
            f'<p class="wb-note">Changes compare with the {_days(b)} before: '
            f"{_when(b['since'])} to {_when(b['until'])}.</p>"
        )
    elif head:
        compared = (
            '<p class="wb-note">All data: no previous period to compare with '
            "(run with --since 7d for weekly changes).</p>"
        )
    notes = "".join(f"<li>{escape(n)}</li>" for n in _quality(head, fresh))
    body = f"""<h1>workbench reports</h1>
<dl class="wb-meta">
  <dt>Period</dt><dd class="period">{escape(period)}</dd>
  <dt>Generated</dt><dd class="generated">{generated}</dd>
  <dt>Data</dt><dd class="freshness">{escape(data)}</dd>
</dl>
<h2>Headline numbers</h2>
{cards}{compared}
<h2>Reports</h2>
<table class="wb-table reports">
<thead><tr><th>Report</th><th>What it answers</th><th class="n">Size</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{failed_block}
<h2>Data quality</h2>
<ul class="quality">{notes}</ul>
"""
    return page.page("workbench reports", Markup(body), nav=nav or [], extra_css=INDEX_CSS)


INDEX_CSS = """
.wb-meta dt{font-weight:600;float:left;clear:left;width:7rem}.wb-meta dd{margin:0 0 .3rem 7.5rem}
.wb-cards{display:flex;flex-wrap:wrap;gap:10px;margin:.5em 0 1em}
.wb-card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:140px}
.wb-card .v{font-size:22px;font-weight:600}.wb-card .k{font-size:12px;color:#6b7280;
 text-transform:uppercase;letter-spacing:.03em}.wb-card .d{font-size:12px;color:#374151}
.wb-note{color:#374151;font-size:13px}.failed code{white-space:pre-wrap}
"""


def _days(b: Mapping[str, Any]) -> str:
    seconds = (b["until"] - b["since"]).total_seconds()
    days = seconds / 86400
    return f"{days:.0f} days" if days >= 1 else f"{seconds / 3600:.0f} hours"
