"""Intrinsic image sizes (generator/images.py) and how the Presenter hands them to templates."""
import struct
import zlib

import pytest

from generator.config import SiteConfig
from generator.images import image_size, image_sizes
from generator.listings import build_taxonomy
from generator.model import Image
from generator.present import Presenter


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(width: int, height: int, orientation: int | None = None, sof: int = 0xC0) -> bytes:
    parts = [b"\xff\xd8", segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")]
    if orientation is not None:
        ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
        parts.append(segment(0xE1, b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd))
    parts.append(segment(0xDB, bytes(65)))                       # a quantisation table before the frame
    parts.append(segment(sof, b"\x08" + struct.pack(">HH", height, width) + b"\x03" + bytes(9)))
    parts.append(segment(0xDA, bytes(10)))
    return b"".join(parts)


def webp(kind: bytes, width: int, height: int) -> bytes:
    if kind == b"VP8X":
        body = bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    elif kind == b"VP8L":
        body = b"\x2f" + ((width - 1) | (height - 1) << 14).to_bytes(4, "little")
    else:
        body = bytes(3) + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(body)) + b"WEBP" + kind + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("data, size", [
    (png(1200, 675), (1200, 675)),
    (b"GIF89a" + struct.pack("<HH", 40, 30) + bytes(8), (40, 30)),
    (jpeg(800, 600), (800, 600)),
    (jpeg(800, 600, sof=0xC2), (800, 600)),                  # progressive
    (jpeg(4032, 3024, orientation=6), (3024, 4032)),         # a phone photo taken upright
    (jpeg(4032, 3024, orientation=1), (4032, 3024)),
    (webp(b"VP8X", 1600, 900), (1600, 900)),
    (webp(b"VP8L", 300, 200), (300, 200)),
    (webp(b"VP8 ", 640, 480), (640, 480)),
], ids=["png", "gif", "jpeg", "progressive-jpeg", "jpeg-rotated", "jpeg-upright", "webp-vp8x", "webp-lossless", "webp-lossy"])
def test_raster_sizes_come_from_the_header(data, size):
    assert image_size(data) == size


@pytest.mark.parametrize("svg, size", [
    ('<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">', (1200, 675)),
    ('<?xml version="1.0"?>\n<!-- a comment -->\n<svg viewBox="0 0 32 32" xmlns="http://www.w3.org/2000/svg">', (32, 32)),
    ("<svg width='300px' viewBox='0 0 600 400'>", (300, 200)),
    ('<svg height="50" viewBox="0,0,200,100">', (100, 50)),
    ('<svg width="100%" height="100%" viewBox="0 0 640 360">', (640, 360)),   # % says nothing: the box does
    ('<svg\n  width="12.5"\n  height="10">', (12, 10)),
    ('<svg width="10em" height="5em">', None),
    ('<svg xmlns="http://www.w3.org/2000/svg">', None),
    ('<svg viewBox="0 0 0 10">', None),
])
def test_svg_sizes_come_from_width_height_or_the_view_box(svg, size):
    assert image_size((svg + "<rect/></svg>").encode()) == size


@pytest.mark.parametrize("data", [b"", b"hello", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xda\x00\x02", png(0, 10), b"RIFF\x00\x00\x00\x00WEBPVP8Z"])
def test_anything_else_has_no_size(data):
    assert image_size(data) is None


def test_site_images_override_the_theme_and_hidden_or_unknown_files_are_left_out(tmp_path):
    theme, site = tmp_path / "theme", tmp_path / "site"
    files = {
        theme / "static/favicon.svg": b'<svg viewBox="0 0 32 32"></svg>',
        theme / "static/images/shared.png": png(10, 10),
        theme / "static/images/broken.png": png(10, 10),
        site / "static/images/shared.png": png(20, 30),
        site / "static/images/broken.png": b"not a png",
        site / "static/images/photo.JPG": jpeg(640, 480),
        site / "static/.hidden/x.png": png(1, 1),
        site / "static/notes.txt": b"<svg width='1' height='1'></svg>",
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert image_sizes(site, theme) == {"favicon.svg": (32, 32), "images/shared.png": (20, 30),
                                        "images/photo.JPG": (640, 480)}


def test_a_large_jpeg_header_is_read_to_the_end(tmp_path):
    big = jpeg(500, 400)
    big = big[:2] + segment(0xE2, bytes(65000)) + segment(0xE2, bytes(65000)) + big[2:]
    (tmp_path / "static").mkdir()
    (tmp_path / "static/big.jpg").write_bytes(big)
    assert image_sizes(tmp_path, tmp_path / "no-theme") == {"big.jpg": (500, 400)}


def presenter(sizes=None, base_url="https://news.example/paper/"):
    return Presenter(SiteConfig(title="T", base_url=base_url), build_taxonomy([]), None, sizes)


def test_the_presenter_gives_templates_the_size_of_site_images():
    p = presenter({"images/ship.svg": (1200, 675)})
    view = p.image(Image("/images/ship.svg", "A ship"))
    assert (view.src, view.width, view.height) == ("/paper/images/ship.svg", 1200, 675)
    assert p.image(Image("images/ship.svg?v=2", "A ship")).width == 1200


@pytest.mark.parametrize("src", ["https://cdn.example/ship.svg", "//cdn.example/images/ship.svg", "/images/unknown.png"])
def test_remote_and_unknown_images_have_no_size(src):
    view = presenter({"images/ship.svg": (1200, 675), "cdn.example/ship.svg": (1, 1)}).image(Image(src, "A ship"))
    assert view.width is None and view.height is None


def test_without_sizes_the_presenter_still_works():
    view = presenter().image(Image("/images/ship.svg", "A ship"))
    assert view.width is None and view.height is None
