"""HTML pieces for notebooks and reports: KPI cards, tables, notes, a transcript.

Every piece of data goes through ``redact.escape`` (HTML-escaped, secrets redacted unless the
context says ``redact=False``), so transcript text can never add markup to a report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import time as dt_time
from typing import Any
from zoneinfo import ZoneInfo

from IPython.display import HTML
from markupsafe import Markup

from workbench.core import redact as redaction
from workbench.present import render, textout
from workbench.query import friction_report, signals, transcript, trends
from workbench.query.scope import Context

STYLE = """<style>
.wb-cards{display:flex;flex-wrap:wrap;gap:10px;margin:.5em 0 1em}
.wb-card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:120px;
 background:#fff;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
.wb-card .v{font-size:22px;font-weight:600;color:#111827}
.wb-card .k{font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.03em}
.wb-table{border-collapse:collapse;font:13px system-ui,-apple-system,'Segoe UI',sans-serif;
 margin:.4em 0}
.wb-table th,.wb-table td{padding:3px 8px;border-bottom:1px solid #e5e7eb;text-align:left;
 vertical-align:top}
.wb-table td.n,.wb-table th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.wb-table td.nw{white-space:nowrap}.wb-table tr.others td{color:#6b7280;font-style:italic}
.wb-legend{color:#6b7280;font:12px system-ui,sans-serif;margin:.2em 0 .8em}
.wb-card .d{font-size:12px;color:#374151}
.wb-note{color:#374151;font:13px system-ui,sans-serif;margin:.3em 0}
.wb-warn{color:#92400e;background:#fffbeb;border:1px solid #fcd34d;border-radius:6px;
 padding:6px 10px;font:13px system-ui,sans-serif}
</style>"""

Column = tuple[str, str, Callable[[Any], Any] | None]

#: Columns that never wrap (dates, models, names): a cut with "…" instead of 3-line cells.
NOWRAP = {"started_at", "primary_model", "model", "first_seen", "last_seen", "user_name",
          "tool_name", "day", "period", "category", "name", "project", "session_id"}  # fmt: skip


def _esc(ctx: Context | None, value: Any) -> str:
    return redaction.escape(value, redact=True if ctx is None else ctx.redact)


def transcript_href(session_id: str, prefix: str = "") -> str:
    """Where the reports folder keeps a session's transcript page (see
    :func:`workbench.frontends.report.write_transcripts`)."""
    import hashlib
    import re

    sid = str(session_id)
    safe = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}", sid)
    name = sid if safe else hashlib.sha1(sid.encode("utf-8")).hexdigest()[:20]
    return f"{prefix}transcripts/{name}.html"


def sid(
    session_id: str | None, ctx: Context | None = None, label: str = "", *, hover: bool = True
) -> Markup:
    """A session id as a short link to its transcript page (the full id on hover unless
    ``hover`` is false: long tables save the bytes)."""
    if not session_id:
        return Markup("-")
    full = _esc(ctx, session_id)
    short = _esc(ctx, label or str(session_id)[:8])
    href = transcript_href(session_id)
    title = f' title="{full}"' if hover else ""
    # the report finds the sessions to write in the href; an id the file name had to hash
    # says itself in data-session
    plain = href == f"transcripts/{session_id}.html"
    data = "" if plain else f' data-session="{full}"'
    return Markup(
        f'<a class="wb-sid" href="{_esc(ctx, href)}"{data}{title}><code>{short}</code></a>'
    )


def cut(text: str | None, width: int = 80) -> Markup | str:
    """``text`` on one line, cut to ``width`` characters with "…" (the whole text on hover)."""
    one = " ".join((text or "").split())
    if len(one) <= width:
        return one
    hover = one if len(one) <= 400 else one[:399] + "…"
    return Markup('<span title="{}">{}…</span>').format(hover, one[: width - 1].rstrip())


def _cell(ctx: Context | None, value: Any) -> str:
    if isinstance(value, Markup):
        return str(value) if ctx is None or not ctx.redact else _redact_markup(value)
    return _esc(ctx, value)


def _redact_markup(value: Markup) -> str:
    return redaction.redact(str(value))


def table(
    rows: Sequence[dict],
    columns: Sequence[Column],
    ctx: Context | None = None,
    empty: str = "Nothing to show for these filters.",
    *,
    css_class: str = "",
    row_class: Callable[[dict], str] | None = None,
) -> HTML:
    """Rows as an escaped HTML table; ``columns`` are (key, label, formatter or None).

    Numbers are right-aligned with tabular figures and thousands separators (a formatter's
    output of a number column too); text is left-aligned; :data:`NOWRAP` columns never wrap.
    A formatter may return :class:`Markup` (a link from :func:`sid`, a cut from :func:`cut`).
    """
    if not rows:
        return note(empty)
    numeric_cols = set()
    for key, _label, _fmt in columns:
        values = [r.get(key) for r in rows if r.get(key) is not None]
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            numeric_cols.add(key)
    head = "".join(
        f"<th{' class=n' if key in numeric_cols else ''}>{_esc(ctx, label)}</th>"
        for key, label, _f in columns
    )
    body = []
    for r in rows:
        cells = []
        for key, _label, fmt in columns:
            v = r.get(key)
            if fmt:
                text = fmt(v)
            elif v is None:
                text = "-"
            elif isinstance(v, int) and not isinstance(v, bool):
                text = f"{v:,}"
            elif isinstance(v, float):
                text = f"{v:,.2f}"
            else:
                text = v
            if (
                redaction.is_name_key(key)
                and (ctx is None or ctx.redact)
                and not isinstance(text, Markup)  # a sid() link: escaped and redacted already
            ):
                text = redaction.redact_name(str(text))  # ids and names: also after a "-"
            cls = "n" if key in numeric_cols else "nw" if key in NOWRAP else ""
            cells.append(f"<td{f' class={cls}' if cls else ''}>{_cell(ctx, text)}</td>")
        rc = row_class(r) if row_class else ""
        body.append(f"<tr{f' class={rc!r}' if rc else ''}>" + "".join(cells) + "</tr>")
    return HTML(
        f'{STYLE}<table class="wb-table {css_class}"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(body)
        + "</tbody></table>"
    )


def note(text: str, *, warn: bool = False) -> HTML:
    cls = "wb-warn" if warn else "wb-note"
    return HTML(f'{STYLE}<div class="{cls}">{redaction.escape(text, redact=False)}</div>')


def legend(text: str) -> HTML:
    """A one-line explanation under a table or chart."""
    return HTML(f'{STYLE}<div class="wb-legend">{redaction.escape(text, redact=False)}</div>')


#: One-line explanations of the session signals (the README's "Session signals" in brief).
LEGENDS = {
    "health": "Health 0–100 = 100 minus penalties (tool errors, failure streaks, retry loops, "
    "API errors, interruptions, an errored or abandoned end); grade A ≥ 90, B ≥ 75, C ≥ 60, "
    "D ≥ 40, else F.",
    "outcome": "Outcome: completed; errored = the last 3+ tool calls failed or the session "
    "ended on an API error; abandoned = it ended on an unanswered prompt or interruption; "
    "unknown = too little to tell.",
    "active": "Active time counts the stretches with activity, splitting on gaps over 10 "
    "minutes (wall time minus the breaks).",
    "cost": "Cost counts priced responses only; a model without a price is listed apart, never "
    "counted as $0. '-' = no priced response.",
    "leaders": "Calls in the period; sessions are top-level sessions (a call inside a subagent "
    "counts for the session that spawned it); errors are failed calls. Tokens and cost are a "
    "subagent type's own: its subagents' responses. A skill, an MCP result or a slash command "
    "lands in the session's own context and is billed with the rest of it, so they have none.",
    "durations": "Took: from the call to its result (including any wait for the user's "
    "permission). Progress: how long a Bash command was seen running by its progress lines "
    "(the last elapsed time minus the first: the figures are cumulative, never summed).",
}


def period(ctx: Context) -> HTML:
    """The period the page shows and the data's real range in it (no database path: pages
    are shared)."""
    from workbench.query import report_data

    first, last = report_data.span(ctx.con, **ctx.filters)
    asked = ctx.describe().rstrip(".")
    if ctx.since is None and ctx.until is None:
        asked = "All data" + asked.split("to now", 1)[1]
    if first is None:
        return note(f"{asked}. No sessions in this period.")
    fmt = "%Y-%m-%d %H:%M"
    partial = []
    zone = ZoneInfo(ctx.tz)
    if ctx.since and ctx.since.astimezone(zone).time() != dt_time(0):
        partial.append(f"the first day starts at {ctx.since.astimezone(zone):%H:%M}")
    if ctx.until is None or ctx.until.astimezone(zone).time() != dt_time(0):
        partial.append("the last day may be incomplete")
    real = (
        f"the data runs from {textout.local(first, ctx.tz, fmt)} to "
        f"{textout.local(last, ctx.tz, fmt)} ({ctx.tz})"
    )
    return note(f"{asked}; {real}" + (f"; {' and '.join(partial)}." if partial else "."))


def _delta(now: float | None, before: float | None) -> str:
    from workbench.query.report_data import change

    c = change(now, before)
    if c is None:
        return ""
    arrow = "▲" if c > 0 else "▼" if c < 0 else "="
    return f"{arrow} {abs(c) * 100:.0f}% vs previous"


def kpi_cards(ctx: Context) -> HTML:
    """Sessions, users, active hours, tool calls, error rate, tokens and cost as cards, each
    with its change vs the previous period of the same length (when the period has a start)."""
    from workbench.query import report_data

    both = report_data.with_previous(ctx.con, **ctx.filters)
    k, b = both["now"], both["before"] or {}
    cards = [
        ("sessions", textout.number(k["sessions"]), "sessions"),
        ("users", textout.number(k["users"]), "users"),
        ("active hours", f"{k['active_hours']:,.1f}", "active_hours"),
        ("tool calls", textout.number(k["tool_calls"]), "tool_calls"),
        ("tool error rate", textout.percent(k["tool_error_rate"]), "tool_error_rate"),
        (
            "sessions with errors",
            textout.percent(k["sessions_with_errors_share"]),
            "sessions_with_errors_share",
        ),  # fmt: skip
        ("tokens", textout.compact(k["tokens"]), "tokens"),
        (
            "cost" + (" (priced)" if k["unpriced_responses"] else ""),
            money(k["cost_usd"]),
            "cost_usd",
        ),  # fmt: skip
    ]
    html = "".join(
        f'<div class="wb-card"><div class="v">{_esc(ctx, v)}</div>'
        f'<div class="k">{_esc(ctx, key)}</div>'
        f'<div class="d">{_esc(ctx, _delta(k.get(col), b.get(col)) if b else "")}</div></div>'
        for key, v, col in cards
    )
    bf = both["before_filters"]
    foot = (
        f"Changes vs {textout.local(bf['since'], ctx.tz, '%Y-%m-%d')} to "
        f"{textout.local(bf['until'], ctx.tz, '%Y-%m-%d %H:%M')} "
        "(the period of the same length before)."
        if bf
        else "All data: no previous period to compare with (set since, e.g. 7d or 30d)."
    )
    return HTML(
        f'{STYLE}<div class="wb-cards">{html}</div><div class="wb-legend">{_esc(ctx, foot)}</div>'
    )


def money(x: float | None) -> str:
    """Dollars for people: ``$1,234``, ``$12.35``, ``<$0.01``, ``$0`` (never ``$0.0000``);
    ``None`` (no price) -> ``-``."""
    if x is None:
        return "-"
    if x == 0:
        return "$0"
    if abs(x) < 0.01:
        return "<$0.01"
    return f"${x:,.0f}" if abs(x) >= 1000 else f"${x:,.2f}"


def unpriced(ctx: Context) -> HTML:
    """A warning listing models with no price (their cost is left out, never counted as 0)."""
    rows = [r for r in trends.models(ctx.con, ctx.tz, **ctx.filters) if not r["priced"]]
    if not rows:
        return note("Every model in this period has a price.")
    names = ", ".join(
        f"{r['model']} ({textout.number(r['responses'])} responses, "
        f"{textout.compact(r['tokens'])} tokens)"
        for r in rows
    )
    return note(f"Unpriced models, left out of every cost: {names}.", warn=True)


def cost_split(ctx: Context) -> HTML:
    """Cost by token type in $ and % (cards), and cache economics in one sentence."""
    from workbench.query import report_data

    c = report_data.cost_by_type(ctx.con, ctx.tz, **ctx.filters)
    if not c["total_usd"]:
        return note("No priced responses in this period.")
    cards = "".join(
        f'<div class="wb-card"><div class="v">{_esc(ctx, money(t["cost_usd"]))}</div>'
        f'<div class="k">{_esc(ctx, t["type"])}</div>'
        f'<div class="d">{_esc(ctx, textout.percent(t["share"]))} of cost</div></div>'
        for t in c["types"]
    )
    text = (
        f"Cache writes cost {money(c['cache_write_usd'])} and cache reads "
        f"{money(c['cache_read_usd'])}"
    )
    if c["reads_as_input_usd"] is not None:
        text += (
            f"; the same reads as plain input would have cost {money(c['reads_as_input_usd'])}, "
            f"so caching saved about {money(c['saved_usd'])}"
            f" (net of writes: {money(c['saved_usd'] - c['cache_write_usd'])})"
        )
    return HTML(
        f'{STYLE}<div class="wb-cards">{cards}</div><div class="wb-note">{_esc(ctx, text)}.</div>'
    )


def _unit(ctx: Context) -> str:
    """day for up to 5 weeks, week up to ~6 months, then month."""
    from workbench.query import report_data

    first, last = report_data.span(ctx.con, **ctx.filters)
    start = ctx.since or first
    end = ctx.until or last
    days = (end - start).days if start and end else 0
    return "day" if days <= 35 else "week" if days <= 190 else "month"


def cost_table(ctx: Context, unit: str = "") -> HTML:
    """ccusage-style totals per day, week or month (``unit``; empty: by the span), with a
    total row: tokens by type, tokens, cost, and unpriced responses."""
    from workbench.query import report_data

    unit = unit or _unit(ctx)
    rows = report_data.cost_table(ctx.con, ctx.tz, unit, **ctx.filters)
    if not rows:
        return note("No API responses in this period.")
    keys = ("input", "output", "cache_write", "cache_read", "tokens", "unpriced")
    total = {k: sum(r[k] or 0 for r in rows) for k in keys}
    priced = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    total["cost_usd"] = sum(priced) if priced else None
    label = {"day": "%Y-%m-%d", "week": "week of %Y-%m-%d", "month": "%Y-%m"}[unit]
    for r in rows:
        r["when"] = r["period"].strftime(label)
    rows.append({**total, "when": "total", "_total": True})
    return table(
        rows,
        [
            ("when", unit, None),
            ("input", "input", textout.compact),
            ("output", "output", textout.compact),
            ("cache_write", "cache write", textout.compact),
            ("cache_read", "cache read", textout.compact),
            ("tokens", "all tokens", textout.compact),
            ("cost_usd", "cost", money),
            ("unpriced", "unpriced responses", None),
        ],
        ctx,
        row_class=lambda r: "others" if r.get("_total") else "",
    )


def cost_concentration(ctx: Context) -> HTML:
    from workbench.query import report_data

    c = report_data.cost_concentration(ctx.con, **ctx.filters)
    if not c.get("half_share"):
        return note("No priced sessions in this period.")
    return note(
        f"{textout.percent(c['half_share'])} of sessions ({c['half_sessions']:,} of "
        f"{c['sessions']:,}) make half the cost; the most expensive 10% make "
        f"{textout.percent(c['top10_share'])}."
    )


def top_sessions_by_cost(ctx: Context, n: int = 10) -> HTML:
    """The most expensive sessions; identical clones (same cost, model and first prompt) are
    one row with their count, and ties are broken by start time, so every run lists the same."""
    from workbench.query import report_data

    rows = report_data.costly_sessions(ctx.con, n, **ctx.filters)
    for r in rows:
        r["times"] = f"×{r['count']:,}" if r["count"] > 1 else ""
    out = table(
        rows,
        [
            ("session_id", "session", lambda v: sid(v, ctx)),
            ("times", "clones", None),
            ("user_name", "user", None),
            ("project", "project", None),
            ("started_at", "started", lambda v: textout.local(v, ctx.tz)),
            ("primary_model", "model", None),
            ("total_tokens", "tokens", textout.compact),
            ("cost_usd", "cost", money),
            ("first_prompt", "first prompt", lambda v: cut(v, 70)),
        ],
        ctx,
        empty="No priced session in this period.",
    )
    return HTML(
        out.data
        + legend(
            "Clones: sessions with the same cost, model and first prompt, shown "
            "once (the earliest)."
        ).data
    )


def scorecard(ctx: Context, key: str = "user_name", n: int = 10) -> HTML:
    """Per user, project, agent or model: sessions, active hours, calls, error rate, tokens,
    cost, cost per session and per active hour, change vs the previous period; an "others" row
    beyond the top ``n``."""
    from workbench.query import report_data

    rows = report_data.scorecard(ctx.con, key, n, **ctx.filters)

    def pct(v: float | None) -> str:
        if v is None:
            return ""
        whole = round(v * 100)
        return "±0%" if whole == 0 else f"{whole:+d}%"

    label = {"user_name": "user", "primary_model": "model", "machine": "machine"}.get(key, key)
    return table(
        rows,
        [
            ("name", label, None),
            ("sessions", "sessions", None),
            ("sessions_change", "Δ sessions", pct),
            ("active_hours", "active hours", lambda v: f"{v:,.1f}"),
            ("tool_calls", "tool calls", None),
            ("error_rate", "error rate", textout.percent),
            ("tokens", "tokens", textout.compact),
            ("cost_usd", "cost", money),
            ("cost_change", "Δ cost", pct),
            ("cost_per_session", "per session", money),
            ("cost_per_hour", "per active hour", money),
        ],
        ctx,
        row_class=lambda r: "others" if r["others"] else "",
    )


def friction_summary(ctx: Context) -> HTML:
    r = friction_report.totals(
        friction_report.categories(ctx.con, examples=0, **ctx.filters),
        friction_report.tools(ctx.con, **ctx.filters),
    )
    if not r["tool_calls"]:
        return note("No tool calls in this period.")
    return note(
        f"{textout.number(r['tool_errors'])} tool errors in "
        f"{textout.number(r['tool_calls'])} calls "
        f"({textout.percent(r['tool_error_rate'])}, "
        f"{(r['tool_error_rate'] or 0) * 100:.1f} per 100 calls); "
        f"{textout.percent(r['other_share'])} of errors match no rule (other)."
    )


def categories(ctx: Context) -> HTML:
    from workbench.models.friction import RULES

    meaning = {r.category: r.meaning for r in RULES}
    rows = friction_report.categories(ctx.con, examples=1, redact=ctx.redact, **ctx.filters)
    for r in rows:
        r["meaning"] = meaning.get(r["category"], "matches no rule")
        r["example"] = r["examples"][0]["excerpt"] if r["examples"] else ""
    return table(
        rows,
        [
            ("category", "category", None),
            ("meaning", "what it means", None),
            ("count", "errors", None),
            ("sessions", "sessions", None),
            ("share", "share", textout.percent),
            ("example", "latest example", lambda v: cut(v, 90)),
        ],
        ctx,
        empty="No tool errors in this period.",
    )


def error_messages(ctx: Context, n: int = 15) -> HTML:
    """The most frequent error messages (ids, paths and numbers normalised): a fix list."""
    from workbench.query import report_data

    rows = report_data.error_messages(ctx.con, n, **ctx.filters)
    fmt = "%Y-%m-%d"
    return table(
        rows,
        [
            ("message", "message", lambda v: cut(redaction.redact(v) if ctx.redact else v, 75)),
            ("count", "errors", None),
            ("share", "share", textout.percent),
            ("sessions", "sessions", None),
            ("users", "users", None),
            ("first_seen", "first seen", lambda v: textout.local(v, ctx.tz, fmt)),
            ("last_seen", "last seen", lambda v: textout.local(v, ctx.tz, fmt)),
            ("tools", "tools", None),
            ("category", "category", None),
            ("meaning", "what the rule means", None),
            ("example_session", "example", lambda v: sid(v, ctx)),
        ],
        ctx,
        empty="No tool errors in this period.",
    )


def retry_loops(ctx: Context, n: int = 15) -> HTML:
    """Retry loops, one row per session, tool and input (repeats counted)."""
    rows = friction_report.loops(ctx.con, limit=200, redact=ctx.redact, **ctx.filters)
    grouped: dict[tuple, dict] = {}
    for r in rows:
        k = (r["session_id"], r["tool_name"], r["input_excerpt"])
        g = grouped.setdefault(k, {**r, "loops": 0})
        g["loops"] += 1
        g["length"] = max(g["length"], r["length"])
        g["failures"] = max(g["failures"], r["failures"])
    out = sorted(
        grouped.values(),
        key=lambda r: (-r["length"], -r["failures"], -r["loops"], r["session_id"]),
    )[:n]
    return table(
        out,
        [
            ("session_id", "session", lambda v: sid(v, ctx)),
            ("user_name", "user", None),
            ("tool_name", "tool", None),
            ("length", "calls in a row", None),
            ("failures", "failed", None),
            ("loops", "loops", None),
            ("input_excerpt", "input", lambda v: cut(v, 80)),
        ],
        ctx,
        empty="No retry loops (3 or more identical calls in a row) in this period.",
    )


def worst_sessions(ctx: Context, n: int = 12) -> HTML:
    """Sessions ranked by impact (most tool errors, then lowest health), with their first
    distinct error messages."""
    from workbench.query import report_data

    rows = trends.worst_sessions(ctx.con, n, **ctx.filters)
    excerpts: dict[str, list[str]] = {}
    if rows:
        for e in trends.first_errors(ctx.con, [r["session_id"] for r in rows], per_session=6):
            text = report_data.normalise(e["excerpt"], 90)
            line = f"{e['tool_name']} [{e['category']}]: {text}"
            seen = excerpts.setdefault(e["session_id"], [])
            if line not in seen and len(seen) < 2:
                seen.append(line)
    for r in rows:
        r["errors_seen"] = " | ".join(excerpts.get(r["session_id"], []))
        r["health"] = f"{r['health_score']} ({r['health_grade']})"
    out = table(
        rows,
        [
            ("session_id", "session", lambda v: sid(v, ctx)),
            ("user_name", "user", None),
            ("project", "project", None),
            ("started_at", "started", lambda v: textout.local(v, ctx.tz)),
            ("tool_errors", "errors", None),
            ("tool_calls", "calls", None),
            ("outcome", "outcome", None),
            ("health", "health", None),
            ("cost_usd", "cost", money),
            ("errors_seen", "first errors", lambda v: cut(v, 120)),
        ],
        ctx,
        empty="No session had a tool error in this period.",
    )
    return HTML(out.data + legend(LEGENDS["health"] + " " + LEGENDS["outcome"]).data)


#: Fewer tool calls than this on a side of a comparison: flagged as a small sample.
SMALL_SAMPLE = 200


def compare(ctx: Context, at: str) -> HTML:
    """Errors per 100 calls by category before vs after ``at``, with an overall row, counts,
    relative change and a small-sample flag (a hint when ``at`` is empty)."""
    if not at:
        return note(
            "Set the compare_at parameter (YYYY-MM-DD) to compare the tool errors before "
            "and after a date, e.g. the day a fix shipped: "
            "workbench report friction -p compare_at=2026-03-01."
        )
    from workbench.query.periods import parse_when

    c = friction_report.compare(ctx.con, parse_when(at, ctx.tz), **ctx.filters)
    b, a = c["before"], c["after"]
    small = [side for side, x in (("before", b), ("after", a)) if x["tool_calls"] < SMALL_SAMPLE]
    head = note(
        f"Before {at}: {b['sessions']:,} sessions, {b['tool_errors']:,} errors in "
        f"{b['tool_calls']:,} calls. After: {a['sessions']:,} sessions, {a['tool_errors']:,} "
        f"errors in {a['tool_calls']:,} calls."
        + (
            f" Small sample ({' and '.join(small)}: fewer than {SMALL_SAMPLE} calls): "
            "read the changes with care."
            if small
            else ""
        ),
        warn=bool(small),
    )

    def per100(errors: int, n: int) -> float | None:
        return round(100 * errors / n, 2) if n else None

    def rel(x: float | None, y: float | None) -> str:
        if x is None or y is None:
            return "-"
        if x == 0:
            return "new" if y else "="
        return f"{'+' if y >= x else ''}{(y - x) / x * 100:.0f}%"

    rows = [
        {
            "category": "all errors",
            "before": b["tool_errors"],
            "after": a["tool_errors"],
            "before_per_100_calls": per100(b["tool_errors"], b["tool_calls"]),
            "after_per_100_calls": per100(a["tool_errors"], a["tool_calls"]),
            "_total": True,
        },
        *c["categories"],
    ]
    for r in rows:
        r["relative"] = rel(r["before_per_100_calls"], r["after_per_100_calls"])
    body = table(
        rows,
        [
            ("category", "category", None),
            ("before", "errors before", None),
            ("after", "errors after", None),
            ("before_per_100_calls", "per 100 calls before", None),
            ("after_per_100_calls", "per 100 calls after", None),
            ("relative", "change", None),
        ],
        ctx,
        empty="No tool errors on either side of the date.",
        row_class=lambda r: "others" if r.get("_total") else "",
    )
    return HTML(head.data + body.data)


def session_transcript(ctx: Context, session_id: str = "", depth: str = "all") -> HTML:
    """One session's full transcript (``""``: the most recent session with tool errors)."""
    sid_ = session_id
    if not sid_:
        rows = (
            signals.listing(ctx.con, errors_only=True, limit=1, **ctx.filters)["rows"]
            or signals.listing(ctx.con, limit=1, **ctx.filters)["rows"]
        )
        if not rows:
            return note("No session matches these filters.")
        sid_ = rows[0]["session_id"]
    levels = None if str(depth) == "all" else int(depth)
    t = transcript.load(ctx.con, sid_, depth=levels)
    return HTML(render.html(t, redact=ctx.redact, max_chars=50_000))


def person(ctx: Context) -> HTML:
    """Whom a personal report is for."""
    if not ctx.users:
        return note("No sessions in this period, so no one to report on.")
    return HTML(f'{STYLE}<p class="wb-note">For <b>{_esc(ctx, ", ".join(ctx.users))}</b>.</p>')


#: Titles of the leaderboards' name column.
BOARD_LABELS = {
    "skills": "skill",
    "subagents": "subagent type",
    "commands": "slash command",
    "mcp": "MCP server",
}


def leaderboard(ctx: Context, board: str, n: int = 10) -> HTML:
    """One leaderboard (``skills``, ``subagents``, ``commands``, ``mcp``): the top ``n`` by
    calls, with sessions, users, errors, error rate and, for subagent types, tokens and cost."""
    from workbench.query import report_data

    rows = report_data.leaderboards(ctx.con, n, **ctx.filters)[board]
    columns: list[Column] = [
        ("name", BOARD_LABELS[board], None),
        ("calls", "calls" if board != "commands" else "uses", None),
        ("sessions", "sessions", None),
        ("users", "users", None),
    ]
    if board != "commands":  # a slash command has no error flag
        columns += [("errors", "errors", None), ("error_rate", "error rate", textout.percent)]
    if board == "subagents":
        columns += [
            ("subagent_sessions", "subagents", None),
            ("tokens", "tokens", textout.compact),
            ("cost_usd", "cost", money),
        ]
    return table(rows, columns, ctx, empty=f"No {BOARD_LABELS[board]} used in this period.")


def _seconds(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}s" if x < 10 else textout.duration(x)


def slowest_tools(ctx: Context, n: int = 15) -> HTML:
    """Per tool: calls, median, p90 and longest call-to-result time, slowest first."""
    from workbench.query import report_data

    rows = report_data.slowest(ctx.con, n, redact=ctx.redact, **ctx.filters)["tools"]
    return table(
        rows,
        [
            ("tool_name", "tool", None),
            ("calls", "calls", None),
            ("timed", "with a result", None),
            ("median_seconds", "median", _seconds),
            ("p90_seconds", "p90", _seconds),
            ("max_seconds", "longest", _seconds),
            ("total_seconds", "total", _seconds),
        ],
        ctx,
        empty="No timed tool calls in this period.",
    )


def slowest_commands(ctx: Context, n: int = 15) -> HTML:
    """The longest shell commands of the period, with their progress span where reported."""
    from workbench.query import report_data

    rows = report_data.slowest(ctx.con, n, redact=ctx.redact, **ctx.filters)["slowest_commands"]
    return table(
        rows,
        [
            ("session_id", "session", lambda v: sid(v, ctx)),
            ("user_name", "user", None),
            ("ts", "started", lambda v: textout.local(v, ctx.tz)),
            ("seconds", "took", _seconds),
            ("progress_seconds", "progress", _seconds),
            ("tool_name", "tool", None),
            ("command", "command", lambda v: cut(v, 90)),
        ],
        ctx,
        empty="No shell commands with a duration in this period.",
    )
