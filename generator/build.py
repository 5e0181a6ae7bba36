"""build_site(): the phases of a build, in order — load, parse, model, plan, render, write."""
from __future__ import annotations

import os
import time
from stat import S_ISREG
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from functools import lru_cache, partial
from operator import attrgetter
from typing import AbstractSet, Callable, NamedTuple, Protocol

import jinja2

from . import bodies
from .cache import BuildCache, PageRecord, bodies_of, code_key, files_fingerprint, fingerprint, zone_key
from .config import SiteConfig, load_config
from .content import Source, find_sources, read_sources
from .data import load_authors
from .deps import template_keys
from .feeds import absolutize, build_feeds
from .jsonfeed import build_json_feed
from .sitemaps import build_news_sitemap, build_robots, build_sitemaps, news_window_changes, sitemap_files
from .images import image_sizes
from .lock import output_lock, site_lock
from .listings import build_taxonomy, duplicate_urls, newest_first, select
from .model import Article
from .output import MARKER, DiskSink, Written, check_output_target, clashes, files_in, lock_path, recover
from .plan import (PAGE_TEMPLATES, PageJob, Shown, Site, Touching, newest_change, plan, related_key, related_of, shape,
                   sitemap_entries)
from .problems import BuildError, Problem
from .urls import Urls
from .parallel import Background, collection_paused, release_memory, run_chunks, worker_count
from .render import bundled_themes, find_theme, make_environment, render


class Sink(Protocol):
    def write(self, rel: str, data: bytes) -> None: ...
    def commit(self, expected: set[str] | None = None) -> None: ...
    def abort(self) -> None: ...


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


ParseResult = tuple[Article | None, list[Problem], bodies.Body]    # the body beside its article (see bodies.py)


def _parse_range(shared: tuple[list[Source], SiteConfig, tuple[Path, str] | None], start: int, stop: int) -> list[ParseResult]:
    from .frontmatter import parse_article     # (YAML and Markdown: imported only where something is parsed)
    sources, config, store = shared
    zone, base_path = config.zone, Urls(config.base_url).base_path
    # the bodies go to a file of the cache as they are made, and only where each is goes back (see bodies.py)
    writer = bodies.Writer(store[0], bodies.new_name(store[1])) if store is not None else None
    results: list[ParseResult] = []
    for s in sources[start:stop]:
        article, found, body = parse_article(s.path, s.bytes(), zone, base_path, config.permalink, markdown=config.markdown)
        results.append((article, found, writer.add(body) if writer is not None and article is not None else body))
    if writer is not None and not writer.close():     # the cache cannot be written: the bodies stay in memory
        results = [(a, found, writer.recall(body) if a is not None else body) for a, found, body in results]
    return results


def parse_key(config: SiteConfig) -> str:
    """Everything besides a file's bytes that shapes its parsed article: the settings and
    Broadsheet's own code, so a cache from another version is never trusted."""
    return fingerprint(*made_with(config))


def made_with(config: SiteConfig) -> tuple[str, str, str]:
    """What shapes every output besides the site's files: the settings, Broadsheet's code and the
    libraries it runs on (code_key()), and the rules of the site's time zone."""
    return repr(config), code_key(), zone_key(config.timezone)


def parse_all(sources: list[Source], config: SiteConfig, workers: int = 1,
              cache: BuildCache | None = None) -> tuple[list[Article], list[Problem], dict[str, tuple[str, ParseResult]]]:
    """Every source -> its article or its problems, from the cache where the bytes are unchanged;
    the rest spread over `workers` processes. Also returns what the next build's cache holds."""
    results: dict[str, ParseResult] = {}
    misses = []
    for source in sources:
        hit = cache.parsed(source.path, source.digest) if cache else None
        if hit is not None:
            results[source.path] = hit
        else:
            misses.append(source)
    store = cache.body_store() if cache else None
    parsed = [r for chunk in run_chunks(_parse_range, (misses, config, store), len(misses), workers) for r in chunk] if misses else []
    for source, result in zip(misses, parsed):
        results[source.path] = result
    articles, problems = [], []
    for source in sources:
        article, found, _ = results[source.path]
        problems += found
        if article is not None:
            articles.append(article)
    keep = {s.path: (s.digest, results[s.path]) for s in sources}
    return articles, problems, keep


