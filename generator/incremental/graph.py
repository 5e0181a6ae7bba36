"""The saved job graph: what a build planned, kept for the next build of the same output.

A build that plans pages leaves behind its jobs (plain data: plan.PageJob, and the feeds' DataJobs)
with the reverse index of their inputs (source path -> the outputs that show it), and the
site-wide facts its pages were rendered with besides the stories (the sections, tags and authors
without their lists of stories, the static images' sizes, the newest change, and the sitemaps'
pages with their dates). The next build asks the graph first: if the only change is to stories
the last build published, each parsing to the same shape() as before, with the same settings,
then every job is as it was except for those showing a changed story, and the graph names them. Those stories
alone are parsed, only the stories those jobs show are read from the cache, and nothing else is
planned: no taxonomy, no plan of 13,502 pages at 10,000 stories.

What the graph does not hold is made by the same rules as always: a stale job's key by
plan.job_key()/data_key() from the job and its stories, its date by plan.job_modified(), its page
by page_context(). The sitemaps, robots.txt and the news sitemap are not jobs in it: under the
rule above robots.txt is as it was, the sitemaps too unless a changed story's last change moved
(then they are made from the graph's dates with the stale pages' new ones, and the home page's
and the archive's if the newest change of all moved; a story that was the newest moving back,
or a new year, which every page's copyright line shows, and the build plans afresh), and the
news sitemap is made again from the stories in its window last time (LastBuild.news: the clock
has not reached its next change, so the window holds the same stories).
"""
from __future__ import annotations

import os
import pickle
import secrets
from collections import ChainMap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

from ..content import read_anew
from ..store import connect, name_bytes as _b, name_text as _s
from . import layered

if TYPE_CHECKING:
    import sqlite3

    from ..content import Source
    from ..listings import Taxonomy
    from ..plan import DataJob, PageJob, Site
    from .last import LastBuild

NOT_IN_GRAPH = ("sitemaps", "news_sitemap", "robots")     # the kinds of job the graph does not keep (see above)


@dataclass(frozen=True)
class Graph:
    """One build's jobs and what they were rendered with besides their stories. Each job is kept
    pickled, and each story's outputs as one string: a build reads back only those it needs
    (at 10,000 stories the whole graph, ~13,700 jobs, would take ~60 ms to unpickle)."""
    id: str                                     # LastBuild.graph of the builds it holds for
    jobs: Mapping[str, bytes]                   # output path -> the job, pickled
    index: Mapping[str, str]                    # source path -> output paths of the jobs that show it, "\0"-joined
    tax: "Taxonomy"                             # sections, tags, authors, without their stories
    image_sizes: dict[str, tuple[int, int]]
    newest: datetime | None
    entries: "Entries"                          # the sitemaps' pages, in the plan's order, each with its date
    editions: "dict[str, Taxonomy] | None" = None   # each edition's taxonomy, names only (Site.edition_taxes)
    alternates: "Mapping[str, Any]" = None      # the stories' translations (Site.alternates)

    @classmethod
    def of(cls, site: "Site", jobs: Iterable["PageJob | DataJob"]) -> "Graph":
        """The graph of a build's plan (every page and feed)."""
        kept = [job for job in jobs if job.kind not in NOT_IN_GRAPH]
        index: dict[str, list[str]] = {}
        for job in kept:
            for source in job.inputs:
                index.setdefault(source, []).append(job.path)
        entries = Entries([(job.url_path, job.modified) for job in kept if getattr(job, "in_sitemap", False)])
        editions = {code: _names(t) for code, t in site.edition_taxes.items()} if site.edition_taxes else None
        return cls(secrets.token_hex(8), _Pickling(kept), {source: "\0".join(paths) for source, paths in index.items()},
                   _names(site.tax), site.image_sizes, site.newest, entries, editions, dict(site.alternates))

    def updated(self, jobs: Iterable["PageJob | DataJob"], newest: datetime | None = None,
                entries: list[tuple[str, datetime | None]] | None = None) -> "Graph":
        """The graph after a build that planned only these of its jobs (none of them with other
        inputs: no story changed its shape), as a graph of its own; `newest` and `entries` (the
        sitemaps' pages), if a story's last change moved them."""
        new = _Pickling([job for job in jobs if job.path in self.jobs])
        return Graph(secrets.token_hex(8), layered(new, self.jobs), self.index, self.tax, self.image_sizes,
                     self.newest if entries is None else newest, self.entries if entries is None else Entries(entries),
                     self.editions, self.alternates)

    def stale(self, changed: Iterable[str]) -> list["PageJob | DataJob"]:
        """The jobs that show one of the stories at these source paths, in output path order."""
        paths = {path for source in changed if source in self.index for path in self.index[source].split("\0")}
        return [pickle.loads(self.jobs[path]) for path in sorted(paths)]


