"""The phases of a build that make something: parse the stories, render the pages, write the data
files, check that every output can be written. (build.py calls them in order; a build that
finds nothing changed never imports this module, nor the template engine, Markdown or lxml.)"""
from __future__ import annotations

import hashlib
import time
from datetime import datetime
from pathlib import Path
from typing import AbstractSet, Any, Callable, NamedTuple, Protocol

import jinja2

from . import bodies
from .cache import BuildCache, PageRecord
from .config import SiteConfig
from .content import Source
from .model import Article
from .output import MARKER, DiskSink, FolderStamp, Written, clashes
from .parallel import Background, guided_chunks, release_memory, run_chunks
from .i18n import speaking
from .plan import DataJob, PageJob, Site, make_data as make_bytes, news_sitemap_jobs, page_context
from .feeds import absolutize
from .problems import BuildError, Problem
from .render import render
from .urls import Urls


class Sink(Protocol):
    def write(self, rel: str, data: bytes) -> None: ...
    def commit(self, expected: set[str] | None = None) -> None: ...
    def abort(self) -> None: ...


ParseResult = tuple[Article | None, list[Problem], bodies.Body]    # the body beside its article (see bodies.py)


def _parse_range(shared: tuple[list[Source], SiteConfig, tuple[Path, str] | None], start: int,
                 stop: int) -> tuple[list[ParseResult], dict[str, str]]:
    """The parse results of these sources, and the digests of those whose bytes, read again here
    (the walk did not keep them: content.KEEP_BYTES), are not the bytes it hashed (saved since)."""
    from .frontmatter import parse_article     # (YAML and Markdown: imported only where something is parsed)
    sources, config, store = shared
    zone, base_path = config.zone, Urls(config.base_url).base_path
    # the bodies go to a file of the cache as they are made, and only where each is goes back (see bodies.py)
    writer = bodies.Writer(store[0], bodies.new_name(store[1])) if store is not None else None
    results: list[ParseResult] = []
    redone: dict[str, str] = {}
    for s in sources[start:stop]:
        try:
            data = s.bytes()
        except OSError as exc:      # (gone since the walk, say)
            results.append((None, [Problem(s.path, None, "", f"cannot be read: {exc.strerror or exc}")], ""))
            continue
        if s.data is None and s.read:
            digest = hashlib.sha256(data).hexdigest()
            if digest != s.digest:
                redone[s.path] = digest     # (the parse is of these bytes: kept under their digest)
        article, found, body = parse_article(s.path, data, zone, base_path, config.permalink, markdown=config.markdown,
                                             editions=config.edition_prefixes)
        results.append((article, found, writer.add(body) if writer is not None and article is not None else body))
    if writer is not None and not writer.close():     # the cache cannot be written: the bodies stay in memory
        results = [(a, found, writer.recall(body) if a is not None else body) for a, found, body in results]
    return results, redone


def parse_all(sources: list[Source], config: SiteConfig, workers: int = 1, cache: BuildCache | None = None,
              look: bool = True) -> tuple[list[Article], list[Problem], dict[str, tuple[str, ParseResult]]]:
    """Every source -> its article or its problems, from the cache where the bytes are unchanged
    (`look` False: the sources are known to have changed, the cache is not asked); the rest spread
    over `workers` processes. Also returns what the next build's cache holds."""
    results: dict[str, ParseResult] = {}
    misses = []
    for source in sources:
        hit = cache.parsed(source.path, source.digest) if cache and look else None
        if hit is not None:
            results[source.path] = hit
        else:
            misses.append(source)
    store = cache.body_store() if cache else None
    chunks = run_chunks(_parse_range, (misses, config, store), len(misses), workers) if misses else []
    redone: dict[str, str] = {}
    for chunk, digests in chunks:
        redone.update(digests)
    for source, result in zip(misses, (result for chunk, _ in chunks for result in chunk)):
        results[source.path] = result
    articles, problems = [], []
    for source in sources:
        article, found, _ = results[source.path]
        problems += found
        if article is not None:
            articles.append(article)
    keep = {s.path: (redone.get(s.path, s.digest), results[s.path]) for s in sources}
    return articles, problems, keep


def _page(env: jinja2.Environment, site: Site, job: PageJob) -> bytes:
    with speaking(site.words(job.edition), site.catalogues):     # (the words of its edition's language)
        return render(env, job.template, page_context(site, job)).encode("utf-8")


def _render_range(shared: tuple[jinja2.Environment, Site, list[PageJob], Sink, list[Any], Path, Path | None],
                  start: int, stop: int) -> tuple[dict[str, Written], list[Problem]]:
    """Items [start, stop) of the photos, then the pages: (what was written, the problems met)."""
    env, site, jobs, sink, photos, site_dir, cache_folder = shared
    problems = []
    if start < len(photos):
        from .pictures import make_photo
        for photo in photos[start:stop]:
            problems += make_photo(photo, sink, site_dir, cache_folder)
    for job in jobs[max(0, start - len(photos)):max(0, stop - len(photos))]:
        sink.write(job.path, _page(env, site, job))
    return (sink.drain() if isinstance(sink, DiskSink) else {}), problems


