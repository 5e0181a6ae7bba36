"""sitemap.xml (split behind a sitemap index when large), the Google News sitemap and robots.txt (pure: return bytes)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Mapping, Sequence
from urllib.parse import quote

from lxml import etree

from .feeds import _strip_controls
from .model import Article
from .urls import URI_SAFE, Urls

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"     # xhtml:link, Google's form of a page's translations in a sitemap
MAX_URLS = 50_000              # sitemaps.org: at most 50,000 URLs per file
NEWS_WINDOW = timedelta(days=2)  # Google News reads only stories from the last 48 hours
NEWS_MAX_URLS = 1_000          # ... and at most 1,000 of them per news sitemap


def _loc(urls: Urls, url_path: str) -> str:
    """Absolute URL, the path's characters outside RFC 3986 (spaces, non-ASCII) percent-encoded, as sitemaps require."""
    return urls.absolute(quote(url_path, safe=URI_SAFE))


def _w3c(moment: datetime) -> str:
    """W3C datetime with offset; a naive datetime would give a time with no zone, which the protocol forbids."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"sitemap dates must be time-zone aware, not {moment!r}")
    return moment.isoformat()


def _child(parent: etree._Element, tag: str, text: str) -> etree._Element:
    node = etree.SubElement(parent, tag)
    node.text = text
    return node


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


Alternates = Mapping[str, Sequence[tuple[str, str]]]     # URL path -> (hreflang, URL path) of each version


def _urlset(urls: Urls, entries: Sequence[tuple[str, datetime | None]], alternates: Alternates) -> bytes:
    s, x = f"{{{SITEMAP_NS}}}", f"{{{XHTML_NS}}}"
    root = etree.Element(s + "urlset", nsmap={None: SITEMAP_NS, "xhtml": XHTML_NS} if alternates else {None: SITEMAP_NS})
    for url_path, modified in entries:
        node = etree.SubElement(root, s + "url")
        _child(node, s + "loc", _loc(urls, url_path))
        if modified is not None:
            _child(node, s + "lastmod", _w3c(modified))
        for hreflang, other in alternates.get(url_path, ()):    # (after lastmod: the schema's order)
            etree.SubElement(node, x + "link", rel="alternate", hreflang=hreflang, href=_loc(urls, other))
    return _serialize(root)


def _newest(entries: Sequence[tuple[str, datetime | None]]) -> datetime | None:
    return max((modified for _, modified in entries if modified is not None), default=None)


def sitemap_files(count: int, limit: int = MAX_URLS) -> list[str]:
    """The files build_sitemaps() makes for `count` entries: sitemap.xml, and sitemap-N.xml past the limit."""
    if count <= limit:
        return ["sitemap.xml"]
    return ["sitemap.xml"] + [f"sitemap-{number}.xml" for number in range(1, -(-count // limit) + 1)]


def build_sitemaps(base_url: str, entries: Sequence[tuple[str, datetime | None]],
                   limit: int = MAX_URLS, *, alternates: Alternates | None = None) -> dict[str, bytes]:
    """{"sitemap.xml": urlset}, or when entries exceed limit a sitemap index plus sitemap-1.xml, sitemap-2.xml, …

    entries are (site-relative URL path, last change or None), in the order they should be listed;
    `alternates`: a page's URL path -> every version of it, (hreflang, URL path) each, itself
    included (written as Google documents: xhtml:link rel="alternate" in each version's <url>).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    urls, alternates = Urls(base_url), alternates or {}
    if len(entries) <= limit:
        return {"sitemap.xml": _urlset(urls, entries, alternates)}
    chunks = [entries[start:start + limit] for start in range(0, len(entries), limit)]
    names = sitemap_files(len(entries), limit)[1:]
    s = f"{{{SITEMAP_NS}}}"
    index = etree.Element(s + "sitemapindex", nsmap={None: SITEMAP_NS})
    for name, chunk in zip(names, chunks):
        node = etree.SubElement(index, s + "sitemap")
        _child(node, s + "loc", _loc(urls, name))
        newest = _newest(chunk)
        if newest is not None:
            _child(node, s + "lastmod", _w3c(newest))
    files = {"sitemap.xml": _serialize(index)}
    files.update((name, _urlset(urls, chunk, alternates)) for name, chunk in zip(names, chunks))
    return files


def news_language(tag: str) -> str:
    """A BCP 47 tag as Google News wants it: an ISO 639 code, or zh-cn / zh-tw for Chinese."""
    parts = tag.strip().lower().replace("_", "-").split("-")
    if parts[0] != "zh" or len(parts) == 1:
        return parts[0]
    if "hant" in parts or parts[-1] in ("tw", "hk", "mo"):
        return "zh-tw"
    if "hans" in parts or parts[-1] in ("cn", "sg"):
        return "zh-cn"
    return "zh"


def in_news_window(a: Article, now: datetime) -> bool:
    """Published in the 48 hours up to now (48 hours, whatever the wall clocks did meanwhile)."""
    return now.astimezone(timezone.utc) - NEWS_WINDOW <= a.published <= now


def news_window_changes(articles: Sequence[Article], now: datetime) -> list[tuple[datetime, Article, str]]:
    """When the clock alone next moves each story into or out of the news window: the one rule
    in_news_window() says, seen from `now`."""
    changes = []
    for a in articles:
        if a.published > now:
            changes.append((a.published, a, "enters the news sitemap"))
        elif in_news_window(a, now):
            changes.append((a.published.astimezone(timezone.utc) + NEWS_WINDOW, a, "leaves the news sitemap"))
    return changes


def news_articles(articles: Sequence[Article], now: datetime) -> list[Article]:
    """What belongs in the news sitemap: published in the 48 hours up to now, newest first, at most 1,000."""
    recent = [a for a in articles if in_news_window(a, now)]
    recent.sort(key=lambda a: a.published, reverse=True)   # stable: ties keep the given order
    return recent[:NEWS_MAX_URLS]


def build_news_sitemap(base_url: str, publication_name: str, language: str,
                       articles: Sequence[Article], now: datetime) -> bytes:
    """Google News sitemap of the stories published in the two days before now."""
    urls = Urls(base_url)
    s, n = f"{{{SITEMAP_NS}}}", f"{{{NEWS_NS}}}"
    root = etree.Element(s + "urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    name = _strip_controls(publication_name)
    for article in news_articles(articles, now):
        lang = news_language(article.language or language)
        node = etree.SubElement(root, s + "url")
        _child(node, s + "loc", _loc(urls, article.url_path))
        news = etree.SubElement(node, n + "news")
        publication = etree.SubElement(news, n + "publication")
        _child(publication, n + "name", name)
        _child(publication, n + "language", lang)
        _child(news, n + "publication_date", _w3c(article.published))
        _child(news, n + "title", _strip_controls(article.title))
    return _serialize(root)


def build_robots(base_url: str, sitemaps: Sequence[str]) -> bytes:
    """robots.txt: allow everything and name each sitemap (site-relative paths) by its absolute URL."""
    urls = Urls(base_url)
    lines = ["User-agent: *", "Allow: /", ""] + [f"Sitemap: {_loc(urls, path)}" for path in sitemaps]
    return ("\n".join(lines) + "\n").encode("utf-8")
