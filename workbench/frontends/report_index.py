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
    import duckdb

    info: dict[str, Any] = {"db": str(db) if db else None, "newest_session": None,
                            "last_ingest": None, "sessions": 0, "error": None}  # fmt: skip
    if not db or not Path(db).expanduser().exists():
        info["error"] = "no database"
        return info
    try:
        con = duckdb.connect(str(Path(db).expanduser()), read_only=True)
    except duckdb.Error as exc:
        info["error"] = f"cannot open the database ({str(exc).splitlines()[0]})"
        return info
    try:
        con.execute("SET TimeZone = 'UTC'")
        for key, sql in (
            ("newest_session", "SELECT max(coalesce(ended_at, started_at)) FROM sessions"),
            ("last_ingest", "SELECT max(ingested_at) FROM files"),
            ("sessions", "SELECT count(*) FROM sessions WHERE NOT is_subagent"),
        ):
            with contextlib.suppress(duckdb.Error):  # an empty database: keep the default
                info[key] = con.execute(sql).fetchone()[0]
    finally:
        con.close()
    return info


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


def index_html(
    reports: list[Report],
    failures: list[Failure],
    parameters: Mapping[str, Any],
    fresh: Mapping[str, Any],
) -> str:
    """The ``index.html`` page: period, generation time, data freshness, the reports."""
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if fresh.get("error"):
        data = f"unknown: {fresh['error']}"
    else:
        data = (
            f"newest session activity {_when(fresh.get('newest_session'))}, "
            f"last ingest {_when(fresh.get('last_ingest'))}, {fresh.get('sessions', 0)} sessions"
        )
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(r.path.name)}">{escape(r.title)}</a></td>'
        f"<td>{r.bytes / 1e6:.1f} MB</td><td>{r.seconds:.1f} s</td></tr>"
        for r in reports
    )
    failed = "\n".join(
        f"<li><strong>{escape(f.name)}</strong>: <code>{escape(f.error)}</code></li>"
        for f in failures
    )
    failed_block = f"<h2>Failed</h2>\n<ul class='failed'>\n{failed}\n</ul>" if failures else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>workbench reports</title>
<style>
  body {{ font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
         max-width: 900px; margin: 2rem auto; padding: 0 1rem; color: #222; }}
  table {{ border-collapse: collapse; width: 100%; }}
  td, th {{ text-align: left; padding: 0.4rem 0.6rem; border-bottom: 1px solid #ddd; }}
  dt {{ font-weight: 600; }} dd {{ margin: 0 0 0.5rem 0; }}
  .failed code {{ white-space: pre-wrap; }}
</style>
</head>
<body>
<h1>workbench reports</h1>
<dl>
  <dt>Period</dt><dd class="period">{escape(period_text(parameters))}</dd>
  <dt>Generated</dt><dd class="generated">{generated}</dd>
  <dt>Data</dt><dd class="freshness">{escape(data)}</dd>
</dl>
<table>
<thead><tr><th>Report</th><th>Size</th><th>Took</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{failed_block}
</body>
</html>
"""
