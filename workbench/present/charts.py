"""Altair charts that need no JavaScript: one theme and a renderer that draws SVG in Python.

Notebooks call :func:`setup` once (after the imports). From then on every Altair chart they
display is drawn by ``vl-convert`` (Vega in Rust, no browser, no network) into an inline
``<svg>`` inside ``<div class="wb-chart">``. A report page is therefore complete when a mail
client or wiki preview strips its scripts, prints sharp, and carries no chart library (the
Vega/Vega-Lite/vega-embed bundle was 0.9 MB a page). Each mark keeps its tooltip as an SVG
``<title>``, which browsers show on hover without script. In a live JupyterLab the same output
also carries the Vega-Lite spec, which JupyterLab's built-in renderer draws interactively.

Chart-building helpers for the notebooks belong in this module, below :func:`setup`.
"""

from __future__ import annotations

import functools
import html as _html
import os
import re
from typing import Any

import altair as alt

THEME = "workbench"
RENDERER = "workbench"

#: The MIME type JupyterLab renders interactively (Altair's major version of Vega-Lite).
VEGALITE_MIME = f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.lstrip('v').split('.')[0]}+json"

#: Colours of the four token types, in the order they stack (cache reads last: the largest).
TOKEN_TYPES = ["input", "output", "cache write", "cache read"]
TOKEN_COLOURS = ["#4c78a8", "#f58518", "#e45756", "#72b7b2"]


def setup(*, theme: bool = True) -> None:
    """Enable the SVG renderer (and the workbench theme); call once per notebook. Calling it
    again is harmless."""
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    if theme:
        alt.theme.register(THEME, enable=True)(_theme)


def _theme() -> alt.theme.ThemeConfig:
    # Liberation Sans is metric-compatible with Arial: the widths vl-convert measures when it
    # lays out labels are the widths a reader's browser draws (system-ui would differ)
    font = "'Liberation Sans', Arial, Helvetica, sans-serif"
    return {
        "config": {
            "font": font,
            "view": {"continuousWidth": 620, "continuousHeight": 240, "stroke": None},
            "axis": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "gridColor": "#e6e6e6",
                "labelColor": "#374151",
                "titleColor": "#374151",
            },  # fmt: skip
            "legend": {
                "labelFontSize": 11,
                "titleFontSize": 12,
                "orient": "top",
                "direction": "horizontal",
            },  # fmt: skip
            "title": {"fontSize": 14, "anchor": "start", "color": "#111827"},
            "range": {"category": {"scheme": "tableau10"}},
            "numberFormat": ",.3~s",
            "padding": {"left": 8, "right": 16, "top": 4, "bottom": 4},
        }
    }


def svg(spec: dict) -> str:
    """The Vega-Lite ``spec`` drawn as one SVG element (tooltips as ``<title>``)."""
    import vl_convert

    drawn = vl_convert.vegalite_to_svg(spec, vl_version=_vl_version())
    return _titles(drawn)


@functools.cache
def _vl_version() -> str:
    """Altair's Vega-Lite ``major.minor`` if vl-convert has it, else its newest of that major."""
    import vl_convert

    available = vl_convert.get_vegalite_versions()
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    wanted = f"{major}.{minor}"
    same_major = sorted(
        (v for v in available if v.split(".")[0] == major), key=lambda v: int(v.split(".")[1])
    )
    return wanted if wanted in available or not same_major else same_major[-1]


_MARK = re.compile(
    r'<(path|rect|circle|line|text|image|ellipse|polygon|g) aria-label="([^"]*)"'
    r' role="graphics-symbol" aria-roledescription="[^"]*"([^>]*?)(/?)>'
)


def _titles(drawn: str) -> str:
    """vl-convert's per-mark ``aria-label`` (the tooltip text) as an SVG ``<title>`` child,
    which browsers show on hover; the SVG scales down to narrow pages."""

    def one(m: re.Match) -> str:
        tag, label, rest, closed = m.groups()
        if closed:
            return f"<{tag}{rest}><title>{label}</title></{tag}>"
        return f"<{tag}{rest}><title>{label}</title>"

    drawn = _MARK.sub(one, drawn)
    return drawn.replace('class="marks"', 'class="marks" style="max-width:100%;height:auto"', 1)


