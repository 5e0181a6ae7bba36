"""The content model: frozen dataclasses, linked by ids (slugs and paths), never by references.

An article's body HTML is not here: it is most of a story's size, so the build keeps it beside
the article (see bodies.py) and hands rendering a mapping, source path -> body (Site.bodies)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    caption: str = ""
    credit: str = ""
    focus: tuple[float, float] | None = None    # the point crops keep in frame: x, y as fractions from the left and top


@dataclass(frozen=True)
class Correction:
    date: datetime
    text: str


@dataclass(frozen=True, slots=True)     # (slots: no dict per story; a build holds 100,000, and each worker it forks copies what it reads of them)
class Article:
    path: str                        # source file, relative to the site, e.g. content/world/x.md
    title: str
    published: datetime             # time-zone aware
    updated: datetime | None
    byline: tuple[str, ...]
    dateline: str
    source: str
    copyright: str
    section: str                     # section slug
    section_name: str
    tags: tuple[str, ...]
    summary: str
    image: Image | None
    slug: str
    draft: bool
    date_only: bool = False          # published was a bare date: show no time of day
    url_path: str = ""               # site-relative URL of the page, e.g. 'world/some-story/' (from the permalink pattern)
    aliases: tuple[str, ...] = ()    # old output files that redirect here, e.g. 'old/path/index.html'
    corrections: tuple[Correction, ...] = ()   # oldest first
    language: str = ""               # BCP 47 tag, when the story's is not the site's ("" : the site's)
    translation_of: str = ""         # the story this one translates: its source path (frontmatter resolves it)
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict, compare=False)   # field -> line in the file, for the
                                    # fields a check after the parse names (frontmatter.LINES_KEPT)
    # when the story last changed: its update or its latest correction (asked for by every
    # listing page, feed and sitemap that shows the story: worked out once, as it is made)
    modified: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        latest = max((c.date for c in self.corrections), default=self.published)
        object.__setattr__(self, "modified", max(self.updated or self.published, latest))


@dataclass(frozen=True)
class Section:
    slug: str
    name: str


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str


@dataclass(frozen=True)
class Author:
    """A byline name, with what data/authors.toml says about it (all optional)."""
    slug: str
    name: str                        # as written in bylines
    display_name: str = ""
    bio: str = ""
    photo: str = ""
    url: str = ""
    links: tuple[str, ...] = ()      # social profiles: JSON-LD sameAs

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name
