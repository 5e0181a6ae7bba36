"""Newsroom photos as they are published (issue 16): the right way up, in sRGB, with none of the
camera's metadata (no GPS position, no serial number), in a set of widths and formats.

Pure: bytes in, bytes out, on Pillow (its own AVIF and WebP support, since 11.3). Which images a
page uses, the jobs that make their files and the cache that keeps them are the build's.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, features

WIDTHS = (320, 640, 960, 1280, 1920)    # never upscaled: a narrower source stops at its own width
QUALITY = {"avif": 55, "webp": 80, "jpeg": 82}
MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "png": "image/png"}
SUFFIX = {"avif": "avif", "webp": "webp", "jpeg": "jpg", "png": "png"}


class PhotoError(Exception):
    """What is wrong with an image, in words for a problem naming its file (`path: image: message`)."""


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    format: str         # "avif", "webp", "jpeg" or "png"
    data: bytes

    @property
    def mime(self) -> str:
        return MIME[self.format]

    def name(self, stem: str) -> str:
        """A file name that changes whenever the bytes do, so a CDN may keep it forever."""
        digest = hashlib.sha256(self.data).hexdigest()[:12]
        return f"{stem}-{self.width}w.{digest}.{SUFFIX[self.format]}"


def formats(has_alpha: bool) -> tuple[str, ...]:
    """What a photo is made in, the fallback last: AVIF where this Pillow can write it, WebP,
    then JPEG (PNG for an image with transparency, which JPEG cannot carry)."""
    modern = ("avif", "webp") if features.check("avif") else ("webp",)
    return (*modern, "png" if has_alpha else "jpeg")


def open_photo(data: bytes) -> Image.Image:
    """The image in `data` as a reader should see it: turned as its EXIF orientation says,
    converted to sRGB from its colour profile, in RGB (RGBA if it has transparency), with no
    metadata left on it. PhotoError if it is not an image Pillow can read in full, or is larger
    than Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"is too large to process safely (over {Image.MAX_IMAGE_PIXELS:,} pixels)") from None
    except Image.UnidentifiedImageError:
        raise PhotoError("is not an image Broadsheet can read (not a JPEG, PNG, GIF, WebP or AVIF file)") from None
    except Exception as exc:    # truncated or corrupt: Pillow raises OSError, SyntaxError, ValueError, ...
        raise PhotoError(f"cannot be read: it is corrupt or cut short ({exc})") from None
    try:
        image = ImageOps.exif_transpose(image) or image
        image = _to_srgb(image)
    except Exception as exc:    # a broken EXIF block or colour profile
        raise PhotoError(f"cannot be read: its metadata is broken ({exc})") from None
    image.info = {}             # (no EXIF, XMP, comment or profile goes on to the published files)
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
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


def renditions(image: Image.Image, widths: tuple[int, ...] = WIDTHS,
               kinds: tuple[str, ...] | None = None) -> list[Rendition]:
    """`image` (from open_photo()) in each width of widths_for() and each format of formats()."""
    kinds = kinds or formats(image.mode == "RGBA")
    made = []
    for width in widths_for(image.width, widths):
        height = max(1, round(image.height * width / image.width))
        sized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        for kind in kinds:
            made.append(Rendition(width, height, kind, _encode(sized, kind)))
    return made


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=QUALITY["jpeg"], optimize=True, progressive=True)
    elif kind == "png":
        image.save(out, "PNG", optimize=True)
    elif kind == "webp":
        image.save(out, "WEBP", quality=QUALITY["webp"], method=4)
    else:
        image.save(out, "AVIF", quality=QUALITY["avif"])
    return out.getvalue()
