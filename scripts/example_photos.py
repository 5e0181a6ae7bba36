"""Make the example site's photos: each drawing in scripts/example-art/ rendered by headless
Chromium at 1600 px, then given what a camera adds — grain, a vignette, and EXIF with a GPS
position, a camera serial number and an orientation — so that the example exercises every part of
the photo pipeline (README: Photos): resizing, modern formats, the crops, and the metadata that
must never be published.

    .venv/bin/python scripts/example_photos.py

Writes static/images/NAME.jpg for each drawing (trade-chart as a PNG, as a newsroom's chart would
be: no grain, no EXIF); marathon.jpg is stored on its side with EXIF orientation 6, as a phone
saves a portrait. (Pillow's grain comes from the C library's rand(), so another machine may make
other bytes; the files are committed.) Run it after changing a drawing; needs playwright and Debian's chromium, as the browser tests do.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from browser_helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ART = REPO / "scripts" / "example-art"
OUT = REPO / "static" / "images"
WIDTH = 1600                        # (wider than the article column at 2x; the tests build the example often)
CHARTS = {"trade-chart"}            # published as PNG: lines and text JPEG would blur
TURNED = {"marathon"}               # stored on its side, EXIF orientation 6 (as a phone saves it)


def drawn(svg: str, browser) -> bytes:
    """The drawing as a PNG WIDTH pixels wide (its own aspect ratio)."""
    import re
    w, h = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
    page = browser.new_page(viewport={"width": int(w), "height": int(h)}, device_scale_factor=WIDTH / w)
    page.set_content(f'<style>html,body{{margin:0}}svg{{display:block;width:{int(w)}px;height:{int(h)}px}}</style>{svg}')
    png = page.screenshot()
    page.close()
    return png


def camera(png: bytes, seed: int, turned: bool) -> bytes:
    """A camera's JPEG of the drawing: softened a little, with grain and a vignette, and the
    metadata a phone writes (the pipeline strips it all)."""
    from PIL import Image, ImageChops, ImageFilter
    image = Image.open(io.BytesIO(png)).convert("RGB").filter(ImageFilter.GaussianBlur(0.8))
    grain = Image.effect_noise(image.size, 4).convert("RGB")
    image = ImageChops.add(image, grain, scale=1.0, offset=-128)
    edge = Image.radial_gradient("L").resize(image.size)            # 0 at the centre, 255 at the corners
    shade = edge.point(lambda v: 255 - int(max(0, v - 90) * 0.45))
    image = ImageChops.multiply(image, Image.merge("RGB", (shade, shade, shade)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Example Camera Co", "EC-1"           # Make, Model
    exif[0xA431] = f"SN{seed:08d}"                                      # BodySerialNumber
    exif.get_ifd(0x8825).update({1: "N", 2: (18.0, 56.0, 24.0), 3: "E", 4: (72.0, 49.0, 33.0)})   # GPS: a source's location
    if turned:
        image = image.transpose(Image.Transpose.ROTATE_90)       # on its side; orientation 6 turns it back
        exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=84, exif=exif)
    return out.getvalue()


def main() -> None:
    from playwright.sync_api import sync_playwright
    from PIL import Image
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for n, svg in enumerate(sorted(ART.glob("*.svg"))):
            png = drawn(svg.read_text(encoding="utf-8"), browser)
            if svg.stem in CHARTS:
                out = io.BytesIO()
                Image.open(io.BytesIO(png)).convert("RGB").save(out, "PNG", optimize=True)
                target, data = OUT / f"{svg.stem}.png", out.getvalue()
            else:
                target, data = OUT / f"{svg.stem}.jpg", camera(png, n + 1, svg.stem in TURNED)
            target.write_bytes(data)
            print(f"{target.relative_to(REPO)}  {len(data) // 1000} KB")
        browser.close()


if __name__ == "__main__":
    main()