def chart_html(spec: dict, description: str = "") -> str:
    """One chart as ``<div class="wb-chart">`` holding its SVG (``data-wb-drawn="1"``); a
    spec Vega cannot draw gives a visible message (``data-wb-error``) instead of a failure."""
    try:
        body = svg(spec)
    except Exception as exc:  # noqa: BLE001 - a bad spec must not stop a report
        message = _html.escape(f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
        return (
            f'<div class="wb-chart" data-wb-error="{message}">'
            f"<p>Chart not drawn: {message}</p></div>"
        )
    label = f' aria-label="{_html.escape(description)}"' if description else ""
    return f'<div class="wb-chart" data-wb-drawn="1" role="img"{label}>{body}</div>'


def _render(spec: dict, **metadata: Any) -> dict[str, Any]:
    """Altair renderer: the SVG (and, in a live front end, the spec for interactive use)."""
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    bundle: dict[str, Any] = {
        "text/html": chart_html(spec, str(text or "")),
        "text/plain": f"<chart: {text or 'untitled'}>",
    }
    if os.environ.get("WORKBENCH_HEADLESS", "") in ("", "0"):
        bundle[VEGALITE_MIME] = spec
    return bundle


# -- the notebooks' charts ------------------------------------------------------------------
# Each takes a notebook Context (query.scope) and returns an Altair chart (or, with nothing to
# draw, one line of text); the data are small aggregates from workbench.query.

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
#: Beyond this many days a time series is drawn per week (bars a few pixels wide otherwise).
WEEKLY_AFTER_DAYS = 90
MONEY = "$,.2f"
SI = ",.3~s"


def _frame(rows: list[dict]):
    """Rows (plain dicts from the query layer) as a pandas frame."""
    import pandas as pd

    return pd.DataFrame(rows)


def empty(title: str):
    """One line saying there is nothing to draw (instead of an empty box)."""
    from IPython.display import HTML

    return HTML(f'<p class="wb-empty"><b>{_html.escape(title)}</b>: no data for these filters.</p>')


# -- time axes ------------------------------------------------------------------------------


def period_days(ctx):
    """The page's time domain as local dates [first, last]: the period's bounds where given,
    else the data's first and last activity. One domain for every time axis of a page."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from workbench.query import report_data

    key = ("period_days", id(ctx.con), ctx.since, ctx.until, tuple(ctx.users),
           tuple(ctx.projects), tuple(ctx.agents), ctx.tz)  # fmt: skip
    if key in _DOMAINS:
        return _DOMAINS[key]
    first, last = report_data.span(ctx.con, **ctx.filters)
    zone = ZoneInfo(ctx.tz)
    start = ctx.since or first
    end = ctx.until - timedelta(microseconds=1) if ctx.until else last
    if start is None or end is None:
        out = None
    else:
        out = (start.astimezone(zone).date(), max(start, end).astimezone(zone).date())
    _DOMAINS[key] = out
    return out


_DOMAINS: dict = {}


def _unit(ctx) -> str:
    days = period_days(ctx)
    if days is None:
        return "day"
    return "week" if (days[1] - days[0]).days > WEEKLY_AFTER_DAYS else "day"


def _bins(ctx, df, value_cols, by: str | None = None, col: str = "day"):
    """``df`` per day (or per week beyond :data:`WEEKLY_AFTER_DAYS`) over the whole domain,
    gaps filled with 0, with ``start``/``end`` ISO dates for bars that are as wide as their
    unit."""
    from datetime import timedelta

    import pandas as pd

    first, last = period_days(ctx)
    unit = _unit(ctx)
    step = 7 if unit == "week" else 1
    if unit == "week":
        first = first - timedelta(days=first.weekday())
    starts = [first + timedelta(days=i) for i in range(0, (last - first).days + 1, step)]
    df = df.copy()
    df[col] = pd.to_datetime(df[col]).dt.date
    if unit == "week":
        df[col] = [d - timedelta(days=d.weekday()) for d in df[col]]
    keys = [col] + ([by] if by else [])
    df = df.groupby(keys, as_index=False)[value_cols].sum()
    groups = sorted(df[by].dropna().unique().tolist()) if by else [None]
    full = pd.DataFrame([{col: d, **({by: g} if by else {})} for d in starts for g in groups])
    df = full.merge(df, on=keys, how="left").fillna({c: 0 for c in value_cols})
    df["start"] = [d.isoformat() for d in df[col]]
    df["end"] = [(d + timedelta(days=step)).isoformat() for d in df[col]]
    notes = partial_bins(ctx)
    df["partial"] = [notes.get(s, "") for s in df["start"]]
    df["when"] = [
        (f"week of {d:%Y-%m-%d}" if unit == "week" else f"{d:%a %Y-%m-%d}")
        + (f" ({notes[s]})" if s in notes else "")
        for d, s in zip(df[col], df["start"])
    ]
    return df.drop(columns=[col]), unit


def partial_bins(ctx) -> dict[str, str]:
    """The bins of the page's time axis that the period covers only in part, as {ISO start
    date: note}: the first when the period starts inside it (``--since 36h``, or a week the
    data start in the middle of), the last when the period ends inside it or it is still in
    progress. A partial bar is short because its day is, not because activity fell."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    days = period_days(ctx)
    if days is None:
        return {}
    zone = ZoneInfo(ctx.tz)
    first, last = days
    unit = _unit(ctx)
    step = timedelta(days=7 if unit == "week" else 1)
    if unit == "week":
        first_bin, last_bin = (d - timedelta(days=d.weekday()) for d in (first, last))
    else:
        first_bin, last_bin = first, last

    def midnight(d):
        return datetime.combine(d, time(), zone)

    def when(t: datetime) -> str:
        t = t.astimezone(zone)
        clock = "" if t.time() == time() else f" {t:%H:%M}"
        return f"{t:%H:%M}" if unit == "day" else f"{t:%a %b %d}{clock}"

    now = datetime.now(zone)
    start = ctx.since.astimezone(zone) if ctx.since else midnight(first)
    end = ctx.until.astimezone(zone) if ctx.until else midnight(last + timedelta(days=1))
    notes: dict = {}
    if start > midnight(first_bin):
        notes[first_bin] = [f"from {when(start)}"]
    if midnight(last_bin) < now < min(end, midnight(last_bin + step)):
        notes.setdefault(last_bin, []).append(f"in progress at {when(now)}")
    elif midnight(last_bin) < end < midnight(last_bin + step):
        at_midnight = end.astimezone(zone).time() == time()
        last_in = when(end - timedelta(days=1)) if at_midnight else when(end)
        notes.setdefault(last_bin, []).append(f"{'through' if at_midnight else 'until'} {last_in}")
    return {d.isoformat(): f"partial {unit}, " + ", ".join(v) for d, v in notes.items()}


