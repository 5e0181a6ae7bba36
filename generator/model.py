"""The content model: frozen dataclasses, linked by ids (slugs and paths), never by references."""
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


@dataclass(frozen=True)
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
    body_html: str
    date_only: bool = False          # published was a bare date: show no time of day
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict, compare=False)   # field -> line in the file

    @property
    def url_path(self) -> str:
        """Site-relative URL path of the article page, e.g. 'world/some-story/'."""
        return f"{self.section}/{self.slug}/"

    @property
    def modified(self) -> datetime:
        return self.updated or self.published


@dataclass(frozen=True)
class Section:
    slug: str
    name: str


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
