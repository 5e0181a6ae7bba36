"""Sorting, taxonomies, pagination and related stories (pure)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from operator import attrgetter
from datetime import datetime
from typing import Iterable, Sequence, TypeVar

from datetime import tzinfo

from .model import Article, Author, Section, Tag
from .problems import Problem
from .urls import slugify

T = TypeVar("T")


# The one statement of how listings are ordered: (field, newest/largest first?), most significant
# first. Every listing keeps this order (it filters the site's list, never sorts it again), and a
# rebuild plans only the changed stories' pages only while the site's list is in the same order
# as at the last build (build.changed_stories()): a rule added here needs nothing else.
LISTING_ORDER: tuple[tuple[str, bool], ...] = (("published", True), ("path", False))


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest first; ties broken by path so the order never depends on the file system.
    (One stable sort per LISTING_ORDER field, least significant first. Times in one zone compare quickly.)"""
    ordered = list(articles)
    for name, descending in reversed(LISTING_ORDER):
        ordered.sort(key=attrgetter(name), reverse=descending)
    return ordered


def select(articles: Iterable[Article], now: datetime, drafts: bool, future: bool) -> list[Article]:
    """The articles that are published in this build."""
    return [a for a in articles if (drafts or not a.draft) and (future or a.published <= now)]


def paginate(items: Sequence[T], per_page: int) -> list[Sequence[T]]:
    """Split into pages; an empty listing still has one (empty) page."""
    return [items[i:i + per_page] for i in range(0, len(items), per_page)] or [items[:0]]


@dataclass(frozen=True)
class Taxonomy:
    """Sections, tags, authors and months with their articles, newest first."""
    sections: dict[str, Section]
    section_articles: dict[str, list[Article]]
    tags: dict[str, Tag]
    tag_articles: dict[str, list[Article]]
    authors: dict[str, Author]
    author_articles: dict[str, list[Article]]
    months: dict[tuple[int, int], list[Article]]     # (year, month) in the site's zone, newest first


@cache      # a site has few distinct names, met thousands of times
def tag_slug(name: str) -> str:
    return slugify(name)


@cache
def author_slug(name: str) -> str:
    return slugify(name)


def build_taxonomy(articles: Sequence[Article], zone: tzinfo | None = None,
                   known_authors: dict[str, Author] | None = None) -> Taxonomy:
    """Group newest-first articles by section, tag, author and month. A name is the first
    spelling met in path order, so the result does not depend on dates."""
    known_authors = known_authors or {}
    sections: dict[str, Section] = {}
    tags: dict[str, Tag] = {}
    authors: dict[str, Author] = {}
    for a in sorted(articles, key=lambda a: a.path):
        if a.section not in sections:       # (not setdefault: it would make an object per story)
            sections[a.section] = Section(a.section, a.section_name)
        for name in a.tags:
            slug = tag_slug(name)
            if slug and slug not in tags:
                tags[slug] = Tag(slug, name)
        for name in a.byline:
            slug = author_slug(name)
            if slug and slug not in authors:
                authors[slug] = known_authors.get(slug) or Author(slug, name)
    by_section: dict[str, list[Article]] = defaultdict(list)
    by_tag: dict[str, list[Article]] = defaultdict(list)
    by_author: dict[str, list[Article]] = defaultdict(list)
    by_month: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for a in articles:
        by_section[a.section].append(a)
        for slug in dict.fromkeys(tag_slug(t) for t in a.tags):
            if slug:
                by_tag[slug].append(a)
        for slug in dict.fromkeys(author_slug(n) for n in a.byline):
            if slug:
                by_author[slug].append(a)
        local = a.published.astimezone(zone) if zone else a.published
        by_month[(local.year, local.month)].append(a)
    return Taxonomy(
        sections=dict(sorted(sections.items())), section_articles=dict(by_section),
        tags=dict(sorted(tags.items())), tag_articles=dict(by_tag),
        authors=dict(sorted(authors.items())), author_articles=dict(by_author),
        months=dict(sorted(by_month.items(), reverse=True)),
    )


class Related:
    """Related stories: those sharing the most tags, newest first among equals, then the newest of
    the same section. Built once per build. Each tag is a bit mask over the stories' ranks (bit 0
    = the newest), so one story's neighbours cost a few integer ANDs and ORs over its tags: the
    stories sharing at least k of them, for each k, and the lowest set bits of those, newest first."""

    def __init__(self, articles: Sequence[Article], tax: Taxonomy, limit: int = 4):
        self.articles, self.tax, self.limit = list(articles), tax, limit
        self.rank = {a.path: i for i, a in enumerate(self.articles)}
        self.masks: dict[str, int] = {}
        for slug, items in tax.tag_articles.items():
            mask = 0
            for a in items:
                mask |= 1 << self.rank[a.path]
            self.masks[slug] = mask

    def __call__(self, article: Article) -> list[Article]:
        me = self.rank.get(article.path)
        others = ~(1 << me) if me is not None else -1
        at_least: list[int] = []     # at_least[k]: the stories sharing k+1 or more of its tags
        for slug in dict.fromkeys(tag_slug(t) for t in article.tags):
            mask = self.masks.get(slug, 0) & others
            if not mask:
                continue
            at_least.append(0)
            for k in range(len(at_least) - 1, 0, -1):
                at_least[k] |= at_least[k - 1] & mask
            at_least[0] |= mask
        chosen: list[int] = []
        taken = 0
        for mask in reversed(at_least):     # the most tags shared first; within, the newest first
            mask &= ~taken
            while mask and len(chosen) < self.limit:
                lowest = mask & -mask
                chosen.append(lowest.bit_length() - 1)
                mask ^= lowest
                taken |= lowest
        result = [self.articles[r] for r in chosen]
        if len(result) < self.limit:
            seen = {a.path for a in result} | {article.path}
            for other in self.tax.section_articles.get(article.section, ()):
                if other.path not in seen:
                    result.append(other)
                    seen.add(other.path)
                    if len(result) == self.limit:
                        break
        return result


def duplicate_urls(articles: Iterable[Article]) -> list[Problem]:
    """Two articles that would be written to the same URL: one problem per file, naming the other."""
    by_url: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        by_url[a.url_path].append(a)
    problems = []
    for url, group in by_url.items():
        if len(group) > 1:
            for a in group:
                others = ", ".join(o.path for o in group if o is not a)
                problems.append(Problem(a.path, a.lines.get("slug", 1), "slug", f"same URL /{url} as {others}; give one of them a different 'slug:'"))
    return problems