def _render_range(shared: tuple[jinja2.Environment, list[PageJob], Sink], start: int, stop: int) -> dict[str, Written]:
    env, jobs, sink = shared
    for job in jobs[start:stop]:
        sink.write(job.path, render(env, job.template, job.context).encode("utf-8"))
    return sink.drain() if isinstance(sink, DiskSink) else {}


def render_pages(env: jinja2.Environment, jobs: list[PageJob], sink: Sink, workers: int,
                 data: list[DataJob] = ()) -> float:
    """Render every page job and hand it to the sink, in worker processes for a disk sink (which
    then learns what its workers wrote). The data jobs (feeds, sitemaps) are made here meanwhile:
    in a worker, their memory would come on top of what rendering has grown it to by then.
    Returns the seconds spent on the data jobs."""
    spent = 0.0

    def make_data() -> None:
        nonlocal spent
        started = time.perf_counter()
        _write_data(sink, data)
        if data:
            absolutize.cache_clear()
            release_memory()
        spent = time.perf_counter() - started

    disk = isinstance(sink, DiskSink)
    for written in run_chunks(_render_range, (env, jobs, sink), len(jobs), workers if disk else 1, meanwhile=make_data):
        if disk:
            sink.absorb(written)
    return spent


def static_files(site: Path, theme: Path) -> dict[str, Path]:
    """Theme's static/ then the site's static/: the site's file wins. A symbolic link that leads
    outside its static/ folder is not followed (a link to ~/.ssh must never be published)."""
    files: dict[str, Path] = {}
    for root in (theme / "static", site / "static"):
        if not root.is_dir():
            continue
        real_root = os.path.realpath(root)
        for folder, dirs, names in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                f = Path(folder) / name
                if name.startswith(".") or not f.is_file():
                    continue
                if f.is_symlink() and os.path.commonpath([real_root, os.path.realpath(f)]) != real_root:
                    continue
                files[f.relative_to(root).as_posix()] = f
    return files


class Owner(NamedTuple):
    """Who writes an output file, for a problem that names the file to change and its field."""
    path: str       # a content file, a static file, or '' for a page or file the build makes itself
    field: str
    what: str


def _owner(job: PageJob, sections: AbstractSet[str]) -> Owner:
    if job.template == "redirect.html":
        return Owner(job.inputs[0], "aliases", f"the redirect from /{job.path.removesuffix('index.html')}")
    if job.template == "article.html":
        return Owner(job.inputs[0], "slug", f"the page of {job.inputs[0]}")
    section = job.url_path.partition("/")[0]
    if job.template == "list.html" and section in sections and job.inputs and (
            job.url_path == f"{section}/" or job.url_path.startswith(f"{section}/page/")):
        return Owner(job.inputs[0], "section", f"the page of section '{section}' /{job.url_path}")
    return Owner("", "", f"the {job.template.removesuffix('.html')} page /{job.url_path}")


def _blame_first(owner: Owner) -> int:
    """Which owner a clash is reported against: an alias (it can name any path), then a story's
    own page, then its section's, then a static file, then what the build makes by itself."""
    return ("aliases", "slug", "section").index(owner.field) if owner.field else 3 if owner.path else 4


def _collisions(jobs: list[PageJob], static: dict[str, Path], data: list[str], site_dir: Path,
                sections: AbstractSet[str]) -> list[Problem]:
    """Outputs that cannot all be written: one file twice, a file where another output needs a
    folder, or a name the output folder keeps for itself. Found before anything is written."""
    found = clashes([*(job.path for job in jobs), *static, *data])
    if not found:
        return []
    owners: dict[str, list[Owner]] = {}
    for job in jobs:
        owners.setdefault(job.path, []).append(_owner(job, sections))
    for rel, path in static.items():
        if path.is_relative_to(site_dir):
            shown = path.relative_to(site_dir).as_posix()
            owners.setdefault(rel, []).append(Owner(shown, "", f"the static file {shown}"))
        else:       # the bundled theme's, whose folder is wherever Broadsheet is installed
            owners.setdefault(rel, []).append(Owner(str(path), "", f"the theme's static file {rel}"))
    for rel in data:
        owners.setdefault(rel, []).append(Owner("", "", f"the generated file /{rel}"))
    problems = []
    for rel, other in found:
        mine = owners[rel]
        theirs = owners[other] if other and other != rel else []
        blamed = min([*mine, *theirs], key=_blame_first)
        if other == rel:
            others = " and ".join(o.what for o in mine if o is not blamed)
            message = f"{blamed.what} would be written to /{rel}, as {others} is"
        elif other:
            message = (f"/{rel} ({' and '.join(o.what for o in mine)}) is a file, but /{other} "
                       f"({' and '.join(o.what for o in theirs)}) needs it to be a folder")
        else:
            message = f"{' and '.join(o.what for o in mine)} would be written to /{rel}, a name the output keeps for itself"
        problems.append(Problem(blamed.path or rel, None, blamed.field, message))
    return problems


