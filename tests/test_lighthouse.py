"""Lighthouse's image audits on an article whose lead image is a camera-size JPEG (issue 16):
properly sized images, modern formats, efficiently encoded, every image sized (no layout
shift), and the whole page under 250 KB on a 390-px phone.

Runs npm's lighthouse (12.x, installed into ./node_modules by .ci/run) with Debian's Chromium on
the example site served on 127.0.0.1; Lighthouse exits 0 whatever it finds, so its JSON is read.
Skips when lighthouse is missing, unless BROADSHEET_BROWSER_TESTS=1 (CI), which fails instead.
"""
from __future__ import annotations

import io
import json
import os
import subprocess

import pytest

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, REPO, Server, build_example, free_port, missing, require_chromium
from conftest import article

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
STORY = "content/world/camera-photo-harbour.md"
PAGE = "world/camera-photo-harbour/"
AUDITS = ("uses-responsive-images", "modern-image-formats", "uses-optimized-images", "unsized-images",
          "offscreen-images", "cumulative-layout-shift", "lcp-lazy-loaded", "total-byte-weight")
BUDGET = 250_000    # bytes, the whole page as a 390-px phone loads it


def camera_photo() -> bytes:
    """A 4000 x 3000 JPEG as a camera hands it in (grain, quality 92, EXIF with a GPS position):
    the example's harbour drawing, enlarged."""
    from PIL import Image, ImageChops
    with Image.open(REPO / "static/images/harbour-cranes.jpg") as drawing:
        image = drawing.convert("RGB").resize((4000, 3000), Image.Resampling.LANCZOS)
    image = ImageChops.add(image, Image.effect_noise(image.size, 5).convert("RGB"), scale=1.0, offset=-128)
    exif = Image.Exif()
    exif[0x010F] = "Example Camera Co"
    exif.get_ifd(0x8825).update({1: "N", 2: (18.0, 56.0, 24.0), 3: "E", 4: (72.0, 49.0, 33.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    require_chromium()
    if not LIGHTHOUSE.exists():
        missing(f"lighthouse is not installed at {LIGHTHOUSE} (npm install lighthouse@12)")
    root = tmp_path_factory.mktemp("lighthouse")
    photo = camera_photo()
    assert len(photo) > 2_000_000
    port = free_port()
    story = article(
        "Night shift at the harbour: a camera's photo", "2024-03-30 06:00:00", byline="Sofia Lindqvist",
        summary="A lead image straight from the camera, 4000 pixels wide.",
        image="{src: /images/camera-harbour.jpg, alt: Cranes over the harbour at dusk, credit: 'Photograph: A. Rao'}",
        body="Crews worked through the night.\n\n" * 12)
    out = build_example(root / "site", base_url=f"http://127.0.0.1:{port}/",
                        extra={STORY: story, "static/images/camera-harbour.jpg": photo})
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    command = [str(LIGHTHOUSE), f"http://127.0.0.1:{port}/{PAGE}", "--output=json", f"--output-path={root / 'report.json'}",
               "--quiet", f"--chrome-flags={flags}", "--only-audits=" + ",".join(AUDITS), "--form-factor=mobile",
               "--screenEmulation.mobile", "--screenEmulation.width=390", "--screenEmulation.height=844",
               "--screenEmulation.deviceScaleFactor=3"]
    with Server(out, port):
        done = subprocess.run(command, env=dict(os.environ, CHROME_PATH=CHROMIUM), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("audit", [a for a in AUDITS if a != "total-byte-weight"])
def test_lighthouse_image_audit_passes(report, audit):
    found = report["audits"][audit]
    assert found.get("scoreDisplayMode") != "error", found.get("errorMessage")
    items = (found.get("details") or {}).get("items") or []
    assert found["score"] == 1, f"{audit}: {found.get('displayValue', '')} {json.dumps(items)[:1500]}"


def test_the_article_weighs_under_250_kb_on_a_390_px_phone(report):
    weight = report["audits"]["total-byte-weight"]
    assert weight["numericValue"] < BUDGET, json.dumps(weight["details"]["items"][:10], indent=1)
    images = [i for i in weight["details"]["items"] if "/images/camera-harbour" in i["url"]]
    assert images and all(not i["url"].endswith("camera-harbour.jpg") for i in images)   # (never the camera's file)
