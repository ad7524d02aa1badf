"""HTML pieces for notebooks and reports: KPI cards, tables, notes, a transcript.

Every piece of data goes through ``redact.escape`` (HTML-escaped, secrets redacted unless the
context says ``redact=False``), so transcript text can never add markup to a report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from IPython.display import HTML

from workbench.core import redact as redaction
from workbench.present import render, textout
from workbench.query import friction_report, signals, summary, transcript, trends
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
.wb-table td.n{text-align:right;font-variant-numeric:tabular-nums}
.wb-note{color:#374151;font:13px system-ui,sans-serif;margin:.3em 0}
.wb-warn{color:#92400e;background:#fffbeb;border:1px solid #fcd34d;border-radius:6px;
 padding:6px 10px;font:13px system-ui,sans-serif}
</style>"""

Column = tuple[str, str, Callable[[Any], str] | None]


def _esc(ctx: Context | None, value: Any) -> str:
    return redaction.escape(value, redact=True if ctx is None else ctx.redact)


def table(
    rows: Sequence[dict],
    columns: Sequence[Column],
    ctx: Context | None = None,
    empty: str = "Nothing to show for these filters.",
) -> HTML:
    """Rows as an escaped HTML table; ``columns`` are (key, label, formatter or None)."""
    if not rows:
        return note(empty)
    head = "".join(f"<th>{_esc(ctx, label)}</th>" for _k, label, _f in columns)
    body = []
    for r in rows:
        cells = []
        for key, _label, fmt in columns:
            v = r.get(key)
            numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
            text = fmt(v) if fmt else ("-" if v is None else v)
            if redaction.is_name_key(key) and (ctx is None or ctx.redact):
                text = redaction.redact_name(str(text))  # ids and names: also after a "-"
            cells.append(f"<td{' class=n' if numeric else ''}>{_esc(ctx, text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return HTML(
        f'{STYLE}<table class="wb-table"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(body)
        + "</tbody></table>"
    )


def note(text: str, *, warn: bool = False) -> HTML:
    cls = "wb-warn" if warn else "wb-note"
    return HTML(f'{STYLE}<div class="{cls}">{redaction.escape(text, redact=False)}</div>')


def period(ctx: Context) -> HTML:
    """The period, filters and database the notebook shows."""
    return note(f"{ctx.describe()} Database: {ctx.db}.")


def kpi_cards(ctx: Context) -> HTML:
    """Sessions, users, active hours, tool calls, error rate, tokens and cost as cards (the
    figures of ``summary.headline``, which the report also embeds as JSON)."""
    h = summary.headline(ctx.con, **ctx.filters)
    cards = [
        ("sessions", textout.number(h["sessions"])),
        ("users", textout.number(h["users"])),
        ("active hours", f"{h['active_hours']:,.1f}"),
        ("tool calls", textout.number(h["tool_calls"])),
        ("tool error rate", textout.percent(h["tool_error_rate"])),
        ("sessions with errors", textout.number(h["sessions_with_errors"])),
        ("tokens", textout.compact(h["tokens"]["total"])),
        (
            "cost" + (" (priced)" if h["unpriced_models"] else ""),
            textout.money(h["cost_usd"]["total"]),
        ),
    ]
    html = "".join(
        f'<div class="wb-card"><div class="v">{_esc(ctx, v)}</div>'
        f'<div class="k">{_esc(ctx, key)}</div></div>'
        for key, v in cards
    )
    return HTML(f'{STYLE}<div class="wb-cards">{html}</div>')


def unpriced(ctx: Context) -> HTML:
    """A warning listing models with no price (their cost is left out, never counted as 0)."""
    rows = [r for r in trends.models(ctx.con, ctx.tz, **ctx.filters) if not r["priced"]]
    if not rows:
        return note("Every model in this period has a price.")
    names = ", ".join(f"{r['model']} ({textout.compact(r['tokens'])} tokens)" for r in rows)
    return note(f"Unpriced models, left out of every cost: {names}.", warn=True)


def top_sessions_by_cost(ctx: Context, n: int = 10) -> HTML:
    """The most expensive top-level sessions in the period (subagents included in the cost)."""
    rows = signals.listing(ctx.con, sort="cost:desc", limit=n, **ctx.filters)["rows"]
    rows = [r for r in rows if r["total_cost_usd"] is not None]
    return table(
        rows,
        [
            ("session_id", "session", None),
            ("user_name", "user", None),
            ("project", "project", None),
            ("started_at", "started", lambda v: textout.local(v, ctx.tz)),
            ("primary_model", "model", None),
            ("total_total_tokens", "tokens", textout.compact),
            ("total_cost_usd", "cost (with subagents)", textout.money),
            ("first_prompt", "first prompt", lambda v: " ".join((v or "").split())[:80]),
        ],
        ctx,
    )


