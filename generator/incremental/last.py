"""What a build leaves for the next build of the same output (LastBuild), and what changed since.

A build asks three questions, cheapest first, and runs only what the answer needs:
1. unchanged_sources(): the same settings, templates, data, static files and story files (by
   their stamps), the clock short of its next change, and the output as it was left? Nothing runs.
2. unchanged_inputs(): after parsing, the same stories published? Only the clock's files can
   change (the news sitemap's 48-hour window).
3. changed_stories(): only some stories changed, none of them in its shape (where it is filed,
   when, under what)? Only the jobs that show one of them run; None: every job is planned.
"""
from __future__ import annotations

from datetime import datetime
from operator import attrgetter
from typing import Callable, NamedTuple

from ..cache import PageRecord
from ..model import Article
from ..output import DiskSink

ParsedEntry = tuple[str, tuple[Article | None, list]]   # source path -> (digest, (article, problems))


class LastBuild(NamedTuple):
    """What a build of an output leaves for the next build of it to tell whether anything changed,
    and if only some stories did, which pages show them."""
    inputs: str                     # keys.inputs_key()
    counts: dict[str, int]
    sources: str                    # keys.sources_key()
    until: datetime | None          # the clock changes the output then (None: never, on its own)
    scheduled: list[Article]        # held back, soonest first
    settings: str = ""              # keys.settings_key()
    site: str = ""                  # keys.site_key()
    related: str = ""               # plan.related_key()
    stories: dict[str, tuple[str, str, str]] | None = None   # published, newest first: path -> (source digest, shape(), modified)
    marks: frozenset[str] = frozenset()     # in a preview, the stories marked scheduled
    clock: "Clock | None" = None    # why the clock changes the output at `until`
    unpublished: dict[str, str] | None = None   # the other sources (drafts, held back): path -> digest
    graph: str = ""                 # the id of the saved job graph that holds for this build (graph.py)
    news: tuple[str, ...] = ()      # the stories in the news sitemap
    stamps: str = ""                # the version of the recorded stamps this build left (BuildCache.stamps_version)
    published: str = ""             # keys.published_key()


def unchanged_sources(last: LastBuild | None, sources: str, now: datetime, untouched: Callable[[], bool]) -> bool:
    """Question 1: nothing any output is made from changed, nor did the clock reach its next change."""
    return bool(last) and last.sources == sources and (last.until is None or now < last.until) and untouched()


def unchanged_inputs(last: LastBuild | None, inputs: str, untouched: Callable[[], bool]) -> bool:
    """Question 2: the same inputs and stories published, and the output untouched."""
    return last is not None and last.inputs == inputs and untouched()


def changed_stories(last: LastBuild | None, settings: str, published: list[Article],
                    parsed: dict[str, ParsedEntry], shape: Callable[[Article], str],
                    marks: frozenset[str] = frozenset()) -> set[str] | None:
    """Question 3: the stories whose bytes (or, in a preview, whose scheduled mark: `marks`) changed
    since the last build of this output, if nothing else that shapes its pages did: the same
    settings_key(), the same stories published in the same order, none of them changed in its
    shape(). None otherwise: then every page is planned."""
    if last is None or last.stories is None or last.settings != settings or len(last.stories) != len(published):
        return None
    stories = last.stories
    if list(stories) != list(map(_path, published)):
        return None
    changed = {path for path, (digest, _, _) in stories.items() if parsed[path][0] != digest} | (marks ^ last.marks)
    for path in changed:
        article = parsed[path][1][0]
        if article is None or shape(article) != stories[path][1]:
            return None
    return changed


def stories_after(last: LastBuild | None, changed: set[str] | None, published: list[Article],
                  parsed: dict[str, ParsedEntry], shape: Callable[[Article], str]) -> dict[str, tuple[str, str, str]]:
    """LastBuild.stories for this build: the last build's with the changed stories' new digests."""
    if last is None or last.stories is None or changed is None:
        return {a.path: (parsed[a.path][0], shape(a), a.modified.isoformat()) for a in published}
    stories = dict(last.stories)
    for path in changed:
        article = parsed[path][1][0]
        stories[path] = (parsed[path][0], stories[path][1], article.modified.isoformat())
    return stories


def redated(last: LastBuild, changed: set[str], parsed: dict[str, ParsedEntry]) -> bool:
    """Whether a changed story was last changed at another time than the last build said (then the
    sitemaps, which give each page's date, are made again)."""
    return any(parsed[path][1][0].modified.isoformat() != last.stories[path][2] for path in changed)


def as_left(last: LastBuild, site_key: str, related_known: bool, sink: object,
            previous: dict[str, PageRecord]) -> dict[str, PageRecord] | None:
    """The last build's records of its pages, feeds and sitemaps, if its site-wide key is this
    build's, its records are complete and each file is as it left them (else None: plan all)."""
    if site_key != last.site or not related_known or len(previous) != last.counts.get("files"):
        return None
    if not isinstance(sink, DiskSink):
        return None
    keyed = {path: record for path, record in previous.items() if record[0]}     # (key, size, mtime_ns)
    if sink.touched is not None:        # (what the output's look found not as recorded)
        return keyed if sink.touched().isdisjoint(keyed) else None
    return keyed if all(sink.carry(path, r[1], r[2]) for path, r in keyed.items()) else None


_path = attrgetter("path")


class Clock(NamedTuple):
    """When the clock alone next changes a build's output, and why."""
    when: datetime
    path: str       # the story
    what: str       # "is due" | "enters the news sitemap" | "leaves the news sitemap"


def clock_next(articles: list[Article], published: list[Article], now: datetime, *, drafts: bool, future: bool,
               preview: bool) -> Clock | None:
    """When the clock alone next changes a build made `now`: a held-back story falls due (or, in a
    preview, a scheduled story loses its mark), or a story leaves the news sitemap's 48-hour window."""
    from ..sitemaps import news_window_changes     # (lxml: not loaded by a build that finds nothing changed)
    waiting = preview or not future
    due = [Clock(a.published, a.path, "is due") for a in articles
           if waiting and a.published > now and (drafts or not a.draft) and not (preview and a.draft)]
    window = [Clock(when, a.path, what) for when, a, what in news_window_changes(published, now)]
    return min(due + window, key=lambda c: (c.when, c.what != "is due"), default=None)   # "is due" says more
