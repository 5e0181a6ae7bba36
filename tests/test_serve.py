"""`broadsheet serve`: event classification, debounce, incremental rebuilds that equal a clean
build byte for byte, re-render counts, preview banners, error pages and live-reload events."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from conftest import NOW, article, cli, text_of, write_site
from generator.build import BuildOptions, build_site
from generator.theme import bundled_themes
from generator.serve import (Change, ChangeKind, Debouncer, DevServer, EVENTS_PATH, classify, error_page, inject,
                             relevant, reload_kind)
from generator.problems import Problem

ARTICLE, TEMPLATE, STATIC, DATA, CONFIG, IGNORED = (ChangeKind.ARTICLE, ChangeKind.TEMPLATE, ChangeKind.STATIC,
                                                    ChangeKind.DATA, ChangeKind.CONFIG, ChangeKind.IGNORED)


# ---- Classification (pure) ----

@pytest.mark.parametrize("rel, kind", [
    ("content/world/a.md", ARTICLE),
    ("content/world/deep/b.md", ARTICLE),
    ("content/world/photo.jpg", IGNORED),          # the build reads only Markdown from content/
    ("content/world/.a.md.swp", IGNORED),
    ("content/world/a.md~", IGNORED),
    ("content/world/#a.md#", IGNORED),
    ("content/world/4913", IGNORED),                # vim's "can I write here?" probe
    ("content/.git/index", IGNORED),
    ("templates/article.html", TEMPLATE),
    ("templates/partials/card.html", TEMPLATE),
    ("static/css/extra.css", STATIC),
    ("static/images/ship.svg", STATIC),
    ("data/authors.toml", DATA),
    ("site.toml", CONFIG),
    ("output/index.html", IGNORED),
    (".broadsheet/serve/index.html", IGNORED),
    (".broadsheet/cache/articles.pickle", IGNORED),
    ("README.md", IGNORED),
    ("themes/gazette/templates/base.html", TEMPLATE),   # the site's own theme, when it is the one in use
    ("themes/gazette/static/css/style.css", STATIC),
    ("themes/other/templates/base.html", IGNORED),      # a theme the site does not use
])
def test_classify_sorts_each_path_into_a_kind(rel, kind):
    site = Path("/sites/paper")
    assert classify(site / rel, site, site / "themes/gazette") is kind


def test_classify_knows_the_bundled_theme_and_folders_of_articles():
    site = Path("/sites/paper")
    bundled = bundled_themes() / "default"
    assert classify(bundled / "templates/article.html", site, bundled) is TEMPLATE
    assert classify(bundled / "static/css/style.css", site, bundled) is STATIC
    assert classify(site / "content/world", site, bundled, is_dir=True) is ARTICLE   # a folder renamed or removed
    assert classify("/elsewhere/content/a.md", site, bundled) is IGNORED


def test_relevant_drops_ignored_and_keeps_one_event_per_path():
    burst = [Change(IGNORED, "content/a.md.tmp", "created"), Change(ARTICLE, "content/w/a.md", "created"),
             Change(ARTICLE, "content/w/a.md", "modified"), Change(STATIC, "static/x.css")]
    assert relevant(burst) == [Change(ARTICLE, "content/w/a.md", "modified"), Change(STATIC, "static/x.css")]


def test_only_a_css_change_swaps_stylesheets_without_a_reload():
    assert reload_kind([Change(STATIC, "static/css/style.css")]) == "css"
    assert reload_kind([Change(STATIC, "static/css/style.css"), Change(STATIC, "static/x.png")]) == "reload"
    assert reload_kind([Change(STATIC, "static/css/old.css", "deleted")]) == "reload"
    assert reload_kind([Change(ARTICLE, "content/w/a.md")]) == "reload"
    assert reload_kind([]) == "reload"


# ---- Debounce ----

def test_a_burst_of_events_is_one_batch():
    debouncer = Debouncer(0.1)
    for step in ("write temp", "rename", "touch"):
        debouncer.push(step)
        time.sleep(0.02)
    started = time.monotonic()
    assert debouncer.take(timeout=2) == ["write temp", "rename", "touch"]
    assert time.monotonic() - started >= 0.05      # it waited for the quiet period
    assert debouncer.take(timeout=0.2) == []


class Clock:
    """A clock the test moves."""
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_that_ends_a_save_goes_after_the_short_quiet_period_else_after_the_long_one():
    clock = Clock()
    debouncer = Debouncer(0.1, clock, settled=0.01)
    debouncer.push("created")
    debouncer.push("modified")
    clock.now = 0.02
    assert debouncer.left(clock.now) == pytest.approx(0.08)     # more writes may come
    debouncer.push("closed after writing", ends=True)
    assert debouncer.left(clock.now) == pytest.approx(0.01)
    clock.now = 0.031
    assert debouncer.take(timeout=0) == ["created", "modified", "closed after writing"]
    assert debouncer.left(clock.now) is None
    debouncer.push("renamed into place", ends=True)
    debouncer.push("written to again")              # (a save that ended, then more writes: the long wait again)
    clock.now = 0.05
    assert debouncer.left(clock.now) == pytest.approx(0.081)


def test_events_that_end_a_save_are_told_from_those_that_do_not(tmp_path):
    """closed after writing, renamed into place (its new path) and touched end a save; created,
    written to, renamed away and deleted do not; a file closed without a write is no change."""
    from watchdog.events import (FileAttribEvent, FileClosedEvent, FileClosedNoWriteEvent, FileCreatedEvent,
                                 FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileOpenedEvent)
    server = DevServer(tmp_path, log=lambda line: None)
    pushed = []
    server.debouncer.push = lambda change, ends=False: pushed.append((change.path, change.action, ends))
    story, temp, backup = (str(tmp_path / "content/world" / name) for name in ("a.md", ".a.md.tmp", "a.md~"))
    for event in (FileCreatedEvent(story), FileModifiedEvent(story), FileClosedEvent(story), FileAttribEvent(story),
                  FileMovedEvent(temp, story), FileMovedEvent(story, backup), FileDeletedEvent(story),
                  FileOpenedEvent(story), FileClosedNoWriteEvent(story)):
        server.on_event(event)
    rel = "content/world/a.md"
    assert pushed == [(rel, "created", False), (rel, "modified", False), (rel, "modified", True), (rel, "modified", True),
                      (rel, "moved", True), (rel, "moved", False), (rel, "deleted", False)]


def test_events_apart_are_separate_batches_and_close_releases_a_waiter():
    debouncer = Debouncer(0.05)
    debouncer.push(1)
    assert debouncer.take(timeout=2) == [1]
    debouncer.push(2)
    assert debouncer.take(timeout=2) == [2]
    threading.Timer(0.1, debouncer.close).start()
    assert debouncer.take() == []


# ---- Injection and the error page (pure) ----

def test_the_script_goes_before_the_last_body_end_tag():
    assert inject(b"<html><body><p>x</p></body></html>", "<script>s</script>") == \
        b"<html><body><p>x</p><script>s</script></body></html>"
    assert inject(b"<p>no body</p>", "<script>s</script>") == b"<p>no body</p><script>s</script>"


def test_the_error_page_shows_each_problem_line_escaped():
    page = lxml.html.fromstring(error_page([Problem("content/w/a.md", 3, "title", "<b>bad</b> & wrong")]))
    assert text_of(page.find(".//pre")) == "content/w/a.md:3: title: <b>bad</b> & wrong"
    assert page.find(".//pre/b") is None


# ---- Rebuilds equal a clean build ----

SITE_TOML = """\
title = "Serve Times"
base_url = "https://news.example/"
timezone = "UTC"
per_page = 5
"""

SECTIONS = ("world", "sport", "business", "science")


def corpus(count: int) -> dict[str, str]:
    """`count` stories over four sections, a few tags each, one a day; a draft and a scheduled one."""
    files = {}
    for i in range(count):
        section = SECTIONS[i % len(SECTIONS)]
        tags = f"[topic-{i % 7}, topic-{i % 11}]"
        files[f"content/{section}/story-{i:03d}.md"] = article(
            f"Story number {i}", "2024-01-01 08:00:00 +0000" if i == 0 else f"2023-{1 + i % 12:02d}-{1 + i % 28:02d} 08:{i % 60:02d}:00",
            body=f"Body of story {i}.", byline=f"Reporter {i % 5}", tags=tags, summary=f"Summary {i}.")
    files["content/world/draft.md"] = article("An unfinished draft", "2024-01-02 08:00:00", draft="true")
    files["content/world/embargoed.md"] = article("An embargoed story", "2031-01-01 08:00:00", tags="[topic-1]")
    return files


def serve_of(site: Path) -> DevServer:
    return DevServer(site, now=NOW, log=lambda line: None, workers=1)


def fresh_build(site: Path, where: Path) -> Path:
    build_site(site, BuildOptions(output=where, drafts=True, future=True, preview=True, now=NOW, cache=False, workers=1))
    return where


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_same_as_fresh_build(server: DevServer, tmp_path: Path, step: str) -> None:
    fresh = files_of(fresh_build(server.site, tmp_path / f"fresh-{step}"))
    served = files_of(server.output)
    assert served.keys() == fresh.keys(), f"{step}: {sorted(served.keys() ^ fresh.keys())[:10]}"
    different = [rel for rel in served if served[rel] != fresh[rel]]
    assert different == [], f"{step}: {different[:10]}"


def test_a_sequence_of_edits_rebuilds_to_exactly_a_clean_build(tmp_path):
    site = write_site(tmp_path / "site", corpus(24), SITE_TOML)
    server = serve_of(site)
    assert server.rebuild().ok
    assert_same_as_fresh_build(server, tmp_path, "first")
    story = site / "content/world/story-004.md"

    def edit(step: str, kind: ChangeKind, rel: str, action: str = "modified") -> None:
        record = server.rebuild([Change(kind, rel, action)])
        assert record.ok, record.problems
        assert_same_as_fresh_build(server, tmp_path, step)

    story.write_text(story.read_text().replace("Body of story 4.", "A new body for story 4."))
    edit("body", ARTICLE, "content/world/story-004.md")
    story.write_text(story.read_text().replace("Story number 4", "A new headline for story 4"))
    edit("title", ARTICLE, "content/world/story-004.md")
    story.write_text(story.read_text().replace("tags: [topic-4, topic-4]", "tags: [topic-5, brand-new-tag]"))
    edit("tags", ARTICLE, "content/world/story-004.md")
    (site / "content/sport/added.md").write_text(article("A story added", "2023-12-31 09:00:00", tags="[topic-2]"))
    edit("add", ARTICLE, "content/sport/added.md", "created")
    (site / "content/business/story-002.md").unlink()
    edit("delete", ARTICLE, "content/business/story-002.md", "deleted")
    (site / "content/science/story-003.md").rename(site / "content/world/story-003-moved.md")
    edit("rename", ARTICLE, "content/world/story-003-moved.md", "moved")
    (site / "content/world/draft.md").write_text(article("The draft, now done", "2024-01-02 08:00:00"))
    edit("undraft", ARTICLE, "content/world/draft.md")
    template = (bundled_themes() / "default/templates/partials/card.html").read_text()
    (site / "templates/partials").mkdir(parents=True)
    (site / "templates/partials/card.html").write_text(template.replace('class="card__title"', 'class="card__title headline"'))
    edit("template", TEMPLATE, "templates/partials/card.html", "created")
    (site / "static/css").mkdir(parents=True)
    (site / "static/css/extra.css").write_text("p { color: red }\n")
    edit("static", STATIC, "static/css/extra.css", "created")
    (site / "data").mkdir()
    (site / "data/authors.toml").write_text('["Reporter 1"]\nbio = "Covers the news."\n')
    edit("data", DATA, "data/authors.toml", "created")
    (site / "site.toml").write_text(SITE_TOML.replace("per_page = 5", "per_page = 4"))
    edit("config", CONFIG, "site.toml")


def links_to(folder: Path, url: str) -> set[str]:
    """Every HTML page under folder that links to url."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
            if url in lxml.html.fromstring(p.read_bytes()).xpath("//a/@href")}