def scheduled(articles: list[Article], now: datetime) -> list[Article]:
    """Stories held back because their time has not come (drafts are not scheduled), soonest first."""
    return sorted((a for a in articles if not a.draft and a.published > now), key=lambda a: (a.published, a.path))


def held_back(site_dir: Path, now: datetime) -> list[Article]:
    """The stories a build at `now` holds back until their time, soonest first (reads, never writes)."""
    config = load_config(site_dir)
    articles, problems, _ = parse_all(find_sources(site_dir, config.markdown.max_file_size), config, worker_count())
    if problems:
        raise BuildError(problems)
    return scheduled(articles, now)


def build_site(site_dir: Path, options: BuildOptions = BuildOptions(), sink: Sink | None = None,
               cache: BuildCache | None = None) -> BuildResult:
    """Build the site at site_dir. Raises BuildError with every problem; writes nothing then.
    Two builds of one site, or into one output folder, never run at once: the second fails at
    once, saying so. What a killed build left half-done is finished or undone before anything
    else, so no problem found later can leave the output mixed.
    `cache`: a BuildCache.in_memory() kept between the builds of one process (the dev server)."""
    with collection_paused():
        if sink is not None:
            return _build(site_dir, options, sink, cache)
        site_dir = site_dir.absolute()
        output = (options.output or site_dir / "output").absolute()
        with site_lock(site_dir) as writable:
            check_output_target(output, site_dir)
            with output_lock(_output_lock(output)):
                recover(output)
                if not writable:    # a read-only site folder: no cache can be kept in it
                    options, cache = replace(options, cache=False), None
                return _build(site_dir, options, None, cache)


def _output_lock(output: Path) -> Path:
    """The output's lock file, its folder made if need be."""
    path = lock_path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError([Problem(str(output), None, "", f"cannot be made: {exc.strerror or exc}")]) from None
    return path