#: Opacity of a bar the period covers only in part (full bars: 1).
PARTIAL_OPACITY = 0.45


def _partial_opacity(df):
    """Bars of partial bins lighter (see :func:`partial_bins`); nothing (no opacity on every
    mark of the SVG) when every bin is whole."""
    if not df["partial"].astype(bool).any():
        return alt.Undefined
    return (
        alt.when(alt.datum.partial != "").then(alt.value(PARTIAL_OPACITY)).otherwise(alt.value(1))
    )


def _marked(ctx, df, chart, title: str, **properties):
    """``chart`` (a time series of :func:`_bins` rows) with its title, and the bins the period
    covers only in part shaded grey behind it (their note on hover) and named under the
    title, so a short first or last bar is not read as a drop."""
    from datetime import date

    part = df.loc[df["partial"] != "", ["start", "end", "partial"]].drop_duplicates("start")
    if part.empty:
        return chart.properties(title=title, **properties)
    band = (
        alt.Chart(part)
        .mark_rect(color="#9ca3af", opacity=0.18)
        .encode(
            x=_x(ctx),
            x2="end:T",
            y=alt.value(0),
            y2=alt.value("height"),
            tooltip=[alt.Tooltip("partial:N", title="note")],
        )
    )
    subtitle = "Shaded: " + ", ".join(
        f"{date.fromisoformat(d):%b %d} ({note})" for d, note in zip(part["start"], part["partial"])
    )
    return alt.layer(band, chart).properties(
        title=alt.Title(title, subtitle=subtitle, subtitleColor="#6b7280"), **properties
    )


