"""Altair charts that render offline: one theme and a self-contained renderer.

Notebooks call :func:`setup` once (after the imports). From then on every Altair chart they
display is a small HTML snippet (a ``<div>`` and a ``<script>`` that calls ``vegaEmbed`` with
the spec) and the *first* chart of the kernel session also carries the Vega, Vega-Lite and
vega-embed JavaScript (the ``vl-convert-python`` bundle, ~0.9 MB, no network needed). In an
HTML report, where all outputs share one page, the library is therefore embedded exactly once
and every chart draws with the network off; in JupyterLab the same holds for the live page.

Charts draw as SVG (``renderer: "svg"``), so a headless browser test can see the marks and
printed reports stay sharp.

Chart-building helpers for the notebooks belong in this module, below :func:`setup`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import altair as alt

THEME = "workbench"
RENDERER = "workbench"

#: Options handed to ``vegaEmbed``: SVG marks; the menu offers only local exports (no links
#: to the online Vega editor).
EMBED_OPTIONS: dict[str, Any] = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}

#: Attribute of the ``<script>`` that holds the library (reports skip it when redacting).
LIBRARY_ATTR = "data-wb-library"

_state = {"library_sent": False}


def setup(*, theme: bool = True) -> None:
    """Enable the offline renderer (and the workbench theme); call once per notebook.

    Calling it again is harmless: the next chart carries the library again, which the page
    loads only if it is not there yet.
    """
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    if theme:
        alt.theme.register(THEME, enable=True)(_theme)
    _state["library_sent"] = False


def _theme() -> alt.theme.ThemeConfig:
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
    return {
        "config": {
            "font": font,
            "view": {"continuousWidth": 560, "continuousHeight": 260, "stroke": None},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12},
            "title": {"fontSize": 14, "anchor": "start"},
            "range": {"category": {"scheme": "tableau10"}},
        }
    }


@functools.cache
def library_js() -> str:
    """The Vega + Vega-Lite + vega-embed bundle for Altair's Vega-Lite version, as one classic
    script that defines ``window.vegaEmbed`` unless the page already has it."""
    bundle = _bundle()
    bundle = re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)
    # The bundle declares top-level consts: a function scope makes a second copy harmless.
    return f"if (!window.vegaEmbed) {{ (function () {{\n{bundle}\n}})(); }}"


def _bundle() -> str:
    """vl-convert's bundle, cached on disk: building it takes seconds, reading it does not."""
    import vl_convert

    version = _vl_version(vl_convert.get_vegalite_versions())
    vlc_version = getattr(vl_convert, "__version__", "unknown")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "workbench"
    path = cache / f"vega-embed-vl{version}-vlconvert{vlc_version}.js"
    try:
        text = path.read_text(encoding="utf-8")
        if text.rstrip().endswith(_BUNDLE_END):
            return text
    except OSError:
        pass
    text = vl_convert.javascript_bundle(vl_version=version)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: build it every time
    return text


def _vl_version(available: list[str]) -> str:
    """Altair's Vega-Lite ``major.minor`` if vl-convert has it, else its newest of that major."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    wanted = f"{major}.{minor}"
    same_major = sorted(
        (v for v in available if v.split(".")[0] == major), key=lambda v: int(v.split(".")[1])
    )
    return wanted if wanted in available or not same_major else same_major[-1]


#: How vl-convert's default bundle ends (a cached file without it is incomplete).
_BUNDLE_END = "window.vegaLite=__default1;"


def library_html() -> str:
    """``library_js()`` in a ``<script>`` element."""
    return f'<script type="text/javascript" {LIBRARY_ATTR}="vega">{library_js()}</script>'


def chart_html(spec: dict, embed_options: dict | None = None) -> str:
    """The snippet that draws one Vega-Lite ``spec`` into its own ``<div class="wb-chart">``.

    On success the div gets ``data-wb-drawn="1"``; on failure ``data-wb-error`` and a visible
    message. Needs ``window.vegaEmbed`` (see :func:`library_html`).
    """
    div = f"wb-chart-{uuid.uuid4().hex[:12]}"
    options = {**EMBED_OPTIONS, **(embed_options or {})}
    return f"""<div class="wb-chart" id="{div}"></div>
