"""Newsroom photos as they are published (issue 16): the right way up, in sRGB, with none of the
camera's metadata (no GPS position, no serial number), in a set of widths and formats.

Pure: bytes in, bytes out, on Pillow (its own AVIF and WebP support, since 11.3). Which images a
page uses, the jobs that make their files and the cache that keeps them are the build's.
"""
from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageOps, features

from .images import MIME

# Never upscaled: a narrower source stops at its own width. 1080 is for phones at 3x (a 360-px
# column): without it they took 1280, ~30% more bytes than they show, which Lighthouse's
# uses-responsive-images counts against the page once it is over 12 KiB (a real photo's AVIF is)
WIDTHS = (320, 640, 960, 1080, 1280, 1920)
# Pillow's save() options per format. WebP's method 2 and AVIF's speed 8 (the defaults are 4 and 6)
# took 0.14 s and 0.20 s for a camera photo's five widths (before 1080 was added) against 0.39 s and 0.50 s, for files
# 2% larger and the same size
OPTIONS = {
    "avif": {"quality": 55, "speed": 8},
    "webp": {"quality": 80, "method": 2},
    "jpeg": {"quality": 82, "optimize": True, "progressive": True},
    "png": {"optimize": True},
}
SUFFIX = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}
# The crops a lead photo is also published in: (name, width, height). "card" is the social card
# (Open Graph, X): 1.91:1 at 1200 px, the size Facebook and X show large, so made that size even
# from a narrower photo. The others are the 16x9, 4x3 and 1x1 images Google's Article guidance asks
# NewsArticle to list, 1200 px across at most and never upscaled.
CROPS = (("card", 1200, 628), ("16x9", 1200, 675), ("4x3", 1200, 900), ("1x1", 1200, 1200))
CENTRE = (0.5, 0.5)


class PhotoError(Exception):
    """What is wrong with an image, in words for a problem naming its file (`path: image: message`)."""


RECIPE = 1      # raise when what make() makes changes in a way recipe_key()'s other parts do not show


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    format: str         # "avif", "webp", "jpeg" or "png"
    name: str           # its file name (see plan())
    data: bytes = b""   # (empty in a plan: made by make())
    box: tuple[float, float, float, float] | None = None    # a crop's: left, top, right, bottom, as fractions


    @property
    def mime(self) -> str:
        return MIME[self.format]


@dataclass(frozen=True)
class Plan:
    """What a photo will be published as, known from its header alone: so pages that show it can
    be rendered while its files are still being made."""
    width: int          # as shown: after its EXIF orientation
    height: int
    renditions: tuple[Rendition, ...]
    format: str = "jpeg"    # the source's ("jpeg", "png", "webp" or "avif")

    def own(self) -> Rendition | None:
        """What the photo's own path serves: its widest rendition in its own format, so a link to
        the file as it was handed in still works, and serves no metadata (None: none is made in it)."""
        return self.widest(self.format)

    def widest(self, fmt: str) -> Rendition | None:
        return max((r for r in self.renditions if r.format == fmt), key=lambda r: r.width, default=None)

    @property
    def fallback(self) -> str:
        """The format every browser and social site reads that the photo is made in: JPEG, or PNG."""
        return self.renditions[-1].format if self.renditions else "jpeg"


def crops(planned: Plan, stem: str, digest: str, focus: tuple[float, float] | None = None) -> tuple[Rendition, ...]:
    """The CROPS of a photo, each the largest box of its shape the photo holds, placed as near
    centred on `focus` (x, y: fractions from the left and from the top; the centre if None) as
    the photo's edges allow, in the photo's fallback format, named `STEM-NAME.HASH.EXT` (the hash
    as plan()'s, with the box). Worked out from the plan alone: a page names them before they are made."""
    fx, fy = focus or CENTRE
    width, height, kind = planned.width, planned.height, planned.fallback
    recipe = recipe_key()
    out = []
    for name, w, h in CROPS:
        if width * h > height * w:      # wider than the crop: the whole height, part of the width
            cw, ch = max(1, round(height * w / h)), height
        else:
            cw, ch = width, max(1, round(width * h / w))
        left = min(max(round(fx * width - cw / 2), 0), width - cw)
        top = min(max(round(fy * height - ch / 2), 0), height - ch)
        box = (left / width, top / height, (left + cw) / width, (top + ch) / height)
        if name != "card" and cw < w:   # (never upscaled: as wide as the photo's box is)
            w, h = cw, ch
        tag = hashlib.sha256(f"{digest} {name} {box} {w}x{h} {kind} {recipe}".encode()).hexdigest()[:12]
        out.append(Rendition(w, h, kind, f"{stem}-{name}.{tag}.{SUFFIX[kind]}", box=box))
    return tuple(out)


