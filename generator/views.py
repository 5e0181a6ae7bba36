"""What templates receive: plain, frozen view models built for them.

The model never imports Jinja; templates never see the internal model.
Every URL in a view is ready to use in an ``href``/``src`` (it already
carries the site's base path); ``canonical`` values are absolute.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Link:
    """A named link: navigation, breadcrumbs, tags, sections."""
    name: str
    url: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Moment:
    """A point in time, as a machine reads it and as a reader reads it."""
    iso: str        # ISO 8601 with offset, for <time datetime>
    display: str    # in the site's zone with its abbreviation, e.g. "February 03, 2024 09:54 IST"


@dataclass(frozen=True, slots=True)
class ImageView:
    src: str
    alt: str
    caption: str = ""
    credit: str = ""
    width: int | None = None        # intrinsic size in CSS pixels, when known (site images;
    height: int | None = None       # not remote URLs), so the page reserves the space before it loads
    srcset: str = ""                # a photo's fallback (JPEG or PNG) files, "URL 640w, ..." (see pictures.py)
    sources: tuple[tuple[str, str], ...] = ()   # its (MIME type, srcset) in the modern formats, best first


@dataclass(frozen=True, slots=True)
class Card:
    """An article as a listing shows it."""
    title: str
    url: str
    summary: str
    published: Moment
    authors: tuple[Link, ...]       # each byline name, linking to the author's page
    section: Link
    image: ImageView | None
    status: str = ""                # "draft" | "scheduled" while previewing (broadsheet serve); else ""
    language: str = ""              # the story's BCP 47 tag, if it is not the site's (for lang on the card)
    dir: str = ""                   # "rtl" or "ltr", if the story's script runs the other way from the site's
    kicker: str = ""                # front matter's kicker ("Analysis", "Exclusive"), shown beside the section


@dataclass(frozen=True, slots=True)
class ArticleView:
    """Everything an article page shows."""
    title: str
    url: str
    canonical: str
    summary: str
    published: Moment
    updated: Moment | None          # last change (update or correction), only when it differs from published
    authors: tuple[Link, ...]       # each byline name, linking to the author's page
    dateline: str
    signoff: str                    # "Lalit K Jha in Washington, DC"; "" when nothing to sign
    source: str
    copyright: str
    section: Link
    tags: tuple[Link, ...]
    image: ImageView | None
    body: Any                       # markupsafe.Markup: the rendered, trusted body HTML
    breadcrumbs: tuple[Link, ...]   # Home, Section, the article (last has current=True)
    related: tuple[Card, ...]
    corrections: tuple["CorrectionView", ...] = ()   # oldest first
    extra: dict[str, Any] = field(default_factory=dict)
    status: str = ""                # "draft" | "scheduled" while previewing (broadsheet serve); else ""
    translations: tuple["Translation", ...] = ()    # the story in other languages ("Read in हिन्दी")


@dataclass(frozen=True, slots=True)
class Translation:
    """A link to the story in another language: its name in that language, and that language."""
    name: str                       # "हिन्दी"
    url: str
    language: str                   # BCP 47: lang and hreflang of the link
    dir: str = "ltr"                # "rtl" where the name runs right to left


@dataclass(frozen=True, slots=True)
class CorrectionView:
    date: Moment
    text: str


@dataclass(frozen=True, slots=True)
class AuthorView:
    """An author page's profile block (from data/authors.toml; all but name may be empty)."""
    name: str
    url: str
    bio: str
    photo: str
    website: str
    links: tuple[Link, ...]
    feed_url: str
    picture: ImageView | None = None    # the photo as a <picture>, if it is one of the site's photos


@dataclass(frozen=True, slots=True)
class ArchiveMonth:
    name: str                       # "February 2024"
    url: str
    count: int


@dataclass(frozen=True, slots=True)
class ArchiveYear:
    year: int
    months: tuple[ArchiveMonth, ...]   # newest first


@dataclass(frozen=True, slots=True)
class Pagination:
    current: int
    total: int
    prev_url: str | None
    next_url: str | None


@dataclass(frozen=True, slots=True)
class SectionBlock:
    section: Link
    cards: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class Promo:
    """A site-wide call-out block ([newsletter] or [app_promo] in site.toml)."""
    heading: str
    text: str
    url: str
    label: str


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    url: str
    type: str   # MIME type: application/rss+xml or application/atom+xml


@dataclass(frozen=True, slots=True)
class SiteView:
    title: str
    description: str
    language: str
    home_url: str                   # the edition's home page, e.g. "/", "/news/" or "/hi/"
    publisher_name: str
    publisher_url: str
    publisher_logo: str             # a ready URL, or ""
    nav: tuple[Link, ...]           # one per section
    newsletter: Promo | None
    app_promo: Promo | None
    feeds: tuple[Feed, ...]         # site-wide feeds
    stylesheet: str                 # URL of the theme's stylesheet
    copyright_year: int             # year of the newest story (not the clock: builds are reproducible)
    logo_picture: ImageView | None = None   # the logo as a <picture>, if it is one of the site's photos
    dir: str = ""                   # "rtl" for a site in a right-to-left script
    root_url: str = "/"             # the site's root path, where its own files are (favicon.ico): "/" or "/news/"
    editions: tuple["Translation", ...] = ()   # the site's other editions' home pages (a site of several languages)


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the <head> of any page needs."""
    kind: str                       # home | section | tag | article | 404
    title: str                      # the <title>
    description: str
    url: str
    canonical: str                  # absolute
    feeds: tuple[Feed, ...]         # feeds specific to this page (e.g. the section's)
    section: str = ""               # slug of the current section, if any (marks nav)
    og: tuple[tuple[str, str], ...] = ()        # Open Graph <meta property content> pairs
    twitter: tuple[tuple[str, str], ...] = ()   # Twitter card <meta name content> pairs
    jsonld: tuple[Any, ...] = ()                # markupsafe.Markup: JSON-LD, safe inside <script>
    robots: str = ""                            # e.g. "noindex" for redirect pages
    language: str = ""                          # the page's BCP 47 tag (lang on <html>; "": the site's)
    dir: str = ""                               # "rtl" for a page in a right-to-left script
    alternates: tuple[tuple[str, str], ...] = ()   # the page in other languages: (hreflang, absolute URL), itself and x-default too