<script type="text/javascript">
(function () {{
  var el = document.getElementById("{div}");
  function fail(message) {{
    el.setAttribute("data-wb-error", message);
    el.textContent = "Chart not drawn: " + message;
  }}
  if (!window.vegaEmbed) {{ fail("the chart library is missing (run charts.setup())"); return; }}
  window.vegaEmbed(el, {_js(spec)}, {_js(options)})
    .then(function () {{ el.setAttribute("data-wb-drawn", "1"); }})
    .catch(function (err) {{ fail(String(err)); }});
}})();
</script>"""


def _render(spec: dict, **metadata: Any) -> dict[str, str]:
    """Altair renderer: the chart snippet, preceded by the library on the session's first
    chart."""
    html = chart_html(spec, metadata.get("embed_options"))
    if not _state["library_sent"]:
        html = library_html() + "\n" + html
        _state["library_sent"] = True
    return {"text/html": html, "text/plain": "<workbench chart>"}


def _js(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no ``<``, ``>`` or ``&`` characters)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- the notebooks' charts ------------------------------------------------------------------
# Each takes a notebook Context (query.scope) and returns an Altair chart; the data are
# small aggregates from workbench.query.trends, embedded in the chart.

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _frame(rows: list[dict]):
    """Rows as a data frame; dates become ISO strings (Altair reads them as temporal)."""
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in ("day",):
        if col in df.columns:
            df[col] = df[col].astype(str)
    return df


def empty(title: str) -> alt.Chart:
    """A placeholder that says there is nothing to draw (keeps a report's layout)."""
    import pandas as pd

    return (
        alt.Chart(pd.DataFrame({"message": [f"{title}: no data for these filters"]}))
        .mark_text(align="left", fontSize=13, color="#6b7280")
        .encode(text="message:N")
        .properties(title=title, height=40)
    )


def activity_per_day(ctx) -> alt.Chart:
    """Sessions started and active hours per day."""
    from workbench.query import trends

    df = _frame(trends.activity_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Sessions and active hours per day")
    base = alt.Chart(df).encode(x=alt.X("day:T", title=None))
    sessions = (
        base.mark_bar(color="#4c78a8")
        .encode(
            y=alt.Y("sessions:Q", title="sessions"),
            tooltip=["day:T", "sessions:Q", "active_hours:Q"],
        )
        .properties(title="Sessions started per day", height=180)
    )
    hours = (
        base.mark_line(point=True, color="#f58518")
        .encode(
            y=alt.Y("active_hours:Q", title="active hours"), tooltip=["day:T", "active_hours:Q"]
        )
        .properties(title="Active hours per day", height=180)
    )
    return alt.vconcat(sessions, hours)


def activity_heatmap(ctx) -> alt.Chart:
    """Prompts and replies by weekday and hour of day (local time)."""
    from workbench.query import trends

    df = _frame(trends.heatmap(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Activity by weekday and hour")
    df["weekday"] = [WEEKDAYS[int(d)] for d in df["weekday"]]
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=f"hour ({ctx.tz})"),
            y=alt.Y("weekday:O", sort=WEEKDAYS, title=None),
            color=alt.Color("messages:Q", scale=alt.Scale(scheme="blues"), title="messages"),
            tooltip=["weekday:O", "hour:O", "messages:Q"],
        )
        .properties(title="Activity by weekday and hour", height=200)
    )


def top(ctx, key: str, measure: str = "sessions", n: int = 10, title: str | None = None):
    """The ``n`` largest ``key`` values (user_name, project, agent, primary_model) by
    ``measure`` (sessions, active_hours, tool_calls, tool_errors, tokens, cost_usd)."""
    from workbench.query import trends

    df = _frame(trends.by_key(ctx.con, key, **ctx.filters))
    title = title or f"{measure.replace('_', ' ')} by {key.replace('_name', '')}"
    if df.empty:
        return empty(title)
    df = df.sort_values(measure, ascending=False).head(n)
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(f"{measure}:Q", title=measure.replace("_", " ")),
            y=alt.Y(f"{key}:N", sort="-x", title=None),
            tooltip=[
                f"{key}:N",
                "sessions:Q",
                "active_hours:Q",
                "tool_calls:Q",
                "tool_errors:Q",
                "tokens:Q",
                alt.Tooltip("cost_usd:Q", format="$,.2f"),
            ],
        )
        .properties(title=title, height=alt.Step(22))
    )


def models(ctx) -> alt.Chart:
    """Tokens per model; unpriced models in their own colour."""
    from workbench.query import trends

    df = _frame(trends.models(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Models used")
    df["price"] = ["priced" if p else "unpriced" for p in df["priced"]]
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("tokens:Q", title="tokens"),
            y=alt.Y("model:N", sort="-x", title=None),
            color=alt.Color(
                "price:N",
                scale=alt.Scale(domain=["priced", "unpriced"], range=["#4c78a8", "#e45756"]),
                title=None,
            ),
            tooltip=[
                "model:N",
                "responses:Q",
                "tokens:Q",
                alt.Tooltip("cost_usd:Q", format="$,.2f"),
            ],
        )
        .properties(title="Models used (tokens)", height=alt.Step(22))
    )