def _build(site_dir: Path, options: BuildOptions, sink: Sink | None, kept: BuildCache | None) -> BuildResult:
    started = time.perf_counter()
    phases: dict[str, float] = {}
    mark = started

    def phase(name: str) -> None:
        nonlocal mark
        now_ = time.perf_counter()
        phases[name] = now_ - mark
        mark = now_

    # load: configuration, theme, sources, data
    site_dir = site_dir.absolute()
    config = load_config(site_dir, options.base_url)
    theme = find_theme(site_dir, config.theme)
    output = (options.output or site_dir / "output").absolute()
    cache = kept.begin(parse_key(config)) if kept else BuildCache.open(site_dir, options.cache, parse_key(config))
    scan = _scan_output(output, cache) if sink is None else None
    try:
        read_ns = time.time_ns()
        sources, source_problems = read_sources(site_dir, config.markdown.max_file_size, cache.unchanged)
        cache.read(sources, read_ns)
        read = sum(s.data is not None for s in sources)
        known_authors = load_authors(site_dir)
        phase("load")

        # nothing changed since the last build of this output, and the clock changed nothing either?
        # then nothing is parsed, rendered or written (every source has the bytes it had: stat says so,
        # or a file saved just before the last build was read again and hashed the same)
        now = options.now or datetime.now(timezone.utc)
        static = static_files(site_dir, theme)
        templates = templates_key(site_dir, theme)
        settings = settings_key(config, templates, options, known_authors, cache.digests(static, read_ns))
        same_sources = sources_key(settings, sources)
        if scan is not None and not source_problems:
            last = cache.builds.get(str(output))
            if last and last.sources == same_sources and (last.until is None or now < last.until) and scan.untouched():
                cache.save(None, None, None)    # the stamps of files read again, trusted next time
                phase("parse")
                return _result(output, last.counts, seconds=time.perf_counter() - started, phases=phases,
                               scheduled=[] if options.future else list(last.scheduled), sources=len(sources),
                               articles_cached=len(sources), read=read,
                               changed=set())

        # parse: front matter and Markdown, from the cache where a file is unchanged
        workers = worker_count(options.workers)
        articles, problems, parsed = parse_all(sources, config, workers, cache)
        found, sources = len(sources), []     # their bytes (~8 KB a story) are not needed once parsed: freed before rendering forks
        problems = source_problems + problems + duplicate_urls(articles)
        if problems:
            raise BuildError(problems)
        phase("parse")

        # what is published (`at` is `now` in the zone of the stories' times: comparing them costs a
        # fraction then)
        at = now.astimezone(config.zone)
        published = newest_first(select(articles, at, options.drafts, options.future))
        inputs = inputs_key(same_sources, published, at, options)
        held = [] if options.future else scheduled(articles, at)
        clock = clock_next(articles, published, at, options)
        marks = frozenset(a.path for a in published if not a.draft and a.published > at) if options.preview else frozenset()
        last_build = LastBuild(inputs, {}, same_sources, clock and clock.when, held, settings, marks=marks)

        durable = not options.preview       # (the dev server's folder is made again whenever it starts: not synced)

        # nothing changed since the last build of this output? then only the clock can change a file
        last = cache.builds.get(str(output)) if scan is not None else None
        if last is not None:
            unchanged = _unchanged_build(last, inputs, scan.untouched)
            if unchanged is not None:
                result = _refresh_clock_files(config, published, now, output, cache, parsed, durable,
                                              last._replace(inputs=inputs, sources=same_sources, until=last_build.until,
                                                            scheduled=held))
                result.phases, result.seconds = phases, time.perf_counter() - started
                result.sources, result.articles_cached = found, cache.hits
                result.read = read
                result.scheduled = held
                result.clock = clock
                return result

        # model and plan: what is published, and every output as a job with a key; or, when only
        # stories changed and none in its shape, only the pages that show one of them
        tax = build_taxonomy(published, config.zone, known_authors)
        sizes = image_sizes(site_dir, theme)
        changed = changed_stories(last, settings, published, parsed, marks)
        chosen = last.related if changed is not None else related_key(published)
        newest = newest_change(published)
        env = make_environment(site_dir, theme, cache.compiled_templates())
        site = Site(config, published, tax, digests={path: digest for path, (digest, _) in parsed.items()},
                    bodies=bodies_of(parsed), key=site_key(config, known_authors, tax, newest, sizes, options.preview),
                    image_sizes=sizes, preview=options.preview, now=now, related=cache.related_for(chosen),
                    template_keys=cache.template_keys_for(templates) or template_keys(env, PAGE_TEMPLATES),
                    newest=newest)

        # render and write: unchanged outputs are carried over, the rest made (in parallel): the feeds
        # in a process of their own while this one plans the pages, then the pages in workers
        own_sink = sink is None
        sink = sink or (DiskSink(output, scan.files, scan.touched, durable) if scan is not None
                        else DiskSink(output, durable=durable))
        previous = cache.previous_pages(output) if own_sink else {}
        unplanned = _as_left(last, site, sink, previous) if changed is not None else None
        if unplanned is None:
            changed = None
        feeds = feed_jobs(site, changed)
        carried: dict[str, PageRecord] = {}
        background: Background | None = None
        try:
            carried.update(_carried(sink, feeds, previous))
            fresh_data = [f for f in feeds if f.path not in carried]
            if fresh_data and isinstance(sink, DiskSink) and workers > 1 and len(published) >= BACKGROUND_FEEDS_FROM:
                release_memory()    # what parsing freed (the sources' bytes, the workers' results) is not forked
                background = Background.start(partial(_make_data, sink, fresh_data))
                if background is not None:      # else the feeds are made here, while the pages render
                    fresh_data = []
            jobs = plan(site, changed)
            if changed is None:
                entries = [(job.url_path, job.modified) for job in jobs if job.in_sitemap]
            else:   # (the sitemaps show when each page last changed: only a story's update changes that)
                entries = sitemap_entries(site) if _redated(last, changed, parsed) else None
            files = site_files(site, entries, now)
            data = feeds + files
            if changed is None:
                cache.related, cache.template_deps = (chosen, related_of(jobs)), (templates, site.template_keys)
                problems = _collisions(jobs, static, [d.path for d in data], site_dir, tax.sections.keys())
                if problems:
                    raise BuildError(problems)
                expected = {job.path for job in jobs} | {d.path for d in data} | set(static)
            else:       # the same files as last time; those not planned are as that build left them
                expected = set(previous)
                for item in [*jobs, *data]:
                    unplanned.pop(item.path, None)
                carried.update(unplanned)
            phase("plan")

            release_memory()
            carried.update(_carried(sink, jobs, previous))
            carried.update(_carried(sink, files, previous))
            fresh = [job for job in jobs if job.path not in carried]
            fresh_data += [d for d in files if d.path not in carried]
            seconds_on_data = render_pages(env, fresh, sink, workers, fresh_data)
            if background is not None:
                seconds, written = background.result()
                background = None
                sink.absorb(written)
                seconds_on_data += seconds
            phase("render")
            phases["feeds"] = seconds_on_data
            for rel, path in static.items():
                sink.write(rel, path.read_bytes())
            sink.commit(expected)
        except OSError as exc:
            _stop(background, sink)
            raise BuildError([Problem(str(exc.filename or output), None, "", f"could not write the output: {exc.strerror or exc}; the previous output is unchanged")]) from None
        except BaseException:
            _stop(background, sink)
            raise
        if changed is None:
            counts = {"pages": len(jobs), "articles": len(published), "sections": len(tax.sections),
                      "tags": len(tax.tags), "files": len(jobs) + len(data) + len(static)}
        else:
            counts = last.counts
        if own_sink:
            records = _page_records(output, [*jobs, *data], static, carried, sink)
            if changed is not None:
                records = {**unplanned, **records}
            cache.save(parsed, output, records,
                       last_build._replace(counts=counts, site=site.key, related=chosen,
                                           stories=_stories(last if changed is not None else None, changed,
                                                            published, parsed)))
        else:
            cache.save(parsed, None, None)
        phase("write")

        return _result(output if own_sink else None, counts, seconds=time.perf_counter() - started, phases=phases,
                       scheduled=held, rendered=len(fresh), planned=len(jobs), sources=found, articles_cached=cache.hits,
                       read=read, changed=getattr(sink, "changed", None), site=site, clock=clock)
    except BaseException:
        cache.drop_new_bodies()    # what this build parsed is no one's: its bodies' files go
        raise
    finally:
        bodies.forget()
        if scan is not None:
            scan.cancel()           # if it was not needed after all