def _names(tax: "Taxonomy") -> "Taxonomy":
    """A taxonomy's sections, tags and authors, without their stories."""
    from ..listings import Taxonomy
    return Taxonomy(tax.sections, {}, tax.tags, {}, tax.authors, {}, {})


class Entries:
    """The sitemaps' pages, in the plan's order, each with its date: the list itself, or where to
    read it (a build that is answered by the graph reads it only if a story's last change moved)."""

    def __init__(self, value: list[tuple[str, datetime | None]] | None = None,
                 db: "sqlite3.Connection | None" = None, output: str = ""):
        self.value, self.db, self.output = value, db, output
        self.stored = value is None     # (as read from jobs.sqlite: not written again)

    def list(self) -> list[tuple[str, datetime | None]]:
        if self.value is None:
            assert self.db is not None
            row = self.db.execute("SELECT entries FROM sitemaps WHERE output = ?", (_b(self.output),)).fetchone()
            value = pickle.loads(row[0]) if row is not None else None
            if not isinstance(value, list):
                raise ValueError("no sitemap entries")
            self.value = value
        return self.value


class _Pickling(Mapping):
    """A plan's jobs as a graph holds them, each pickled only when read: a whole plan's ~134,000
    jobs at 100,000 stories are written to jobs.sqlite one at a time, never all held pickled at
    once (~200 MB)."""

    def __init__(self, jobs: list["PageJob | DataJob"]):
        self.jobs = {job.path: job for job in jobs}

    def __getitem__(self, path: str) -> bytes:
        return pickle.dumps(self.jobs[path], pickle.HIGHEST_PROTOCOL)

    def __iter__(self) -> Iterator[str]:
        return iter(self.jobs)

    def __len__(self) -> int:
        return len(self.jobs)


def changed_sources(last: "LastBuild", sources: list["Source"], unread_as_before: bool = False) -> list["Source"] | None:
    """The sources whose bytes changed since the last build of this output, if they are the same
    files and none of the changed ones is a story held back until its time (the clock's); else
    None. (Each source is held to the digest that build had: the stamps alone cannot say, another
    output may have been built from other bytes since.) A changed source the last build did not
    publish is a draft: from_graph() holds it to staying one. `unread_as_before`: the recorded
    stamps are the ones that build left (their version says so), so a source the walk did not
    read has the digest it had then, and only the others are looked at."""
    stories, others = last.stories, last.unpublished
    if stories is None or others is None or len(sources) != len(stories) + len(others):
        return None
    held = {a.path for a in last.scheduled}
    out = []
    for source in read_anew(sources) if unread_as_before else sources:
        known = stories.get(source.path)
        if known is None:
            before = others.get(source.path)
            if before is None or (before != source.digest and source.path in held):
                return None     # (a new file, or a held-back story edited: the plan or the clock may change)
            if before != source.digest:
                out.append(source)
        elif known[0] != source.digest:
            out.append(source)
    return out


# ---- jobs.sqlite: each output's graph, read a row at a time ----