def tokens_per_day(ctx) -> alt.Chart:
    """Daily tokens stacked by type: input, output, cache write, cache read."""
    from workbench.query import trends

    df = _frame(trends.tokens_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Tokens per day")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("tokens:Q", title="tokens"),
            color=alt.Color(
                "type:N", sort=["input", "output", "cache_write", "cache_read"], title="type"
            ),
            tooltip=["day:T", "type:N", alt.Tooltip("tokens:Q", format=",")],
        )
        .properties(title="Tokens per day by type")
    )


def cost_per_day(ctx) -> alt.Chart:
    """Daily cost stacked by model (priced models only)."""
    from workbench.query import trends

    df = _frame(trends.cost_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Cost per day")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("cost_usd:Q", title="USD"),
            color=alt.Color("model:N", title="model"),
            tooltip=["day:T", "model:N", alt.Tooltip("cost_usd:Q", format="$,.2f")],
        )
        .properties(title="Cost per day by model")
    )


def cache_ratio(ctx) -> alt.Chart:
    """Share of prompt tokens read from cache, per day."""
    from workbench.query import trends

    df = _frame(trends.cache_ratio_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Cache hit ratio")
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y(
                "cache_hit_ratio:Q",
                title="cache reads / prompt tokens",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=["day:T", alt.Tooltip("cache_hit_ratio:Q", format=".1%")],
        )
        .properties(title="Cache hit ratio per day", height=200)
    )


def errors_per_day(ctx) -> alt.Chart:
    """Tool errors per day stacked by friction category."""
    from workbench.query import trends

    df = _frame(trends.errors_per_day(ctx.con, ctx.tz, **ctx.filters))
    if df.empty:
        return empty("Tool errors per day")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("errors:Q", title="tool errors"),
            color=alt.Color("category:N", title="category", scale=alt.Scale(scheme="tableau20")),
            tooltip=["day:T", "category:N", "errors:Q"],
        )
        .properties(title="Tool errors per day by category")
    )


def failing_tools(ctx, n: int = 12) -> alt.Chart:
    """The tools with the most errors, with their error rate."""
    import pandas as pd

    from workbench.query import friction_report

    df = pd.DataFrame(friction_report.tools(ctx.con, **ctx.filters))
    if df.empty or df["errors"].sum() == 0:
        return empty("Failing tools")
    df = df[df["errors"] > 0].head(n)
    return (
        alt.Chart(df)
        .mark_bar(color="#e45756")
        .encode(
            x=alt.X("errors:Q", title="errors"),
            y=alt.Y("tool_name:N", sort="-x", title=None),
            tooltip=["tool_name:N", "calls:Q", "errors:Q", alt.Tooltip("rate:Q", format=".1%")],
        )
        .properties(title="Failing tools (errors; rate in the tooltip)", height=alt.Step(22))
    )


def friction_rates(ctx, key: str = "user_name") -> alt.Chart:
    """Tool error rate per user (``user_name``) or per ``project``."""
    import pandas as pd

    from workbench.query import friction_report

    label = "user" if key == "user_name" else key
    rows = friction_report.rates_by(ctx.con, key, **ctx.filters)
    if ctx.redact:  # a project or user name may hold a key (redact_name: also after a "-")
        from workbench.core.redact import redact_data

        rows = redact_data(rows)
    df = pd.DataFrame(rows)
    if df.empty:
        return empty(f"Error rate per {label}")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("rate:Q", title="tool errors / tool calls", axis=alt.Axis(format="%")),
            y=alt.Y(f"{key}:N", sort="-x", title=None),
            tooltip=[
                f"{key}:N",
                "sessions:Q",
                "tool_calls:Q",
                "tool_errors:Q",
                alt.Tooltip("rate:Q", format=".1%"),
                "sessions_with_errors:Q",
            ],
        )
        .properties(title=f"Tool error rate per {label}", height=alt.Step(22))
    )


def compare(ctx, at: str) -> alt.Chart:
    """Errors per 100 tool calls by category, before vs after ``at`` (YYYY-MM-DD)."""
    import pandas as pd

    from workbench.query import friction_report
    from workbench.query.periods import parse_when

    if not at:
        return empty("Before / after")
    c = friction_report.compare(ctx.con, parse_when(at, ctx.tz), **ctx.filters)
    rows = [
        {"category": r["category"], "side": side, "per_100_calls": r[f"{side}_per_100_calls"]}
        for r in c["categories"]
        for side in ("before", "after")
    ]
    df = pd.DataFrame(rows)
    if df.empty:
        return empty("Before / after")
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("per_100_calls:Q", title="errors per 100 tool calls"),
            y=alt.Y("side:N", sort=["before", "after"], title=None),
            color=alt.Color("side:N", sort=["before", "after"], title=None),
            row=alt.Row(
                "category:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
            ),
            tooltip=["category:N", "side:N", "per_100_calls:Q"],
        )
        .properties(title=f"Before vs after {at}", height=30)
    )
