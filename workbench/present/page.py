"""The shell of every shared HTML page: one small stylesheet, a nav bar, print CSS, a footer.

Reports (executed notebooks), the index and the per-session transcript pages all go through
:func:`page`, a jinja2 template with ``autoescape=True``: everything passed in is escaped
unless it is already :class:`markupsafe.Markup` (HTML the caller built and escaped itself).
No JupyterLab stylesheet: the page carries only what its own markup uses (a few KB), so the
workbench table styles are never overridden by ``.jp-RenderedHTMLCommon td {text-align:right}``.

:func:`markdown` renders Markdown (notebook cells, assistant replies) with raw HTML escaped and
images disabled (an image would load from the network).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

#: The stylesheet of every page (the views' own ``<style>`` blocks are for JupyterLab).
CSS = """
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--accent:#1d4ed8;--bad:#b91c1c}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;
 color:var(--fg);margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:1rem 1rem 3rem}
h1{font-size:1.7rem;margin:.6rem 0 .3rem}h2{font-size:1.25rem;margin:1.8rem 0 .4rem;
 border-bottom:1px solid var(--line);padding-bottom:.2rem}h3{font-size:1.05rem}
a{color:var(--accent)}
code,pre{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-word}
nav.wb-nav{background:#f3f4f6;border-bottom:1px solid var(--line);font-size:13px}
nav.wb-nav ul{max-width:1100px;margin:0 auto;padding:.45rem 1rem;list-style:none;display:flex;
 flex-wrap:wrap;gap:.2rem 1.1rem}
nav.wb-nav a{text-decoration:none}nav.wb-nav a[aria-current]{font-weight:600;color:var(--fg)}
.wb-chart{margin:.4rem 0 1rem;overflow-x:auto}.wb-chart svg{display:block}
.wb-output{margin:.3rem 0}
.wb-empty{color:var(--muted);font-style:italic;margin:.3rem 0}
.wb-text{white-space:pre-wrap;word-break:break-word}
.wb-error pre{color:var(--bad)}
footer.wb-footer{margin-top:2.5rem;color:var(--muted);font-size:.85em}
.wb-table{border-collapse:collapse;margin:.4em 0;font-size:13px}
.wb-table th,.wb-table td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;
 vertical-align:top}
.wb-table th{font-weight:600;border-bottom:2px solid #d1d5db;white-space:nowrap}
.wb-table td.n,.wb-table th.n{text-align:right;font-variant-numeric:tabular-nums;
 white-space:nowrap}
.wb-table td.nw{white-space:nowrap}
@media print{
 nav.wb-nav,.wb-noprint{display:none}
 main{max-width:none;padding:0}
 h1,h2,h3{break-after:avoid;page-break-after:avoid}
 .wb-chart,.wb-cards,tr,.ev{break-inside:avoid;page-break-inside:avoid}
 a{color:inherit;text-decoration:none}
 body{font-size:11pt}
}
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="workbench">
<title>{{ title }}</title>
<style>{{ css }}{{ extra_css }}</style>
</head>
<body>
{% if nav %}<nav class="wb-nav" aria-label="reports"><ul>
{%- for item in nav %}<li><a href="{{ item.href }}"
 {%- if item.current %} aria-current="page"{% endif %}>{{ item.label }}</a></li>
{%- endfor -%}
</ul></nav>{% endif %}
<main>
{{ body }}
{% if footer %}<footer class="wb-footer">{{ footer }}</footer>{% endif %}
</main>
{% if script %}<script>{{ script }}</script>{% endif %}
</body>
</html>
"""


@dataclass(frozen=True)
class Link:
    """One entry of the nav bar."""

    href: str
    label: str
    current: bool = False


@functools.cache
def _template():
    from jinja2 import Environment

    return Environment(autoescape=True, keep_trailing_newline=True).from_string(_TEMPLATE)


def page(
    title: str,
    body: str | Markup,
    *,
    nav: Sequence[Link] = (),
    footer: str | Markup = "",
    extra_css: str = "",
    script: str = "",
) -> str:
    """A complete HTML page. ``body``/``footer`` as plain ``str`` are escaped; pass
    :class:`Markup` for HTML. ``script`` is an inline enhancement: the page must be complete
    without it."""
    return _template().render(
        title=title,
        body=body,
        nav=list(nav),
        footer=footer,
        css=Markup(CSS),
        extra_css=Markup(extra_css),
        script=Markup(script.replace("</", "<\\/")) if script else "",
    )


@functools.cache
def _md():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")  # an image would be fetched from the network
    return md


def markdown(text: str, *, anchors: bool = False) -> Markup:
    """Markdown as HTML; raw HTML in the text is escaped, links are checked by markdown-it
    (no ``javascript:``), images stay text. ``anchors`` gives headings an ``id`` (their
    words, lower case, dashed) so a section can be linked."""
    out = _md().render(text or "")
    if anchors:
        out = _HEADING.sub(_anchor, out)
    return Markup(out)


_HEADING = re.compile(r"<h([1-4])>(.*?)</h\1>")


def _anchor(m: re.Match) -> str:
    words = re.sub(r"<[^>]+>|&[a-z#0-9]+;", "", m.group(2)).lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", words))
    return f'<h{m.group(1)} id="{slug}">{m.group(2)}</h{m.group(1)}>' if slug else m.group(0)


_STYLE_BLOCK = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)


def dedupe_styles(fragments: Sequence[str]) -> list[str]:
    """Each distinct ``<style>`` block kept once across ``fragments`` (views repeat theirs
    in every output so that they also style JupyterLab)."""
    seen: set[str] = set()

    def once(m: re.Match) -> str:
        block = m.group(0)
        if block in seen:
            return ""
        seen.add(block)
        return block

    return [_STYLE_BLOCK.sub(once, f) for f in fragments]
