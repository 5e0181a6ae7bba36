"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of the newest articles (pure: returns bytes)."""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from .feeds import absolutize
from .model import Article
from .urls import Urls, slugify

VERSION = "https://jsonfeed.org/version/1.1"


def _author(urls: Urls, name: str, prefix: str = "") -> dict[str, str]:
    slug = slugify(name)
    # a name with nothing to slug (say, only punctuation) has no author page to link to
    return {"name": name, "url": urls.absolute(f"{prefix}authors/{slug}/")} if slug else {"name": name}


def _item(urls: Urls, article: Article, body: str, language: str = "", prefix: str = "") -> dict[str, Any]:
    link = urls.absolute(article.url_path)
    item: dict[str, Any] = {
        "id": link,   # the permalink never changes when a story is updated, so readers do not show it twice
        "url": link,
        "title": article.title,
        "content_html": absolutize(body, link),
    }
    if article.summary:
        item["summary"] = article.summary
    if article.image is not None and article.image.src:
        item["image"] = urls.resource_absolute(article.image.src)
    item["date_published"] = article.published.isoformat()
    if article.modified != article.published:   # an update or a correction
        item["date_modified"] = article.modified.isoformat()
    if article.byline:
        item["authors"] = [_author(urls, name, prefix) for name in article.byline]
    if article.tags:
        item["tags"] = list(article.tags)
    if article.language and article.language != language:     # (a story in another language than the feed's)
        item["language"] = article.language
    return item


def build_json_feed(base_url: str, title: str, description: str, language: str,
                    articles: Sequence[Article], bodies: Mapping[str, str], home_path: str, feed_path: str,
                    size: int, *, prefix: str = "") -> bytes:
    """The size newest of articles (given newest first; `bodies`: source path -> body HTML) as a
    JSON Feed at feed_path, for the page at home_path (`prefix`: its edition's, for author pages)."""
    urls = Urls(base_url)
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": title,
        "home_page_url": urls.absolute(home_path),
        "feed_url": urls.absolute(feed_path),
    }
    if description:
        feed["description"] = description
    if language:
        feed["language"] = language
    feed["items"] = [_item(urls, article, bodies[article.path], language, prefix) for article in articles[:max(size, 0)]]
    return (json.dumps(feed, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")
