"""The site's own social card (issue 16): what Facebook, X and chat apps show for a page with no
photo of its own, when site.toml names none ([social] image). A 1200 x 628 PNG of the site's
title and description on the theme's accent colour, with the publisher's logo if it is a photo.

Pure: text and the logo's bytes in, PNG bytes out, on Pillow (its bundled FreeType font, the same
on every machine). Named by the hash of what it is made from, so a change gives a new name and a
social site's cache of the old one does not matter.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .photos import recipe_key
from .urls import site_path

if TYPE_CHECKING:
    from .config import SiteConfig
    from .pictures import PhotoJob

SIZE = (1200, 628)
BACKGROUND, TEXT, RULE = (163, 21, 27), (255, 255, 255), (255, 214, 210)     # the theme's --accent
RECIPE = 1      # raise when make_card() draws differently


def card_name(title: str, description: str, host: str, logo_digest: str | None) -> str:
    """The card's path in the built site: social-card.HASH.png."""
    made_from = repr((RECIPE, recipe_key(), title, description, host, logo_digest))
    return f"social-card.{hashlib.sha256(made_from.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}.png"


def make_card(title: str, description: str, host: str, logo: bytes | None = None) -> bytes:
    """The card: the title (up to three lines, shrunk to fit), the description (two lines at most),
    a rule and the site's host name; the logo top left, as a photo of it (photos.open_photo())."""
    from PIL import Image, ImageDraw, ImageFont

    from .photos import PhotoError, open_photo
    card = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(card)
    margin, width = 80, SIZE[0] - 160
    top = margin
    if logo:
        try:
            mark = open_photo(logo)
        except PhotoError:
            mark = None
        if mark is not None:
            mark.thumbnail((320, 96))
            card.paste(mark, (margin, top), mark if mark.mode == "RGBA" else None)
            top += mark.height + 40
    for size in (88, 76, 64, 54):
        font = ImageFont.load_default(size)
        lines = _wrap(draw, title, font, width)
        if len(lines) <= 3:
            break
    lines = lines[:3]
    for line in lines:
        draw.text((margin, top), line, font=font, fill=TEXT)
        top += round(size * 1.15)
    if description:
        small = ImageFont.load_default(34)
        said = _wrap(draw, description, small, width)
        if len(said) > 2:
            said = [said[0], _shortened(draw, " ".join(said[1:]), small, width)]
        top += 24
        for line in said:
            draw.text((margin, top), line, font=small, fill=TEXT)
            top += 46
    bottom = SIZE[1] - margin
    draw.rectangle((margin, bottom - 52, margin + 120, bottom - 46), fill=RULE)
    draw.text((margin, bottom - 34), host, font=ImageFont.load_default(30), fill=TEXT)
    out = io.BytesIO()
    card.save(out, "PNG", optimize=True)
    return out.getvalue()


def _wrap(draw, text: str, font, width: int) -> list[str]:
    """Words in lines no wider than `width` (a word wider than that on a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _shortened(draw, text: str, font, width: int) -> str:
    """As much of `text` as fits in `width`, with an ellipsis."""
    while text and draw.textlength(text + "…", font=font) > width:
        text = text.rsplit(" ", 1)[0] if " " in text else text[:-1]
    return text.rstrip(" ,.;:") + "…"


@dataclass(frozen=True)
class SiteCard:
    """The social card of the pages with no photo of their own."""
    path: str           # in the built site ("social-card.HASH.png"), or a URL as site.toml gives it
    width: int | None
    height: int | None
    alt: str
    made: bool = False  # made by the build (make_card()), not one of the site's photos
    logo: str = ""      # (made: the publisher's logo, a site photo's path, if it is one)


def site_card(config: SiteConfig, photos: Mapping[str, PhotoJob]) -> SiteCard:
    """[social] image as a card: a site photo's 1.91:1 crop, or a URL as it is; without one, the
    card made from the title and description (and the logo, if it is one of the site's photos).
    CardError if [social] image is a site path that is not one of the site's photos."""
    social, alt = config.social, config.social.alt or config.title
    if social.image:
        path = site_path(social.image)
        if path is None:
            return SiteCard(social.image, None, None, alt)
        photo = photos.get(path)
        if photo is None:
            raise CardError(f"{social.image!r} is not one of the site's photos (a JPEG, PNG, WebP or AVIF file "
                            "in static/): social sites show no SVG or GIF card")
        card = photo.crops()[0]
        return SiteCard(photo.where(card.name), card.width, card.height, alt)
    logo = photos.get(site_path(config.publisher.logo) or "")
    name = card_name(config.title, config.description, urlsplit(config.base_url).netloc,
                     logo.digest if logo is not None else None)
    return SiteCard(name, *SIZE, alt, made=True, logo=logo.path if logo is not None else "")


class CardError(ValueError):
    """[social] image cannot be a card: in words for a site.toml problem."""