BACKGROUND_FEEDS_FROM = 200    # stories: below this, forking for the feeds costs more than it saves


def _write_data(sink: Sink, data: list[DataJob]) -> None:
    for item in data:
        sink.write(item.path, item.make())


def _make_data(sink: DiskSink, data: list[DataJob]) -> tuple[float, dict[str, Written]]:
    """Make data jobs into a disk sink (in a process of its own): the time it took and what it wrote."""
    started = time.perf_counter()
    _write_data(sink, data)
    return time.perf_counter() - started, sink.drain()


def _carried(sink: Sink, items: list[PageJob] | list[DataJob], previous: dict[str, PageRecord]) -> dict[str, PageRecord]:
    """The previous build's records of the items whose files are kept as they are."""
    return {item.path: previous[item.path] for item in items if _carry(sink, item, previous.get(item.path))}


SCAN_OUTPUT_FROM = 2000     # files in the last output: below this, listing them costs less than a fork


class _Scan:
    """What the output holds: its files, and which of the last build's files are not as that build
    left them (gone, or of another size or modification time). Looked at in a process of its own
    from the start of a build when the output is big (~0.15 s at 10,000 stories, on a core the
    build leaves idle until it renders); else, or where no process can be forked, when first
    asked. Read-only: callers do not change what it returns."""

    def __init__(self, output: Path, records: dict[str, PageRecord], fork: bool):
        self.output, self.records = output, records
        self.background = Background.start(partial(look, output, records)) if fork else None
        self.looked: tuple[set[str], set[str]] | None = None

    def _result(self) -> tuple[set[str], set[str]]:
        if self.looked is None:
            if self.background is not None:
                self.looked, self.background = self.background.result(), None
            else:
                self.looked = look(self.output, self.records)
        return self.looked

    def files(self) -> set[str]:
        return self._result()[0]

    def touched(self) -> set[str]:
        return self._result()[1]

    def untouched(self) -> bool:
        """The output holds exactly the files the last build recorded, each as it was left."""
        return bool(self.records) and not self.touched() and self.files() == set(self.records) | {MARKER}

    def cancel(self) -> None:
        if self.background is not None:
            self.background.cancel()
            self.background = None


