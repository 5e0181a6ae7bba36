"""Intrinsic sizes of a site's images, so templates can set width/height and nothing jumps while loading.

`image_size` is pure: it reads the header bytes of SVG, PNG, JPEG, GIF and WebP files.
`image_sizes` is the I/O edge: it looks at the theme's and the site's static/ folders.
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

EXTENSIONS = (".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp")
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}   # (photos.py's formats)
HEAD_BYTES = 64 * 1024      # enough for an SVG root element and most JPEG headers

_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.IGNORECASE | re.DOTALL)
_SVG_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")
# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}

IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# Image files cameras, phones and picture desks make that browsers do not show (Safari alone reads HEIC)
UNSHOWN = {".heic": "HEIC", ".heif": "HEIF", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP", ".psd": "Photoshop",
           ".dng": "camera raw (DNG)", ".cr2": "camera raw (CR2)", ".cr3": "camera raw (CR3)", ".nef": "camera raw (NEF)",
           ".arw": "camera raw (ARW)", ".raf": "camera raw (RAF)", ".orf": "camera raw (ORF)"}


def unshown(src: str) -> str | None:
    """What is wrong with an image source browsers cannot show (a HEIC, TIFF, raw file ...), or None."""
    from urllib.parse import urlsplit
    path = urlsplit(src).path.lower()
    kind = next((name for suffix, name in UNSHOWN.items() if path.endswith(suffix)), None)
    if kind is None:
        return None
    return (f"is a {kind} file, which browsers do not show: export it as a JPEG (or a PNG for a chart or map) "
            "and point to that")
_ATTR = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


def img_attributes(tag: str) -> dict[str, str]:
    """The attributes of an <img ...> tag, by lower-case name (entities left as they are)."""
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4) or ""
            for m in _ATTR.finditer(tag[4:].rstrip("/>"))}


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in CSS pixels as a browser shows the image, or None if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return _positive(*struct.unpack(">II", data[16:24]))
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _positive(*struct.unpack("<HH", data[6:10]))
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if b"<svg" in data[:HEAD_BYTES].lower():
        return _svg_size(data)
    return None


def image_sizes(site_dir: Path, theme_dir: Path) -> dict[str, tuple[int, int]]:
    """{path in the built site ("images/ship.svg"): (width, height)} for the theme's, then the site's, static images."""
    sizes: dict[str, tuple[int, int]] = {}
    for root in (theme_dir / "static", site_dir / "static"):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.suffix.lower() not in EXTENSIONS or not path.is_file() or any(p.startswith(".") for p in rel.parts):
                continue
            size = image_size(_read_head(path))
            if size is None and path.stat().st_size > HEAD_BYTES:
                size = image_size(path.read_bytes())     # e.g. a JPEG with a large embedded thumbnail
            if size is not None:
                sizes[rel.as_posix()] = size
            else:
                sizes.pop(rel.as_posix(), None)         # the site's file replaces the theme's
    return sizes


def _read_head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(HEAD_BYTES)


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def _svg_size(data: bytes) -> tuple[int, int] | None:
    tag = _SVG_TAG.search(data[:HEAD_BYTES])
    if tag is None:
        return None
    attrs = {k.lower(): v for k, v in re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']',
                                                  tag.group().decode("utf-8", "replace"))}
    width, height = _svg_length(attrs.get("width")), _svg_length(attrs.get("height"))
    box = [float(n) for n in re.findall(r"-?[0-9]*\.?[0-9]+(?:e-?\d+)?", attrs.get("viewbox", ""))]
    ratio = box[2] / box[3] if len(box) == 4 and box[2] > 0 and box[3] > 0 else None
    if width and height:
        return _positive(round(width), round(height))
    if width and ratio:
        return _positive(round(width), round(width / ratio))
    if height and ratio:
        return _positive(round(height * ratio), round(height))
    if ratio:
        return _positive(round(box[2]), round(box[3]))
    return None


def _svg_length(value: str | None) -> float | None:
    """A length in user units or px; percentages and other units say nothing about the size."""
    match = _SVG_LENGTH.match(value or "")
    return float(match.group(1)) if match else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i, size, turned = 2, None, False
    while i + 4 <= len(data) and size is None:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:          # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:   # markers without a length
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        segment = data[i + 4:i + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            turned = _exif_orientation(segment[6:]) in (5, 6, 7, 8)
        elif marker in _SOF and len(segment) >= 5:
            height, width = struct.unpack(">HH", segment[1:5])
            size = _positive(width, height)
        elif marker == 0xDA:        # start of scan: no frame header ahead
            return None
        i += 2 + length
    if size is not None and turned:
        return size[1], size[0]     # browsers apply the EXIF orientation (image-orientation: from-image)
    return size


def _exif_orientation(tiff: bytes) -> int:
    """The Orientation tag (0x0112) of IFD0 in a TIFF/EXIF block; 1 (upright) if absent."""
    if tiff[:2] not in (b"II", b"MM") or len(tiff) < 8:
        return 1
    order = "<" if tiff[:2] == b"II" else ">"
    offset = struct.unpack(order + "I", tiff[4:8])[0]
    if offset + 2 > len(tiff):
        return 1
    count = struct.unpack(order + "H", tiff[offset:offset + 2])[0]
    for n in range(count):
        entry = tiff[offset + 2 + 12 * n: offset + 14 + 12 * n]
        if len(entry) == 12 and struct.unpack(order + "H", entry[:2])[0] == 0x0112:
            return struct.unpack(order + "H", entry[8:10])[0]
    return 1


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return _positive(w, h)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", data[26:30])
        return _positive(w & 0x3FFF, h & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return _positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return None