def _x(ctx, title: str | None = None):
    """The shared time axis: the page's domain, UTC dates (they are local dates already),
    years shown when the span crosses one."""
    from datetime import timedelta

    first, last = period_days(ctx)
    if _unit(ctx) == "week":
        first = first - timedelta(days=first.weekday())
    fmt = "%b %d %Y" if first.year != last.year or (last - first).days > 300 else "%b %d"
    return alt.X(
        "start:T",
        title=title,
        scale=alt.Scale(
            type="utc", domain=[first.isoformat(), (last + timedelta(days=1)).isoformat()]
        ),
        axis=alt.Axis(format=fmt, labelOverlap=True, grid=False, tickCount=10),
    )


def _per(unit: str) -> str:
    return "per week" if unit == "week" else "per day"


# -- charts ---------------------------------------------------------------------------------


def activity_per_day(ctx):
    """Sessions started and active hours per day (per week on long periods)."""
    from workbench.query import trends

    df = _frame(trends.activity_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Sessions and active hours")
    df, unit = _bins(ctx, df, ["sessions", "active_hours"])
    base = alt.Chart(df).encode(x=_x(ctx), x2="end:T", opacity=_partial_opacity(df))
    tooltip = ["when:N", alt.Tooltip("sessions:Q", title="sessions"),
               alt.Tooltip("active_hours:Q", title="active hours", format=",.1f")]  # fmt: skip
    sessions = base.mark_bar(
        color="#4c78a8", stroke="white", strokeWidth=0.5, orient="vertical"
    ).encode(y=alt.Y("sessions:Q", title="sessions"), tooltip=tooltip)
    hours = base.mark_bar(
        color="#f58518", stroke="white", strokeWidth=0.5, orient="vertical"
    ).encode(y=alt.Y("active_hours:Q", title="active hours"), tooltip=tooltip)
    return alt.vconcat(
        _marked(ctx, df, sessions, f"Sessions started {_per(unit)}", height=160),
        _marked(ctx, df, hours, f"Active hours {_per(unit)}", height=160),
    )


def activity_heatmap(ctx):
    """Prompts and replies per weekday and hour (local time), as the mean per occurrence of
    that weekday in the period; every hour 0–23 shown, colour scale from zero."""
    from datetime import timedelta

    import pandas as pd

    from workbench.query import trends

    df = _frame(trends.heatmap(ctx.con, ctx.tz, **ctx.filters))
    days = period_days(ctx)
    if df.empty or days is None:
        return empty("Activity by weekday and hour")
    first, last = days
    occurrences = [0] * 7
    for i in range((last - first).days + 1):
        occurrences[(first + timedelta(days=i)).weekday()] += 1
    full = pd.DataFrame([{"weekday": w, "hour": h} for w in range(7) for h in range(24)])
    df = full.merge(df, on=["weekday", "hour"], how="left").fillna({"messages": 0})
    df["mean"] = [
        m / occurrences[int(w)] if occurrences[int(w)] else 0
        for m, w in zip(df["messages"], df["weekday"])
    ]
    df["day"] = [WEEKDAYS[int(d)] for d in df["weekday"]]
    return (
        alt.Chart(df)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("hour:O", title=f"hour of day ({ctx.tz})", sort=list(range(24))),
            y=alt.Y("day:O", sort=WEEKDAYS, title=None),
            color=alt.Color(
                "mean:Q",
                scale=alt.Scale(scheme="blues", domainMin=0, zero=True),
                title="messages per day",
            ),
            tooltip=[
                alt.Tooltip("day:O", title="weekday"),
                alt.Tooltip("hour:O", title="hour"),
                alt.Tooltip("mean:Q", title="mean messages", format=",.1f"),
                alt.Tooltip("messages:Q", title="total messages", format=","),
            ],
        )
        .properties(title="Prompts and replies by weekday and hour (mean per day)", height=200)
    )