def look(output: Path, records: dict[str, PageRecord]) -> tuple[set[str], set[str]]:
    """The files in the output, and those of `records` that are not as recorded."""
    files = files_in(output) if output.is_dir() else set()
    root = str(output)
    touched = set()
    for rel, record in records.items():
        try:
            st = os.lstat(f"{root}/{rel}")
        except OSError:
            touched.add(rel)
            continue
        if not S_ISREG(st.st_mode) or st.st_size != record.size or st.st_mtime_ns != record.mtime_ns:
            touched.add(rel)
    return files, touched


def _scan_output(output: Path, cache: BuildCache) -> _Scan:
    """Start looking at the output, in a process of its own if a big output is there."""
    records = cache.previous_pages(output)
    return _Scan(output, records, fork=len(records) >= SCAN_OUTPUT_FROM and output.is_dir())


def _stop(background: Background | None, sink: Sink) -> None:
    """A failed build: the feeds' process stops before the staged files go."""
    if background is not None:
        background.cancel()
    sink.abort()


def _result(output: Path | None, counts: dict[str, int], **more) -> BuildResult:
    return BuildResult(output=output, pages=counts["pages"], articles=counts["articles"], sections=counts["sections"],
                       tags=counts["tags"], files=counts["files"], **more)


def templates_key(site_dir: Path, theme: Path) -> str:
    """Every template a page may be rendered from: the site's, the theme's, the default theme's."""
    return files_fingerprint(site_dir / "templates", theme / "templates", bundled_themes() / "default" / "templates")


def site_key(config: SiteConfig, authors: dict, tax, newest: datetime | None,
             sizes: dict[str, tuple[int, int]], preview: bool = False) -> str:
    """Everything site-wide that a page may show: when it changes, every page is rendered again.
    (Templates are not in it: each page's key has the files of its own template; see deps.py.)"""
    return fingerprint(*made_with(config), repr(sorted(authors.items())), list(tax.sections.items()),
                       list(tax.authors.items()), newest.astimezone(config.zone).year if newest else None,
                       sorted(sizes.items()), preview)


def _carry(sink: Sink, job: PageJob | DataJob, record: PageRecord | None) -> bool:
    """Carry an unchanged page over from the previous output instead of rendering it again."""
    if not job.key or record is None or record.key != job.key or not isinstance(sink, DiskSink):
        return False
    return sink.carry(job.path, record.size, record.mtime_ns)


def _page_records(output: Path, jobs: list[PageJob | DataJob], static: dict[str, Path],
                  carried: dict[str, PageRecord], sink: Sink) -> dict[str, PageRecord]:
    """What the output holds after this build: each file's key, size and modification time.
    A file carried over from the last build keeps its record; the sink knows the files it wrote."""
    records = {}
    root = str(output)
    written = sink.stat if isinstance(sink, DiskSink) else lambda rel: None
    for path, key in [*((job.path, job.key) for job in jobs), *((rel, "") for rel in static)]:
        if path in carried:
            records[path] = carried[path]
            continue
        done = written(path)
        if done is not None:
            records[path] = PageRecord(key, done.size, done.mtime_ns)
            continue
        try:
            st = os.stat(f"{root}/{path}")
        except OSError:
            continue
        records[path] = PageRecord(key, st.st_size, st.st_mtime_ns)
    return records


CLOCK_FILES = ("news-sitemap.xml",)   # the only outputs that change with the time of the build alone


def inputs_key(sources: str, published: list[Article], now: datetime, options: BuildOptions) -> str:
    """Everything a build's output is made from, except the clock's effect on CLOCK_FILES: its
    sources_key() and which stories are published (and, in a preview, which are drafts or scheduled)."""
    marks = [(a.path, a.draft, a.published > now) for a in published] if options.preview else []
    return fingerprint(sources, [a.path for a in published], marks)


