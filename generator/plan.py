"""Site -> every output page as a job (pure). Knowing each job's inputs is what a rebuild needs."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from operator import attrgetter, itemgetter
from typing import AbstractSet, Any, Callable, Mapping

from .cache import fingerprint
from .config import SiteConfig
from .feeds import build_feeds
from .jsonfeed import build_json_feed
from . import listings
from .listings import Related, Taxonomy, build_taxonomy, paginate
from .languages import edition_of
from .localdates import formatter
from .model import Article, Section
from .present import Presenter, preview_status
from .sitemaps import build_news_sitemap, build_robots, build_sitemaps, in_news_window, sitemap_files
from .translations import Alternates
from .urls import output_file, page_path
from .views import ArchiveMonth, ArchiveYear, Pagination, SectionBlock

PAGE_TEMPLATES = {"home.html", "list.html", "archive.html", "article.html", "redirect.html", "404.html"}
HOME_LATEST = 12
BLOCK_SIZE = 4


@dataclass(frozen=True)
class Site:
    """Everything one build publishes: config, articles newest first, their taxonomy, and their
    bodies (source path -> HTML: the build's store reads each when asked, see bodies.py).
    `digests` (source path -> hash of its bytes) and `key` (everything site-wide a page can
    show: config, templates, author data, sections, the copyright year) make the page keys."""
    config: SiteConfig
    articles: list[Article]
    tax: Taxonomy
    bodies: Mapping[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    key: str = ""
    image_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)   # site path -> (width, height)
    photos: Mapping[str, Any] = field(default_factory=dict)    # site path -> its PhotoJob (pictures.py)
    card: Any = None                # the social card of pages with no photo of their own (cards.SiteCard)
    preview: bool = False           # the dev server's build: drafts and scheduled stories are marked
    now: datetime | None = None     # what counts as "now" for a preview's "scheduled" marks
    template_keys: dict[str, str] = field(default_factory=dict)   # page template -> hash of the files it is made of
    newest: datetime | None = None  # the newest change among the articles (newest_change(); None: none)
    # with editions in other languages (config.editions): each edition's taxonomy (None: made from
    # its articles when first asked for; a build answered by the job graph has its names only),
    # and which edition this Site is the view of (editions()): "" the first, else its language
    edition_taxes: Mapping[str, Taxonomy] | None = None
    alternates: Mapping[str, Alternates] = field(default_factory=dict)   # source path -> its translations (translations.py)
    code: str | None = None         # None: the whole site; else this Site is the view of one edition
    catalogues: Mapping[str, Any] = field(default_factory=dict)   # language -> its words (i18n.load(); none: English)

    def words(self, edition: str = "") -> Any:
        """The translations the pages of this edition are rendered with (None: the theme's English).
        (An edition's code is its language: no story is looked at.)"""
        return self.catalogues.get(edition or self.config.language)

    def editions(self) -> dict[str, "Site"]:
        """Each edition's view of the site, the first ("") first: its settings (SiteConfig.edition()),
        its stories and their taxonomy. A site of one language is its own only edition."""
        if self.code is not None:
            return {self.code: self}
        return self._editions

    @cached_property
    def _editions(self) -> dict[str, "Site"]:
        config = self.config
        if not config.editions:
            return {"": self}
        codes = tuple(e.language for e in config.editions)
        split: dict[str, list[Article]] = {"": [], **{code: [] for code in codes}}
        for a in self.articles:
            split[edition_of(a.language, codes)].append(a)
        out = {}
        for code, articles in split.items():
            view = config.edition(code)
            tax = (self.edition_taxes or {}).get(code)
            if tax is None and self.tax is not None:
                tax = edition_taxonomy(articles, view, self.tax.authors)
            out[code] = replace(self, config=view, articles=articles, tax=tax, code=code)
        return out

    def edition_of(self, a: Article) -> "Site":
        """The view of the edition the story is published in."""
        editions = self.editions()
        if len(editions) == 1:
            return next(iter(editions.values()))
        return editions[edition_of(a.language, tuple(e.language for e in self.config.editions))]

    def page_key(self, template: str, *parts: Any) -> str:
        """The key of a page rendered from `template`: site-wide facts, the template's own files,
        and what the page shows (`parts`). A template missing from the keys (not in PAGE_TEMPLATES)
        is a bug that would leave its pages unrendered after an edit to it: it fails loudly."""
        if self.template_keys and template not in self.template_keys:
            raise LookupError(f"page template {template!r} is not in plan.PAGE_TEMPLATES: its pages would "
                              "never be rendered again when it changes")
        return fingerprint(self.key, template, self.template_keys.get(template, ""), *parts)

    def digests_of(self, articles: list[Article]) -> str:
        """_digest() of each of the site's own articles, run together (each is 24 hex digits): the
        plan asks ~120,000 times at 10,000 stories, and one string hashes faster than a list."""
        known = self._digests
        try:
            return "".join(map(_second, map(known.__getitem__, map(_path, articles))))
        except KeyError:        # worked out when first asked for: a plan of what changed asks for few
            for a in articles:
                if a.path not in known:
                    known[a.path] = (a, self._digest(a))
            return "".join(map(_second, map(known.__getitem__, map(_path, articles))))

    def _digest(self, a: Article) -> str:
        digest = self.digests.get(a.path)
        mark = preview_status(a, self.now) if self.preview else ""
        # short (96 bits): page keys repeat it ~12 times per story, and hashing them is a plan's main cost
        content = digest or fingerprint(a, self.bodies.get(a.path))    # (the body is not in the article)
        return hashlib.blake2b(f"{a.path}\0{content}\0{mark}".encode("utf-8", "surrogatepass"),
                               digest_size=12).hexdigest()

    @cached_property
    def by_path(self) -> dict[str, Article]:
        return {a.path: a for a in self.articles}

    def articles_at(self, paths: tuple[str, ...]) -> list[Article]:
        """The site's articles at these source paths (those it publishes), in that order."""
        by_path = self.by_path
        return [by_path[p] for p in paths if p in by_path]

    @cached_property
    def presenter(self) -> Presenter:
        """One per site: its cards and links are made once for every page that shows them."""
        return Presenter(self.config, self.tax, self.newest, self.image_sizes,
                         now=self.now if self.preview else None, bodies=self.bodies, photos=self.photos,
                         card=self.card, words=self.words(), catalogues=self.catalogues)

    @cached_property
    def made(self) -> dict[tuple, dict[str, bytes]]:
        """Files made in one pass for several data jobs (a listing's RSS and Atom feeds, the
        sitemaps), until each is asked for."""
        return {}

    @cached_property
    def _digests(self) -> dict[str, tuple[Article, str]]:
        """_digest() of the published articles asked for so far: pages and feeds ask ~12 times each."""
        return {}


def edition_taxonomies(config: SiteConfig, articles: list[Article], tax: Taxonomy) -> dict[str, Taxonomy] | None:
    """Each edition's taxonomy (None: a site of one language, whose taxonomy is the site's)."""
    if not config.editions:
        return None
    return {code: site.tax for code, site in Site(config, articles, tax).editions().items()}


def edition_taxonomy(articles: list[Article], config: SiteConfig, authors: Mapping[str, Any]) -> Taxonomy:
    """An edition's sections, tags, authors and months, its sections under the names it gives them."""
    tax = build_taxonomy(articles, config.zone, dict(authors))
    names = dict(config.section_names)
    if names:
        tax = replace(tax, sections={slug: Section(slug, names.get(slug, s.name)) for slug, s in tax.sections.items()})
    return tax


@dataclass(frozen=True)
class PageJob:
    """One output page, as plain data (picklable, no callables): its context is made when it is
    rendered, by page_context(site, job), from its `kind`, `params` and the stories at `inputs`
    (the only stories it may read: tests/test_declared_inputs.py traces it)."""
    path: str                       # output file, relative to the output root
    url_path: str                   # site-relative URL
    template: str
    kind: str                       # how its context is made: a key of CONTEXTS
    params: tuple = ()              # strings, numbers and tuples of them
    inputs: tuple[str, ...] = ()    # source paths of the articles it shows
    modified: datetime | None = None    # newest change among the articles shown
    in_sitemap: bool = True
    key: str = ""                   # hash of everything the page is rendered from: same key, same bytes
    edition: str = ""               # the edition it is a page of (Site.editions()): "" the first


_path, _second, _modified_of = attrgetter("path"), itemgetter(1), attrgetter("modified")


def newest_change(articles: list[Article]) -> datetime | None:
    """When the newest change among these articles was made (a page's date in the sitemaps;
    among all published ones, Site.newest)."""
    return max(map(_modified_of, articles), default=None)


Touching = AbstractSet[str] | None     # see plan()


class Shown:
    """Which pages to plan: all (touching None), or those showing one of the articles at these
    source paths. Tells by the articles' identities: a listing of thousands is then looked
    through without reading each article."""

    def __init__(self, site: Site, touching: Touching):
        self.all = touching is None
        self.paths = touching or frozenset()
        self.ids = {id(site.by_path[p]) for p in self.paths if p in site.by_path}

    def __call__(self, articles: list[Article]) -> bool:
        return self.all or not self.ids.isdisjoint(map(id, articles))


def _job(site: Site, path: str, url_path: str, template: str, kind: str, params: tuple, shown: list[Article],
         in_sitemap: bool = True, inputs: tuple[str, ...] | None = None) -> PageJob:
    """A page job showing these articles (`inputs`: their paths, if not in the order shown), keyed
    by job_key(), dated by _modified()."""
    inputs = tuple(map(_path, shown)) if inputs is None else inputs
    return PageJob(path, url_path, template, kind, params, inputs, _modified(site, kind, shown) if in_sitemap else None,
                   in_sitemap, _key(site, template, kind, url_path, params, shown), site.code or "")


def _modified(site: Site, kind: str, shown: list[Article]) -> datetime | None:
    """The one rule a page is dated by in the sitemaps: a story's page by the story's last change,
    a listing by the newest change among the stories it lists, the home page and the archive's
    index by the newest change of all (Site.newest). (sitemap_entries() asks it too.)"""
    if kind == "article":
        return shown[0].modified
    if kind == "listing":
        return newest_change(shown)
    return site.newest if kind in ("home", "archive") else None       # (an edition's too: the copyright year is the site's)


def job_modified(site: Site, job: PageJob) -> datetime | None:
    """What _job() dated the job with, from the job alone (its stories read from `site`)."""
    return _modified(site, job.kind, site.articles_at(job.inputs)) if job.in_sitemap else None


def job_key(site: Site, job: PageJob) -> str:
    """What _job() keyed the job with, from the job alone (its stories read from `site`)."""
    return _key(site, job.template, job.kind, job.url_path, job.params, site.articles_at(job.inputs))


def _key(site: Site, template: str, kind: str, url_path: str, params: tuple, shown: list[Article]) -> str:
    """The one rule a page is keyed by: what it is, and the stories it shows."""
    return site.page_key(template, kind, url_path, params, site.digests_of(shown))


def _listing_jobs(site: Site, kind: str, slug: str, heading: str, base: str, articles: list[Article],
                  shows: Shown | None = None) -> list[PageJob]:
    """The pages of a listing (kind: section, tag, author or archive; slug: which one)."""
    if shows is not None and not shows(articles):
        return []
    pages = paginate(articles, site.config.per_page)
    jobs = []
    for number, chunk in enumerate(pages, start=1):
        if shows is not None and not shows(chunk):
            continue
        url_path = page_path(base, number)
        jobs.append(_job(site, output_file(url_path), url_path, "list.html", "listing",
                         (kind, slug, heading, base, number, len(pages)), chunk))
    return jobs


def _listing_context(p: Presenter, site: Site, job: PageJob) -> dict[str, Any]:
    kind, slug, heading, base, number, total = job.params
    section = slug if kind == "section" else "archive" if kind == "archive" else ""
    feeds = p.section_feeds(slug) if kind == "section" else p.author_feeds(slug) if kind == "author" else ()
    title = heading if number == 1 else p.gettext("%(heading)s (page %(number)s)") % {"heading": heading, "number": number}
    pagination = Pagination(
        current=number, total=total,
        prev_url=p.urls.href(page_path(base, number - 1)) if number > 1 else None,
        next_url=p.urls.href(page_path(base, number + 1)) if number < total else None)
    return {
        "site": p.site(section), "heading": heading, "kind": kind,
        "profile": p.profile(slug) if kind == "author" else None,
        "page": p.meta(kind, f"{title} | {site.config.title}", job.url_path, feeds=feeds, section=section),
        "cards": tuple(map(p.card, site.articles_at(job.inputs))), "pagination": pagination,
    }


def _home(site: Site) -> PageJob:
    arts, tax, prefix = site.articles, site.tax, site.config.prefix
    blocks = tuple((slug, tuple(map(_path, tax.section_articles[slug][:BLOCK_SIZE]))) for slug in tax.sections)
    latest = arts[: 1 + HOME_LATEST]
    shown = latest + [a for s in tax.section_articles.values() for a in s[:BLOCK_SIZE]]
    inputs = tuple(sorted({a.path for a in shown}))
    params = (tuple(map(_path, latest)), blocks)
    return _job(site, prefix + "index.html", prefix, "home.html", "home", params, site.articles_at(inputs), inputs=inputs)


def _home_context(p: Presenter, site: Site, job: PageJob) -> dict[str, Any]:
    latest, blocks = job.params
    cards = dict(zip(job.inputs, map(p.card, site.articles_at(job.inputs))))
    return {
        "site": p.site(), "page": p.meta("home", site.config.title, job.url_path),
        "lead": cards[latest[0]] if latest else None,
        "latest": tuple(cards[path] for path in latest[1:]),
        "blocks": tuple(SectionBlock(p.section_link(slug), tuple(cards[path] for path in paths)) for slug, paths in blocks),
    }


def _archive(site: Site, shows: Shown) -> list[PageJob]:
    """/archive/ (years and months) and /archive/YYYY/MM/ (that month's stories)."""
    urls, prefix = site.presenter.urls, site.config.prefix
    months = site.tax.months
    month_name = formatter("%B %Y", site.config.language)
    years: dict[int, list[ArchiveMonth]] = {}
    jobs = []
    for (year, month), articles in months.items():
        base = f"{prefix}archive/{year:04d}/{month:02d}/"
        name = month_name(datetime(year, month, 1))
        years.setdefault(year, []).append(ArchiveMonth(name, urls.href(base), len(articles)))
        jobs += _listing_jobs(site, "archive", "", name, base, articles, shows=shows)
    if not shows.all:               # the index shows no story, only how many each month has
        return jobs
    index = (tuple(ArchiveYear(y, tuple(m)) for y, m in years.items()),)
    return [_job(site, f"{prefix}archive/index.html", f"{prefix}archive/", "archive.html", "archive", index, [])] + jobs


def _archive_context(p: Presenter, site: Site, job: PageJob) -> dict[str, Any]:
    heading = p.gettext("Archive")
    return {"site": p.site("archive"), "page": p.meta("archive", f"{heading} | {site.config.title}", job.url_path),
            "heading": heading, "years": job.params[0]}


def _redirects(site: Site, shows: Shown) -> list[PageJob]:
    urls = site.presenter.urls
    jobs = []
    for a in site.articles if shows.all else site.articles_at(tuple(sorted(shows.paths))):
        target = urls.absolute(a.url_path)
        jobs += [_job(site, alias, alias, "redirect.html", "redirect", (target,), [a], in_sitemap=False)
                 for alias in a.aliases]
    return jobs


def _redirect_context(p: Presenter, site: Site, job: PageJob) -> dict[str, Any]:
    [a] = site.articles_at(job.inputs)
    meta = p.meta("redirect", f"{a.title} | {site.config.title}", a.url_path)
    return {"site": p.site(), "page": meta, "target": job.params[0], "title": a.title}


def plan(site: Site, touching: Touching = None, related: dict[str, tuple[str, ...]] | None = None) -> list[PageJob]:
    """Every HTML page of the site. Or, given `touching` (the source paths of the stories that
    changed since the last build, none of them in its shape(): where it is, what it is filed
    under, when), only the pages that show one of them: every other page's key is as it was.
    `related`: each story's related stories (source paths), as a build with the same
    related_key() chose them (related_of() its plan); None: chosen now. Each edition's pages in turn (Site.editions()), then
    the site's one 404 page."""
    jobs = []
    for edition in site.editions().values():
        jobs += _edition_plan(edition, touching, related)
    if touching is None:
        jobs.append(_job(site, "404.html", "404.html", "404.html", "404", (), [], in_sitemap=False))
    return jobs


def _edition_plan(site: Site, touching: Touching, related: dict[str, tuple[str, ...]] | None) -> list[PageJob]:
    """plan() of one edition."""
    tax, prefix = site.tax, site.config.prefix
    shows = Shown(site, touching)
    home = _home(site)
    jobs = [home] if shows.all or not shows.paths.isdisjoint(home.inputs) else []
    for slug, section in tax.sections.items():
        jobs += _listing_jobs(site, "section", slug, section.name, f"{prefix}{slug}/", tax.section_articles[slug], shows)
    for slug, tag in tax.tags.items():
        jobs += _listing_jobs(site, "tag", slug, tag.name, f"{prefix}tags/{slug}/", tax.tag_articles[slug], shows)
    for slug, author in tax.authors.items():
        jobs += _listing_jobs(site, "author", slug, author.shown_name, f"{prefix}authors/{slug}/",
                              tax.author_articles[slug], shows)
    jobs += _archive(site, shows)
    if related is None:
        assert shows.all, "planning only what changed needs the last build's related stories"
        find_related = Related(site.articles, tax)
        chosen = [(a, find_related(a)) for a in site.articles]
    elif shows.all:
        chosen = [(a, site.articles_at(related[a.path])) for a in site.articles]
    else:       # (by path: the articles themselves are not read)
        changed = shows.paths
        mine = site.by_path
        chosen = [(mine[path], site.articles_at(rel)) for path, rel in related.items()
                  if (path in changed or not changed.isdisjoint(rel)) and path in mine]
    jobs += [_article_job(site, a, rel) for a, rel in chosen]
    jobs += _redirects(site, shows)
    return jobs


def shape(a: Article) -> str:
    """What of a story shapes pages other than those that show it: where it is published, what it
    is filed under and when (the order of listings, the archive's months, the related stories,
    the section and tag names, the redirects' paths). While no story's shape changes, a story's
    edit changes only the pages that show it, and the sitemaps if it changed when the story was
    last changed (Article.modified; which is also the copyright year's, in the site's key). What
    listings are ordered by is in it whatever the order (listings.LISTING_ORDER). So is the lead
    image's source and focus: which crops of the site's photos are made (pictures.with_crops()). And its language and
    translation_of: the edition it is in, the stories whose pages link to it as a translation."""
    order = tuple(getattr(a, name) for name, _ in listings.LISTING_ORDER)
    lead = (a.image.src, a.image.focus) if a.image is not None else None
    return hashlib.blake2b(repr((a.path, a.url_path, a.draft, a.published, a.section, a.section_name,
                                 a.tags, a.byline, a.aliases, order, lead, a.language, a.translation_of)
                                ).encode("utf-8", "surrogatepass"),
                           digest_size=12).hexdigest()


def sitemap_entries(site: Site) -> list[tuple[str, datetime | None]]:
    """The pages of plan() that go in the sitemaps, in its order, each with the newest change among
    the stories it shows; worked out without making the pages' jobs (for a rebuild that plans
    only what changed). tests/test_replan.py holds it to the full plan's pages."""
    out: list[tuple[str, datetime | None]] = []
    for edition in site.editions().values():
        out += _edition_entries(edition)
    return out


def _edition_entries(site: Site) -> list[tuple[str, datetime | None]]:
    tax, per_page, prefix = site.tax, site.config.per_page, site.config.prefix
    out: list[tuple[str, datetime | None]] = [(prefix, _modified(site, "home", []))]

    def listing(base: str, articles: list[Article]) -> None:
        out.extend((page_path(base, number), _modified(site, "listing", chunk))
                   for number, chunk in enumerate(paginate(articles, per_page), start=1))

    for slug in tax.sections:
        listing(f"{prefix}{slug}/", tax.section_articles[slug])
    for slug in tax.tags:
        listing(f"{prefix}tags/{slug}/", tax.tag_articles[slug])
    for slug in tax.authors:
        listing(f"{prefix}authors/{slug}/", tax.author_articles[slug])
    out.append((f"{prefix}archive/", _modified(site, "archive", [])))
    for (year, month), articles in tax.months.items():
        listing(f"{prefix}archive/{year:04d}/{month:02d}/", articles)
    out += [(a.url_path, _modified(site, "article", [a])) for a in site.articles]
    return out


def _article_job(site: Site, a: Article, rel: list[Article]) -> PageJob:
    """A story's page (in its edition: `site` is the whole site's, or that edition's view), with its
    translations (params: their alternates) and its related stories (inputs past the first)."""
    site = site.edition_of(a) if site.code is None else site
    return _job(site, output_file(a.url_path), a.url_path, "article.html", "article",
                (site.alternates.get(a.path, ()),), [a, *rel])


def article_pages(site: Site, paths: AbstractSet[str], related: dict[str, tuple[str, ...]]) -> list[PageJob]:
    """The pages of the stories at these source paths alone (those the site publishes), with
    their related stories as chosen (`related`, as plan() takes it)."""
    return [_article_job(site, a, site.articles_at(related.get(a.path, ()))) for a in site.articles_at(tuple(sorted(paths)))]


def related_key(articles: list[Article]) -> str:
    """Everything the choice of related stories depends on: each story's place, section, tags and
    language (the edition it is in: related stories are of one edition)."""
    return fingerprint([(a.path, a.section, a.tags, a.language) for a in articles])


def related_of(jobs: list[PageJob]) -> dict[str, tuple[str, ...]]:
    """The related stories each article page of a plan shows (for plan()'s `related` next time)."""
    return {job.inputs[0]: job.inputs[1:] for job in jobs if job.template == "article.html"}


def _article_context(p: Presenter, site: Site, job: PageJob) -> dict[str, Any]:
    a, *rel = site.articles_at(job.inputs)
    alternates = job.params[0]
    return {"site": p.site(a.section), "page": p.article_meta(a, alternates), "article": p.article(a, rel, alternates)}


def _not_found_context(p: Presenter, site: Site, job: PageJob) -> dict[str, Any]:
    return {"site": p.site(), "page": p.meta("404", f"{p.gettext('Page not found')} | {site.config.title}", "404.html")}


CONTEXTS: dict[str, Callable[[Presenter, Site, PageJob], dict[str, Any]]] = {
    "listing": _listing_context, "home": _home_context, "archive": _archive_context, "article": _article_context,
    "redirect": _redirect_context, "404": _not_found_context}


def page_context(site: Site, job: PageJob) -> dict[str, Any]:
    """What the job's template is rendered with: made from the job's plain data and the stories at
    its inputs (the only stories it reads), in the view of its edition."""
    site = site.editions().get(job.edition, site)
    return CONTEXTS[job.kind](site.presenter, site, job)


@dataclass(frozen=True)
class DataJob:
    """A generated file (feed, sitemap, robots.txt), as plain data as a PageJob is: made by
    make_data(site, job), and only when its key changed since the last build."""
    path: str
    key: str
    kind: str                       # how it is made: a key of MAKERS
    params: tuple = ()
    inputs: tuple[str, ...] = ()    # source paths of the articles it shows
    clock: bool = False             # the time of the build alone changes it (the news sitemap)
    edition: str = ""               # the edition whose file it is (Site.editions()): "" the first


def feed_jobs(site: Site, touching: Touching = None) -> list[DataJob]:
    """The feeds: RSS, Atom and JSON Feed of each edition, RSS of each of its sections and authors
    (or, given `touching`, those of them that show one of these stories: see plan()). They need
    the stories, not the pages, so they can be made while the pages are planned."""
    out = []
    for edition in site.editions().values():
        out += _edition_feeds(edition, touching)
    return out


def _edition_feeds(site: Site, touching: Touching) -> list[DataJob]:
    config, tax, prefix, code = site.config, site.tax, site.config.prefix, site.code or ""
    size = config.feed_size
    shows = Shown(site, touching)

    def feeds(title: str, items: list[Article], home: str, rss: str, atom: str | None = None) -> list[DataJob]:
        if not shows(items[:size]):
            return []
        shown = tuple(map(_path, items[:size]))
        out = [DataJob(rss, _data_key(site, rss, items[:size]), "feeds", (title, home, rss, atom), shown, edition=code)]
        if atom:
            out.append(DataJob(atom, _data_key(site, atom, items[:size]), "feeds", (title, home, rss, atom), shown,
                               edition=code))
        return out

    out = feeds(config.title, site.articles, prefix, f"{prefix}feed.xml", f"{prefix}atom.xml")
    if shows(site.articles[:size]):
        out.append(DataJob(f"{prefix}feed.json", _data_key(site, f"{prefix}feed.json", site.articles[:size]), "json_feed",
                           (), tuple(map(_path, site.articles[:size])), edition=code))
    for slug, section in tax.sections.items():
        out += feeds(f"{config.title}: {section.name}", tax.section_articles[slug], f"{prefix}{slug}/",
                     f"{prefix}{slug}/feed.xml")
    for slug, author in tax.authors.items():
        out += feeds(f"{config.title}: {author.shown_name}", tax.author_articles[slug],
                     f"{prefix}authors/{slug}/", f"{prefix}authors/{slug}/feed.xml")
    return out


def _data_key(site: Site, path: str, shown: list[Article]) -> str:
    """The one rule a feed is keyed by: where it goes, and the stories it shows."""
    return fingerprint(site.key, path, site.digests_of(shown))


def data_key(site: Site, job: DataJob) -> str:
    """What feed_jobs() keyed a feed with, from the job alone (its stories read from `site`)."""
    return _data_key(site, job.path, site.articles_at(job.inputs))


def news_sitemap_jobs(site: Site, now: datetime) -> list[DataJob]:
    """Each edition's news sitemap: the stories of the last 48 hours, so the clock alone changes
    it (the one kind of job a build that finds nothing else changed may still run)."""
    return [DataJob(f"{edition.config.prefix}news-sitemap.xml", "", "news_sitemap", (now,),
                    tuple(a.path for a in edition.articles if in_news_window(a, now)),   # handed only these: it reads no other
                    clock=True, edition=edition.code or "")
            for edition in site.editions().values()]


def news_inputs(jobs: list[Any]) -> tuple[str, ...]:
    """The stories the news sitemaps among these jobs show (LastBuild.news)."""
    return tuple(path for job in jobs if getattr(job, "kind", "") == "news_sitemap" for path in job.inputs)


def sitemap_alternates(site: Site) -> tuple[tuple[str, Alternates], ...]:
    """The sitemaps' alternates (xhtml:link): each translated story's URL path -> its group's
    alternates (Site.alternates: a build answered by the job graph has them all), and each
    edition's home page -> every edition's, the first as x-default."""
    out: dict[str, Alternates] = {}
    for links in site.alternates.values():
        for language, url_path in links[:-1]:
            out[url_path] = links
    homes = site.config.home_alternates()
    out.update((url_path, homes) for _, url_path in homes[:-1])
    return tuple(sorted(out.items()))


def site_files(site: Site, entries: list[tuple[str, datetime | None]] | None, now: datetime) -> list[DataJob]:
    """Sitemaps of these pages (see sitemap_entries(); None: as the last build wrote them), the
    news sitemaps and robots.txt: cheap to make, and they depend on every page or on the clock."""
    out = []
    if entries is not None:     # (every page's date: made from every published story)
        alternates = sitemap_alternates(site)
        key = fingerprint(site.key, "sitemaps", entries, alternates)
        everything = tuple(map(_path, site.articles))
        listed = (tuple(entries), alternates)
        out += [DataJob(name, key, "sitemaps", listed, everything) for name in sitemap_files(len(entries))]
    news = news_sitemap_jobs(site, now)
    out += news
    out.append(DataJob("robots.txt", "", "robots", (("sitemap.xml", *(job.path for job in news)),)))
    if site.card is not None and site.card.made:      # (its name holds the hash of what it is made from)
        out.append(DataJob(site.card.path, site.card.path, "social_card", (site.card.logo,)))
    return out


def _one_pass(site: Site, which: tuple, path: str, make: Callable[[], dict[str, bytes]]) -> bytes:
    """The file at `path` of several that make() makes in one pass (a listing's RSS and Atom
    feeds, the sitemap files): the others are kept on the Site until each is asked for."""
    made = site.made.get(which)
    if made is None:
        made = site.made[which] = dict(make())
    return made.pop(path) if len(made) > 1 else site.made.pop(which)[path]


def _feeds(site: Site, job: DataJob) -> bytes:
    title, home, rss, atom = job.params
    return _one_pass(site, job.params, job.path, lambda: build_feeds(
        site.config, site.articles_at(job.inputs), site.bodies, title, home, rss, atom))


def _json_feed(site: Site, job: DataJob) -> bytes:
    config = site.config
    return build_json_feed(config.base_url, config.title, config.description, config.language,
                           site.articles_at(job.inputs), site.bodies, config.prefix, job.path, config.feed_size,
                           prefix=config.prefix)


def _sitemaps(site: Site, job: DataJob) -> bytes:
    which = ("sitemaps", id(job.params[0]))     # (not the entries themselves: a tuple hashes anew each time)
    return _one_pass(site, which, job.path, lambda: build_sitemaps(site.config.base_url, list(job.params[0]),
                                                                    alternates=dict(job.params[1])))


def _news_sitemap(site: Site, job: DataJob) -> bytes:
    config = site.config        # (the edition's: an edition in another language is a publication of its own name)
    name = config.title if site.code else config.publisher.name or config.title
    return build_news_sitemap(config.base_url, name, config.language, site.articles_at(job.inputs), job.params[0])


def _social_card(site: Site, job: DataJob) -> bytes:
    from urllib.parse import urlsplit

    from .cards import make_card
    config, logo = site.config, site.photos.get(job.params[0])
    return make_card(config.title, config.description, urlsplit(config.base_url).netloc,
                     logo.source.read_bytes() if logo is not None else None)


MAKERS: dict[str, Callable[[Site, DataJob], bytes]] = {
    "feeds": _feeds, "json_feed": _json_feed, "sitemaps": _sitemaps, "news_sitemap": _news_sitemap,
    "robots": lambda site, job: build_robots(site.config.base_url, list(job.params[0])), "social_card": _social_card}


def make_data(site: Site, job: DataJob) -> bytes:
    """The bytes of a data job, made from its plain data and the stories at its inputs, in the
    view of its edition."""
    return MAKERS[job.kind](site.editions().get(job.edition, site), job)