LABELS = {
    "user_name": "user",
    "primary_model": "model",
    "sessions": "sessions",
    "active_hours": "active hours",
    "tool_calls": "tool calls",
    "tool_errors": "tool errors",
    "tokens": "tokens",
    "cost_usd": "cost",
}


def top(ctx, key: str, measure: str = "sessions", n: int = 10, title: str | None = None):
    """The ``n`` largest ``key`` values (user_name, project, agent, primary_model) by
    ``measure`` (sessions, active_hours, tool_calls, tool_errors, tokens, cost_usd); ties
    broken by name."""
    from workbench.query import trends

    df = _frame(trends.by_key(ctx.con, key, **ctx.filters))
    what, who = LABELS.get(measure, measure), LABELS.get(key, key)
    title = title or f"{what.capitalize()} by {who}"
    if df.empty or not df[measure].fillna(0).any():
        return empty(title)
    df[key] = df[key].fillna("(none)")
    df = df.sort_values([measure, key], ascending=[False, True]).head(n)
    fmt = MONEY if measure == "cost_usd" else SI if measure == "tokens" else ",.4~"
    axis_fmt = "$,.3~s" if measure == "cost_usd" else SI
    bars = alt.Chart(df).encode(
        x=alt.X(
            f"{measure}:Q", title=what, axis=alt.Axis(format=axis_fmt), scale=_room(df[measure])
        ),
        y=alt.Y(f"{key}:N", sort=list(df[key]), title=None),
        tooltip=[
            alt.Tooltip(f"{key}:N", title=who),
            alt.Tooltip("sessions:Q", title="sessions", format=","),
            alt.Tooltip("active_hours:Q", title="active hours", format=",.1f"),
            alt.Tooltip("tool_calls:Q", title="tool calls", format=","),
            alt.Tooltip("tool_errors:Q", title="tool errors", format=","),
            alt.Tooltip("tokens:Q", title="tokens", format=SI),
            alt.Tooltip("cost_usd:Q", title="cost", format=MONEY),
        ],
    )
    labels = bars.mark_text(align="left", dx=3, fontSize=11, color="#374151").encode(
        text=alt.Text(f"{measure}:Q", format=fmt)
    )
    return (bars.mark_bar(color="#4c78a8") + labels).properties(title=title, height=alt.Step(22))


def _room(values, factor: float = 1.25) -> alt.Scale:
    """A zero-based scale with room right of the longest bar for its value label."""
    top = float(values.max() or 0)
    return alt.Scale(domain=[0, top * factor]) if top > 0 else alt.Scale()


def models(ctx):
    """Tokens per model; unpriced models in their own colour."""
    from workbench.query import trends

    df = _frame(trends.models(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Models used")
    df["price"] = ["priced" if p else "no price (cost left out)" for p in df["priced"]]
    df = df.sort_values(["tokens", "model"], ascending=[False, True])
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("tokens:Q", title="tokens", axis=alt.Axis(format=SI)),
            y=alt.Y("model:N", sort=list(df["model"]), title=None),
            color=alt.Color(
                "price:N",
                scale=alt.Scale(
                    domain=["priced", "no price (cost left out)"], range=["#4c78a8", "#e45756"]
                ),
                title=None,
            ),
            tooltip=[
                alt.Tooltip("model:N", title="model"),
                alt.Tooltip("responses:Q", title="responses", format=","),
                alt.Tooltip("tokens:Q", title="tokens", format=SI),
                alt.Tooltip("cost_usd:Q", title="cost", format=MONEY),
            ],
        )
        .properties(title="Models used (tokens)", height=alt.Step(22))
    )


