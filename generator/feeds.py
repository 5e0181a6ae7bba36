"""RSS 2.0 and Atom feeds, through feedgen (pure: return bytes)."""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from datetime import datetime, timezone
from typing import Mapping, Sequence

from . import speedups
from .config import SiteConfig
from .listings import tag_slug
from .model import Article
from .urls import Urls

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=8192)   # one story sits in several feeds (site, section, each author)
def absolutize(html: str, base: str) -> str:
    """Make every link and image URL in an HTML fragment absolute (feed readers have no base)."""
    from .markup import plain_html     # (and Markdown: not imported by a build that makes no feed, or makes them in a fork)
    if not html.strip() or speedups.enabled("plain_html") and plain_html(html):
        return html     # no attributes: no link in it (and lxml would write it back unchanged: tested)
    return absolute_links(html, base)


def absolute_links(html: str, base: str) -> str:
    """absolutize() the long way, whatever the HTML: lxml reads the fragment, makes its links
    absolute and writes it back."""
    from .markup import inner_html, parse_fragment
    doc = parse_fragment(html)
    doc.make_links_absolute(base, resolve_base_href=False, handle_failures="ignore")
    return inner_html(doc)


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# What _NOT_XML matches, in UTF-8 (lone surrogates written as surrogatepass does): C0 controls
# are single bytes, surrogates start with 0xED and U+FFFE/U+FFFF with 0xEF. A text whose bytes
# hold none of these has nothing to drop (a story's body is checked at a third of the regex's cost).
_MAY_NOT_BE_XML = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xED, 0xEF])
_ALWAYS_XML = bytes(b for b in range(256) if b not in _MAY_NOT_BE_XML)


def _strip_controls(text: str) -> str:
    """XML 1.0 cannot hold most control characters; drop them rather than write a broken feed."""
    if not text.encode("utf-8", "surrogatepass").translate(None, _ALWAYS_XML):
        return text
    return _NOT_XML.sub("", text)


def as_html(text: str) -> str:
    """Plain text as HTML that shows the same characters."""
    return escape(text, quote=False)


def build_feeds(config: SiteConfig, articles: Sequence[Article], bodies: Mapping[str, str], title: str,
                url_path: str, rss_path: str, atom_path: str | None) -> dict[str, bytes]:
    """An RSS feed (and an Atom feed when atom_path is given) of the newest articles (`bodies`:
    source path -> body HTML)."""
    # imported here: a large site's feeds are made in a process of their own (build.py), and a
    # build that finds nothing changed makes none; feedgen and dateutil take ~30 ms to import
    from feedgen.feed import FeedGenerator
    urls = Urls(config.base_url)
    items = list(articles[: config.feed_size])
    newest = max((a.modified for a in items), default=EPOCH)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(urls.absolute(url_path))
    description = _strip_controls(config.description or title)
    fg.title(_strip_controls(title))
    fg.subtitle(description)    # Atom's <subtitle> is text; RSS's <description> is set below
    fg.language(config.language)
    fg.generator("Broadsheet")
    fg.updated(newest)
    fg.lastBuildDate(newest)
    if config.publisher.name:
        fg.copyright(_strip_controls(config.publisher.name))
    # Atom keeps the first alternate/self link; RSS keeps the last plain link, so order matters.
    fg.link(href=urls.absolute(url_path), rel="alternate")
    out = {}
    summaries = []
    for a in reversed(items):  # feedgen prepends entries: add oldest first to list newest first
        fe = fg.add_entry()
        link = urls.absolute(a.url_path)
        fe.id(link)
        fe.guid(link, permalink=True)
        fe.title(_strip_controls(a.title))
        fe.link(href=link, rel="alternate")
        fe.published(a.published)
        fe.updated(a.modified)
        for name in a.byline:
            fe.author(name=_strip_controls(name))
            fe.dc.dc_creator(_strip_controls(name))
        fe.content(_strip_controls(absolutize(bodies[a.path], link)), type="html")
        summary = _strip_controls(a.summary or a.title)
        fe.summary(summary)             # Atom <summary>: type text, as it is
        summaries.append((fe, summary))
        for tag in a.tags:
            fe.category(term=_strip_controls(tag), scheme=urls.absolute(f"{config.prefix}tags/{tag_slug(tag)}/"))
    if atom_path:
        fg.link(href=urls.absolute(atom_path), rel="self", replace=True)
        fg.link(href=urls.absolute(url_path), rel="alternate")
        out[atom_path] = fg.atom_str(pretty=True)
    # RSS <description> holds entity-encoded HTML (RSS 2.0), and readers render it as HTML
    # (feedparser does): plain text goes in HTML-escaped, or a summary's '<script>' is markup.
    # (Set once the Atom feed is written: feedgen keeps one value for both.)
    fg.description(as_html(description))
    for fe, summary in summaries:
        fe.description(as_html(summary))
    fg.link(href=urls.absolute(rss_path), rel="self", replace=True)
    fg.link(href=urls.absolute(url_path), rel="alternate")
    out[rss_path] = fg.rss_str(pretty=True)
    return out
