"""One PNG per report with headless Chromium: ``python docs/screenshots.py REPORTS_DIR OUT_DIR``.

``make screenshots`` renders every report on the demo data first; the README's Reports section
shows the PNGs. The browser runs with the network off (``--proxy-server`` to a closed port), so
a screenshot also shows that the page is complete offline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")
PAGES = ("index", "overview", "tokens", "friction", "sessions", "user", "session")
WIDTH, HEIGHT = 1200, 1500


def chromium() -> str:
    for name in CANDIDATES:
        if found := shutil.which(name):
            return found
    sys.exit("headless Chromium is needed: sudo apt-get install chromium")


def main(reports: Path, out: Path) -> int:
    exe = chromium()
    out.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        page = reports / f"{name}.html"
        if not page.exists():
            print(f"skipped {name}: no {page}", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                 "--proxy-server=127.0.0.1:9", "--no-first-run", f"--user-data-dir={profile}",
                 f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={out / f'{name}.png'}",
                 page.resolve().as_uri()],
                check=True, capture_output=True, timeout=120,
            )  # fmt: skip
        print(f"wrote {out / f'{name}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "reports"),
                  Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")))  # fmt: skip
