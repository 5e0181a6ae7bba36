"""`broadsheet serve`: build, serve over HTTP, watch the site, rebuild on change, reload open pages.

Each file event is sorted into a kind (one article, a template, a static file, data, config) and
the rebuild goes through build_site(), whose persistent cache does the least work for it: only
changed Markdown is parsed again, only pages whose key changed are rendered again, the rest are
carried over. The serve output lives in SITE/.broadsheet/serve, never in the built output, and
the live-reload script is added to HTML responses as they are sent: it is never written to disk.
The HTTP side is in serve_http.py; what it agrees to answer, in serve_guard.py.
"""
from __future__ import annotations

import html
import http.server
import secrets
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Sequence
from urllib.parse import unquote

from .build import BuildOptions, Clock, build_site, parse_key
from .cache import BuildCache
from .config import load_config
from .lock import LOCK
from .problems import BuildError, Problem
from .theme import bundled_themes, find_theme
from .serve_guard import host_allowed, location
from .urls import Urls

SERVE_DIR = Path(".broadsheet") / "serve"
NOT_SHOWN_IN_PAGES = (".xml", ".json", ".txt")   # feeds, sitemaps, robots.txt: a change reloads no page
EVENTS_PATH = "/__broadsheet/events"
DEBOUNCE_SECONDS = 0.1      # editors save in bursts (temp file, rename, touch): one save, one rebuild
SETTLED_SECONDS = 0.01      # the quiet period after an event that ends a save (see Debouncer)
KEEPALIVE_SECONDS = 15.0


# ---- What changed: each file event sorted into a kind (pure) ----

class ChangeKind(Enum):
    ARTICLE = "article"         # one Markdown file under content/ (or a folder of them)
    TEMPLATE = "template"       # the site's templates/ or the theme's
    STATIC = "static"           # copied as is
    DATA = "data"               # data/ (authors)
    CONFIG = "config"           # site.toml: everything is rebuilt
    CLOCK = "clock"             # no file: the time came when a story falls due (see BuildResult.clock)
    IGNORED = "ignored"         # editor backups, hidden files, anything the build does not read


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str                   # relative to the site where it is inside it, else absolute
    action: str = "modified"    # created | modified | deleted | moved; for the clock, what the story does

    def describe(self) -> str:
        if self.kind is ChangeKind.CLOCK:
            return f"clock: {self.path} {self.action}"
        return f"{self.path} {'changed' if self.action == 'modified' else self.action}"