def settings_key(config: SiteConfig, templates: str, options: BuildOptions, authors: dict,
                 static: list[tuple[str, str]]) -> str:
    """Everything a build is made from besides its stories: settings, templates, data, static files
    (by their bytes: BuildCache.digests())."""
    return fingerprint(*made_with(config), templates, repr(sorted(authors.items())), static,
                       options.drafts, options.future, options.preview)


def sources_key(settings: str, sources: list[Source]) -> str:
    """Everything a build is made from, as known before parsing: with the same settings_key() and
    sources (bytes, by their stamps), only the clock can change the output."""
    return fingerprint(settings, [(s.path, s.digest) for s in sources])


class LastBuild(NamedTuple):
    """What a build of an output leaves for the next build of it to tell whether anything changed,
    and if only some stories did, which pages show them."""
    inputs: str                     # inputs_key()
    counts: dict[str, int]
    sources: str                    # sources_key()
    until: datetime | None          # the clock changes the output then (None: never, on its own)
    scheduled: list[Article]        # held back, soonest first
    settings: str = ""              # settings_key()
    site: str = ""                  # site_key()
    related: str = ""               # related_key()
    stories: dict[str, tuple[str, str, str]] | None = None   # published, newest first: path -> (source digest, shape(), modified)
    marks: frozenset[str] = frozenset()     # in a preview, the stories marked scheduled


def _stories(last: LastBuild | None, changed: Touching, published: list[Article],
             parsed: dict[str, tuple[str, ParseResult]]) -> dict[str, tuple[str, str, str]]:
    """LastBuild.stories for this build: the last build's with the changed stories' new digests."""
    if last is None or last.stories is None or changed is None:
        return {a.path: (parsed[a.path][0], shape(a), a.modified.isoformat()) for a in published}
    stories = dict(last.stories)
    for path in changed:
        article = parsed[path][1][0]
        stories[path] = (parsed[path][0], stories[path][1], article.modified.isoformat())
    return stories


def _redated(last: LastBuild, changed: set[str], parsed: dict[str, tuple[str, ParseResult]]) -> bool:
    """Whether a changed story was last changed at another time than the last build said."""
    return any(parsed[path][1][0].modified.isoformat() != last.stories[path][2] for path in changed)


def changed_stories(last: LastBuild | None, settings: str, published: list[Article],
                    parsed: dict[str, tuple[str, ParseResult]], marks: frozenset[str] = frozenset()) -> set[str] | None:
    """The stories whose bytes (or, in a preview, whose scheduled mark: `marks`) changed since the
    last build of this output, if nothing else that shapes its pages did: the same settings_key(),
    the same stories published in the same order, none of them changed in its shape(). None
    otherwise: then every page is planned."""
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


_path = attrgetter("path")


def _as_left(last: LastBuild, site: Site, sink: Sink, previous: dict[str, PageRecord]) -> dict[str, PageRecord] | None:
    """The last build's records of its pages, feeds and sitemaps, if its site-wide key is this
    build's, its records are complete and each file is as it left them (else None: plan all)."""
    if site.key != last.site or site.related is None or len(previous) != last.counts.get("files"):
        return None
    if not isinstance(sink, DiskSink):
        return None
    keyed = {path: record for path, record in previous.items() if record.key}
    return keyed if all(sink.carry(path, r.size, r.mtime_ns) for path, r in keyed.items()) else None


class Clock(NamedTuple):
    """When the clock alone next changes a build's output, and why."""
    when: datetime
    path: str       # the story
    what: str       # "is due" | "enters the news sitemap" | "leaves the news sitemap"


def clock_next(articles: list[Article], published: list[Article], now: datetime, options: BuildOptions) -> Clock | None:
    """When the clock alone next changes a build made `now`: a held-back story falls due (or, in a
    preview, a scheduled story loses its mark), or a story leaves the news sitemap's 48-hour window."""
    waiting = options.preview or not options.future
    due = [Clock(a.published, a.path, "is due") for a in articles
           if waiting and a.published > now and (options.drafts or not a.draft) and not (options.preview and a.draft)]
    window = [Clock(when, a.path, what) for when, a, what in news_window_changes(published, now)]
    return min(due + window, key=lambda c: (c.when, c.what != "is due"), default=None)   # "is due" says more


