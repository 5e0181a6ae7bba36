"""Render the default theme's PNG and ICO icons from its favicon.svg, with headless Chromium.

    .venv/bin/python scripts/icons.py

Writes into themes/default/static/: favicon.ico (32 px), apple-touch-icon.png (180 px, square:
iOS rounds the corners itself), icon-192.png and icon-512.png (rounded, as favicon.svg) and
icon-maskable-512.png (square; the letter sits inside the maskable safe zone). Run it after
changing favicon.svg; needs playwright and Debian's chromium, as the browser tests do.
"""
from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from browser_helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

STATIC = REPO / "themes" / "default" / "static"
ICONS = {  # file: (size, square corners)
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),
    "favicon-32.png": (32, False),     # only inside favicon.ico
}


def ico(png: bytes, size: int) -> bytes:
    """A one-image .ico holding a PNG (every current browser reads PNG-in-ICO)."""
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), 6 + 16)
    return header + entry + png


def main() -> None:
    from playwright.sync_api import sync_playwright
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (size, square) in ICONS.items():
            source = re.sub(r'\srx="[^"]*"', "", svg) if square else svg
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(f'<style>html,body{{margin:0;background:transparent}}svg{{display:block;width:{size}px;'
                             f'height:{size}px}}</style>{source}')
            png = page.screenshot(omit_background=True)
            page.close()
            if name == "favicon-32.png":
                (STATIC / "favicon.ico").write_bytes(ico(png, size))
                print(STATIC / "favicon.ico")
            else:
                (STATIC / name).write_bytes(png)
                print(STATIC / name)
        browser.close()


if __name__ == "__main__":
    main()