def rewritten(before: dict[str, int], folder: Path) -> set[str]:
    after = {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.html")}
    return {rel for rel, mtime in after.items() if before.get(rel) != mtime}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.html")}


@pytest.fixture(scope="module")
def big_site(tmp_path_factory):
    """About 200 stories, built once by the dev server; the tests below each edit a copy."""
    root = tmp_path_factory.mktemp("big")
    site = write_site(root / "site", corpus(200), SITE_TOML)
    server = serve_of(site)
    first = server.rebuild()
    assert first.ok and first.rendered == first.pages and first.parsed == 202
    return site


@pytest.fixture
def big(big_site, tmp_path):
    import shutil
    site = tmp_path / "site"
    shutil.copytree(big_site, site)
    # the copy's page records name the original's serve folder: one rebuild to adopt the copy
    server = serve_of(site)
    assert server.rebuild().ok
    return server


def edit_story(server: DevServer, section: str, name: str, old: str, new: str):
    """Replace old with new in one story and rebuild: (the rebuild, the pages that showed the
    story before, the HTML files rewritten on disk)."""
    rel, page = f"content/{section}/{name}.md", f"{section}/{name}/index.html"
    shows_it = links_to(server.output, f"/{section}/{name}/") | {page}
    before = mtimes(server.output)
    time.sleep(0.01)
    story = server.site / rel
    story.write_text(story.read_text().replace(old, new))
    record = server.rebuild([Change(ARTICLE, rel)])
    assert record.ok and record.parsed == 1
    return record, shows_it, rewritten(before, server.output)


def test_editing_one_body_re_renders_that_story_and_the_pages_that_show_it_not_the_200_others(big):
    record, shows_it, written = edit_story(big, "world", "story-100", "Body of story 100.", "Changed body.")
    assert record.rendered == len(shows_it)
    # listings and related blocks do not show the body: rendered again, their bytes are the same, not rewritten
    assert written == {"world/story-100/index.html"}
    articles_rendered = {p for p in shows_it if p.startswith(SECTIONS) and "/story-" in p}
    assert len(articles_rendered) < 20 and record.pages > 250      # its own page and a few "related" blocks


def test_one_edit_plans_as_few_pages_in_the_dev_server_as_a_build_does(big, tmp_path):
    """The dev server's rebuild takes the same partial plan as `broadsheet build` (it planned every
    page before: 13,502 at 10,000 stories, for one edited body), and ends with the same files."""
    import shutil
    twin = tmp_path / "twin"
    shutil.copytree(big.site, twin, ignore=shutil.ignore_patterns(".broadsheet"))
    options = BuildOptions(output=twin / "out", drafts=True, future=True, preview=True, now=NOW, workers=1)
    build_site(twin, options)
    story = twin / "content/world/story-100.md"
    story.write_text(story.read_text().replace("Body of story 100.", "Changed body."))
    built = build_site(twin, options)
    record, _, _ = edit_story(big, "world", "story-100", "Body of story 100.", "Changed body.")
    assert 0 < record.planned == built.planned < record.pages / 10
    assert record.from_graph and built.from_graph      # (both planned from their last build's job graph)
    assert contents(big.output) == contents(twin / "out") == contents(fresh_build(big.site, tmp_path / "fresh"))


def contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_an_edited_story_is_shown_before_the_rebuild_and_open_tabs_reload_once(big):
    record, _, _ = edit_story(big, "world", "story-100", "Body of story 100.", "Changed body.")
    assert record.previewed == 1 and record.preview_ms <= record.ms
    events = big.events.wait(0, 0)
    # the story's own page reloads as soon as its early page is served ...
    assert events[-2][1:] == ("reload", ["/world/story-100/"])
    # ... and not again: the rebuilt page is the one shown early; nothing else that a page shows changed
    assert record.reloaded == [] and events[-1][1:] == ("reload", [])


def test_after_a_title_edit_the_pages_listing_the_story_reload_and_the_story_not_again(big):
    record, shows_it, written = edit_story(big, "sport", "story-101", "Story number 101", "A new headline")
    assert record.previewed == 1
    assert set(record.reloaded) == {"/" + rel.removesuffix("index.html") for rel in written} - {"/sport/story-101/"}
    assert "/sport/story-101/index.html" not in record.reloaded and any(u.startswith("/sport/page/") for u in record.reloaded)


def test_a_new_story_is_shown_early_too_and_a_story_with_a_problem_is_not(big):
    (big.site / "content/world/fresh.md").write_text(article("Fresh", "2024-01-05 10:00:00"))
    record = big.rebuild([Change(ARTICLE, "content/world/fresh.md", "created")])
    assert record.ok and record.previewed == 1       # (the same build as any: its page is rendered first)
    story = big.site / "content/world/story-100.md"
    story.write_text(story.read_text().replace("title:", "titel:"))
    record = big.rebuild([Change(ARTICLE, "content/world/story-100.md")])
    assert not record.ok and record.previewed == 0
    assert big.events.wait(0, 0)[-1][1:] == ("reload", "")          # every page shows the error
    story.write_text(story.read_text().replace("titel:", "title:"))
    record = big.rebuild([Change(ARTICLE, "content/world/story-100.md")])
    assert record.ok and record.previewed == 0 and record.reloaded is None   # after an error: every page


def test_a_page_shown_early_is_served_while_the_rebuild_runs(big):
    base = big.start()
    try:
        big._idle.clear()        # as during a rebuild
        big.overlay = {"world/story-100/index.html": b"<html><body>early</body></html>"}
        status, body = get(base + "world/story-100/")
        assert status == 200 and body.startswith(b"<html><body>early") and b"EventSource" in body
    finally:
        big.overlay = {}
        big._idle.set()
        big.stop()


def test_editing_a_title_re_renders_the_pages_that_show_it(big):
    record, shows_it, written = edit_story(big, "sport", "story-101", "Story number 101", "Story 101 gets a new headline")
    assert written == shows_it == links_to(big.output, "/sport/story-101/") | {"sport/story-101/index.html"}
    assert record.rendered == len(shows_it) < 30


def test_a_template_change_renders_again_only_the_pages_that_use_it(big):
    theme = bundled_themes() / "default/templates"
    (big.site / "templates/partials").mkdir(parents=True)
    (big.site / "templates/404.html").write_text((theme / "404.html").read_text().replace("</h1>", " (moved)</h1>"))
    record = big.rebuild([Change(TEMPLATE, "templates/404.html", "created")])
    assert record.ok and record.parsed == 0 and record.rendered == 1
    assert "(moved)</h1>" in (big.output / "404.html").read_text()
    # the card partial: on listings, the home page and beside related stories, never on the 404 or a redirect
    card = (theme / "partials/card.html").read_text()
    (big.site / "templates/partials/card.html").write_text(card + "{# changed #}\n")
    record = big.rebuild([Change(TEMPLATE, "templates/partials/card.html", "created")])
    assert record.ok and record.parsed == 0 and record.rendered == record.pages - 2   # all but 404.html, archive/
    # base.html: every page
    (big.site / "templates/base.html").write_text((theme / "base.html").read_text() + "\n")
    record = big.rebuild([Change(TEMPLATE, "templates/base.html", "created")])
    assert record.ok and record.rendered == record.pages


def test_a_static_file_is_copied_and_nothing_is_rendered(big):
    (big.site / "static/css").mkdir(parents=True)
    (big.site / "static/css/extra.css").write_text("body { margin: 0 }\n")
    record = big.rebuild([Change(STATIC, "static/css/extra.css", "created")])
    assert record.ok and record.parsed == 0 and record.rendered == 0
    assert (big.output / "css/extra.css").read_text() == "body { margin: 0 }\n"
    assert big.events.wait(0, 0)[-1][1] == "css"


def test_a_config_change_renders_everything(big):
    (big.site / "site.toml").write_text(SITE_TOML.replace("Serve Times", "The Serve Times"))
    record = big.rebuild([Change(CONFIG, "site.toml")])
    assert record.ok and record.rendered == record.pages


# ---- Drafts and scheduled stories: marked while serving, never in a build ----

def test_drafts_and_scheduled_stories_carry_a_banner_only_while_serving(tmp_path):
    site = write_site(tmp_path / "site", corpus(3), SITE_TOML)
    server = serve_of(site)
    assert server.rebuild().ok
    draft = lxml.html.fromstring((server.output / "world/draft/index.html").read_bytes())
    assert text_of(draft.find_class("preview-banner")[0]).startswith("DRAFT")
    scheduled = lxml.html.fromstring((server.output / "world/embargoed/index.html").read_bytes())
    assert text_of(scheduled.find_class("preview-banner")[0]).startswith("SCHEDULED")
    published = lxml.html.fromstring((server.output / "world/story-000/index.html").read_bytes())
    assert not published.find_class("preview-banner")
    home = lxml.html.fromstring((server.output / "index.html").read_bytes())
    assert {text_of(l) for l in home.find_class("preview-label")} == {"DRAFT", "SCHEDULED"}
    build_site(site, BuildOptions(drafts=True, future=True, now=NOW))
    for page in (site / "output").rglob("*.html"):
        assert b"preview-" not in page.read_bytes() and b"__broadsheet" not in page.read_bytes(), page
    assert (site / "output/world/draft/index.html").is_file()


def test_no_drafts_leaves_drafts_out_but_shows_scheduled_stories(tmp_path):
    site = write_site(tmp_path / "site", corpus(3), SITE_TOML)
    server = DevServer(site, now=NOW, drafts=False, log=lambda line: None, workers=1)
    assert server.rebuild().ok
    assert not (server.output / "world/draft/index.html").exists()
    assert (server.output / "world/embargoed/index.html").is_file()


# ---- Over HTTP: pages with the script, events, the error page ----

def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_serving_injects_the_script_streams_events_and_shows_errors_until_fixed(tmp_path):
    site = write_site(tmp_path / "site", corpus(3), SITE_TOML)
    lines: list[str] = []
    server = DevServer(site, port=0, now=NOW, log=lines.append, workers=1)
    base = server.start()
    try:
        status, page = get(base + "world/story-000/")
        assert status == 200 and EVENTS_PATH.encode() in page
        assert EVENTS_PATH.encode() not in (server.output / "world/story-000/index.html").read_bytes()
        status, css = get(base + "css/style.css")
        assert status == 200 and b"__broadsheet" not in css
        assert get(base + "no-such-page/")[0] == 404
        assert get(base + "../site.toml")[0] == 404

        seen = server.events.last
        stream = urllib.request.urlopen(f"{base[:-1]}{EVENTS_PATH}?since={seen}&token={server.events.token}", timeout=10)
        story = site / "content/world/story-000.md"
        good = story.read_text()
        story.write_text(good.replace("title: 'Story number 0'", "title: [unclosed"))
        deadline = time.monotonic() + 10
        while not server.problems and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.problems, "the watcher did not rebuild"
        event = b""
        while b"\n\n" not in event.split(b"retry: 500\n\n", 1)[-1]:
            event += stream.read1(1024)
        assert b"event: reload" in event
        stream.close()
        status, page = get(base + "world/story-000/")
        shown = text_of(lxml.html.fromstring(page).find(".//pre"))
        assert status == 500 and EVENTS_PATH.encode() in page
        assert re.match(r"content/world/story-000\.md:\d+: ", shown), shown
        assert shown in lines      # the terminal shows the same line
        assert any("build failed" in line for line in lines)

        story.write_text(good.replace("Story number 0", "Story zero, fixed"))
        deadline = time.monotonic() + 10
        while server.problems and time.monotonic() < deadline:
            time.sleep(0.05)
        status, page = get(base + "world/story-000/")
        assert status == 200 and "Story zero, fixed" in text_of(lxml.html.fromstring(page).find(".//h1"))
        assert any("re-rendered" in line and "content/world/story-000.md" in line for line in lines)
    finally:
        server.stop()


def test_an_editors_save_burst_is_one_rebuild(tmp_path):
    site = write_site(tmp_path / "site", corpus(3), SITE_TOML)
    server = DevServer(site, port=0, now=NOW, log=lambda line: None, workers=1)
    server.start()
    try:
        story = site / "content/world/story-000.md"
        before = len(server.history)
        temp = story.with_name(".story-000.md.tmp")
        temp.write_text(story.read_text().replace("Body of story 0.", "Saved the way editors save."))
        os.replace(temp, story)
        os.utime(story)
        deadline = time.monotonic() + 10
        while len(server.history) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        # one rebuild; a second only if the touch came after the short quiet period, and it changes nothing
        assert len(server.history) in (before + 1, before + 2)
        assert server.history[before].ok and server.history[before].parsed == 1
        for record in server.history[before + 1:]:
            assert record.ok and record.parsed == 0 and record.rendered == 0 and record.reloaded == []
    finally:
        server.stop()


# ---- The command ----

def test_serve_has_help():
    result = cli("serve", "--help")
    assert result.returncode == 0 and "usage: broadsheet serve" in result.stdout and "--no-drafts" in result.stdout


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    site = write_site(tmp_path / "site", corpus(2), SITE_TOML)
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(site), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        while not any(line.startswith("Serving") for line in lines):
            line = process.stdout.readline()
            assert line, process.stderr.read()
            lines.append(line)
        assert any("re-rendered" in line for line in lines)
        url = lines[-1].split(" at ")[1].split()[0]
        assert get(url)[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