_EDITOR_LEFTOVERS = ("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".kate-swp")


def _is_noise(parts: Sequence[str]) -> bool:
    name = parts[-1] if parts else ""
    return (any(p.startswith(".") for p in parts) or name.endswith(_EDITOR_LEFTOVERS)
            or (name.startswith("#") and name.endswith("#")) or name == "4913")   # vim's write test


def _inside(path: PurePosixPath, root: PurePosixPath) -> tuple[str, ...] | None:
    try:
        return path.relative_to(root).parts
    except ValueError:
        return None


def classify(path: str | Path, site: str | Path, theme: str | Path | None = None, is_dir: bool = False) -> ChangeKind:
    """Which kind of change an event on `path` is, for a site at `site` using the theme at `theme`.
    Pure: looks at the path only, never at the file system."""
    p, root = PurePosixPath(Path(path).as_posix()), PurePosixPath(Path(site).as_posix())
    themes = [PurePosixPath(Path(t).as_posix()) for t in (theme, bundled_themes() / "default") if t is not None]
    rel = _inside(p, root)
    if rel is not None:
        if not rel or _is_noise(rel):
            return ChangeKind.IGNORED
        top = rel[0]
        if rel == ("site.toml",):
            return ChangeKind.CONFIG
        if top == "content" and (is_dir or rel[-1].endswith(".md")):
            return ChangeKind.ARTICLE
        if top in ("templates", "locales"):        # (locales: the words templates print, i18n.py)
            return ChangeKind.TEMPLATE
        if top == "static":
            return ChangeKind.STATIC
        if top == "data":
            return ChangeKind.DATA
    for theme_root in themes:
        inner = _inside(p, theme_root)
        if inner and not _is_noise(inner):
            if inner[0] in ("templates", "locales"):
                return ChangeKind.TEMPLATE
            if inner[0] == "static":
                return ChangeKind.STATIC
    return ChangeKind.IGNORED


def relevant(changes: Iterable[Change]) -> list[Change]:
    """The changes a rebuild must see, each path once (the last event for it wins)."""
    latest: dict[str, Change] = {}
    for change in changes:
        if change.kind is not ChangeKind.IGNORED:
            latest.pop(change.path, None)
            latest[change.path] = change
    return list(latest.values())


def reload_kind(changes: Sequence[Change]) -> str:
    """What open pages must do after a successful rebuild: swap stylesheets ("css") when only CSS
    changed, else reload ("reload")."""
    if changes and all(c.kind is ChangeKind.STATIC and c.path.endswith(".css") and c.action != "deleted"
                       for c in changes):
        return "css"
    return "reload"


def describe(changes: Sequence[Change]) -> str:
    """One phrase for a rebuild's log line."""
    if not changes:
        return "first build"
    if len(changes) == 1:
        return changes[0].describe()
    kinds = sorted({c.kind.value for c in changes})
    return f"{len(changes)} files changed ({', '.join(kinds)})"


# ---- Debounce: a burst of events becomes one batch ----

class Debouncer:
    """Collects items; take() hands them over once none has arrived for a quiet period: `delay`
    seconds, or only `settled` seconds if the last item ended a save (push(item, ends=True)).

    A save is a burst of events, and most of them say more may follow (a file created, written
    to, a file renamed away); the last says the file is whole: it was closed after writing,
    renamed into place or touched. Waiting `delay` after that costs the whole wait for nothing;
    `settled` still catches the events an editor makes in the same moment. An event that comes
    later anyway makes a second rebuild, which finds nothing changed."""

    def __init__(self, delay: float = DEBOUNCE_SECONDS, clock: Callable[[], float] = time.monotonic,
                 settled: float = SETTLED_SECONDS):
        self.delay, self.clock, self.settled = delay, clock, settled
        self._items: list = []
        self._last = 0.0
        self._quiet = delay         # the quiet period the last item asks for
        self._cond = threading.Condition()
        self.closed = False

    def push(self, item, ends: bool = False) -> None:
        """Add an item; `ends`: it ends a save (see the class)."""
        with self._cond:
            self._items.append(item)
            self._last = self.clock()
            self._quiet = min(self.settled, self.delay) if ends else self.delay
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def left(self, now: float) -> float | None:
        """Seconds from `now` until the items are handed over (0 or less: now; None: there are none)."""
        return self._quiet - (now - self._last) if self._items else None

    def take(self, timeout: float | None = None) -> list:
        """Block until a burst is over (or `timeout` passes, or close()); return it ([] if none)."""
        deadline = None if timeout is None else self.clock() + timeout
        with self._cond:
            while not self.closed:
                now = self.clock()
                wait = self.left(now)
                if wait is not None and wait <= 0:
                    items, self._items = self._items, []
                    return items
                if deadline is not None:
                    if now >= deadline and not self._items:
                        return []
                    wait = min(wait, deadline - now) if wait is not None else deadline - now
                self._cond.wait(max(wait, 0.001) if wait is not None else None)
            return []


# ---- Live reload: Server-Sent Events ----

class Broadcaster:
    """Numbered events for the open pages; a page asks for every event after the one it has seen."""

    KEEP = 100

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)      # a page from an earlier server run reloads at once
        self._events: list[tuple[int, str, str]] = []
        self._last = 0
        self._cond = threading.Condition()
        self.closed = False

    @property
    def last(self) -> int:
        with self._cond:
            return self._last

    def publish(self, kind: str, data: str = "") -> None:
        with self._cond:
            self._last += 1
            self._events = self._events[-self.KEEP + 1:] + [(self._last, kind, data)]
            self._cond.notify_all()

    def wait(self, after: int, timeout: float) -> list[tuple[int, str, str]]:
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._last > after, timeout)
            return [e for e in self._events if e[0] > after]

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


