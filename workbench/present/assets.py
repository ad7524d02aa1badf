"""What an HTML page would fetch from outside itself: the self-containment check for reports.

``remote_assets(page)`` lists scripts, stylesheets, images, frames, fonts and CSS imports that
load from the network or other files, and inline scripts that load from a known CDN. Links
(``<a href>``) do not count.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _AssetScanner(HTMLParser):
    """Collects what a page would fetch: src/href of loading elements, CSS imports and urls."""

    LOADING = {"script", "link", "img", "iframe", "frame", "audio", "video", "source", "track",
               "embed", "object", "input", "image", "use", "base"}  # fmt: skip
    URL_ATTRS = {"src", "href", "data", "poster", "srcset", "xlink:href", "background"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self._in_script = tag == "script"
        for name, value in attrs:
            if not value:
                continue
            if tag in self.LOADING and name in self.URL_ATTRS and _external(value):
                self.found.append(f"<{tag} {name}={value}>")
            if name == "style":
                self._css(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._in_style = self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)
        if self._in_script:  # loaders that add <script src=CDN> at run time
            self.found += [f"script loads {m.group(0)}" for m in _CDN.finditer(data)]

    def _css(self, css: str) -> None:
        imports = r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)[^;]*;?"""
        for m in re.finditer(imports, css):
            if _external(m.group(1)):
                self.found.append(f"@import {m.group(1)}")
        for m in re.finditer(r"""url\(\s*['"]?([^'")\s]+)""", re.sub(imports, "", css)):
            if _external(m.group(1)):
                self.found.append(f"url({m.group(1)})")


#: Script CDNs that inline loaders (Altair's default renderer, RequireJS configs) fetch from.
_CDN = re.compile(
    r"https?://(?:cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|cdn\.plot\.ly"
    r"|code\.jquery\.com|ajax\.googleapis\.com|fonts\.googleapis\.com)/[^\s\"'`)]*"
)


def _external(url: str) -> bool:
    """A reference to something outside the page (not ``data:``, not ``#fragment``)."""
    u = url.strip().lower()
    if "," in u and not u.startswith("data:"):  # srcset: "a.png 1x, b.png 2x"
        return any(_external(part.split()[0]) for part in u.split(",") if part.split())
    return bool(u) and not u.startswith(("data:", "#", "about:blank", "javascript:"))


def remote_assets(page: str) -> list[str]:
    """What ``page`` would fetch from outside itself (the network or other files): scripts,
    stylesheets, images, frames, fonts, CSS imports, and inline scripts that load from a
    known CDN. Links (``<a href>``) do not count."""
    scanner = _AssetScanner()
    scanner.feed(page)
    scanner.close()
    return scanner.found