@lru_cache(maxsize=1)
def recipe_key() -> str:
    """Everything besides a photo's bytes that its published files depend on."""
    from PIL import __version__ as pillow
    parts = (RECIPE, pillow, sorted((kind, sorted(o.items())) for kind, o in OPTIONS.items()), WIDTHS, features.check("avif"),
             features.version("avif"), features.version("webp"), features.version("jpg"), features.version("littlecms2"))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def plan(data: bytes | Path, stem: str, widths: tuple[int, ...] = WIDTHS, digest: str | None = None) -> Plan:
    """The files `data` (bytes, or a file's path) will be published as, named
    `STEM-WIDTHw.HASH.EXT`: the hash is of the source's bytes (`digest`, their SHA-256, if known),
    the width, the format and recipe_key(), so a name changes whenever the file could, and a CDN
    may keep it forever. Reads the header only (PhotoError if it cannot be read); make() reads the rest."""
    if isinstance(data, Path):
        try:
            with data.open("rb") as f:
                header = _open(f, load=False)
                size, turned, has_alpha, kind_of = header.size, _turned(header), _has_alpha(header), source_format(header)
                digest = digest or hashlib.sha256(data.read_bytes()).hexdigest()
        except OSError as exc:
            raise PhotoError(f"cannot be read: {exc.strerror or exc}") from None
    else:
        header = _open(data, load=False)
        size, turned, has_alpha, kind_of = header.size, _turned(header), _has_alpha(header), source_format(header)
        digest = digest or hashlib.sha256(data).hexdigest()
    width, height = size[::-1] if turned else size      # (a quarter turn: width and height swap)
    recipe = recipe_key()
    made = []
    for w in widths_for(width, widths):
        h = max(1, round(height * w / width))
        for kind in formats(has_alpha, kind_of):
            name = hashlib.sha256(f"{digest} {w} {kind} {recipe}".encode()).hexdigest()[:12]
            made.append(Rendition(w, h, kind, f"{stem}-{w}w.{name}.{SUFFIX[kind]}"))
    return Plan(width, height, tuple(made), kind_of)


def source_format(image: Image.Image) -> str:
    """The format a source is in, as formats() names them (a GIF or TIFF counts as PNG: lossless)."""
    kind = (image.format or "").lower()
    return kind if kind in ("jpeg", "png", "webp", "avif") else "png"


def make(data: bytes, planned: Plan, cropped: tuple[Rendition, ...] = ()) -> list[Rendition]:
    """The planned renditions of `data`, then the crops asked for (see crops()), with their
    bytes. A JPEG is decoded at the smallest scale its codec offers that is still at least as
    wide as the widest rendition, and each width is resized from the next one up, not from the
    whole photo: a camera's 4000 pixels are never all needed at once. The crops are cut from the
    widest rendition (1920 px: for a photo in 4:3 or 3:2, each crop's box of it is wider than the
    crop; a panorama's square is scaled up a little)."""
    widest = max((r.width for r in planned.renditions), default=None)
    image = open_photo(data, widest)
    sized: dict[int, Image.Image] = {}
    above = image
    for width, height in sorted({(r.width, r.height) for r in planned.renditions}, reverse=True):
        sized[width] = above = above if width == above.width else above.resize((width, height), Image.Resampling.LANCZOS)
    made = [Rendition(r.width, r.height, r.format, r.name, _encode(sized[r.width], r.format)) for r in planned.renditions]
    top = sized[widest] if widest else image
    for c in cropped:
        l, t, r, b = c.box
        box = (round(l * top.width), round(t * top.height), round(r * top.width), round(b * top.height))
        cut = top.resize((c.width, c.height), Image.Resampling.LANCZOS, box=box)
        made.append(Rendition(c.width, c.height, c.format, c.name, _encode(cut, c.format), c.box))
    return made