def _unchanged_build(last: LastBuild, inputs: str, untouched: Callable[[], bool]) -> dict[str, int] | None:
    """The last build's counts if it was made from the same inputs and its output is untouched."""
    if last.inputs != inputs or not untouched():
        return None
    return last.counts


def _refresh_clock_files(config: SiteConfig, published: list[Article], now: datetime, output: Path,
                         cache: BuildCache, parsed: dict, durable: bool, last: LastBuild) -> BuildResult:
    """The no-change build: rewrite the news sitemap if the clock moved a story out of (or into)
    its 48-hour window — through the sink, as every write — and leave every other file alone."""
    records = dict(cache.previous_pages(output))
    body = build_news_sitemap(config.base_url, config.publisher.name or config.title, config.language, published, now)
    if (output / "news-sitemap.xml").read_bytes() != body:
        files = set(records) | {MARKER}     # the output is as the last build left it: the caller saw so
        sink = DiskSink(output, lambda: files, durable=durable)
        try:
            sink.write("news-sitemap.xml", body)
            sink.commit(files)
        except BaseException:
            sink.abort()
            raise
        written = sink.stat("news-sitemap.xml")
        records["news-sitemap.xml"] = PageRecord("", written.size, written.mtime_ns)
    cache.save(parsed, output, records, last)
    return _result(output, last.counts, rendered=0)


@dataclass(frozen=True)
class DataJob:
    """A generated file (feed, sitemap): made only when its key changed since the last build."""
    path: str
    key: str
    make: Callable[[], bytes]


def feed_jobs(site: Site, touching: Touching = None) -> list[DataJob]:
    """The feeds: RSS, Atom and JSON Feed of the site, RSS of each section and author (or, given
    `touching`, those of them that show one of these stories: see plan()). They need the
    stories, not the pages, so they can be made while the pages are planned."""
    config, tax = site.config, site.tax
    size = config.feed_size
    shows = Shown(site, touching)

    def feed_key(path: str, items: list[Article]) -> str:
        return fingerprint(site.key, path, site.digests_of(items[:size]))

    def feeds(title: str, items: list[Article], home: str, rss: str, atom: str | None = None) -> list[DataJob]:
        if not shows(items[:size]):
            return []
        made = lru_cache(maxsize=1)(partial(build_feeds, config, items, site.bodies, title, home, rss, atom))   # RSS and Atom from one pass
        out = [DataJob(rss, feed_key(rss, items), lambda: made()[rss])]
        if atom:
            out.append(DataJob(atom, feed_key(atom, items), lambda: made()[atom]))
        return out

    out = feeds(config.title, site.articles, "", "feed.xml", "atom.xml")
    if shows(site.articles[:size]):
        out.append(DataJob("feed.json", feed_key("feed.json", site.articles),
                           partial(build_json_feed, config.base_url, config.title, config.description,
                                   config.language, site.articles, site.bodies, "", "feed.json", size)))
    for slug, section in tax.sections.items():
        out += feeds(f"{config.title}: {section.name}", tax.section_articles[slug], f"{slug}/", f"{slug}/feed.xml")
    for slug, author in tax.authors.items():
        out += feeds(f"{config.title}: {author.shown_name}", tax.author_articles[slug],
                     f"authors/{slug}/", f"authors/{slug}/feed.xml")
    return out


def site_files(site: Site, entries: list[tuple[str, datetime | None]] | None, now: datetime) -> list[DataJob]:
    """Sitemaps of these pages (see sitemap_entries(); None: as the last build wrote them), the
    news sitemap and robots.txt: cheap to make, and they depend on every page or on the clock."""
    config = site.config
    out = []
    if entries is not None:
        made = lru_cache(maxsize=1)(partial(build_sitemaps, config.base_url, entries))
        key = fingerprint(site.key, "sitemaps", entries)
        out += [DataJob(name, key, partial(lambda name: made()[name], name)) for name in sitemap_files(len(entries))]
    out.append(DataJob("news-sitemap.xml", "", partial(build_news_sitemap, config.base_url,
                       config.publisher.name or config.title, config.language, site.articles, now)))
    out.append(DataJob("robots.txt", "", partial(build_robots, config.base_url, ["sitemap.xml", "news-sitemap.xml"])))
    return out