def _stacked(ctx, df, value: str, by: str, title: str, y_title: str, fmt: str, colours=None):
    order = colours[0] if colours else sorted(df[by].unique().tolist())
    scale = alt.Scale(domain=colours[0], range=colours[1]) if colours else alt.Scale()
    df = df.copy()
    df["order"] = [order.index(v) if v in order else len(order) for v in df[by]]
    bars = (
        alt.Chart(df)
        .mark_bar(stroke="white", strokeWidth=0.3, orient="vertical")
        .encode(
            x=_x(ctx),
            x2="end:T",
            y=alt.Y(f"{value}:Q", title=y_title, axis=alt.Axis(format=fmt), stack=True),
            color=alt.Color(f"{by}:N", sort=order, scale=scale, title=None),
            order=alt.Order("order:Q"),
            opacity=_partial_opacity(df),
            tooltip=[
                alt.Tooltip("when:N", title="when"),
                alt.Tooltip(f"{by}:N", title=LABELS.get(by, by)),
                alt.Tooltip(f"{value}:Q", title=y_title, format=fmt.replace("~s", "~f")),
            ],
        )
    )
    return _marked(ctx, df, bars, title)


def tokens_per_day(ctx):
    """Daily (weekly) tokens stacked by type: input, output, cache write, cache read."""
    from workbench.query import trends

    df = _frame(trends.tokens_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Tokens by type")
    df["type"] = df["type"].str.replace("_", " ")
    df, unit = _bins(ctx, df, ["tokens"], by="type")
    return _stacked(ctx, df, "tokens", "type", f"Tokens {_per(unit)} by type", "tokens", SI,
                    (TOKEN_TYPES, TOKEN_COLOURS))  # fmt: skip


def cost_by_type_per_day(ctx):
    """Daily (weekly) cost in dollars stacked by token type (priced responses)."""
    from workbench.query import report_data

    df = _frame(report_data.cost_per_period(ctx.con, ctx.tz, "day", **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Cost by token type")
    df = df.rename(columns={"period": "day"}).melt(
        id_vars=["day"], var_name="type", value_name="cost_usd"
    )
    df["type"] = df["type"].str.replace("_", " ")
    df, unit = _bins(ctx, df, ["cost_usd"], by="type")
    return _stacked(ctx, df, "cost_usd", "type", f"Cost {_per(unit)} by token type (USD)",
                    "cost", "$,.3~s", (TOKEN_TYPES, TOKEN_COLOURS))  # fmt: skip


def cost_per_day(ctx):
    """Daily (weekly) cost stacked by model (priced models only)."""
    from workbench.query import trends

    df = _frame(trends.cost_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Cost by model")
    df, unit = _bins(ctx, df, ["cost_usd"], by="model")
    return _stacked(ctx, df, "cost_usd", "model", f"Cost {_per(unit)} by model (USD)", "cost",
                    "$,.3~s")  # fmt: skip


def cache_ratio(ctx):
    """Share of prompt tokens read from cache, per day (per week on long periods); days
    without prompts are gaps, not bridged."""
    from workbench.query import trends

    df = _frame(trends.cache_ratio_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Cache hit ratio")
    df, unit = _bins(ctx, df, ["read", "prompt"])
    df["ratio"] = [r / p if p else None for r, p in zip(df["read"], df["prompt"])]
    df["mid"] = df["start"]
    line = (
        alt.Chart(df)
        .mark_line(point=True, invalid=None)
        .encode(
            x=_x(ctx),
            y=alt.Y(
                "ratio:Q",
                title="cache reads / prompt tokens",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),  # fmt: skip
            tooltip=[
                alt.Tooltip("when:N", title="when"),
                alt.Tooltip("ratio:Q", title="cache hit ratio", format=".1%"),
            ],  # fmt: skip
        )
    )
    return _marked(ctx, df, line, f"Cache hit ratio {_per(unit)}", height=180)


def pareto(ctx):
    """Cumulative share of cost against the share of sessions, most expensive first."""
    import pandas as pd

    from workbench.query import report_data

    rows = report_data.pareto(ctx.con, **ctx.filters)
    if not rows:
        return empty("Cost concentration")
    step = max(1, len(rows) // 200)  # at most ~200 points
    df = pd.DataFrame(rows[::step] + ([rows[-1]] if len(rows) % step else []))
    line = alt.Chart(df).mark_line(color="#4c78a8").encode(
        x=alt.X("rank_share:Q", title="share of sessions (most expensive first)",
                axis=alt.Axis(format="%")),
        y=alt.Y("cost_share:Q", title="share of cost", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("rank_share:Q", title="sessions", format=".0%"),
                 alt.Tooltip("cost_share:Q", title="cost", format=".0%")],
    )  # fmt: skip
    half = alt.Chart(pd.DataFrame({"y": [0.5]})).mark_rule(strokeDash=[4, 3], color="#9ca3af")
    return (line + half.encode(y="y:Q")).properties(
        title="Cost concentration (Pareto)", height=200, width=420
    )


def errors_per_day(ctx):
    """Tool errors per day (week) stacked by friction category, over the whole period."""
    from workbench.query import trends

    df = _frame(trends.errors_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Tool errors by category")
    df["category"] = df["category"].str.replace("_", " ")
    df, unit = _bins(ctx, df, ["errors"], by="category")
    return _stacked(ctx, df, "errors", "category", f"Tool errors {_per(unit)} by category",
                    "tool errors", ",.4~")  # fmt: skip


def error_rate_per_day(ctx):
    """Tool errors per 100 tool calls per day (week): the rate, not the count."""
    import pandas as pd

    from workbench.query import report_data

    df = pd.DataFrame(report_data.error_rate_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty or period_days(ctx) is None:
        return empty("Errors per 100 tool calls")
    df, unit = _bins(ctx, df, ["calls", "errors"])
    df["rate"] = [100 * e / c if c else None for e, c in zip(df["errors"], df["calls"])]
    line = (
        alt.Chart(df)
        .mark_line(point=True, invalid=None, color="#e45756")
        .encode(
            x=_x(ctx),
            y=alt.Y("rate:Q", title="errors per 100 tool calls", scale=alt.Scale(zero=True)),
            tooltip=[
                alt.Tooltip("when:N", title="when"),
                alt.Tooltip("rate:Q", title="errors per 100 calls", format=",.1f"),
                alt.Tooltip("errors:Q", title="errors", format=","),
                alt.Tooltip("calls:Q", title="tool calls", format=","),
            ],  # fmt: skip
        )
    )
    return _marked(ctx, df, line, f"Errors per 100 tool calls {_per(unit)}", height=180)


#: A tool failing more than this share of its calls is flagged.
FLAG_RATE = 0.5


def failing_tools(ctx, n: int = 12):
    """The tools with the most errors, labelled ``errors / calls = rate``; above 50% flagged."""
    import pandas as pd

    from workbench.query import friction_report

    df = pd.DataFrame(friction_report.tools(ctx.con, **ctx.filters))
    if df.empty or df["errors"].sum() == 0:
        return empty("Failing tools")
    df = df[df["errors"] > 0].head(n).copy()
    df["label"] = [
        f"{e:,} / {c:,} = {r:.0%}" + (" ⚠" if r > FLAG_RATE else "")
        for e, c, r in zip(df["errors"], df["calls"], df["rate"])
    ]
    df["flag"] = [
        f"fails more than {FLAG_RATE:.0%} of calls" if r > FLAG_RATE else "below"
        for r in df["rate"]
    ]
    bars = alt.Chart(df).encode(
        x=alt.X(
            "errors:Q",
            title="tool errors",
            axis=alt.Axis(format=",.4~"),
            scale=_room(df["errors"], 1.45),
        ),
        y=alt.Y("tool_name:N", sort=list(df["tool_name"]), title=None),
        tooltip=[
            alt.Tooltip("tool_name:N", title="tool"),
            alt.Tooltip("calls:Q", title="calls", format=","),
            alt.Tooltip("errors:Q", title="errors", format=","),
            alt.Tooltip("rate:Q", title="error rate", format=".1%"),
        ],  # fmt: skip
    )
    colour = alt.Color(
        "flag:N",
        scale=alt.Scale(
            domain=[f"fails more than {FLAG_RATE:.0%} of calls", "below"],
            range=["#b91c1c", "#f4a3a3"],
        ),  # fmt: skip
        title=None,
    )
    text = bars.mark_text(align="left", dx=3, fontSize=11, color="#374151").encode(text="label:N")
    return (bars.mark_bar().encode(color=colour) + text).properties(
        title="Failing tools: errors / calls = error rate", height=alt.Step(22)
    )


def friction_rates(ctx, key: str = "user_name"):
    """Tool error rate per user (``user_name``) or per ``project``, labelled with counts."""
    import pandas as pd

    from workbench.query import friction_report

    label = "user" if key == "user_name" else key
    rows = friction_report.rates_by(ctx.con, key, **ctx.filters)
    if ctx.redact:  # a project or user name may hold a key (redact_name: also after a "-")
        from workbench.core.redact import redact_data

        rows = redact_data(rows)
    df = pd.DataFrame(rows)
    if df.empty or not df["tool_calls"].sum():
        return empty(f"Error rate per {label}")
    df[key] = df[key].fillna("(none)")
    df = df.sort_values(["rate", key], ascending=[False, True])
    df["label"] = [
        f"{e:,} / {c:,} = {r:.1%}" for e, c, r in zip(df["tool_errors"], df["tool_calls"],
                                                      df["rate"].fillna(0))
    ]  # fmt: skip
    bars = alt.Chart(df).encode(
        x=alt.X(
            "rate:Q",
            title="tool errors / tool calls",
            axis=alt.Axis(format="%"),
            scale=_room(df["rate"].fillna(0), 1.5),
        ),
        y=alt.Y(f"{key}:N", sort=list(df[key]), title=None),
        tooltip=[
            alt.Tooltip(f"{key}:N", title=label),
            alt.Tooltip("sessions:Q", title="sessions", format=","),
            alt.Tooltip("tool_calls:Q", title="tool calls", format=","),
            alt.Tooltip("tool_errors:Q", title="tool errors", format=","),
            alt.Tooltip("rate:Q", title="error rate", format=".1%"),
            alt.Tooltip("sessions_with_errors:Q", title="sessions with errors"),
        ],  # fmt: skip
    )
    text = bars.mark_text(align="left", dx=3, fontSize=11, color="#374151").encode(text="label:N")
    return (bars.mark_bar(color="#e45756") + text).properties(
        title=f"Tool error rate per {label}", height=alt.Step(22)
    )


def compare(ctx, at: str):
    """Errors per 100 tool calls by category, before vs after ``at`` (YYYY-MM-DD); nothing
    without ``at`` (the table view says how to set it)."""
    import pandas as pd
    from IPython.display import HTML

    from workbench.query import friction_report
    from workbench.query.periods import parse_when

    if not at:
        return HTML("")
    c = friction_report.compare(ctx.con, parse_when(at, ctx.tz), **ctx.filters)
    rows = [
        {"category": r["category"].replace("_", " "), "side": side,
         "per_100_calls": r[f"{side}_per_100_calls"], "errors": r[side]}
        for r in c["categories"]
        for side in ("before", "after")
    ]  # fmt: skip
    df = pd.DataFrame(rows)
    if df.empty:
        return empty(f"Before vs after {at}")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("per_100_calls:Q", title="errors per 100 tool calls"),
            y=alt.Y("side:N", sort=["before", "after"], title=None),
            color=alt.Color(
                "side:N",
                sort=["before", "after"],
                title=None,
                scale=alt.Scale(range=["#9ca3af", "#4c78a8"]),
            ),  # fmt: skip
            row=alt.Row(
                "category:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            ),
            tooltip=[
                alt.Tooltip("category:N"),
                alt.Tooltip("side:N"),
                alt.Tooltip("per_100_calls:Q", title="per 100 calls", format=",.2f"),
                alt.Tooltip("errors:Q", title="errors", format=","),
            ],  # fmt: skip
        )
        .properties(title=f"Errors per 100 tool calls, before vs after {at}", height=30)
    )