def friction_summary(ctx: Context) -> HTML:
    r = friction_report.totals(
        friction_report.categories(ctx.con, examples=0, **ctx.filters),
        friction_report.tools(ctx.con, **ctx.filters),
    )
    return note(
        f"{textout.number(r['tool_errors'])} tool errors in "
        f"{textout.number(r['tool_calls'])} calls "
        f"({textout.percent(r['tool_error_rate'])}); "
        f"{textout.percent(r['other_share'])} of errors match no rule (other)."
    )


def categories(ctx: Context) -> HTML:
    rows = friction_report.categories(ctx.con, examples=1, redact=ctx.redact, **ctx.filters)
    for r in rows:
        r["example"] = (
            " ".join((r["examples"][0]["excerpt"] or "").split())[:140] if r["examples"] else ""
        )
    return table(
        rows,
        [
            ("category", "category", None),
            ("count", "errors", None),
            ("sessions", "sessions", None),
            ("share", "share", textout.percent),
            ("example", "example", None),
        ],
        ctx,
    )


def retry_loops(ctx: Context, n: int = 15) -> HTML:
    rows = friction_report.loops(ctx.con, limit=n, redact=ctx.redact, **ctx.filters)
    return table(
        rows,
        [
            ("session_id", "session", None),
            ("user_name", "user", None),
            ("tool_name", "tool", None),
            ("length", "calls in a row", None),
            ("failures", "failed", None),
            ("input_excerpt", "input", None),
        ],
        ctx,
        empty="No retry loops (3 or more identical calls in a row) in this period.",
    )


def worst_sessions(ctx: Context, n: int = 12) -> HTML:
    rows = trends.worst_sessions(ctx.con, n, **ctx.filters)
    excerpts: dict[str, list[str]] = {}
    if rows:
        for e in trends.first_errors(ctx.con, [r["session_id"] for r in rows]):
            text = " ".join((e["excerpt"] or "").split())[:110]
            excerpts.setdefault(e["session_id"], []).append(
                f"{e['tool_name']} [{e['category']}]: {text}"
            )
    for r in rows:
        r["errors_seen"] = " | ".join(excerpts.get(r["session_id"], []))
    return table(
        rows,
        [
            ("session_id", "session", None),
            ("user_name", "user", None),
            ("project", "project", None),
            ("tool_errors", "errors", None),
            ("tool_calls", "calls", None),
            ("outcome", "outcome", None),
            ("health_score", "health", None),
            ("errors_seen", "first errors", None),
        ],
        ctx,
        empty="No session had a tool error in this period.",
    )


def compare(ctx: Context, at: str) -> HTML:
    """Errors per 100 calls by category before vs after ``at`` (nothing when ``at`` is empty)."""
    if not at:
        return note(
            "Set the compare_at parameter (YYYY-MM-DD) to compare the tool errors before "
            "and after a date, e.g. the day a fix shipped."
        )
    from workbench.query.periods import parse_when

    c = friction_report.compare(ctx.con, parse_when(at, ctx.tz), **ctx.filters)
    head = note(
        f"Before {at}: {c['before']['sessions']} sessions, "
        f"{c['before']['tool_errors']} errors in {c['before']['tool_calls']} calls. "
        f"After: {c['after']['sessions']} sessions, {c['after']['tool_errors']} errors "
        f"in {c['after']['tool_calls']} calls."
    )
    body = table(
        c["categories"],
        [
            ("category", "category", None),
            ("before", "errors before", None),
            ("after", "errors after", None),
            ("before_per_100_calls", "per 100 calls before", None),
            ("after_per_100_calls", "per 100 calls after", None),
            ("change", "change", None),
        ],
        ctx,
        empty="No tool errors on either side of the date.",
    )
    return HTML(head.data + body.data)


def session_transcript(ctx: Context, session_id: str = "", depth: str = "all") -> HTML:
    """One session's full transcript (``""``: the most recent session with tool errors)."""
    sid = session_id
    if not sid:
        rows = (
            signals.listing(ctx.con, errors_only=True, limit=1, **ctx.filters)["rows"]
            or signals.listing(ctx.con, limit=1, **ctx.filters)["rows"]
        )
        if not rows:
            return note("No session matches these filters.")
        sid = rows[0]["session_id"]
    levels = None if str(depth) == "all" else int(depth)
    t = transcript.load(ctx.con, sid, depth=levels)
    return HTML(render.html(t, redact=ctx.redact, max_chars=50_000))