def made_once(data: bytes, planned: Plan, folder: Path, cropped: tuple[Rendition, ...] = ()) -> list[Rendition]:
    """make(), once for all builds: files already in `folder` (a cache of renditions by their
    planned names, which change with the source and the recipe) are read back; if any is missing,
    all are made again, the same way as the first time (a width resized from another width up
    would hold other bytes), and the missing ones put there, each written whole or not at all."""
    wanted = (*planned.renditions, *cropped)
    kept: dict[str, bytes] = {}
    for r in wanted:
        try:
            kept[r.name] = (folder / r.name).read_bytes()
        except OSError:
            pass
    if len(kept) < len(wanted):
        for r in make(data, planned, cropped):
            if r.name not in kept:
                _keep(folder, r.name, r.data)
                kept[r.name] = r.data
    return [Rendition(r.width, r.height, r.format, r.name, kept[r.name], r.box) for r in wanted]


def _keep(folder: Path, name: str, data: bytes) -> None:
    """Put a file in the cache folder atomically; a cache that cannot be written is only slower."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, folder / name)
    except OSError:
        pass


def formats(has_alpha: bool, source: str = "jpeg") -> tuple[str, ...]:
    """What a photo is made in, the fallback last: AVIF where this Pillow can write it, WebP,
    then JPEG, or PNG for a PNG (a chart or a map, whose lines JPEG would blur) and for an image
    with transparency, which JPEG cannot carry."""
    modern = ("avif", "webp") if features.check("avif") else ("webp",)
    return (*modern, "png" if has_alpha or source == "png" else "jpeg")


def open_photo(data: bytes, width: int | None = None) -> Image.Image:
    """The image in `data` as a reader should see it: turned as its EXIF orientation says,
    converted to sRGB from its colour profile, in RGB (RGBA if it has transparency), with no
    metadata left on it. PhotoError if it is not an image Pillow can read in full, or is larger
    than Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS). `width`: only so wide an
    image is needed (a JPEG may then be decoded at a smaller scale, never narrower than that)."""
    image = _open(data, load=True, width=width)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = ImageOps.exif_transpose(image) or image
        image = _to_srgb(image)
    except Exception as exc:    # a broken EXIF block or colour profile
        raise PhotoError(f"cannot be read: its metadata is broken ({exc})") from None
    image.info = {}             # (no EXIF, XMP, comment or profile goes on to the published files)
    return image


def _open(data: bytes | BinaryIO, load: bool, width: int | None = None) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # (a broken EXIF block: Pillow warns on stderr, and reads on)
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data) if isinstance(data, bytes) else data)
            if load and width and image.format == "JPEG":
                shown = image.height if _turned(image) else image.width
                if width < shown:       # (rounded up: never narrower than asked)
                    image.draft(image.mode, (-(-image.width * width // shown), -(-image.height * width // shown)))
            if load:
                image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"is too large to process safely (over {Image.MAX_IMAGE_PIXELS:,} pixels)") from None
    except Image.UnidentifiedImageError:
        raise PhotoError("is not an image Broadsheet can read (not a JPEG, PNG, GIF, WebP or AVIF file)") from None
    except Exception as exc:    # truncated or corrupt: Pillow raises OSError, SyntaxError, ValueError, ...
        raise PhotoError(f"cannot be read: it is corrupt or cut short ({exc})") from None
    return image


def _turned(image: Image.Image) -> bool:
    """Whether the image's EXIF orientation turns it a quarter (5-8), read from its header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return image.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8)
    except Exception as exc:    # a broken EXIF block
        raise PhotoError(f"cannot be read: its metadata is broken ({exc})") from None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _to_srgb(image: Image.Image) -> Image.Image:
    has_alpha = _has_alpha(image)
    profile = image.info.get("icc_profile")
    if has_alpha:
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "CMYK"):
        image = image.convert("RGB")
    if profile:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                          outputMode="RGBA" if has_alpha else "RGB")
    elif image.mode == "CMYK":
        image = image.convert("RGB")
    return image


def widths_for(width: int, widths: tuple[int, ...] = WIDTHS) -> list[int]:
    """The widths a photo `width` pixels wide is made in: each of `widths` narrower than it, and
    its own width (or the largest of `widths`, if it is wider)."""
    top = min(width, max(widths))
    return sorted({w for w in widths if w < top} | {top})


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    (image.convert("RGB") if kind == "jpeg" else image).save(out, kind.upper(), **OPTIONS[kind])
    return out.getvalue()