RELOAD_SCRIPT = """<script>/* broadsheet serve: live reload (never in built output) */
(() => {
  const source = new EventSource("%(events)s?since=%(since)d&token=%(token)s");
  source.addEventListener("reload", (event) => {
    // data: the pages that changed (reload only if this is one of them), or "" for every page
    const pages = JSON.parse(event.data || '""');
    const here = decodeURIComponent(location.pathname);
    if (Array.isArray(pages) && !pages.some((p) => p === here || p + "index.html" === here)) return;
    location.reload();
  });
  source.addEventListener("css", () => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      url.searchParams.set("broadsheet-reload", Date.now());
      const fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.onload = () => link.remove();
      link.after(fresh);
    }
  });
})();
</script>
"""


def reload_script(since: int, token: str) -> str:
    return RELOAD_SCRIPT % {"events": EVENTS_PATH, "since": since, "token": token}


def inject(page: bytes, script: str) -> bytes:
    """The page with the script added before its last </body> (or at its end)."""
    marker = page.lower().rfind(b"</body>")
    code = script.encode("utf-8")
    return page + code if marker < 0 else page[:marker] + code + page[marker:]


def error_page(problems: Sequence[Problem]) -> bytes:
    """What the browser shows while the site does not build: the same lines as the terminal."""
    lines = "\n".join(html.escape(str(p)) for p in problems)
    count = len(problems)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>Build failed: {count} problem{'s' if count != 1 else ''}</title>\n"
            "<style>body{font:1rem/1.5 system-ui,sans-serif;margin:2rem;color:#1a1a1a;background:#fff}"
            "h1{color:#a3151b;font-size:1.5rem}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f5f3ef;padding:1rem;"
            "border-left:4px solid #a3151b}</style>\n</head>\n<body>\n"
            f"<main>\n<h1>Build failed: {count} problem{'s' if count != 1 else ''}</h1>\n"
            f"<pre class=\"problems\">{lines}</pre>\n"
            "<p>Fix the file and save it: this page reloads by itself.</p>\n</main>\n</body>\n</html>\n").encode("utf-8")


# ---- The server ----

@dataclass
class Rebuild:
    """What one rebuild did: for the log line, the open pages and the tests."""
    changes: list[Change]
    ok: bool
    rendered: int = 0           # pages rendered again (the rest were carried over unchanged)
    pages: int = 0
    parsed: int = 0             # Markdown files parsed again (the rest came from the cache)
    ms: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    previewed: int = 0          # pages of edited stories shown before the full rebuild
    preview_ms: float = 0.0     # from the rebuild's start to those pages being served
    reloaded: list[str] | None = None   # the URL paths told to reload (None: every open page)
    planned: int = 0            # pages planned (the rest show no story that changed: see plan.plan())
    from_graph: bool = False    # planned from the last build's job graph (incremental/graph.py)

    def log_line(self) -> str:
        if not self.ok:
            count = len(self.problems)
            return (f"{describe(self.changes)}: build failed with {count} problem{'s' if count != 1 else ''} "
                    f"({self.ms:.0f} ms); the browser shows them until the file is fixed")
        shown = f"page shown in {self.preview_ms:.0f} ms; " if self.previewed else ""
        return f"{describe(self.changes)}: {shown}re-rendered {self.rendered} of {self.pages} pages in {self.ms:.0f} ms"


