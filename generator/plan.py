"""Site -> every output as a job (pure). Knowing each job's inputs is what a rebuild needs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .config import SiteConfig
from .listings import Taxonomy, paginate, related
from .model import Article
from .present import Presenter
from .urls import output_file, page_path
from .views import Pagination, SectionBlock

HOME_LATEST = 12
BLOCK_SIZE = 4


@dataclass(frozen=True)
class Site:
    """Everything one build publishes: config, articles newest first, their taxonomy."""
    config: SiteConfig
    articles: list[Article]
    tax: Taxonomy


@dataclass(frozen=True)
class PageJob:
    path: str                       # output file, relative to the output root
    url_path: str                   # site-relative URL, for the sitemap
    template: str
    context: dict[str, Any]
    modified: datetime | None       # newest change among the articles shown
    inputs: tuple[str, ...] = field(default=())   # source paths of the articles it shows


def _modified(articles) -> datetime | None:
    return max((a.modified for a in articles), default=None)


def _listing_jobs(p: Presenter, site: Site, kind: str, heading: str, base: str,
                  articles: list[Article], section: str = "") -> list[PageJob]:
    pages = paginate(articles, site.config.per_page)
    feeds = p.section_feeds(section) if kind == "section" else ()
    jobs = []
    for number, chunk in enumerate(pages, start=1):
        url_path = page_path(base, number)
        title = heading if number == 1 else f"{heading} (page {number})"
        pagination = Pagination(
            current=number, total=len(pages),
            prev_url=p.urls.href(page_path(base, number - 1)) if number > 1 else None,
            next_url=p.urls.href(page_path(base, number + 1)) if number < len(pages) else None)
        context = {
            "site": p.site(section), "heading": heading, "kind": kind,
            "page": p.meta(kind, f"{title} | {site.config.title}", url_path, feeds=feeds, section=section),
            "cards": tuple(p.card(a) for a in chunk), "pagination": pagination,
        }
        jobs.append(PageJob(output_file(url_path), url_path, "list.html", context, _modified(chunk),
                            tuple(a.path for a in chunk)))
    return jobs


def plan(site: Site) -> list[PageJob]:
    """Every HTML page of the site."""
    p = Presenter(site.config, site.tax, _modified(site.articles))
    arts = site.articles
    jobs: list[PageJob] = []
    blocks = tuple(SectionBlock(p.section_link(slug), tuple(p.card(a) for a in site.tax.section_articles[slug][:BLOCK_SIZE]))
                   for slug in site.tax.sections)
    home = {
        "site": p.site(), "page": p.meta("home", site.config.title, ""),
        "lead": p.card(arts[0]) if arts else None,
        "latest": tuple(p.card(a) for a in arts[1:1 + HOME_LATEST]),
        "blocks": blocks,
    }
    shown = arts[: 1 + HOME_LATEST] + [a for s in site.tax.section_articles.values() for a in s[:BLOCK_SIZE]]
    jobs.append(PageJob("index.html", "", "home.html", home, _modified(arts), tuple(sorted({a.path for a in shown}))))
    for slug, section in site.tax.sections.items():
        jobs += _listing_jobs(p, site, "section", section.name, f"{slug}/", site.tax.section_articles[slug], slug)
    for slug, tag in site.tax.tags.items():
        jobs += _listing_jobs(p, site, "tag", tag.name, f"tags/{slug}/", site.tax.tag_articles[slug])
    for a in arts:
        rel = related(a, site.tax)
        context = {
            "site": p.site(a.section),
            "page": p.meta("article", f"{a.title} | {site.config.title}", a.url_path, a.summary,
                           p.section_feeds(a.section), a.section),
            "article": p.article(a, rel),
        }
        jobs.append(PageJob(output_file(a.url_path), a.url_path, "article.html", context, a.modified,
                            (a.path,) + tuple(r.path for r in rel)))
    not_found = {"site": p.site(), "page": p.meta("404", f"Page not found | {site.config.title}", "404.html")}
    jobs.append(PageJob("404.html", "404.html", "404.html", not_found, None))
    return jobs
