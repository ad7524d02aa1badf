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
