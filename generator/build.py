"""build_site(): the phases of a build, in order — load, parse, model, plan, render, write."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from .config import SiteConfig, load_config
from .content import Source, find_sources
from .data import load_authors
from .feeds import build_feeds
from .jsonfeed import build_json_feed
from .sitemaps import build_news_sitemap, build_robots, build_sitemaps
from .frontmatter import parse_article
from .listings import build_taxonomy, duplicate_urls, newest_first, select
from .model import Article
from .output import DiskSink, check_output_target
from .plan import PageJob, Site, plan
from .problems import BuildError, Problem
from .urls import Urls
from .render import find_theme, make_environment, render


class Sink(Protocol):
    def write(self, rel: str, data: bytes) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None      # default: SITE/output
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    now: datetime | None = None     # what counts as "now" for scheduled stories (default: the clock)


@dataclass
class BuildResult:
    output: Path | None
    pages: int = 0
    articles: int = 0
    sections: int = 0
    tags: int = 0
    files: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    scheduled: list[Article] = field(default_factory=list)   # held back until their time, soonest first

    def summary(self) -> str:
        where = f" → {self.output}" if self.output else ""
        return (f"Built {self.pages} pages ({self.articles} articles, {self.sections} sections, "
                f"{self.tags} tags) in {self.seconds:.2f} s{where}")

    def next_due(self) -> str:
        """When the next held-back story is due, for the build's output ('' if none)."""
        if not self.scheduled:
            return ""
        a = self.scheduled[0]
        more = f" (and {len(self.scheduled) - 1} more; see 'broadsheet schedule')" if len(self.scheduled) > 1 else ""
        return f"Next scheduled story: {a.published.isoformat()} {a.path}{more}"


def parse_all(sources: list[Source], config: SiteConfig) -> tuple[list[Article], list[Problem]]:
    articles, problems = [], []
    zone, base_path = config.zone, Urls(config.base_url).base_path
    for source in sources:
        article, found = parse_article(source.path, source.data, zone, base_path, config.permalink)
        problems += found
        if article is not None:
            articles.append(article)
    return articles, problems


def static_files(site: Path, theme: Path) -> dict[str, Path]:
    """Theme's static/ then the site's static/: the site's file wins."""
    files: dict[str, Path] = {}
    for root in (theme / "static", site / "static"):
        if root.is_dir():
            for f in sorted(root.rglob("*")):
                rel = f.relative_to(root)
                if f.is_file() and not any(part.startswith(".") for part in rel.parts):
                    files[rel.as_posix()] = f
    return files


def _collisions(jobs: list[PageJob], static: dict[str, Path], data: dict[str, bytes]) -> list[Problem]:
    owners: dict[str, list[str]] = {}
    for job in jobs:
        owners.setdefault(job.path, []).append(job.owner())
    for rel, path in static.items():
        owners.setdefault(rel, []).append(f"static file {path}")
    for rel in data:
        owners.setdefault(rel, []).append("generated file")
    return [Problem(rel, None, "", "written by more than one thing: " + " and ".join(who))
            for rel, who in owners.items() if len(who) > 1]


def scheduled(articles: list[Article], now: datetime) -> list[Article]:
    """Stories held back because their time has not come (drafts are not scheduled), soonest first."""
    return sorted((a for a in articles if not a.draft and a.published > now), key=lambda a: (a.published, a.path))


def held_back(site_dir: Path, now: datetime) -> list[Article]:
    """The stories a build at `now` holds back until their time, soonest first (reads, never writes)."""
    config = load_config(site_dir)
    articles, problems = parse_all(find_sources(site_dir), config)
    if problems:
        raise BuildError(problems)
    return scheduled(articles, now)


def build_site(site_dir: Path, options: BuildOptions = BuildOptions(), sink: Sink | None = None) -> BuildResult:
    """Build the site at site_dir. Raises BuildError with every problem; writes nothing then."""
    started = time.perf_counter()
    phases: dict[str, float] = {}
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now_ = time.perf_counter()
        phases[name] = now_ - mark
        mark = now_

    site_dir = site_dir.absolute()
    config = load_config(site_dir, options.base_url)
    theme = find_theme(site_dir, config.theme)
    output = (options.output or site_dir / "output").absolute()
    if sink is None:
        check_output_target(output, site_dir)
    sources = find_sources(site_dir)
    known_authors = load_authors(site_dir)
    phase("load")

    articles, problems = parse_all(sources, config)
    problems += duplicate_urls(articles)
    if problems:
        raise BuildError(problems)
    phase("parse")

    now = options.now or datetime.now(timezone.utc)
    published = newest_first(select(articles, now, options.drafts, options.future))
    site = Site(config, published, build_taxonomy(published, config.zone, known_authors))
    jobs = plan(site)
    data = generated_files(site, jobs, now)
    static = static_files(site_dir, theme)
    problems = _collisions(jobs, static, data)
    if problems:
        raise BuildError(problems)
    phase("plan")

    env = make_environment(site_dir, theme)
    rendered = [(job.path, render(env, job.template, job.context).encode("utf-8")) for job in jobs]
    phase("render")

    own_sink = sink is None
    sink = sink or DiskSink(output)
    try:
        for rel, body in rendered:
            sink.write(rel, body)
        for rel, body in data.items():
            sink.write(rel, body)
        for rel, path in static.items():
            sink.write(rel, path.read_bytes())
        sink.commit()
    except OSError as exc:
        sink.abort()
        raise BuildError([Problem(str(exc.filename or output), None, "", f"could not write the output: {exc.strerror or exc}; the previous output is unchanged")]) from None
    except BaseException:
        sink.abort()
        raise
    phase("write")

    return BuildResult(
        output=output if own_sink else None, pages=len(jobs), articles=len(published),
        sections=len(site.tax.sections), tags=len(site.tax.tags),
        files=len(jobs) + len(data) + len(static), seconds=time.perf_counter() - started, phases=phases,
        scheduled=[] if options.future else scheduled(articles, now))


def generated_files(site: Site, jobs: list[PageJob], now: datetime) -> dict[str, bytes]:
    """Feeds (RSS, Atom, JSON Feed; per section and author), sitemaps and robots.txt."""
    config, tax = site.config, site.tax
    files = build_feeds(config, site.articles, config.title, "", "feed.xml", "atom.xml")
    files["feed.json"] = build_json_feed(config.base_url, config.title, config.description, config.language,
                                         site.articles, "", "feed.json", config.feed_size)
    for slug, section in tax.sections.items():
        files.update(build_feeds(config, tax.section_articles[slug], f"{config.title}: {section.name}",
                                 f"{slug}/", f"{slug}/feed.xml", None))
    for slug, author in tax.authors.items():
        files.update(build_feeds(config, tax.author_articles[slug], f"{config.title}: {author.shown_name}",
                                 f"authors/{slug}/", f"authors/{slug}/feed.xml", None))
    files.update(build_sitemaps(config.base_url, [(job.url_path, job.modified) for job in jobs if job.in_sitemap]))
    files["news-sitemap.xml"] = build_news_sitemap(config.base_url, config.publisher.name or config.title,
                                                   config.language, site.articles, now)
    files["robots.txt"] = build_robots(config.base_url, ["sitemap.xml", "news-sitemap.xml"])
    return files
