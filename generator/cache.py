"""The persistent build cache in SITE/.broadsheet/cache/ (safe to delete; `broadsheet clean` does).

- Parsed articles, keyed by the source's bytes and every setting that shapes parsing, so an
  unchanged story is never parsed or converted from Markdown again: each as (digest, (article,
  problems, body)), its body kept beside it, in a file of bodies/ (see bodies.py).
- A manifest of the last build's pages: each output file with the key of everything it was
  rendered from, so an unchanged page is neither rendered nor rewritten, only carried over.

A cache that cannot be read is ignored (and rebuilt), never trusted half-way.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from . import __version__, bodies, speedups
from .content import Source, Stamp, read_anew
from .store import Store

CACHE_DIR = Path(".broadsheet") / "cache"
_FORMAT = 11
BODIES = "bodies"   # the folder of the article bodies' files (see bodies.py)
SMALL_BODY_FILE = 1 << 20   # bytes: more than MAX_SMALL_FILES files smaller than this are merged into one
MAX_SMALL_FILES = 16


# The libraries whose behaviour shapes the output (their distribution names): a new version of
# any may change a page, so it is part of code_key(). Kept here as the one list of them.
OUTPUT_LIBRARIES = ("Markdown", "nh3", "Jinja2", "MarkupSafe", "python-slugify", "text-unidecode", "lxml",
                    "feedgen", "python-dateutil", "PyYAML", "python-frontmatter", "tzdata", "pillow",
                    "babel")


@lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of Broadsheet's own code, the Python running it, the versions of OUTPUT_LIBRARIES and
    the fast paths on: an upgrade of any (or a local change to Broadsheet, or BROADSHEET_SPEEDUPS)
    never reuses old results, nor templates compiled by another Jinja or code generator."""
    h = hashlib.sha256(speedups.signature().encode())
    package = Path(__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    h.update(repr((sys.implementation.name, sys.version, library_versions())).encode())
    return h.hexdigest()


def library_versions() -> tuple[tuple[str, str], ...]:
    """(name, version) of each of OUTPUT_LIBRARIES as importlib.metadata.version() gives it ('' if
    not installed): see speedups.versions()."""
    return tuple((name, version or "") for name, version in speedups.versions(OUTPUT_LIBRARIES).items())


@lru_cache(maxsize=8)
def zone_key(name: str) -> str:
    """A hash of the time zone data for `name` that zoneinfo reads (the system's, else the tzdata
    package's): new rules for a zone change the dates of stories written in it."""
    for folder in zoneinfo.TZPATH:
        data = _read_if_file(os.path.join(folder, name))
        if data is not None:
            return hashlib.sha256(data).hexdigest()
    import importlib.util
    spec = importlib.util.find_spec("tzdata")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        data = _read_if_file(os.path.join(folder, "zoneinfo", *name.split("/")))
        if data is not None:
            return hashlib.sha256(data).hexdigest()
    return ""


def _read_if_file(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def fingerprint(*parts: Any) -> str:
    """A stable hash of plain data (strings, numbers, tuples, lists, dicts of those)."""
    return hashlib.sha256(repr((_FORMAT, __version__) + parts).encode("utf-8", "surrogatepass")).hexdigest()


def files_fingerprint(*folders: Path) -> str:
    """A hash of every file's path and bytes under the given folders (templates, data)."""
    h = hashlib.sha256()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


class PageRecord(NamedTuple):
    key: str
    size: int
    mtime_ns: int


@dataclass
class BuildCache:
    """What one build hands to the next. `folder` None means caching is off.

    The parsed articles (the large part, a row each in articles.sqlite: store.py) are read only
    when a build first asks for them, all of them or those of some stories: a build that finds
    nothing changed never reads them."""
    folder: Path | None
    parse_key: str = ""
    stamps: dict[str, tuple[Stamp, str]] = field(default_factory=dict)     # source path -> (stamp, digest), if settled
    files: dict[str, tuple[Stamp, str]] = field(default_factory=dict)      # static file's real path -> the same
    # changes whenever the stamps do: a build whose LastBuild holds the version read knows that
    # each source the walk did not read has the digest that build had (see graph.changed_sources)
    stamps_version: str = ""
    # output folder -> rel -> record, and output -> its folders' stamps (output.FolderStamp), in
    # pages.pickle: read when first asked for (see pages, folders), by a build's look at its output
    # (incremental/outputs.py) in a process of its own if it has one: a build that finds nothing
    # changed never reads them then
    _pages: dict[str, dict[str, PageRecord]] | None = None
    _folders: dict[str, dict[str, tuple[int, int, int]]] | None = None
    builds: dict[str, Any] = field(default_factory=dict)      # output -> what build.py keeps to spot a no-change build
                                                              # (its LastBuild, without its stories: see graph())
    recorded_counts: dict[str, int] = field(default_factory=dict)   # output -> how many records pages.pickle holds
    template_deps: tuple[str, dict[str, str]] = ("", {})   # (templates key, page template -> its files' hash)
    hits: int = 0
    prefix: str = ""        # the names of this build's body files start with it
    # this build's: what changed of `stamps` (path -> (stamp, digest), or None: gone), and `files`
    stamp_changes: dict[str, tuple[Stamp, str] | None] | None = None
    new_files: dict[str, tuple[Stamp, str]] | None = None
    persist: bool = True    # False: kept in memory between the builds of one process (the dev server)
    warm: Any = None        # in memory only: what the last build made its pages from (incremental/early.py)
    # what only a build past the diff needs (a build that finds nothing changed never reads them):
    # each output's LastBuild.stories, in graph.pickle (~1 MB at 10,000 stories), and the related
    # choice, in related.pickle (~1 MB; read only by a build that plans, written only when it changes)
    _graph: dict[str, Any] | None = None
    _related: tuple[str, dict[str, tuple[str, ...]]] | None = None
    _related_changed: bool = False
    _related_key: str = ""          # related.pickle's key, kept in builds.pickle
    _articles: dict[str, tuple[str, Any]] | None = None     # path -> (digest, (article, problems, body)); None: not read yet
    _rows: Store | None = None      # articles.sqlite, opened when first asked for
    _jobs: dict[str, Any] = field(default_factory=dict)     # output -> its graph.Graph, from jobs.sqlite when first asked for
    _files: dict[str, "_Layered"] = field(default_factory=dict)     # stamps, pages, graph: the pickle files

    @classmethod
    def open(cls, site: Path, enabled: bool, parse_key: str) -> "BuildCache":
        if not enabled:
            return cls(None, parse_key, _articles={})
        folder = site / CACHE_DIR
        cache = cls(folder, parse_key)
        cache._files = {"stamps": _Layered(folder / "stamps.pickle", {"stamps": 1, "files": 1}),
                        "pages": _Layered(folder / "pages.pickle", {"pages": 2, "folders": 2}),
                        "graph": _Layered(folder / "graph.pickle", {"stories": 2, "unpublished": 2})}
        saved = cache._files["stamps"].load()
        if saved.get("parse_key") == parse_key:
            # (kept as the plain tuples they were written as: a Stamp compares equal to its tuple)
            cache.stamps, cache.files = _typed(_mapping, saved.get("stamps")), _typed(_mapping, saved.get("files"))
            cache.stamps_version = saved.get("version", "") if isinstance(saved.get("version"), str) else ""
        saved = _load(folder / "builds.pickle")
        cache.builds = _typed(dict, saved.get("builds"))
        cache.recorded_counts = _typed(dict, saved.get("counts"))
        cache.template_deps = saved.get("template_deps", ("", {}))
        cache._related_key = saved.get("related_key", "") if isinstance(saved.get("related_key"), str) else ""
        return cache

    def _read_pages(self) -> None:
        saved = self._files["pages"].load() if self.folder is not None else {}
        # (as the plain tuples they were written as: a build takes them so; previous_pages() makes PageRecords)
        self._pages = _typed(lambda pages: {output: _mapping(records) for output, records in pages.items()}, saved.get("pages"))
        self._folders = _typed(lambda folders: {output: _mapping(stamps) for output, stamps in folders.items()},
                               saved.get("folders"))

    @property
    def pages(self) -> dict[str, dict[str, PageRecord]]:
        if self._pages is None:
            self._read_pages()
        assert self._pages is not None
        return self._pages

    @property
    def folders(self) -> dict[str, dict[str, tuple[int, int, int]]]:
        if self._folders is None:
            self._read_pages()
        assert self._folders is not None
        return self._folders

    @property
    def articles(self) -> dict[str, tuple[str, Any]]:
        if self._articles is None:
            self._articles = {}
            if self.folder is not None:
                articles = self._store().all()
                self._articles = articles if self.persist else _with_bodies(articles)
        return self._articles

    def entries(self, paths: Iterable[str]) -> dict[str, tuple[str, Any]]:
        """The cached parse results of the stories at these source paths (those there are), read
        without reading the others'."""
        if self._articles is not None or self.folder is None:
            articles = self.articles
            return {path: articles[path] for path in paths if path in articles}
        return self._store().some(paths)

    def _store(self) -> Store:
        assert self.folder is not None
        if self._rows is None:
            self._rows = Store(self.folder, self.parse_key)
        return self._rows

    def body_store(self) -> tuple[Path, str] | None:
        """Where parsing writes the bodies it makes, and the start of its files' names (None: bodies
        stay in memory, as they do for a cache kept in memory: its files could go under it)."""
        if self.folder is None or not self.persist:
            return None
        if not self.prefix:
            self.prefix = bodies.new_name() + "-"
        return self.folder / BODIES, self.prefix

    def drop_new_bodies(self) -> None:
        """A build that failed: the body files it wrote are no one's."""
        if self.folder is not None and self.prefix:
            for path in bodies.stored_files(self.folder / BODIES):
                if os.path.basename(path).startswith(self.prefix):
                    _remove(path)

    @classmethod
    def in_memory(cls, site: Path, parse_key: str) -> "BuildCache":
        """A cache for many builds in one process: read from disk once, kept in memory, written
        back by flush(). Each build starts with begin()."""
        cache = cls.open(site, True, parse_key)
        cache.persist = False
        return cache

    def begin(self, parse_key: str) -> "BuildCache":
        """Start a build with this in-memory cache; settings that parse differently drop the articles."""
        if parse_key != self.parse_key:
            self.parse_key, self._articles, self.stamps, self.files, self._rows = parse_key, {}, {}, {}, None
        self.hits, self.stamp_changes, self.new_files = 0, None, None
        return self

    def graph(self) -> dict[str, Any]:
        """graph.pickle, read when first asked for: {"stories": output -> LastBuild.stories,
        "unpublished": output -> LastBuild.unpublished}."""
        if self._graph is None:
            saved = self._files["graph"].load() if self.folder is not None else {}
            self._graph = {name: saved.get(name, {}) for name in ("stories", "unpublished")}
        return self._graph

    @property
    def related(self) -> tuple[str, dict[str, tuple[str, ...]]]:
        """(plan.related_key(), path -> related paths) of the last build that chose them."""
        if self._related is None:
            saved = _load(self.folder / "related.pickle").get("related") if self.folder is not None else None
            self._related = saved if isinstance(saved, tuple) and len(saved) == 2 else ("", {})
        return self._related

    @related.setter
    def related(self, value: tuple[str, dict[str, tuple[str, ...]]]) -> None:
        self._related_changed = self._related_changed or value != self.related
        self._related = value

    def related_known(self, key: str) -> bool:
        """Whether the last related choice was made from the same stories (related_for() would
        give it), without reading it."""
        return bool(key) and (self._related[0] if self._related is not None else self._related_key) == key

    def last_build(self, output: Path, stories: bool = False) -> Any:
        """The last build of `output` (a LastBuild), with its stories if asked (from graph())."""
        build = self.builds.get(str(output))
        if build is None or not stories:
            return build
        graph = self.graph()
        stories, unpublished = graph["stories"].get(str(output)), graph["unpublished"].get(str(output))
        if not (isinstance(stories, dict) and isinstance(unpublished, dict)):
            return build
        return build._replace(stories=stories, unpublished=unpublished)

    def job_graph(self, output: Path) -> Any:
        """The job graph saved by the last build of `output` that planned pages (incremental/graph.py)."""
        from .incremental import graph
        if str(output) not in self._jobs and self.folder is not None:
            self._jobs[str(output)] = graph.load(self.folder, str(output))
        return self._jobs.get(str(output))

    def keep_graph(self, output: Path, graph: Any) -> None:
        from .incremental.graph import save
        if self.persist and self.folder is not None:
            save(self.folder, str(output), graph)
            self._jobs.pop(str(output), None)   # (read back from the file when asked)
        else:
            self._jobs[str(output)] = graph

    def flush(self) -> None:
        """Write an in-memory cache to disk (every row), for the next process."""
        if self.folder is None:
            return
        self.persist, articles, self._articles = True, self.articles, {}
        try:
            self._save_articles(articles)
            self._save_stamps(None)
            self._save_pages()
            if self._graph is not None:
                self._save_graph()
            if self._related is not None:
                _dump(self.folder / "related.pickle", {"related": self._related, "key": self._related[0]})
            from .incremental.graph import save
            for output, graph in self._jobs.items():
                if graph is not None:
                    save(self.folder, output, graph)
        finally:
            self.persist = False

    def parsed(self, path: str, digest: str) -> Any | None:
        hit = self.articles.get(path)
        if hit is not None and hit[0] == digest:
            self.hits += 1
            return hit[1]
        return None

    def read(self, sources: list[Source], read_ns: int) -> None:
        """Note the stamps of this build's sources, read at `read_ns` (time.time_ns()), for the
        next build. A stamp is kept only if its file had settled then (see Stamp.settled). Only
        what changed is noted: a source the walk did not read has its recorded stamp (and the
        recorded stamps of 100,000 stories are not gone over again to find it out)."""
        known, changes = self.stamps, {}
        odd = read_anew(sources)
        for source in odd:
            if source.stamp is not None and source.stamp.settled(read_ns):
                changes[source.path] = (source.stamp, source.digest)
            elif source.path in known:
                changes[source.path] = None
        if len(sources) - len(odd) + sum(s.path in known for s in odd) != len(known):     # (some recorded are gone)
            found = {s.path for s in sources}
            changes.update(dict.fromkeys([path for path in known if path not in found]))
        self.stamp_changes = changes

    def digests(self, files: dict[str, Path], read_ns: int) -> list[tuple[str, str]]:
        """(name, digest of the bytes) of each file (static files), known as sources are: a file
        is read only if its stamp is not the settled one the last build recorded for it."""
        if self.new_files is None:
            self.new_files = {}
        out = []
        for rel, path in files.items():
            where = str(path)
            stamp = Stamp.of(os.stat(where))
            known = self.files.get(where)
            digest = known[1] if known is not None and known[0] == stamp else None
            if digest is None:
                with open(where, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            if stamp.settled(read_ns):
                self.new_files[where] = (stamp, digest)
            out.append((rel, digest))
        return out

    def save(self, articles: dict[str, tuple[str, Any]] | None, output: Path | None,
             pages: dict[str, PageRecord] | None, build: Any = None,
             folders: dict[str, tuple[int, int, int]] | None = None, some: bool = False) -> None:
        """Write the cache atomically; a failure to write it never fails the build. Only the
        articles that changed are written (None: the articles were not even looked at; `some`:
        these are only those parsed, the others are as they were).
        `folders`: the stamps of the output's folders, kept with its records (see output.DiskSink)."""
        if self.folder is None:
            return
        changes, files = self.stamp_changes or {}, self.new_files if self.new_files is not None else self.files
        for path, known in changes.items():
            if known is None:
                self.stamps.pop(path, None)
            else:
                self.stamps[path] = known
        files_changed, self.files = files != self.files, dict(files)
        if changes or files_changed:
            self.stamps_version = bodies.new_name()
        if self.persist:
            if articles is not None:
                self._save_articles(articles, some)
            if changes or files_changed:
                self._save_stamps(changes)
        elif articles is not None:
            self._articles = {**self.articles, **articles} if some else dict(articles)
        self.stamp_changes = self.new_files = None
        if output is not None and pages is None and folders is not None and self.folders.get(str(output)) != folders:
            self.folders[str(output)] = folders     # (the output is as the last build left it: its records hold)
            if self.persist:
                self._save_pages()
        if output is not None and pages is not None:
            self.folders[str(output)] = folders or {}
            self.pages[str(output)] = pages
            if build is not None:
                self._keep_build(str(output), build)
            else:
                self.builds.pop(str(output), None)
                self.graph()["stories"].pop(str(output), None)
                self.graph()["unpublished"].pop(str(output), None)
            if self.persist:
                self._save_pages()
                self._save_graph()
                if self._related_changed:
                    _dump(self.folder / "related.pickle", {"related": self._related, "key": self._related[0]})
                    self._related_changed = False

    def restamp_build(self, output: Path) -> None:
        """The last build of `output` holds for the stamps as they are now (see stamps_version)."""
        build = self.builds.get(str(output))
        if build is not None:
            self.builds[str(output)] = build._replace(stamps=self.stamps_version)
            if self.persist and self.folder is not None:
                self._save_builds()

    def save_changes(self, articles: dict[str, tuple[str, Any]], output: Path, records: dict[str, PageRecord],
                     build: Any, folders: dict[str, tuple[int, int, int]] | None) -> None:
        """save(), for a build that wrote some of the files the last one left and no others
        (build.py: the job graph's): `records` are those files' new ones, the others' are as they
        were; `folders`, the stamps of the folders it changed (None: no folder's stamp holds now).
        Written as changes laid over pages.pickle without reading it where it is not read yet."""
        if self.folder is None:
            return
        out = str(output)
        changes: dict[tuple, tuple[bool, Any]] = {("pages", out, rel): (True, record) for rel, record in records.items()}
        if folders is None:
            changes[("folders", out)] = (True, {})
        else:
            changes.update({("folders", out, rel): (True, stamp) for rel, stamp in folders.items()})
        if self._pages is None and self.persist and self._files["pages"].add(changes):
            self.save(articles, None, None, some=True)
            self._keep_build(out, build)
            self._save_builds()
            self._save_graph()
            return
        pages, stamped = dict(self.pages.get(out, {})), dict(self.folders.get(out, {}))
        pages.update(records)
        self.save(articles, output, pages, build, {} if folders is None else {**stamped, **folders}, some=True)

    def _keep_build(self, output: str, build: Any) -> None:
        """The LastBuild of `output`: in builds.pickle without its stories, which go to graph.pickle."""
        self.builds[output] = build._replace(stories=None, unpublished=None, stamps=self.stamps_version)
        self.graph()["stories"][output], self.graph()["unpublished"][output] = build.stories, build.unpublished

    def compiled_templates(self) -> Path | None:
        """Where Jinja keeps compiled templates: one folder per version of Broadsheet's code (the
        compiled form depends on it, not only on the template's source); older ones are dropped."""
        if self.folder is None:
            return None
        name = f"templates-{code_key()[:16]}"
        try:
            for old in self.folder.glob("templates-*"):
                if old.name != name:
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
        return self.folder / name

    # records are written as plain tuples: pickling a NamedTuple calls back into Python for each
    # one (13,502 page records at 10k stories cost ~70 ms to write that way, plain ones ~5 ms)
    def _save_pages(self) -> None:
        """pages.pickle (the records and folder stamps), then builds.pickle (what was built from them)."""
        data = {"pages": self.pages, "folders": self.folders}

        def whole() -> dict[str, Any]:
            pages = {output: dict(zip(records, map(tuple, records.values()))) for output, records in self.pages.items()}
            return {**data, "pages": pages}
        self._files["pages"].save(data, whole)
        self.recorded_counts = {output: len(records) for output, records in self.pages.items()}
        self._save_builds()

    def _save_builds(self) -> None:
        assert self.folder is not None
        _dump(self.folder / "builds.pickle", {"builds": self.builds, "counts": self.recorded_counts,
                                             "template_deps": self.template_deps,
                                             "related_key": self._related[0] if self._related is not None else self._related_key})

    def _save_stamps(self, changes: dict[str, tuple[Stamp, str] | None] | None) -> None:
        """stamps.pickle; `changes`: what changed of `stamps` since it was last written (None: not known)."""
        data = {"parse_key": self.parse_key, "stamps": self.stamps, "files": self.files, "version": self.stamps_version}
        noted = None if changes is None else {"stamps": {("stamps", path): (known is not None, known)
                                                          for path, known in changes.items()}}
        self._files["stamps"].save(data, lambda: {**data, **{name: {path: (tuple(stamp), digest)
                                                                    for path, (stamp, digest) in data[name].items()}
                                                             for name in ("stamps", "files")}}, noted)

    def _save_graph(self) -> None:
        self._files["graph"].save(self.graph(), self.graph)

    def template_keys_for(self, templates: str) -> dict[str, str] | None:
        """The last build's template_keys(), if every template file is as it was then."""
        return self.template_deps[1] if templates and self.template_deps[0] == templates else None

    def related_for(self, key: str) -> dict[str, tuple[str, ...]] | None:
        """The related stories of the last build, if they were chosen from the same stories."""
        return self.related[1] if key and self.related[0] == key else None

    def _save_articles(self, articles: dict[str, tuple[str, Any]], some: bool = False) -> None:
        """Write the rows of the articles that changed since the cache was opened (bodies kept in
        memory are written to a file first; `some`: only these were parsed, the other rows stay),
        then drop the body files no story needs."""
        assert self.folder is not None
        folder = self.folder / BODIES
        store = self._store()
        articles = _store_bodies(articles, folder)
        live = store.live() if some and self._articles is None else None
        if some and (live is None or _compacting(live, _refs(articles), folder)):
            articles, some = {**self.articles, **articles}, False      # (rarely: every row is looked at)
        if some:
            store.write(articles)
        else:
            articles, _ = _compact(articles, _refs(articles), folder)
            old = self._articles or {}
            changed = {path: entry for path, entry in articles.items()
                       if path not in old or not (entry[1] is old[path][1] or (entry[0] == old[path][0] and _body(entry) == _body(old[path])))}
            store.write(changed, [path for path in store.paths() if path not in articles], everything=self._articles is None)
        self._articles = None if some else dict(articles)
        needed = store.files()
        if needed is not None:
            for path in bodies.stored_files(folder):
                if path not in needed:
                    _remove(path)
        for old_file in self.folder.glob("articles-*.pickle"):     # (the shards of an older cache)
            _remove(str(old_file))

    def previous_pages(self, output: Path) -> dict[str, PageRecord]:
        records = self.pages.get(str(output), {})
        if records and type(next(iter(records.values()))) is not PageRecord:
            records = self.pages[str(output)] = dict(zip(records, map(PageRecord._make, records.values())))
        return records

    def recorded(self, output: Path) -> dict[str, tuple]:
        """The records of `output` as they were read: (key, size, mtime_ns) tuples, or PageRecords."""
        return self.pages.get(str(output), {})

    def previous_folders(self, output: Path) -> dict[str, tuple[int, int, int]]:
        return self.folders.get(str(output), {})


def _body(entry: tuple[str, Any]) -> bodies.Body | None:
    """The entry's body (None for a source with problems: it has none)."""
    article, _, body = entry[1]
    return body if article is not None else None


def bodies_of(articles: dict[str, tuple[str, Any]]) -> bodies.Bodies:
    """What rendering reads these articles' bodies through (source path -> HTML)."""
    return bodies.Bodies({path: result[2] for path, (_, result) in articles.items() if result[0] is not None})


def _refs(articles: dict[str, tuple[str, Any]]) -> list[bodies.Ref]:
    return [ref for ref in map(_body, articles.values()) if bodies.is_ref(ref)]


def _replaced_bodies(articles: dict[str, tuple[str, Any]], which: Callable[[Any], bool],
                     new: Callable[[Any], Any]) -> dict[str, tuple[str, Any]]:
    """The articles, each body that `which` picks replaced by new(body)."""
    out = {}
    for path, entry in articles.items():
        body = _body(entry)
        if body is not None and which(body):
            digest, (article, problems, _) = entry
            entry = (digest, (article, problems, new(body)))
        out[path] = entry
    return out


def _rewritten(articles: dict[str, tuple[str, Any]], folder: Path, which: Callable[[Any], bool]) -> dict[str, tuple[str, Any]]:
    """The articles, with the bodies `which` picks written into one new file."""
    writer = bodies.Writer(folder, bodies.new_name())
    out = _replaced_bodies(articles, which, lambda body: writer.add(bodies.text(body)))
    return out if writer.close() else articles     # not written: the bodies stay where they were


def _store_bodies(articles: dict[str, tuple[str, Any]], folder: Path) -> dict[str, tuple[str, Any]]:
    """Bodies held in memory (parsed in this process, or a cache kept in memory) go to a file."""
    if not any(type(body) is str for body in map(_body, articles.values())):
        return articles
    return _rewritten(articles, folder, lambda body: type(body) is str)


def _live(refs: list[bodies.Ref], live: dict[str, int] | None = None) -> dict[str, int]:
    """Body file -> the bytes of it these refs need (added to `live`, those of the stored rows)."""
    out = dict(live or {})
    for path, _, length in refs:
        out[path] = out.get(path, 0) + length
    return out


def _to_merge(live: dict[str, int], folder: Path) -> Callable[[Any], bool] | None:
    """Which bodies _compact() merges into one new file, given what the stories need of each file
    (`live`): all of them once more than half the files' bytes belong to no story (edited or
    deleted since), else those in small files (an edit build writes one) once there are more than
    MAX_SMALL_FILES; None: none."""
    sizes = bodies.stored_files(folder)
    dead = sum(sizes.values()) - sum(live.values())
    if dead > max(sum(live.values()), SMALL_BODY_FILE):
        return bodies.is_ref
    small = {path for path in live if sizes.get(path, 0) < SMALL_BODY_FILE}
    if len(small) > MAX_SMALL_FILES:
        return lambda body: bodies.is_ref(body) and body[0] in small
    return None


def _compacting(live: dict[str, int], refs: list[bodies.Ref], folder: Path) -> bool:
    """Whether _compact() would merge body files, given what the stored rows need of each (`live`)
    and these refs (of the rows about to be written, which may replace some of them)."""
    return _to_merge(_live(refs, live), folder) is not None


def _compact(articles: dict[str, tuple[str, Any]], refs: list[bodies.Ref],
             folder: Path) -> tuple[dict[str, tuple[str, Any]], list[bodies.Ref]]:
    """Merge body files before they pile up (see _to_merge()). The articles and their refs, as
    they are after that."""
    which = _to_merge(_live(refs), folder)
    if which is None:
        return articles, refs
    articles = _rewritten(articles, folder, which)
    return articles, _refs(articles)


def _with_bodies(articles: dict[str, tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    """The articles with their bodies read into memory."""
    out = _replaced_bodies(articles, bodies.is_ref, bodies.read)
    bodies.forget()
    return out


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _load(path: Path) -> dict[str, Any]:
    """What _dump() wrote ({} if nothing, or of another version); of a layered file's whole, its head."""
    return _read(path, body=False)[0]


def _load_whole(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(head, body) of a layered file's whole, as _dump() wrote them (({}, {}) if none, or of another version)."""
    return _read(path, body=True)


def _read(path: Path, body: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            saved = pickle.load(f)
            if not (isinstance(saved, dict) and saved.get("format") == (_FORMAT, __version__)):
                return {}, {}
            after = pickle.load(f) if body else {}
        return (saved, after) if isinstance(after, dict) else ({}, {})
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, KeyError,
            TypeError, ValueError):
        return {}, {}   # no cache yet, or one from another version: start afresh


def _mapping(plain: Any) -> dict:
    """A mapping read back as a dict: itself if it is one (what _Layered.load() returns is this
    build's own: not copied again, ~5 ms for each 100,000 entries)."""
    return plain if type(plain) is dict else dict(plain)


def _typed(make: Callable[[Any], dict], plain: Any) -> dict:
    """Records read back as their NamedTuples; a file of another shape is no cache at all."""
    try:
        return make(plain or {})
    except (AttributeError, TypeError, ValueError):
        return {}


def _dump(path: Path, data: dict[str, Any], body: dict[str, Any] | None = None) -> None:
    """Write `data` (with the format) atomically; `body`, if given, after it as a second pickle:
    a layered file's whole, whose head (`data`: its token and size) _load() reads alone."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump({"format": (_FORMAT, __version__), **data}, f, protocol=pickle.HIGHEST_PROTOCOL)
            if body is not None:
                pickle.dump(body, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


class _Layered:
    """One of the cache's pickle files, written whole now and then and otherwise as the changes
    since, in a small file beside it (NAME.changes): an edit at 100,000 stories changes a handful of
    the 100,000 stamps and 133,765 page records, and writing them all took ~0.4 s.

    `tables` names the file's big mappings and how deep they nest (1: key -> value; 2: key ->
    key -> value); they are compared key by key with what the files held when read, and only what
    differs is written, as the changes in the order they are laid over the whole file: a value set,
    or gone, at a path of keys (a new inner mapping is set whole). The file's other items are
    small: the changes hold them whole. Changes made for another whole file (its token) are
    ignored; once they grow past an eighth of the whole, a new whole file is written. Values are
    tuples or strings, never changed in place."""

    def __init__(self, path: Path, tables: dict[str, int]):
        self.path, self.tables = path, tables
        self.more = path.with_name(path.name + ".changes")
        self.token, self.size = "", 0
        self.changes: dict[tuple, tuple[bool, Any]] = {}    # path of keys -> (True, value) | (False, None): gone
        self.held: dict[str, Any] = {}     # what the files hold: the tables, copied
        self.held_small: dict[str, Any] = {}

    def load(self) -> dict[str, Any]:
        head, saved = _load_whole(self.path)
        token = head.get("token")
        if not isinstance(token, str) or not all(isinstance(saved.get(name, {}), dict) for name in self.tables):
            return {}
        data = dict(saved)
        self.token, self.size = token, sum(_count(saved.get(name, {}), depth) for name, depth in self.tables.items())
        more = _load(self.more)
        if more.get("base") == token:
            try:
                changes, small = dict(more["changes"]), dict(more["small"])
                data = _layer(data, self.tables, changes)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError):   # (damaged: as if none)
                return {}
            data.update(small)
            self.changes = changes
        self._hold(data)
        return data

    def _hold(self, data: dict[str, Any], kept: Iterable[str] = ()) -> None:
        """Hold a copy of what the files hold now: `data` (the tables named in `kept` are held already)."""
        kept = {name: self.held[name] for name in kept if name in self.held}
        self.held = {**_copied(data, {name: depth for name, depth in self.tables.items() if name not in kept}), **kept}
        self.held_small = {name: value for name, value in data.items() if name not in self.tables}

    def save(self, data: dict[str, Any], whole: Callable[[], dict[str, Any]],
             noted: dict[str, dict[tuple, tuple[bool, Any]]] | None = None) -> None:
        """Write `data` (its tables as they are in memory); `whole()` gives all of it as the whole
        file holds it, called only when that is written. `noted`: the changes of some tables since
        they were read or last saved, as the caller knows them (a value set, or gone, at a path
        of keys): those tables are not compared with what the files hold."""
        changes = dict(self.changes)
        noted = noted or {}
        for name, depth in self.tables.items():
            if name in noted:
                for path, change in noted[name].items():
                    _note(path, change, changes, inner=False)
                    _set(self.held.setdefault(name, {}), path[1:], change)
            else:
                _differences(self.held.get(name, {}), data.get(name, {}), depth, (name,), changes)
        small = {name: value for name, value in data.items() if name not in self.tables}
        if not self.token or len(changes) > self.most(self.size):
            self.token = bodies.new_name()
            self.size = sum(_count(data.get(name, {}), depth) for name, depth in self.tables.items())
            _dump(self.path, {"token": self.token, "size": self.size}, whole())
            _remove(str(self.more))
            self.changes = {}
        elif changes != self.changes or small != self.held_small or not self.more.exists():
            _dump(self.more, {"base": self.token, "small": small,
                              "changes": {path: (kept, _plain(value)) for path, (kept, value) in changes.items()}})
            self.changes = changes
        self._hold(data, noted)

    @staticmethod
    def most(size: int) -> int:
        """How many changes are kept beside a whole file of `size` values before it is written again."""
        return max(1000, size // 8)

    def add(self, changes: dict[tuple, tuple[bool, Any]]) -> bool:
        """Lay these changes (a value set, or gone, at a path of keys) over the file without reading
        the whole of it: only its head (its token and size) and the changes since it was written
        are read, and those written again with these after them. False where that cannot be done:
        the file was read here (save() then), there is no whole file, or the changes would pass
        most(): the caller reads the file and saves it whole."""
        if self.token:
            return False
        head = _load(self.path)
        token, size = head.get("token"), head.get("size")
        if not isinstance(token, str) or not isinstance(size, int):
            return False
        more = _load(self.more)
        try:
            laid, small = (dict(more["changes"]), dict(more["small"])) if more.get("base") == token else ({}, {})
        except (KeyError, TypeError, ValueError):
            return False
        for path, change in changes.items():
            _note(path, (change[0], _plain(change[1])), laid, inner=len(path) <= self.tables[path[0]])
        if len(laid) > self.most(size):
            return False
        _dump(self.more, {"base": token, "small": small, "changes": laid})
        return True


def _set(table: dict, keys: tuple, change: tuple[bool, Any]) -> None:
    """A change at a path of keys, made to the mapping `table` the path starts in."""
    for key in keys[:-1]:
        table = table.setdefault(key, {})
    if change[0]:
        table[keys[-1]] = change[1]
    else:
        table.pop(keys[-1], None)


def _count(table: dict, depth: int) -> int:
    return len(table) if depth == 1 else sum(_count(inner, depth - 1) for inner in table.values() if isinstance(inner, dict))


def _copied(data: dict[str, Any], tables: dict[str, int]) -> dict[str, Any]:
    """The tables of `data`, every mapping in them copied (so nothing done to `data` changes them)."""
    def copy(table: Any, depth: int) -> Any:
        if not isinstance(table, dict):
            return table
        return dict(table) if depth == 1 else {key: copy(inner, depth - 1) for key, inner in table.items()}
    return {name: copy(data.get(name, {}), depth) for name, depth in tables.items()}


def _differences(old: Any, new: Any, depth: int, at: tuple, changes: dict[tuple, tuple[bool, Any]]) -> None:
    """Note in `changes` what differs in `new` from `old`, each at the path of keys to it."""
    if old is new:
        return
    if depth == 0 or not isinstance(old, dict) or not isinstance(new, dict):
        if old != new:
            _note(at, (True, _deep_copy(new)), changes, inner=depth > 0)
        return
    if depth == 1 and len(old) == len(new) and list(old) == list(new):
        # the same keys in the same order (as a build keeps them): their values compared in C a
        # slice at a time, one by one only in a slice that differs (~5 ms for 133,765 records)
        before_, after, keys = list(old.values()), list(new.values()), None
        for start in range(0, len(after), 512):
            if after[start:start + 512] != before_[start:start + 512]:
                keys = keys or list(new)
                for at_ in range(start, min(start + 512, len(after))):
                    if after[at_] is not before_[at_] and after[at_] != before_[at_]:
                        _note(at + (keys[at_],), (True, after[at_]), changes, inner=False)
        return
    missing = object()
    for key, value in new.items():
        before = old.get(key, missing)
        if before is value:
            continue
        if before is missing or depth == 1:
            if before is missing or before != value:
                _note(at + (key,), (True, _deep_copy(value)), changes, inner=depth > 1)
        else:
            _differences(before, value, depth - 1, at + (key,), changes)
    for key in old.keys() - new.keys():
        _note(at + (key,), (False, None), changes, inner=depth > 1)


def _note(at: tuple, change: tuple[bool, Any], changes: dict[tuple, tuple[bool, Any]], inner: bool) -> None:
    """Note a change at `at`, laid over all before it: what was noted there (or, for a mapping set
    or gone whole, `inner`, inside it) is void."""
    if inner:
        size = len(at)
        for path in [path for path in changes if path[:size] == at]:
            del changes[path]
    else:
        changes.pop(at, None)
    changes[at] = change


def _deep_copy(value: Any) -> Any:
    return {key: _deep_copy(inner) for key, inner in value.items()} if isinstance(value, dict) else value


def _layer(data: dict[str, Any], tables: dict[str, int], changes: dict[tuple, tuple[bool, Any]]) -> dict[str, Any]:
    """`data` with the changes laid over its tables in order (each mapping on a changed path copied first)."""
    data = {**data, **{name: dict(data.get(name, {})) for name in tables}}
    copied: set[tuple] = set()
    for path, (kept, value) in changes.items():
        table = data[path[0]]
        for end in range(2, len(path)):
            key = path[end - 1]
            if path[:end] not in copied:
                inner = table.get(key)
                table[key] = dict(inner) if isinstance(inner, dict) else {}
                copied.add(path[:end])
            table = table[key]
        if kept:
            table[path[-1]] = _deep_copy(value)
        else:
            table.pop(path[-1], None)
    return data


def _plain(value: Any) -> Any:
    """A NamedTuple as a plain tuple, inside a tuple too (pickled without naming its class)."""
    return tuple(map(_plain, value)) if isinstance(value, tuple) else value


def clean(site: Path) -> bool:
    """Drop the cache folder; True if there was one."""
    folder = site / CACHE_DIR
    if folder.is_dir():
        shutil.rmtree(folder)
        return True
    return False