_FORMAT = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS graphs (output BLOB PRIMARY KEY, id TEXT, format INTEGER, site BLOB);
CREATE TABLE IF NOT EXISTS sitemaps (output BLOB PRIMARY KEY, entries BLOB);
CREATE TABLE IF NOT EXISTS jobs (output BLOB, path BLOB, job BLOB, PRIMARY KEY (output, path));
CREATE TABLE IF NOT EXISTS inputs (output BLOB, source BLOB, paths BLOB, PRIMARY KEY (output, source));
"""


class _Rows(Mapping):
    """One output's rows of a table of jobs.sqlite, as a mapping read only where asked."""

    def __init__(self, db: "sqlite3.Connection", table: str, key: str, value: str, output: str, text: bool):
        self.db, self.output, self.text = db, output, text     # text: the values are names too
        self._get = f"SELECT {value} FROM {table} WHERE output = ? AND {key} = ?"
        self._keys = f"SELECT {key} FROM {table} WHERE output = ?"

    def __getitem__(self, key: str) -> Any:
        row = self.db.execute(self._get, (_b(self.output), _b(key))).fetchone()
        if row is None:
            raise KeyError(key)
        return _s(row[0]) if self.text else row[0]

    def __iter__(self) -> Iterator[str]:
        return (_s(row[0]) for row in self.db.execute(self._keys, (_b(self.output),)).fetchall())

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _open(folder: Path) -> "sqlite3.Connection":
    return connect(folder / "jobs.sqlite", _SCHEMA)


def load(folder: Path, output: str) -> Graph | None:
    """The graph saved for `output` (None: none, or one that cannot be read)."""
    import sqlite3     # (not loaded by a build that finds nothing changed)
    if not (folder / "jobs.sqlite").is_file():
        return None
    try:
        db = _open(folder)
        row = db.execute("SELECT id, format, site FROM graphs WHERE output = ?", (_b(output),)).fetchone()
        if row is None or row[1] != _FORMAT:
            return None
        tax, sizes, newest, editions, alternates = pickle.loads(row[2])
        return Graph(row[0], _Rows(db, "jobs", "path", "job", output, False),
                     _Rows(db, "inputs", "source", "paths", output, True), tax, sizes, newest, Entries(db=db, output=output),
                     editions, alternates)
    except (sqlite3.Error, OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def save(folder: Path, output: str, graph: Graph) -> None:
    """Keep `graph` for `output`: only the jobs it changed if it is an update of the one saved
    (Graph.updated()), else all of it. A graph that cannot be written is simply not there next
    time (LastBuild.graph then names no saved graph: the next build plans afresh)."""
    import sqlite3
    try:
        _save(_open(folder), output, graph)
    except sqlite3.DatabaseError:       # not a database (a crash, a stray file): made anew
        try:
            os.remove(folder / "jobs.sqlite")
            _save(_open(folder), output, graph)
        except (sqlite3.Error, OSError, pickle.PicklingError):
            pass
    except (sqlite3.Error, OSError, pickle.PicklingError):
        pass


def _save(db: "sqlite3.Connection", text: str, graph: Graph) -> None:
    output = _b(text)
    with db:
        db.execute("BEGIN")
        jobs = graph.jobs
        if isinstance(jobs, ChainMap) and len(jobs.maps) == 2 and isinstance(jobs.maps[1], _Rows) \
                and jobs.maps[1].output == text:
            db.executemany("INSERT OR REPLACE INTO jobs VALUES (?, ?, ?)",
                           [(output, _b(path), job) for path, job in jobs.maps[0].items()])
        else:
            if not isinstance(jobs, _Pickling):
                jobs = dict(jobs)       # (read before the rows they may come from go)
            index = dict(graph.index)
            db.execute("DELETE FROM jobs WHERE output = ?", (output,))
            db.execute("DELETE FROM inputs WHERE output = ?", (output,))
            db.executemany("INSERT INTO jobs VALUES (?, ?, ?)", ((output, _b(path), job) for path, job in jobs.items()))
            db.executemany("INSERT INTO inputs VALUES (?, ?, ?)",
                           [(output, _b(source), _b(paths)) for source, paths in index.items()])
        if not graph.entries.stored:
            db.execute("INSERT OR REPLACE INTO sitemaps VALUES (?, ?)",
                       (output, pickle.dumps(graph.entries.list(), pickle.HIGHEST_PROTOCOL)))
        db.execute("INSERT OR REPLACE INTO graphs VALUES (?, ?, ?, ?)",
                   (output, graph.id, _FORMAT, pickle.dumps((graph.tax, graph.image_sizes, graph.newest, graph.editions,
                                                             graph.alternates), pickle.HIGHEST_PROTOCOL)))