class DevServer:
    """Builds SITE into SITE/.broadsheet/serve, serves it, watches the sources and rebuilds.
    rebuild() is the whole rebuild path and can be called without starting anything."""

    def __init__(self, site: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True,
                 now: datetime | Callable[[], datetime] | None = None, debounce: float = DEBOUNCE_SECONDS,
                 log: Callable[[str], None] | None = None, workers: int | None = None,
                 allow_hosts: Iterable[str] = ()):
        """`now`: the time each build is made at (a fixed time, or a clock to ask; default: the
        system's). `allow_hosts`: Host names accepted besides this machine's (see host_allowed())."""
        self.site = site.absolute()
        self.output = self.site / SERVE_DIR
        self.host, self.port = host, port
        self.allow_hosts = tuple(allow_hosts)
        self.drafts, self.now, self.workers = drafts, now, workers
        self.log = log or _print_line
        self.events = Broadcaster()
        self.debouncer = Debouncer(debounce)
        self.history: list[Rebuild] = []
        self.problems: list[Problem] = []
        self.base_path = "/"
        self.theme: Path | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._observer = None
        self._watched: set[Path] = set()
        self._threads: list[threading.Thread] = []
        # kept between rebuilds: the cache (in memory); during one, the pages it has shown early
        self.cache: BuildCache | None = None
        self.overlay: dict[str, bytes] = {}     # output path -> page, served before the rebuild ends
        self._failed = True                     # the last rebuild failed (or none ran): reload every page
        self.clock: Clock | None = None         # when the clock next changes the site (from the last build)

    # -- building --

    def options(self) -> BuildOptions:
        return BuildOptions(output=self.output, drafts=self.drafts, future=True, preview=True, now=self.time(),
                            workers=self.workers)

    def time(self) -> datetime:
        """What counts as now for a build (and for the clock's next change)."""
        if callable(self.now):
            return self.now()
        return self.now or datetime.now(timezone.utc)

    def clock_changes(self) -> list[Change]:
        """A change of kind CLOCK if the time the last build said the clock changes the site has come."""
        clock = self.clock
        if clock is None or self.time() < clock.when:
            return []
        return [Change(ChangeKind.CLOCK, clock.path, clock.what)]

    def wait_seconds(self) -> float:
        """How long the loop may wait for a file event: until the clock's next change, at most a
        second (a clock handed in may jump; a stop is noticed at once anyway)."""
        if self.clock is None:
            return 1.0
        return min(1.0, max(0.0, (self.clock.when - self.time()).total_seconds()))

    def rebuild(self, changes: Sequence[Change] = ()) -> Rebuild:
        """Build once; never raises, whatever goes wrong (a problem in the site, or a bug: shown
        as a problem too). Logs one line and tells open pages.
        The rebuild is build_site()'s, as `broadsheet build`'s, asked to render the pages of edited
        stories first: each is served as soon as it is made (open tabs showing it reload) while the
        rest of the rebuild goes on; every other page is served from the last build meanwhile."""
        changes = list(changes)
        started = time.perf_counter()
        self._idle.clear()
        try:
            record, changed, early = self._attempt(changes, started)
            record.ms = (time.perf_counter() - started) * 1000
            self.problems = record.problems     # before a request waiting for the rebuild goes on
        finally:
            self.overlay = {}
            self._idle.set()
        self.history.append(record)
        try:
            self._refresh_site_facts(report=record.ok)
            self._announce(record, changes, changed, early)
        except Exception as exc:   # noqa: BLE001 - the rebuild is done; a failure to tell about it stops nothing
            self.log(f"serve: after the rebuild: {explain(exc)}")
        return record

    def _attempt(self, changes: list[Change], started: float) -> tuple[Rebuild, set[str] | None, dict[str, bytes]]:
        """The rebuild itself: (its record, the output files it changed, the pages shown early)."""
        early: dict[str, bytes] = {}
        try:
            shown_ms = 0.0

            def shown(rel: str, page: bytes) -> None:
                """An edited story's page, rendered first by the rebuild: served (open tabs showing
                it reload) while the rest of the rebuild goes on. The rebuild may hand a page over
                twice (from its last build's Site, then from its own): tabs reload again only if
                it changed."""
                nonlocal shown_ms
                if early.get(rel) == page:
                    return
                early[rel] = self.overlay[rel] = page
                shown_ms = shown_ms or (time.perf_counter() - started) * 1000
                self.events.publish("reload", self._url_paths([rel]))

            self.clock = None      # (until a build says when)
            # (after a failed rebuild every open page reloads anyway: none is shown early)
            first = frozenset() if self._failed else frozenset(c.path for c in changes if c.kind is ChangeKind.ARTICLE)
            result = self._build(first, shown)
            self.clock = result.clock
            return (Rebuild(changes, True, result.rendered, result.pages, result.sources - result.articles_cached,
                            previewed=len(early), preview_ms=shown_ms, planned=result.planned,
                            from_graph=result.from_graph), result.changed, early)
        except BuildError as exc:
            return Rebuild(changes, False, problems=list(exc.problems)), None, early
        except Exception as exc:   # noqa: BLE001 - a bug must not stop the writer's loop: show it, keep serving
            return Rebuild(changes, False, problems=[Problem(str(self.site), None, "", explain(exc))]), None, early

    def _announce(self, record: Rebuild, changes: list[Change], changed: set[str] | None,
                  early: dict[str, bytes]) -> None:
        """The log lines, and the event that tells open pages to reload (or swap stylesheets)."""
        if not record.ok:
            for problem in record.problems:
                self.log(str(problem))
        self.log(record.log_line())
        kind = reload_kind(changes) if record.ok else "reload"
        if kind == "reload" and record.ok and not self._failed and changed is not None \
                and all(rel.endswith(NOT_SHOWN_IN_PAGES + (".html",)) for rel in changed):
            # only the pages that changed (a page shown early, now the same on disk, not again)
            record.reloaded = self._url_paths(rel for rel in changed
                                              if rel.endswith(".html") and not self._same(rel, early.get(rel)))
        self._failed = not record.ok
        self.events.publish(kind, record.reloaded if record.reloaded is not None else "")

    def _same(self, rel: str, shown: bytes | None) -> bool:
        try:
            return shown is not None and (self.output / rel).read_bytes() == shown
        except OSError:
            return False

    def _url_paths(self, rels: Iterable[str]) -> list[str]:
        """Output files -> the URL paths browsers show them at ('world/x/index.html' -> '/world/x/')."""
        return sorted(self.base_path + rel.removesuffix("index.html") for rel in rels)

    def _build(self, first: frozenset[str] = frozenset(), shown: Callable[[str, bytes], None] | None = None):
        if self.cache is None:
            try:
                key = parse_key(load_config(self.site))
            except BuildError:
                key = ""
            self.cache = BuildCache.in_memory(self.site, key)
        for _ in range(50):   # a `broadsheet build` of the same site may hold the lock for a moment
            try:
                return build_site(self.site, self.options(), cache=self.cache, first=first, shown=shown)
            except BuildError as exc:
                if not (len(exc.problems) == 1 and exc.problems[0].path.endswith(str(LOCK))):
                    raise
                time.sleep(0.2)
        return build_site(self.site, self.options(), cache=self.cache, first=first, shown=shown)

    def _refresh_site_facts(self, report: bool = True) -> None:
        """The base path pages link with, and the theme to watch (site.toml may change either).
        Whatever goes wrong, the last ones are kept; it is logged if `report` (a failed rebuild
        has shown the problem already)."""
        try:
            config = load_config(self.site)
            # decoded, as request paths are once decoded (and as the reload script compares them);
            # a single leading "/": the base path starts every redirect, and "//x" is another host
            self.base_path = "/" + unquote(Urls(config.base_url).base_path).lstrip("/")
            self.theme = find_theme(self.site, config.theme)
        except BuildError:
            pass
        except Exception as exc:   # noqa: BLE001 - e.g. a TypeError from a value of the wrong type
            if report:
                self.log(f"serve: reading site.toml: {explain(exc)}")
        if self._observer is not None:
            try:
                self._watch()
            except Exception as exc:   # noqa: BLE001 - a folder gone between listing and watching
                self.log(f"serve: watching the site: {explain(exc)}")

    # -- watching --

    def watch_roots(self) -> list[tuple[Path, bool]]:
        """(folder, recursive) pairs: the site's own folders, its theme's, and the site root for site.toml."""
        roots = [(self.site, False)]
        folders = [self.site / n for n in ("content", "templates", "static", "data")]
        for theme in (self.theme, bundled_themes() / "default"):
            if theme is not None:
                folders += [theme / "templates", theme / "static"]
        seen: set[Path] = set()
        for folder in folders:
            real = folder.resolve()
            if folder.is_dir() and real not in seen:
                seen.add(real)
                roots.append((folder, True))
        return roots

    def on_event(self, event) -> None:
        """watchdog's callback: classify, and hand over to the debouncer."""
        try:
            self._sort_event(event)
        except Exception as exc:   # noqa: BLE001 - an exception here would stop watchdog's thread
            self.log(f"serve: a file event: {explain(exc)}")

    def _sort_event(self, event) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write") or (event.is_directory and kind == "modified"):
            return      # (a file closed without a write: the build itself reads every source)
        action = {"closed": "modified", "attrib": "modified"}.get(kind, kind)
        paths = [(event.src_path, kind in ("closed", "attrib"))]     # (see Debouncer: what ends a save)
        if getattr(event, "dest_path", ""):
            paths.append((event.dest_path, True))       # (a file renamed into place is whole)
        for raw, ends in paths:
            path = Path(raw.decode() if isinstance(raw, bytes) else raw)
            kind = classify(path, self.site, self.theme, event.is_directory)
            if kind is not ChangeKind.IGNORED:
                try:
                    shown = path.relative_to(self.site).as_posix()
                except ValueError:
                    shown = str(path)
                self.debouncer.push(Change(kind, shown, action), ends)

    def _watch(self) -> None:
        from watchdog.events import FileSystemEventHandler

        class Handler(FileSystemEventHandler):
            def on_any_event(_, event):   # noqa: N805
                self.on_event(event)

        for folder, recursive in self.watch_roots():
            if folder not in self._watched:
                self._observer.schedule(Handler(), str(folder), recursive=recursive)
                self._watched.add(folder)

    def _loop(self) -> None:
        """The rebuild thread: it must outlive anything, or the server silently stops rebuilding."""
        while not self.debouncer.closed:
            try:
                changes = relevant(self.debouncer.take(timeout=self.wait_seconds())) or self.clock_changes()
                if changes:
                    self.rebuild(changes)
            except Exception as exc:   # noqa: BLE001 - rebuild() catches everything; this is the last net
                self.log(f"serve: the rebuild failed: {explain(exc)}; still watching")
                self.problems = [Problem(str(self.site), None, "", explain(exc))]
                self._failed = True
                self.events.publish("reload")

    # -- serving --

    def start(self) -> str:
        """Build, then serve and watch in background threads; returns the site's URL."""
        from watchdog.observers import Observer

        from .serve_http import listen      # (it imports this module)

        self.rebuild()
        self._httpd = listen(self)
        self.port = self._httpd.server_address[1]
        self._observer = Observer()
        self._watch()
        self._observer.start()
        for target in (self._httpd.serve_forever, self._loop):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{location(self.base_path)}"

    def stop(self) -> None:
        self.debouncer.close()
        self.events.close()
        if self.cache is not None:
            self.cache.flush()       # the next start (or `broadsheet build`) begins warm
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        return self._idle.wait(timeout)

    def host_allowed(self, value: str | None) -> bool:
        """Whether a Host header (or an absolute URL's host) names this server."""
        return host_allowed(value, self.host, self.port, self.allow_hosts)


def _print_line(line: str) -> None:
    """The terminal's log line; a terminal gone (a closed pipe) must not stop the threads that log."""
    try:
        print(line, flush=True)
    except (OSError, ValueError):
        pass


def explain(exc: BaseException) -> str:
    """An unexpected exception in one line: its type, its message, and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" (at {Path(where[0].filename).name}:{where[0].lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, drafts: bool = True, open_browser: bool = False,
          allow_hosts: Sequence[str] = ()) -> int:
    """Run the dev server until Ctrl-C; 0 when stopped, 1 if it could not start."""
    server = DevServer(site, host, port, drafts, allow_hosts=allow_hosts)
    try:
        url = server.start()
    except OSError as exc:
        print(f"could not serve on {host}:{port}: {exc.strerror or exc} (try --port)", file=sys.stderr)
        server.stop()
        return 1
    print(f"Serving {site} at {url} (drafts and scheduled stories marked; Ctrl-C to stop)", flush=True)
    if open_browser:
        import webbrowser
        webbrowser.open(url)
    signal.signal(signal.SIGTERM, _interrupt)   # a service manager's stop is Ctrl-C too
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        server.stop()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
