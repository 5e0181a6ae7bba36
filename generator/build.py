"""build_site(): the phases of a build, in order — load, diff, parse, model, plan, render, write.

What changed since the last build of the output is the incremental engine's to say
(generator/incremental/); each phase here does what that answer leaves to do. A build that
finds nothing changed loads neither the template engine nor Markdown nor lxml: the phases that
make something are in phases.py and plan.py, imported only when something is to be made.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, NamedTuple, TypeVar

from . import bodies
from .cache import BuildCache, PageRecord
from .config import load_config
from .content import Source, find_sources, read_sources, static_files
from .data import load_authors
from .incremental.early import keep, show_first, updated
from .incremental.graph import Graph, changed_sources
from .incremental.keys import (inputs_key, locales_key, parse_key, published_key, settings_key, site_key, sources_key,
                               templates_key)
from .incremental.last import (Clock, LastBuild, as_left, changed_stories, clock_next, redated, stories_after,
                               unchanged_inputs, unchanged_sources)
from .incremental import outputs
from .incremental.outputs import carried, records_after
from .lock import output_lock, site_lock
from .model import Article
from .output import DiskSink, check_output_target, lock_path, recover
from .parallel import Background, collection_paused, release_memory, worker_count
from .problems import BuildError, Problem
from .theme import find_theme

if TYPE_CHECKING:
    from .plan import Site

__all__ = ["BuildOptions", "BuildResult", "Clock", "build_site", "held_back", "parse_key"]

T = TypeVar("T")
_path = attrgetter("path")


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None      # default: SITE/output
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    now: datetime | None = None     # what counts as "now" for scheduled stories (default: the clock)
    workers: int | None = None      # processes for parsing and rendering (default: one per core)
    cache: bool = True              # reuse SITE/.broadsheet/cache (False: --no-cache)
    preview: bool = False           # the dev server's build: drafts and scheduled stories carry a banner


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
    rendered: int = 0               # pages rendered this time (the rest were unchanged and carried over)
    planned: int = 0                # pages planned (the rest show no story that changed: see plan())
    sources: int = 0                # Markdown files found
    read: int = 0                   # of which read (the rest were unchanged since the last build: stat says so)
    articles_cached: int = 0        # of which parsed results came from the cache
    changed: set[str] | None = None  # output files written or deleted (None: not known, e.g. a first build)
    from_graph: bool = False        # planned from the last build's saved job graph (incremental/graph.py)
    clock: "Clock | None" = None    # when the clock alone next changes the output (None: never, or not known)
    site: Site | None = field(default=None, repr=False)   # what was built (the dev server renders from it)

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


def held_back(site_dir: Path, now: datetime) -> list[Article]:
    """The stories a build at `now` holds back until their time, soonest first (reads, never writes)."""
    from .phases import parse_all, scheduled
    config = load_config(site_dir)
    articles, problems, _ = parse_all(find_sources(site_dir, config.markdown.max_file_size), config, worker_count())
    if problems:
        raise BuildError(problems)
    return scheduled(articles, now)


def build_site(site_dir: Path, options: BuildOptions = BuildOptions(), sink: Any = None,
               cache: BuildCache | None = None, *, first: AbstractSet[str] = frozenset(),
               shown: Callable[[str, bytes], None] | None = None) -> BuildResult:
    """Build the site at site_dir. Raises BuildError with every problem; writes nothing then.
    Two builds of one site, or into one output folder, never run at once: the second fails at
    once, saying so. What a killed build left half-done is finished or undone before anything
    else, so no problem found later can leave the output mixed.
    `cache`: a BuildCache.in_memory() kept between the builds of one process (the dev server).
    `first`, `shown`: the pages of the stories at these source paths are rendered before any other
    page, and each is handed to shown(output path, bytes) as soon as it is made (the dev server
    serves an edited story's page then, while the rest of the build goes on). With a cache kept
    in memory a page may be handed over twice: first from the last build's Site, before anything
    is loaded (see incremental/early.py), then as this build makes it; the last one is the page."""
    with collection_paused():
        if sink is not None:
            return _build(site_dir, options, sink, cache, first, shown)
        site_dir = site_dir.absolute()
        output = (options.output or site_dir / "output").absolute()
        with site_lock(site_dir) as writable:
            check_output_target(output, site_dir)
            with output_lock(_output_lock(output)):
                recover(output)
                if not writable:    # a read-only site folder: no cache can be kept in it
                    options, cache = replace(options, cache=False), None
                return _build(site_dir, options, None, cache, first, shown)


def _output_lock(output: Path) -> Path:
    """The output's lock file, its folder made if need be."""
    path = lock_path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError([Problem(str(output), None, "", f"cannot be made: {exc.strerror or exc}")]) from None
    return path


class Loaded(NamedTuple):
    """What the load phase found: the sources (bytes read only where a stamp changed), the data
    and static files, and the keys of all of it."""
    sources: list[Source]           # (emptied once parsed)
    found: int                      # how many
    problems: list[Problem]         # met finding the sources
    read: int                       # sources whose bytes were read (the rest: unchanged, by their stamps)
    authors: dict
    static: dict[str, Path]         # output path -> static file
    templates: str                  # keys.templates_key()
    settings: str                   # keys.settings_key()
    sources_key: str                # keys.sources_key()
    digests: dict[str, str] = {}    # static file -> SHA-256 of its bytes


class Published(NamedTuple):
    """What a build at `now` publishes, holds back, and when the clock alone next changes it."""
    articles: list[Article]         # published, newest first
    held: list[Article]             # scheduled, soonest first
    clock: Clock | None
    marks: frozenset[str]           # in a preview, the published stories marked scheduled
    inputs: str                     # keys.inputs_key()
    shown: str = ""                 # keys.published_key()


class _Build:
    """One build of a site into an output: the state its phases share, and the phases."""

    def __init__(self, site_dir: Path, options: BuildOptions, sink: Any, kept: BuildCache | None,
                 first: AbstractSet[str] = frozenset(), shown: Callable[[str, bytes], None] | None = None):
        self.started = self.mark = time.perf_counter()
        self.phases: dict[str, float] = {}
        self.site_dir, self.options = site_dir.absolute(), options
        self.config = load_config(self.site_dir, options.base_url)
        self.theme = find_theme(self.site_dir, self.config.theme)
        self.output = (options.output or self.site_dir / "output").absolute()
        self.cache = kept.begin(parse_key(self.config)) if kept else BuildCache.open(self.site_dir, options.cache, parse_key(self.config))
        self.own_sink = sink is None    # (a sink handed in: a test's, in memory; no last build then)
        self.scan: outputs.OutputScan | None = None     # (started by run())
        # (without its stories until past the diff: see model())
        self.last: LastBuild | None = self.cache.last_build(self.output) if self.own_sink else None
        self.sink = sink
        self.now = options.now or datetime.now(timezone.utc)
        self.workers = worker_count(options.workers)
        self.first, self.shown = first, shown                  # see build_site()
        self.entries: list | None = None    # the sitemaps' pages, with their dates, if this build makes the sitemaps
        self.photos: list | None = None     # (see photo_jobs())

    def phase(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args), timed as the phase `name`."""
        value = fn(*args)
        self.ended(name)
        return value

    def ended(self, name: str) -> None:
        """The phase `name` ends now: the time since the last one ended counts to it."""
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.mark
        self.mark = now

    def result(self, counts: dict[str, int], **more: Any) -> BuildResult:
        return BuildResult(output=self.output if self.own_sink else None, pages=counts["pages"],
                           articles=counts["articles"], sections=counts["sections"], tags=counts["tags"],
                           files=counts["files"], seconds=time.perf_counter() - self.started, phases=self.phases, **more)

    # -- load and diff --

    def load(self) -> Loaded:
        site_dir, config, options, cache = self.site_dir, self.config, self.options, self.cache
        read_ns = time.time_ns()
        sources, problems = read_sources(site_dir, config.markdown.max_file_size, cache.stamps)
        cache.read(sources, read_ns)
        authors = load_authors(site_dir)
        static = static_files(site_dir, self.theme)
        templates = templates_key(site_dir, self.theme)
        digests = cache.digests(static, read_ns)
        settings = settings_key(config, templates, (options.drafts, options.future, options.preview), authors, digests)
        return Loaded(sources, len(sources), problems, sum(s.read for s in sources), authors, static, templates,
                      settings, sources_key(settings, sources), dict(digests))

    def photo_jobs(self, loaded: Loaded) -> list[Any]:
        """The site's photos, each a job making its files (pictures.py): planned once per build."""
        if self.photos is None:
            from .pictures import photo_files, photo_jobs
            self.photos = photo_jobs(self.site_dir, photo_files(self.site_dir, loaded.static), loaded.digests,
                                     self.cache.folder)
        return self.photos

    def catalogues(self) -> dict[str, Any]:
        """The words of each edition's language (i18n.py): BuildError if a language has no catalogue;
        and of every other language a catalogue is found for (a story in it speaks it)."""
        from .i18n import catalogued, load, locale_folders
        config, folders = self.config, locale_folders(self.site_dir, self.theme)
        wanted = {config.language: "language", **{e.language: f"languages.{e.language}" for e in config.editions}}
        wanted.update({language: "" for language in catalogued(folders) if language not in wanted})
        problems, out = [], {}
        for language, field in wanted.items():
            try:
                words = load(language, folders, self.site_dir, field)
            except BuildError as exc:
                problems += exc.problems
                continue
            if words is not None:
                out[language] = words
        if problems:
            raise BuildError(problems)
        return out

    def site_card(self, photos: list[Any]) -> Any:
        """The social card of pages with no photo of their own (cards.py); BuildError if site.toml's
        [social] image cannot be one."""
        from .cards import CardError, site_card
        try:
            return site_card(self.config, _photos_by_path(photos))
        except CardError as exc:
            raise BuildError([Problem("site.toml", None, "social.image", str(exc))]) from None

    def nothing_changed(self, loaded: Loaded) -> bool:
        """Every source has the bytes it had (stat says so, or a file saved just before the last
        build was read again and hashed the same), the clock changed nothing, the output is as left."""
        return (self.scan is not None and not loaded.problems
                and unchanged_sources(self.last, loaded.sources_key, self.now, self.scan.untouched))

    def unchanged(self, loaded: Loaded) -> BuildResult:
        """The build that finds nothing changed: it only keeps the stamps of files read again."""
        cache, last = self.cache, self.last
        version = cache.stamps_version
        cache.save(None, self.output, None, folders=self.scan.restamped())   # (stamped afresh if it was listed)
        if cache.stamps_version != version and last.stamps == version:
            # (the stamps noted anew are of the bytes the last build had, its sources key says: the
            # next build may still take the stories the walk does not read as that build had them)
            cache.restamp_build(self.output)
        return self.result(last.counts, scheduled=[] if self.options.future else list(last.scheduled),
                           sources=loaded.found, articles_cached=loaded.found, read=loaded.read,
                           changed=set(), clock=last.clock)

    def publish(self, articles: list[Article], loaded: Loaded) -> Published:
        """What is published at `now` (in the zone of the stories' times: comparing them costs a fraction then)."""
        from .listings import newest_first, select
        from .phases import scheduled
        options = self.options
        at = self.now.astimezone(self.config.zone)
        published = newest_first(select(articles, at, options.drafts, options.future))
        held = [] if options.future else scheduled(articles, at)
        clock = clock_next(articles, published, at, drafts=options.drafts, future=options.future, preview=options.preview)
        marks = frozenset(a.path for a in published if not a.draft and a.published > at) if options.preview else frozenset()
        shown = published_key(map(_path, published))
        return Published(published, held, clock, marks, inputs_key(loaded.sources_key, shown, marks), shown)

    def only_the_clock(self, published: Published) -> bool:
        return self.scan is not None and unchanged_inputs(self.last, published.inputs, self.scan.untouched)

    def clock_files(self, loaded: Loaded, published: Published, parsed: dict) -> BuildResult:
        """The same stories published as last time, and the output as left: only the news sitemap
        can change (a story moved out of, or into, its 48-hour window), through the sink as every write."""
        from .phases import refresh_news_sitemap
        from .plan import Site, news_inputs, news_sitemap_jobs
        records, folders = refresh_news_sitemap(self.config, published.articles, self.now, self.output,
                                                self.cache.previous_pages(self.output), self.scan.folders,
                                                durable=not self.options.preview)
        last = self.cache.last_build(self.output, stories=True)._replace(inputs=published.inputs, published=published.shown,
                                  sources=loaded.sources_key,
                                  until=published.clock and published.clock.when, scheduled=published.held,
                                  clock=published.clock,
                                  news=news_inputs(news_sitemap_jobs(Site(self.config, published.articles, None), self.now)))
        self.cache.save(parsed, self.output, records, last, folders)
        return self.result(last.counts, rendered=0, sources=loaded.found, articles_cached=self.cache.hits,
                           read=loaded.read, scheduled=published.held, clock=published.clock)

    def from_graph(self, loaded: Loaded) -> tuple[Any, Any, set[str], dict, list] | None:
        """Question 3 asked before parsing, of the saved job graph (incremental/graph.py): did only
        stories the last build published change, none of them in its shape() (when it was last
        changed may move: see _newest_after()), with the same settings and the clock short of its
        next change? Then the
        changed stories alone are parsed and the graph's jobs that show one of them are all that is
        planned: (a Site of the stories those jobs show, the environment, the changed stories,
        what parsing them gave, the jobs). None: the build parses every story and plans afresh."""
        last, cache = self.last, self.cache
        if (self.scan is None or loaded.problems or last is None or not last.graph or last.settings != loaded.settings
                or (last.until is not None and self.now >= last.until)):
            return None
        graph, template_keys = cache.job_graph(self.output), cache.template_keys_for(loaded.templates)
        if graph is None or graph.id != last.graph or template_keys is None or not self.scan.untouched():
            return None
        last = cache.last_build(self.output, stories=True)
        # (the stamps as this output's last build left them: the stories the walk did not read are as they were then)
        changed = changed_sources(last, loaded.sources, bool(last.stamps) and last.stamps == cache.stamps_version)
        if changed is None or not cache.related_known(last.related):
            return None
        from .cache import bodies_of
        from .listings import select
        from .phases import parse_all
        from .plan import PageJob, Site, data_key, job_key, job_modified, shape
        articles, problems, parsed = parse_all(changed, self.config, 1, cache, look=False)
        options, stories = self.options, last.stories
        at = self.now.astimezone(self.config.zone)
        if problems or len(articles) != len(changed) or any(parsed[s.path][0] != s.digest for s in changed):
            return None
        drafts = [a for a in articles if a.path not in stories]     # (each must stay an unpublished draft)
        if any(not a.draft or options.drafts for a in drafts):
            return None
        articles = [a for a in articles if a.path in stories]
        if len(select(articles, at, options.drafts, options.future)) != len(articles):
            return None
        if any(shape(a) != stories[a.path][1] for a in articles):
            return None
        moved = [a for a in articles if a.modified.isoformat() != stories[a.path][2]]
        newest = _newest_after(graph.newest, moved, stories, self.config.zone) if moved else graph.newest
        if moved and newest is None:
            return None
        paths = {a.path for a in articles}
        stale = graph.stale(paths)
        needed = {path for job in stale for path in job.inputs} | set(last.news)
        store, entries = cache.entries(needed - parsed.keys()), {}
        for path in needed:
            entry = parsed.get(path) or store.get(path)
            if entry is None or path not in stories or entry[0] != stories[path][0] and path not in parsed:
                return None
            entries[path] = entry
        site = Site(self.config, [entries[path][1][0] for path in stories if path in entries], graph.tax,
                    bodies=bodies_of(entries), digests={path: digest for path, (digest, _) in entries.items()},
                    key=last.site, image_sizes=graph.image_sizes, photos=_photos_by_path(self.photo_jobs(loaded)),
                    card=self.site_card(self.photo_jobs(loaded)),
                    preview=options.preview, now=self.now,
                    template_keys=template_keys, newest=newest, edition_taxes=graph.editions, alternates=graph.alternates or {},
                    catalogues=self.catalogues())
        jobs = [replace(job, key=job_key(site, job), modified=job_modified(site, job)) if isinstance(job, PageJob)
                else replace(job, key=data_key(site, job)) for job in stale]
        if moved:       # (a story's last change moved: the sitemaps' dates of the pages that show it, from the graph's)
            dates = {job.url_path: job.modified for job in jobs if isinstance(job, PageJob) and job.in_sitemap}
            if newest != graph.newest:      # (the pages dated by the newest change of all: each edition's home and archive)
                dates.update({path: newest for prefix in ("", *(e.prefix for e in self.config.editions))
                              for path in (prefix, f"{prefix}archive/")})
            try:
                self.entries = [(url, dates.get(url, date)) for url, date in graph.entries.list()]
            except Exception:   # noqa: BLE001 - the saved entries unreadable (sqlite3, pickle): plan afresh
                return None
        from .render import make_environment
        env = make_environment(self.site_dir, self.theme, cache.compiled_templates())
        # (the related stories as chosen: the saved jobs show them, and are all that is planned)
        self.last, self.chosen, self.related_key = last, {}, last.related
        cache.hits += len(loaded.sources) - len(changed)    # (the others' parse results are as they were)
        shown = last.published or published_key(stories)       # (the same stories published, in the same order)
        self.published = Published(site.articles, last.scheduled, last.clock, last.marks,
                                   inputs_key(loaded.sources_key, shown, last.marks), shown)
        return site, env, paths, parsed, jobs

    # -- model, plan, render, write --

    def model(self, loaded: Loaded, published: Published, parsed: dict) -> tuple[Any, Any, set[str] | None]:
        """The Site (every page's key follows from it), the Jinja environment, and the stories that
        changed if only some did (changed_stories(); None: every page is planned)."""
        from .cache import bodies_of
        from .deps import template_keys
        from .images import image_sizes
        from .listings import build_taxonomy
        from .plan import PAGE_TEMPLATES, Site, edition_taxonomies, newest_change, related_key, shape
        from .render import make_environment
        from .translations import alternates
        config, cache, articles = self.config, self.cache, published.articles
        tax = build_taxonomy(articles, config.zone, loaded.authors)
        editions = edition_taxonomies(config, articles, tax)
        sizes = image_sizes(self.site_dir, self.theme)
        from .pictures import lead_focuses, photos_key, with_crops
        photos = self.photo_jobs(loaded)
        # (the crops of the photos stories lead with: made only in a build that plans from all the
        # stories, as one whose stories' shape() is the same has the same ones: see shape())
        card = self.site_card(photos)
        photos = self.photos = with_crops(photos, lead_focuses(_photos_by_path(photos), (
            *((a.image.src, a.image.focus) for a in articles if a.image is not None),
            (self.config.social.image, None))))
        if self.last is not None:       # past the diff: the last build's stories are read now
            self.last = self.cache.last_build(self.output, stories=True)
        changed = changed_stories(self.last, loaded.settings, articles, parsed, shape, published.marks)
        self.related_key = self.last.related if changed is not None else related_key(articles)
        newest = newest_change(articles)
        env = make_environment(self.site_dir, self.theme, cache.compiled_templates())
        site = Site(config, articles, tax, bodies=bodies_of(parsed),
                    digests={path: digest for path, (digest, _) in parsed.items()},
                    key=site_key(config, loaded.authors, tax, newest, sizes, self.options.preview, photos_key(photos),
                                 editions, locales_key(self.site_dir, self.theme)),
                    image_sizes=sizes, photos=_photos_by_path(photos), card=card, preview=self.options.preview, now=self.now,
                    template_keys=cache.template_keys_for(loaded.templates) or template_keys(env, PAGE_TEMPLATES),
                    newest=newest, edition_taxes=editions, alternates=alternates(articles, config.language),
                    catalogues=self.catalogues())
        self.chosen = cache.related_for(self.related_key)      # the last build's choice, if from the same stories
        return site, env, changed

    def make(self, loaded: Loaded, site: Any, env: Any, changed: set[str] | None, parsed: dict,
             stale: list | None = None) -> BuildResult:
        """Plan, render and write: unchanged outputs are carried over, the rest made (in parallel):
        the feeds in a process of their own while this one plans the pages, then the pages in workers.
        `stale`: the pages and feeds the saved job graph says show a changed story (from_graph()):
        nothing else is planned."""
        from . import phases
        from .pictures import outputs_of
        from .plan import DataJob, feed_jobs, plan, related_of, sitemap_entries, site_files
        cache, output, durable = self.cache, self.output, not self.options.preview
        # (the dev server's folder is made again whenever it starts: not synced)
        sink = self.sink = self.sink or (DiskSink(output, self.scan.files, self.scan.touched, durable, self.scan.folders)
                                         if self.scan is not None else DiskSink(output, durable=durable))
        # (each a PageRecord or the plain tuple it was written as: made one only if need be). A
        # build the job graph answers writes only files the output holds, as the last build left
        # them (from_graph() asks): it reads none of the records, renders every stale job, and
        # writes the changed records alone (see save())
        same = stale is not None and isinstance(sink, DiskSink) and self.scan is not None
        previous = cache.recorded(output) if self.own_sink and not same else {}
        kept: dict[str, PageRecord] = {}
        background: Background | None = None
        try:
            # the pages asked for first (the dev server's edited stories), before anything else is
            # looked at: planned from the stories' related ones as last chosen, if still the same
            early = (phases.render_first(env, site, [job for job in stale if not isinstance(job, DataJob)] if stale is not None
                                         else plan(site, self.first, self.chosen),
                                         self.first, sink, self.shown)
                     if self.first and self.chosen is not None else set())
            unplanned = ({} if same else as_left(self.last, site.key, self.chosen is not None, sink, previous)
                         if changed is not None else None)
            if unplanned is None:
                assert stale is None, "from_graph() found the output as the last build left it"
                changed = None
            feeds = feed_jobs(site, changed) if stale is None else [job for job in stale if isinstance(job, DataJob)]
            kept.update(carried(sink, feeds, previous))
            fresh_data = [f for f in feeds if f.path not in kept]
            if fresh_data and isinstance(sink, DiskSink) and self.workers > 1 and len(site.articles) >= phases.BACKGROUND_FEEDS_FROM:
                release_memory()    # what parsing freed (the sources' bytes, the workers' results) is not forked
                background = Background.start(partial(phases.make_data, sink, site, fresh_data))
                if background is not None:      # else the feeds are made here, while the pages render
                    fresh_data = []
            jobs = plan(site, changed, self.chosen) if stale is None else [job for job in stale if not isinstance(job, DataJob)]
            if self.first - {job.inputs[0] for job in jobs if job.path in early}:   # (say, a new story's page)
                early |= phases.render_first(env, site, [job for job in jobs if job.path not in early], self.first, sink, self.shown)
            if changed is None:
                entries = [(job.url_path, job.modified) for job in jobs if job.in_sitemap]
            elif stale is not None:     # (the graph's entries, if a story's last change moved: see from_graph())
                entries = self.entries
            else:   # (the sitemaps show when each page last changed: only a story's update changes that)
                entries = sitemap_entries(site) if redated(self.last, changed, parsed) else None
            files = site_files(site, entries, self.now)
            self.entries = entries      # (the job graph keeps their dates)
            data = feeds + files
            photos = self.photo_jobs(loaded)
            photo_outputs = outputs_of(photos)
            if changed is None:
                cache.related, cache.template_deps = (self.related_key, related_of(jobs)), (loaded.templates, site.template_keys)
                static = {**loaded.static, **{path: job.source for job in photos for path, _ in job.outputs()}}
                problems = phases.collisions(jobs, static, [d.path for d in data], self.site_dir, site.tax.sections.keys())
                if problems:
                    raise BuildError(problems)
                expected = {job.path for job in jobs} | {d.path for d in data} | set(static)
            else:       # the same files as last time; those not planned are as that build left them
                expected = set(previous)
                for item in [*jobs, *data]:
                    unplanned.pop(item.path, None)
                kept.update(unplanned)
            self.ended("plan")

            release_memory()
            kept.update(carried(sink, jobs, previous))
            kept.update(carried(sink, files, previous))
            fresh = [job for job in jobs if job.path not in kept and job.path not in early]
            # (the site's own card is named by what it is made from: a build that finds the output
            # as the last one left it, with the same settings, has it already; see from_graph())
            fresh_data += [d for d in files if d.path not in kept and not (same and d.kind == "social_card")]
            # (a photo's files are carried over when all are as the last build left them; the job
            # graph's build finds the output so, and every photo the same: see from_graph())
            fresh_photos = [] if same else [job for job in photos if not _carried_photo(sink, job, previous, kept)]
            seconds_on_data = phases.render_pages(env, site, fresh, sink, self.workers, fresh_data,
                                                  fresh_photos, self.site_dir, cache.folder)
            if background is not None:
                seconds, written = background.result()
                background = None
                sink.absorb(written)
                seconds_on_data += seconds
            self.ended("render")
            self.phases["feeds"] = seconds_on_data
            for rel, path in loaded.static.items():
                if rel not in site.photos:      # (published as its own widest rendition)
                    sink.write(rel, path.read_bytes())
            if same:
                sink.commit_same(self.scan.since())
            else:
                sink.commit(expected)
        except OSError as exc:
            phases.stop(background, sink)
            raise BuildError([Problem(str(exc.filename or output), None, "", f"could not write the output: {exc.strerror or exc}; the previous output is unchanged")]) from None
        except BaseException:
            phases.stop(background, sink)
            raise
        tax = site.tax
        counts = self.last.counts if changed is not None else {
            "pages": len(jobs), "articles": len(site.articles), "sections": len(tax.sections), "tags": len(tax.tags),
            "files": len(jobs) + len(data) + len(loaded.static) - len(photos) + len(photo_outputs)}
        self.save(loaded, site, changed, parsed, counts, [*jobs, *data], kept, unplanned, stale is not None, same)
        if changed is None and self.own_sink:     # (every photo and crop this site shows is in `photos`)
            from .pictures import prune
            prune(cache.folder, photos)
        return self.result(counts, rendered=len(fresh) + len(early), planned=len(jobs), sources=loaded.found,
                           articles_cached=cache.hits, read=loaded.read, changed=getattr(sink, "changed", None), site=site,
                           from_graph=stale is not None)

    def save(self, loaded: Loaded, site: Any, changed: set[str] | None, parsed: dict, counts: dict[str, int],
             made: list[Any], kept: dict[str, PageRecord], unplanned: dict[str, PageRecord] | None,
             from_graph: bool = False, same: bool = False) -> None:
        """What the next build of this output starts from: the parsed stories, each output file's
        record, the job graph (graph.py) and LastBuild."""
        if not self.own_sink:
            self.cache.save(parsed, None, None)
            return
        from .plan import shape
        from .pictures import outputs_of
        photos = self.photo_jobs(loaded)
        records = records_after(self.output, [*((j.path, j.key) for j in made),
                                              *((rel, "") for rel in loaded.static if rel not in site.photos),
                                              *(outputs_of(photos) if not same else ())], kept, self.sink)
        if changed is not None:
            records = {**unplanned, **records}
        this, previous = self.published, self.last if changed is not None else None
        if from_graph:          # (the same jobs: see from_graph(); some dated anew if the sitemaps were made)
            graph = previous.graph
            if self.entries is not None:
                new = self.cache.job_graph(self.output).updated(made, site.newest, self.entries)
                self.cache.keep_graph(self.output, new)
                graph = new.id
            unpublished = {**previous.unpublished, **{path: parsed[path][0] for path in parsed if path in previous.unpublished}}
        else:
            old = self.cache.job_graph(self.output) if previous is not None else None
            if old is not None and old.id == previous.graph:
                graph = old.updated(made, site.newest, self.entries) if self.entries is not None else old.updated(made)
            else:   # (a partial plan without a graph to update, which a cache lost or damaged leaves: planned in full once)
                from .plan import feed_jobs, plan
                graph = Graph.of(site, made if previous is None else [*plan(site, None, self.chosen), *feed_jobs(site)])
            self.cache.keep_graph(self.output, graph)
            graph = graph.id
            published = {a.path for a in site.articles} if previous is None else previous.stories
            unpublished = {path: digest for path, (digest, _) in parsed.items() if path not in published}
        from .plan import news_inputs
        news = news_inputs(made)
        last = LastBuild(this.inputs, counts, loaded.sources_key, this.clock and this.clock.when, this.held,
                         loaded.settings, site.key, self.related_key,
                         stories_after(previous, changed, site.articles, parsed, shape),
                         this.marks, this.clock, unpublished, graph, news, published=this.shown)
        if same:    # (the records of the files made; those of the others are as they were)
            sink = self.sink
            self.cache.save_changes(parsed, self.output, records, last,
                                    sink.folder_changes if sink.folder_changes is not None else sink.folder_stamps or None)
        else:
            self.cache.save(parsed, self.output, records, last, self.sink.folder_stamps, some=from_graph)

    def check(self, loaded: Loaded, articles: list[Article], problems: list[Problem]) -> None:
        """Every problem of every story at once, or none."""
        from .listings import duplicate_urls
        from .translations import translation_problems
        problems = loaded.problems + problems + duplicate_urls(articles) + translation_problems(articles, self.config.language)
        if problems:
            raise BuildError(problems)

    def run(self) -> BuildResult:
        if self.first and self.shown is not None:   # the dev server's edited pages, from its last build's Site
            self.phase("first", show_first, self.cache.warm, self.site_dir, self.config, self.theme, self.options,
                       self.now, self.first, self.shown)
        if self.own_sink:   # (after those pages: the process it may fork would slow them down)
            cache, output = self.cache, self.output
            self.scan = outputs.OutputScan.start(output, partial(cache.recorded, output), partial(cache.previous_folders, output),
                                                 cache.recorded_counts.get(str(output), 0))
        loaded = self.phase("load", self.load)
        if self.nothing_changed(loaded):
            return self.phase("diff", self.unchanged, loaded)
        stale = self.phase("parse", self.from_graph, loaded)
        if stale is not None:       # (only some stories changed: the saved graph says which jobs show them)
            site, env, changed, parsed, jobs = stale
            result = self.make(loaded._replace(sources=[]), site, env, changed, parsed, jobs)
            if not self.cache.persist and self.own_sink:
                self.cache.warm = updated(self.cache.warm, site, changed)
            return self.done(result, self.published)
        from .phases import parse_all   # (Markdown and YAML: loaded only now)
        articles, problems, parsed = self.phase("parse", parse_all, loaded.sources, self.config, self.workers, self.cache)
        if any(parsed[s.path][0] != s.digest for s in loaded.sources):
            # (a story saved between the walk and its parse: parsed from its new bytes, so this build
            # is not the one of the bytes the walk hashed: the next build must not take it for that)
            loaded = loaded._replace(sources_key="")
        loaded = loaded._replace(sources=[])    # their bytes (~8 KB a story) are not needed once parsed: freed before rendering forks
        self.check(loaded, articles, problems)
        self.published = published = self.phase("parse", self.publish, articles, loaded)
        if self.only_the_clock(published):
            return self.clock_files(loaded, published, parsed)
        site, env, changed = self.phase("model", self.model, loaded, published, parsed)
        result = self.make(loaded, site, env, changed, parsed)
        if not self.cache.persist and self.own_sink:    # (a cache kept in memory: the dev server's)
            self.cache.warm = keep(site, env, self.cache.related_for(self.related_key), self.options, self.theme,
                                   loaded.templates, loaded.authors)
        return self.done(result, published)

    def done(self, result: BuildResult, published: Published) -> BuildResult:
        self.ended("write")
        result.phases, result.seconds = self.phases, time.perf_counter() - self.started
        result.scheduled, result.clock = published.held, published.clock
        return result

    def close(self, failed: bool) -> None:
        if failed:
            self.cache.drop_new_bodies()    # what this build parsed is no one's: its bodies' files go
        bodies.forget()
        if self.scan is not None:
            self.scan.cancel()              # if it was not needed after all


def _carried_photo(sink: Any, job: Any, previous: dict[str, PageRecord], kept: dict[str, PageRecord]) -> bool:
    """Whether every file of a photo is as the last build left it: then they are kept (their
    records put in `kept`), and the photo is not read."""
    outs = job.outputs()
    if not all(outputs.carry(sink, path, key, previous.get(path)) for path, key in outs):
        return False
    kept.update({path: previous[path] for path, _ in outs})
    return True


def _photos_by_path(jobs: list[Any]) -> dict[str, Any]:
    return {job.path: job for job in jobs}


def _newest_after(newest: datetime | None, moved: list[Article], stories: dict[str, tuple[str, str, str]],
                  zone: Any) -> datetime | None:
    """The newest change of all after these stories' last changes moved, if it can be told from the
    last one (None: a story that was the newest moved back, so another may be; or the year changed,
    which is in every page's copyright line)."""
    if newest is None:
        return None
    for a in moved:
        if datetime.fromisoformat(stories[a.path][2]) >= newest and a.modified < newest:
            return None
    after = max([newest, *(a.modified for a in moved)])
    return after if after.astimezone(zone).year == newest.astimezone(zone).year else None


def _build(site_dir: Path, options: BuildOptions, sink: Any, kept: BuildCache | None,
           first: AbstractSet[str], shown: Callable[[str, bytes], None] | None) -> BuildResult:
    build = _Build(site_dir, options, sink, kept, first, shown)
    failed = True
    try:
        result = build.run()
        failed = False
        return result
    finally:
        build.close(failed)