def render_pages(env: jinja2.Environment, site: Site, jobs: list[PageJob], sink: Sink, workers: int,
                 data: list[DataJob] = (), photos: list[Any] = (), site_dir: Path = Path("."),
                 cache_folder: Path | None = None) -> float:
    """Render every page job and hand it to the sink, in worker processes for a disk sink (which
    then learns what its workers wrote). The data jobs (feeds, sitemaps) are made here meanwhile:
    in a worker, their memory would come on top of what rendering has grown it to by then. The
    photos' files are made in the same workers, each photo a chunk of its own, taken first (the
    longest work first: the workers then finish together). BuildError naming each photo that
    cannot be read. Returns the seconds spent on the data jobs."""
    spent = 0.0

    def make_data() -> None:
        nonlocal spent
        started = time.perf_counter()
        write_data(sink, site, data)
        if data:
            absolutize.cache_clear()
            release_memory()
        spent = time.perf_counter() - started

    disk = isinstance(sink, DiskSink)
    photos = list(photos)
    bounds = None       # (photos: worth a worker from two on; pages alone, from run_chunks()'s usual count)
    if len(photos) > 1:
        bounds = [(n, n + 1) for n in range(len(photos))]
        bounds += [(len(photos) + a, len(photos) + b) for a, b in guided_chunks(len(jobs), max(1, workers))]
    problems = []
    for written, met in run_chunks(_render_range, (env, site, jobs, sink, photos, site_dir, cache_folder),
                                   len(photos) + len(jobs), workers if disk else 1, meanwhile=make_data,
                                   bounds=bounds):
        problems += met
        if disk:
            sink.absorb(written)
    if problems:
        raise BuildError(problems)
    return spent


def render_first(env: jinja2.Environment, site: Site, jobs: list[PageJob], first: AbstractSet[str], sink: Sink | None,
                 shown: Callable[[str, bytes], None] | None) -> set[str]:
    """Render, before any other page, the pages of the stories at the source paths `first`, each
    handed to shown() as soon as it is written (to the sink, if one is given). Their paths. (Not
    asked whether a page could be carried over unchanged: that waits for the look at the output,
    and rendering one page is cheap.)"""
    done = set()
    for job in jobs:
        if job.template != "article.html" or job.inputs[0] not in first:
            continue
        data = _page(env, site, job)
        if sink is not None:
            sink.write(job.path, data)
        done.add(job.path)
        if shown is not None:
            shown(job.path, data)
    return done


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


def collisions(jobs: list[PageJob], static: dict[str, Path], data: list[str], site_dir: Path,
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


def write_data(sink: Sink, site: Site, data: list[DataJob]) -> None:
    for item in data:
        sink.write(item.path, make_bytes(site, item))


def make_data(sink: DiskSink, site: Site, data: list[DataJob]) -> tuple[float, dict[str, Written]]:
    """Make data jobs into a disk sink (in a process of its own): the time it took and what it wrote."""
    started = time.perf_counter()
    write_data(sink, site, data)
    return time.perf_counter() - started, sink.drain()




BACKGROUND_FEEDS_FROM = 200    # stories: below this, forking for the feeds costs more than it saves


def stop(background: Background | None, sink: Sink) -> None:
    """A failed build: the feeds' process stops before the staged files go."""
    if background is not None:
        background.cancel()
    sink.abort()


def refresh_news_sitemap(config: SiteConfig, published: list[Article], now: datetime, output: Path,
                         previous: dict[str, PageRecord], folders: Callable[[], dict[str, FolderStamp]],
                         durable: bool) -> tuple[dict[str, PageRecord], dict[str, FolderStamp]]:
    """Rewrite the news sitemap of an output otherwise as the last build left it, if the clock moved
    a story out of (or into) its 48-hour window — through the sink, as every write. The output's
    records and folder stamps after that (`folders()`: its folder stamps before)."""
    records = dict(previous)
    site = Site(config, published, None)
    made = [(job, make_bytes(site, job)) for job in news_sitemap_jobs(site, now)]     # (each edition's)
    moved = [(job, body) for job, body in made if (output / job.path).read_bytes() != body]
    if moved:
        files = set(records) | {MARKER}     # the output is as the last build left it: the caller saw so
        sink = DiskSink(output, lambda: files, durable=durable, folders=folders)
        try:
            for job, body in moved:
                sink.write(job.path, body)
            sink.commit(files)
        except BaseException:
            sink.abort()
            raise
        for job, _ in moved:
            written = sink.stat(job.path)
            records[job.path] = PageRecord(job.key, written.size, written.mtime_ns)
        return records, sink.folder_stamps
    return records, folders()
