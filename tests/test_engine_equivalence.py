"""One engine, three callers: after any sequence of edits, a cached `broadsheet build` equals a
`--no-cache` build, and the dev server's folder equals a `--no-cache` preview build, byte for
byte (the clock is an input like any file). And, as Hugo's rebuild tests do, the number of pages
each kind of change plans and renders, in the CLI and in the dev server."""
from __future__ import annotations

import difflib
import os
import random
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from conftest import SITE_TOML, article, fake_distribution, write_site
from generator import cache
from generator.build import BuildOptions, build_site
from generator.theme import bundled_themes
from generator.serve import Change, ChangeKind, DevServer, relevant
from generator.sitemaps import NEWS_WINDOW

ARTICLE, TEMPLATE, STATIC, DATA, CONFIG = (ChangeKind.ARTICLE, ChangeKind.TEMPLATE, ChangeKind.STATIC,
                                           ChangeKind.DATA, ChangeKind.CONFIG)
THEME = bundled_themes() / "default/templates"


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a built folder and its bytes (the output's marker file too: every build writes it alike)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def differences(got: dict[str, bytes], want: dict[str, bytes]) -> list[str]:
    """What differs between two folders' files, as lines for a failure message ([] if none)."""
    lines = [f"only in the first: {rel}" for rel in sorted(got.keys() - want.keys())]
    lines += [f"only in the --no-cache build: {rel}" for rel in sorted(want.keys() - got.keys())]
    differing = [rel for rel in sorted(got.keys() & want.keys()) if got[rel] != want[rel]]
    lines += [f"differs: {rel}" for rel in differing]
    if differing:       # the first one's lines, to see what is stale
        first = differing[0]
        diff = difflib.unified_diff(want[first].decode("utf-8", "replace").splitlines(),
                                    got[first].decode("utf-8", "replace").splitlines(),
                                    f"--no-cache/{first}", f"built/{first}", n=1, lineterm="")
        lines += list(diff)[:40]
    return lines


def clean_build(site: Path, where: Path, options: BuildOptions) -> dict[str, bytes]:
    """A --no-cache build into a folder of its own, made afresh."""
    shutil.rmtree(where, ignore_errors=True)
    build_site(site, replace(options, output=where, cache=False))
    return files_of(where)


def cli_options(now: datetime) -> BuildOptions:
    return BuildOptions(now=now, workers=1)


def preview_options(now: datetime) -> BuildOptions:
    """What the dev server builds with (DevServer.options()), at `now`."""
    return BuildOptions(preview=True, future=True, drafts=True, now=now, workers=1)


def upgrade_markdown(tmp_path: Path, monkeypatch, version: str) -> None:
    """Markdown reported at another version, as an upgrade leaves it (a .dist-info first on
    sys.path; see test_cache.py). It lasts until the test ends."""
    monkeypatch.syspath_prepend(fake_distribution(tmp_path / f"markdown-{version}", "Markdown", version))
    cache.code_key.cache_clear()        # (read once a process)


@pytest.fixture
def scratch(tmp_path):
    """Where the sites and outputs go: in memory (/dev/shm) where there is such a folder. A build
    makes its output durable with syncfs(), which on a shared disk waits for every other process's
    writes too: these tests make ~300 builds."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="broadsheet-test-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def libraries(tmp_path, monkeypatch):
    """upgrade_markdown(version) for this test; the code key is read afresh after it."""
    yield lambda version: upgrade_markdown(tmp_path, monkeypatch, version)
    cache.code_key.cache_clear()


# ---- Random edit sequences: cached == --no-cache, served == --no-cache preview ----

ZONE = ZoneInfo("Asia/Kolkata")     # the zone of SITE_TOML: story times are written in it
START = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
SECTIONS = ("world", "sport", "business")
REPORTERS = ("Ada Reporter", "Ben Writer", "Cy Editor")
TAG_POOL = ("ships", "harbour", "derby", "markets", "weather", "courts", "rail")
BODIES = (
    "Plain prose about {w}.",
    "A paragraph on {w}.\n\nAnd a second one, with *emphasis* and a [link](https://example.org/{w}).",
    "## What happened\n\n* the {w}\n* the rest\n\n> Someone said so.",
    "| a | b |\n|---|---|\n| {w} | 2 |\n",
    "\"Quoted\" words -- and dashes... about {w} & more.",
)
TEMPLATES = {       # an override of the bundled template: (file, the text it changes, made from a version number)
    "article.html": ('<h1 class="story__title">', lambda n: f'<h1 class="story__title v{n}">'),
    "404.html": ('{{ _("Page not found") }}</h1>', lambda n: f'{{{{ _("Page not found") }}}} (v{n})</h1>'),
    "partials/card.html": ('class="card__title"', lambda n: f'class="card__title v{n}"'),
}


def local(moment: datetime) -> str:
    """A time as a story's front matter gives it: in the site's zone, to the minute."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:00")


@dataclass
class Story:
    title: str
    published: datetime
    byline: str
    tags: list[str]
    body: str
    updated: datetime | None = None
    section: str | None = None      # front matter's section (None: the folder's)
    corrections: list[tuple[datetime, str]] = field(default_factory=list)
    draft: bool = False
    aliases: tuple[str, ...] = ()
    image: bool = False
    pinned: bool = False            # its time, draft mark and file are kept: see Edits.pick()
    language: str = ""              # "hi": in the Hindi edition (EDITIONS), else the site's
    translation_of: str = ""        # (a Hindi story's) the English story it translates: see Edits.repair()

    def text(self) -> str:
        fields = {"byline": f"[{self.byline}]", "tags": f"[{', '.join(self.tags)}]", "summary": f"'About {self.title}.'"}
        if self.updated is not None:
            fields["updated"] = local(self.updated)
        if self.section:
            fields["section"] = self.section
        if self.corrections:
            fields["corrections"] = "[" + ", ".join(f'{{date: "{local(d)}", text: "{t}"}}' for d, t in self.corrections) + "]"
        if self.draft:
            fields["draft"] = "true"
        if self.aliases:
            fields["aliases"] = f"[{', '.join(self.aliases)}]"
        if self.image:
            fields["image"] = "{src: /images/lead.svg, alt: A ship}"
        if self.language:
            fields["language"] = self.language
        if self.translation_of:
            fields["translation_of"] = self.translation_of.removeprefix("content/")
        return article(self.title, local(self.published), body=self.body, **fields)


def svg(width: int, height: int) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"><rect/></svg>\n'


@dataclass
class Step:
    what: str                           # for the failure message: enough to replay it by hand
    changes: list[Change]               # the file events the dev server sees
    server: str = "rebuild"             # "rebuild" | "clock" (no file: it rebuilds if its clock says so) | "restart"


class Edits:
    """A site, its stories as data, the clock, and the edits that can be made to them."""

    def __init__(self, site: Path, rng: random.Random, upgrade: Callable[[str], None]):
        self.site, self.rng, self.upgrade = site, rng, upgrade
        self.now = START
        self.per_page = 4
        self.serial = 0
        self.versions: dict[str, int] = {}      # template override -> version (absent: none)
        self.crossed = {"due": 0, "window": 0}  # stories the clock steps took past their time, out of the news window
        self.stories: dict[str, Story] = {}
        for i in range(15):
            published = START - timedelta(days=3 + 4 * i, hours=i)
            if i == 0:
                published = START + timedelta(hours=20)     # scheduled: the clock steps cross it
            elif i in (1, 2):
                published = START - timedelta(hours=10 + 29 * (i - 1))   # in the news sitemap's 48 hours
            self.stories[f"content/{SECTIONS[i % 3]}/s{i:02d}.md"] = Story(
                f"Story {i}", published, REPORTERS[i % 3], rng.sample(TAG_POOL, rng.randint(0, 3)),
                BODIES[i % len(BODIES)].format(w=f"w{i}"), draft=i == 5, aliases=("/old/seven/",) if i == 7 else (),
                image=i in (3, 4), pinned=i in (0, 1), language="hi" if i in (6, 9, 10) else "",
                translation_of="content/world/s03.md" if i == 9 else "")
        files = {rel: s.text() for rel, s in self.stories.items()}
        files["static/images/lead.svg"] = svg(120, 80)
        write_site(site, files, self.site_toml())

    def site_toml(self) -> str:
        return f"per_page = {self.per_page}\n" + SITE_TOML + EDITIONS

    def fresh(self) -> int:
        self.serial += 1
        return self.serial

    def write(self, rel: str, action: str = "modified") -> list[Change]:
        path = self.site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.stories[rel].text(), encoding="utf-8")
        return [Change(ARTICLE, rel, action)]

    def pick(self, keep_pinned: bool = False) -> str:
        """A story to edit. `keep_pinned`: not one of the two whose time is kept (the scheduled one
        and one in the news sitemap's 48 hours), so that the clock steps always take a story past
        its time and one out of the news window (clock_due(), clock_window())."""
        return self.rng.choice(sorted(rel for rel, s in self.stories.items() if not (keep_pinned and s.pinned)))

    def moment(self) -> datetime:
        """A publication time: long ago, in the news sitemap's 48 hours, or soon (scheduled)."""
        kind = self.rng.choice(("old", "recent", "recent", "soon"))
        minutes = {"old": -self.rng.randint(3 * 1440, 90 * 1440), "recent": -self.rng.randint(1, 47 * 60),
                   "soon": self.rng.randint(10, 30 * 60)}[kind]
        return (self.now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)

    # -- the edits: each makes its change on disk and says what the dev server's watcher sees --

    def body(self) -> Step:
        rel = self.pick()
        self.stories[rel].body = self.rng.choice(BODIES).format(w=f"edit{self.fresh()}")
        return Step(f"body of {rel}", self.write(rel))

    def title(self) -> Step:
        rel = self.pick()
        self.stories[rel].title = self.rng.choice(("Story {n}", "Ships & \"harbours\" {n}", "A very long headline about {n}")).format(n=self.fresh())
        return Step(f"title of {rel}: {self.stories[rel].title}", self.write(rel))

    def tags(self) -> Step:
        rel = self.pick()
        tags = self.rng.sample(TAG_POOL, self.rng.randint(0, 3))
        if self.rng.random() < 0.3:
            tags.append(f"new-{self.fresh()}")
        self.stories[rel].tags = tags
        return Step(f"tags of {rel}: {tags}", self.write(rel))

    def section(self) -> Step:
        rel = self.pick()
        self.stories[rel].section = self.rng.choice((None, "opinion", *SECTIONS))
        return Step(f"section of {rel}: {self.stories[rel].section or 'its folder'}", self.write(rel))

    def dates(self) -> Step:
        rel = self.pick(keep_pinned=True)
        story = self.stories[rel]
        if self.rng.random() < 0.6:
            story.published = self.moment()
            if story.updated is not None and story.updated < story.published:
                story.updated = None
            what = f"published {local(story.published)}"
        elif story.updated is None or self.rng.random() < 0.7:
            story.updated = story.published + timedelta(minutes=self.rng.randint(1, 3 * 1440))
            what = f"updated {local(story.updated)}"
        else:
            story.updated, what = None, "update removed"
        return Step(f"{what} for {rel}", self.write(rel))

    def correction(self) -> Step:
        rel = self.pick()
        story = self.stories[rel]
        when = story.published + timedelta(minutes=self.rng.randint(1, 2 * 1440))
        story.corrections.append((when, f"Correction {self.fresh()}."))
        return Step(f"correction at {local(when)} to {rel}", self.write(rel))

    def draft(self) -> Step:
        rel = self.pick(keep_pinned=True)
        self.stories[rel].draft = not self.stories[rel].draft
        return Step(f"{rel} {'made a draft' if self.stories[rel].draft else 'no longer a draft'}", self.write(rel))

    def add(self) -> Step:
        rel = f"content/{self.rng.choice(SECTIONS)}/new{self.fresh()}.md"
        self.stories[rel] = Story(f"New story {self.serial}", self.moment(), self.rng.choice(REPORTERS),
                                  self.rng.sample(TAG_POOL, self.rng.randint(0, 2)), f"Fresh body {self.serial}.")
        return Step(f"add {rel} published {local(self.stories[rel].published)}", self.write(rel, "created"))

    def delete(self) -> Step:
        if len(self.stories) <= 8:
            return self.add()
        rel = self.pick(keep_pinned=True)
        del self.stories[rel]
        (self.site / rel).unlink()
        return Step(f"delete {rel}", [Change(ARTICLE, rel, "deleted")])

    def rename(self) -> Step:
        old = self.pick()
        new = f"content/{self.rng.choice(SECTIONS)}/moved{self.fresh()}.md"
        (self.site / new).parent.mkdir(parents=True, exist_ok=True)
        (self.site / old).rename(self.site / new)
        self.stories[new] = self.stories.pop(old)
        return Step(f"rename {old} -> {new}", [Change(ARTICLE, old, "moved"), Change(ARTICLE, new, "moved")])

    def per_page_setting(self) -> Step:
        self.per_page = self.rng.choice([n for n in (2, 3, 5, 20) if n != self.per_page])
        (self.site / "site.toml").write_text(self.site_toml(), encoding="utf-8")
        return Step(f"per_page = {self.per_page}", [Change(CONFIG, "site.toml")])

    def template(self) -> Step:
        name = self.rng.choice(sorted(TEMPLATES))
        rel, path = f"templates/{name}", self.site / "templates" / name
        if name in self.versions and self.rng.random() < 0.35:
            del self.versions[name]
            path.unlink()
            return Step(f"override {rel} removed", [Change(TEMPLATE, rel, "deleted")])
        action = "modified" if name in self.versions else "created"
        self.versions[name] = self.fresh()
        old, new = TEMPLATES[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((THEME / name).read_text(encoding="utf-8").replace(old, new(self.versions[name])), encoding="utf-8")
        return Step(f"override {rel} v{self.versions[name]}", [Change(TEMPLATE, rel, action)])

    def static(self) -> Step:
        css = self.site / "static/css/extra.css"
        choice = self.rng.choice(("css", "css", "image"))
        if choice == "image":
            width, height = self.rng.choice(((120, 80), (300, 20), (64, 64)))
            (self.site / "static/images/lead.svg").write_text(svg(width, height), encoding="utf-8")
            return Step(f"static/images/lead.svg now {width}x{height}", [Change(STATIC, "static/images/lead.svg")])
        if css.exists() and self.rng.random() < 0.3:
            css.unlink()
            return Step("static/css/extra.css removed", [Change(STATIC, "static/css/extra.css", "deleted")])
        action = "modified" if css.exists() else "created"
        css.parent.mkdir(parents=True, exist_ok=True)
        css.write_text(f"p {{ margin: {self.fresh()}px }}\n", encoding="utf-8")
        return Step(f"static/css/extra.css {action}", [Change(STATIC, "static/css/extra.css", action)])

    def authors(self) -> Step:
        path = self.site / "data/authors.toml"
        if path.exists() and self.rng.random() < 0.3:
            path.unlink()
            return Step("data/authors.toml removed", [Change(DATA, "data/authors.toml", "deleted")])
        action = "modified" if path.exists() else "created"
        chosen = self.rng.sample(REPORTERS, self.rng.randint(1, len(REPORTERS)))
        n = self.fresh()
        text = "".join(f'["{name}"]\nbio = "Writes, take {n}."\n' + (f'name = "{name} Jr"\n' if self.rng.random() < 0.3 else "")
                       for name in chosen)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return Step(f"data/authors.toml {action}: {text!r}", [Change(DATA, "data/authors.toml", action)])

    def burst(self) -> Step:
        """Two or three stories saved at once: one batch of events for the dev server."""
        steps = [getattr(self, kind)() for kind in self.rng.sample(("body", "title", "tags", "dates", "section"), self.rng.randint(2, 3))]
        return Step("; ".join(s.what for s in steps), [c for s in steps for c in s.changes])

    def language(self) -> Step:
        """A story moved between the editions: into the Hindi one, or back to the site's."""
        rel = self.pick()
        story = self.stories[rel]
        story.language = "" if story.language else "hi"
        return Step(f"{rel} now in {story.language or 'the site language'}", self.write(rel))

    def translate(self) -> Step:
        """A Hindi story made a translation of an English one, or no longer one."""
        hindi = sorted(rel for rel, s in self.stories.items() if s.language == "hi")
        if not hindi:
            return self.language()
        rel = self.rng.choice(hindi)
        story = self.stories[rel]
        english = sorted(r for r, s in self.stories.items() if not s.language)
        if (story.translation_of and self.rng.random() < 0.4) or not english:
            story.translation_of = ""
        else:
            story.translation_of = self.rng.choice(english)
        return Step(f"{rel} translation_of {story.translation_of or '(none)'}", self.write(rel))

    def repair(self, step: Step) -> Step:
        """After any edit: translation_of dropped where it would be an error (its story gone, moved or
        not in English, the translation not in Hindi, or a second Hindi translation of one story),
        those stories saved with the edit, as one batch. The random edits are of valid sites."""
        taken: set[str] = set()
        fixed = []
        for rel, story in sorted(self.stories.items()):
            if not story.translation_of:
                continue
            target = self.stories.get(story.translation_of)
            if story.language != "hi" or target is None or target.language or story.translation_of in taken:
                story.translation_of = ""
                fixed.append(rel)
            else:
                taken.add(story.translation_of)
        if not fixed:
            return step
        changes = [c for rel in fixed for c in self.write(rel)]
        return Step(f"{step.what} (translation_of dropped from {', '.join(fixed)})", step.changes + changes, step.server)

    def touch(self) -> Step:
        rel = self.pick()
        os.utime(self.site / rel)
        return Step(f"touch {rel} (no change)", [Change(ARTICLE, rel)])

    def library(self) -> Step:
        version = f"99.{self.fresh()}"
        self.upgrade(version)
        return Step(f"Markdown reported at {version} (the dev server restarted)", [], server="restart")

    def clock(self) -> Step:
        return self.clock_to(self.now + self.rng.choice((timedelta(minutes=5), timedelta(hours=3), timedelta(hours=9),
                                                         timedelta(hours=26), timedelta(hours=49))))

    def clock_due(self) -> Step:
        """The clock just past the soonest scheduled story's time (or, if none is, on by a while)."""
        due = [s.published for s in self.stories.values() if s.published > self.now and not s.draft]
        return self.clock_to(min(due) + timedelta(minutes=1)) if due else self.clock()

    def clock_window(self) -> Step:
        """The clock just past the time the soonest story leaves the news sitemap's 48 hours."""
        leaves = [s.published + NEWS_WINDOW for s in self.stories.values() if s.published <= self.now < s.published + NEWS_WINDOW]
        return self.clock_to(min(leaves) + timedelta(minutes=1)) if leaves else self.clock()

    def clock_to(self, when: datetime) -> Step:
        self.crossed["due"] += sum(self.now < s.published <= when for s in self.stories.values() if not s.draft)
        self.crossed["window"] += sum(self.now < s.published + NEWS_WINDOW <= when for s in self.stories.values())
        self.now = when
        return Step(f"clock now {self.now.isoformat()}", [], server="clock")


EDIT_KINDS = ("body", "title", "tags", "section", "dates", "correction", "draft", "add", "delete", "rename", "burst",
              "per_page_setting", "template", "static", "authors", "touch", "library", "clock", "clock_due",
              "clock_window", "language", "translate")
# A second edition (issue 17): the Hindi stories' pages, listings, feeds and news sitemap under /hi/
EDITIONS = """
[languages.hi]
title = "टेस्ट टाइम्स"

[languages.hi.sections]
world = "विश्व"
"""
WEIGHTS = {"body": 4, "title": 3, "tags": 3, "section": 2, "dates": 3, "correction": 2, "add": 2, "delete": 2,
           "rename": 2, "clock": 3, "touch": 2}      # every other kind: 1


def seeds(default: tuple[int, ...] = (11, 42, 1977)) -> tuple[int, ...]:
    """The seeds to run: BROADSHEET_SEEDS="100-199" (or "5,9") runs others, to search further."""
    given = os.environ.get("BROADSHEET_SEEDS", "")
    if not given:
        return default
    if "-" in given:
        low, high = map(int, given.split("-"))
        return tuple(range(low, high + 1))
    return tuple(map(int, given.split(",")))


SEEDS = seeds()


def edit_plan(rng: random.Random) -> list[str]:
    """Every kind of edit at least once (the clock past a scheduled story's time and past a story's
    leaving the news sitemap among them), then random ones, shuffled: 25 to 40 steps."""
    kinds = list(EDIT_KINDS)
    length = rng.randint(25, 40)
    kinds += rng.choices(EDIT_KINDS, [WEIGHTS.get(k, 1) for k in EDIT_KINDS], k=length - len(kinds))
    rng.shuffle(kinds)
    return kinds


@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed-{s}" for s in SEEDS])
def test_cached_served_and_clean_builds_agree_through_random_edits(scratch, libraries, seed):
    rng = random.Random(seed)
    run = Edits(scratch / "site", rng, libraries)
    site = run.site

    def server_of() -> DevServer:
        return DevServer(site, now=lambda: run.now, log=lambda line: None, workers=1)

    server = server_of()
    done: list[str] = []

    def check(got: Path, options: BuildOptions, name: str, where: str) -> None:
        lines = differences(files_of(got), clean_build(site, scratch / name, options))
        if lines:
            steps = "\n".join(f"  {i}. {what}" for i, what in enumerate(done))
            pytest.fail(f"seed {seed} (replay: pytest {__file__} -k seed-{seed}): after step {len(done) - 1}, "
                        f"{where} is not the --no-cache build's:\n" + "\n".join(lines[:60]) + f"\nsteps:\n{steps}",
                        pytrace=False)

    def serve(step: Step) -> None:
        nonlocal server
        if step.server == "restart":
            server.stop()
            server = server_of()
            changes = []
        elif step.server == "clock":
            changes = server.clock_changes()
            if not changes:         # the last build said the clock changes nothing yet: nothing is rebuilt
                return
        else:
            changes = relevant(step.changes)    # as the watcher hands a batch over: each path once
        record = server.rebuild(changes)
        assert record.ok, f"seed {seed}, step {len(done) - 1} ({step.what}): {record.problems}"

    for number, kind in enumerate(["first build", *edit_plan(rng)]):
        step = Step("first build", []) if number == 0 else run.repair(getattr(run, kind)())
        done.append(step.what)
        server_first = rng.random() < 0.5      # the CLI and the dev server share the site's cache on disk
        if server_first:
            serve(step)
        build_site(site, cli_options(run.now))
        if not server_first:
            serve(step)
        check(site / "output", cli_options(run.now), "clean", "the cached build's output")
        check(server.output, preview_options(run.now), "clean-preview", "the dev server's folder")
    server.stop()
    assert run.crossed["due"] and run.crossed["window"], run.crossed    # what the clock steps are for


# ---- Hugo-style counts: how many pages each kind of change plans and renders ----
#
# The site: 12 stories, k = 0..11, published 2024-05-(k+1) 10:00 (so newest first is 11, 10, ... 0),
# in section ("world", "sport", "business")[k % 3] by that section's reporter; four a section:
#   world 0 3 6 9, sport 1 4 7 10, business 2 5 8 11.
# Tags pair stories of one section: harbour (6, 9), derby (7, 10), markets (8, 11). So each story's
# related stories (the most tags shared, then the newest of its section; at most 4) are exactly the
# other three of its section. Story 3 has an alias (a redirect page). per_page = 5.
# Besides, one story scheduled for 2024-06-02 12:00 in section "opinion" by "Opinion Writer", with
# no tags: the CLI holds it back; the dev server (a preview) shows it, alone in its section and
# month, related to none.
#
# Pages of the CLI build (12 stories):
#   home 1 + sections 3 (4 stories, one page each) + tags 3 + authors 3 + archive index 1
#   + May's pages 3 (12 stories: 5, 5, 2) + articles 12 + redirect 1 + 404 1          = 28
# Pages of the dev server (13 stories): the CLI's + opinion 1 + its author 1 + June's page 1
#   + its article 1                                                                    = 32

COUNT_TOML = """\
title = "Count Times"
base_url = "https://news.example/"
timezone = "UTC"
per_page = 5
"""
SECTION_REPORTER = {"world": "World Reporter", "sport": "Sport Reporter", "business": "Business Reporter"}
PAIR_TAGS = {6: "harbour", 9: "harbour", 7: "derby", 10: "derby", 8: "markets", 11: "markets"}
CLI_PAGES, SERVER_PAGES = 28, 32
COUNT_NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
DUE = datetime(2024, 6, 2, 12, 0, tzinfo=timezone.utc)
RELATED_TO_ONE = 3      # the other stories of its section list a story among their related


def count_section(k: int) -> str:
    return ("world", "sport", "business")[k % 3]


def count_rel(k: int) -> str:
    return f"content/{count_section(k)}/s{k:02d}.md"


def count_story(k: int, **changes) -> str:
    fields = dict(title=f"Story {k}", published=f"2024-05-{k + 1:02d} 10:00:00", body=f"Body of story {k}.",
                  byline=f"[{SECTION_REPORTER[count_section(k)]}]", tags=f"[{PAIR_TAGS.get(k, '')}]")
    if k == 3:
        fields["aliases"] = "[/old/three/]"
    fields.update(changes)
    return article(**fields)


def count_site(root: Path) -> Path:
    files = {count_rel(k): count_story(k) for k in range(12)}
    files["content/opinion/embargoed.md"] = article("Embargoed", "2024-06-02 12:00:00", byline="[Opinion Writer]")
    return write_site(root, files, COUNT_TOML)


def rewrite(site: Path, k: int, **changes) -> list[Change]:
    (site / count_rel(k)).write_text(count_story(k, **changes), encoding="utf-8")
    return [Change(ARTICLE, count_rel(k))]


def override(site: Path, name: str) -> list[Change]:
    old, new = TEMPLATES[name]
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / name).write_text((THEME / name).read_text(encoding="utf-8").replace(old, new(1)), encoding="utf-8")
    return [Change(TEMPLATE, f"templates/{name}", "created")]


def add_static(site: Path) -> list[Change]:
    (site / "static/css").mkdir(parents=True)
    (site / "static/css/extra.css").write_text("p { margin: 0 }\n", encoding="utf-8")
    return [Change(STATIC, "static/css/extra.css", "created")]


def add_author_data(site: Path) -> list[Change]:
    (site / "data").mkdir()
    (site / "data/authors.toml").write_text('["World Reporter"]\nbio = "Covers the world."\n', encoding="utf-8")
    return [Change(DATA, "data/authors.toml", "created")]


def add_story(site: Path) -> list[Change]:
    rel = "content/world/s12.md"
    (site / rel).write_text(article("Story 12", "2024-05-13 10:00:00", byline="[World Reporter]"), encoding="utf-8")
    return [Change(ARTICLE, rel, "created")]


def delete_story(site: Path) -> list[Change]:
    (site / count_rel(0)).unlink()
    return [Change(ARTICLE, count_rel(0), "deleted")]


def fewer_per_page(site: Path) -> list[Change]:
    (site / "site.toml").write_text(COUNT_TOML.replace("per_page = 5", "per_page = 3"), encoding="utf-8")
    return [Change(CONFIG, "site.toml")]


def touch(site: Path) -> list[Change]:
    os.utime(site / count_rel(9))
    return [Change(ARTICLE, count_rel(9))]


@dataclass(frozen=True)
class Counts:
    change: Callable[[Path], list[Change] | None]     # None: the clock moves past the scheduled story
    cli: tuple[int, int]                # (planned, rendered) by `broadsheet build`
    server: tuple[int, int]             # (planned, rendered) by the dev server's rebuild()


# A story's page, its section's page, its tags' pages, its author's page, home and its page of May's
# archive show it; so do its related stories' pages, and its redirects.
SHOWS_9 = 1 + 1 + 1 + 1 + 1 + 1 + RELATED_TO_ONE        # = 9: one tag (harbour), on May's page 1
SHOWS_3 = 1 + 1 + 0 + 1 + 1 + 1 + RELATED_TO_ONE + 1    # = 9: no tag, on May's page 2, one redirect
COUNTS = {
    "no change": Counts(lambda site: [], (0, 0), (0, 0)),
    "touch, bytes unchanged": Counts(touch, (0, 0), (0, 0)),
    # only the pages that show story 9: planned and rendered, and the same in both
    "body of one story": Counts(lambda site: rewrite(site, 9, body="A new body."), (SHOWS_9,) * 2, (SHOWS_9,) * 2),
    # a title is not in a story's shape either: the pages that show story 3 (its redirect shows the title)
    "title": Counts(lambda site: rewrite(site, 3, title="Three, retitled"), (SHOWS_3,) * 2, (SHOWS_3,) * 2),
    # a story's tags are in its shape: every page is planned (CLI_PAGES + the new tag's page); rendered:
    # the 9 that showed it (harbour's among them, still showing 6) and the new tag's page
    "tags": Counts(lambda site: rewrite(site, 9, tags="[lighthouse]"),
                   (CLI_PAGES + 1, SHOWS_9 + 1), (SERVER_PAGES + 1, SHOWS_9 + 1)),    # rendered 10
    # story 9 into sport (no new page: sport's 5 stories fit on one): every page planned; rendered: its
    # new page, world's and sport's pages, harbour, its author, home, May's page 1, the world stories
    # that listed it (3), and sport's four stories, whose related (the other four of five) now list it
    "section": Counts(lambda site: rewrite(site, 9, section="sport"),
                      (CLI_PAGES, 1 + 2 + 1 + 1 + 1 + 1 + RELATED_TO_ONE + 4),           # rendered 14
                      (SERVER_PAGES, 1 + 2 + 1 + 1 + 1 + 1 + RELATED_TO_ONE + 4)),
    # story 12 in world, the newest of May: its page, world's page, its author, home, all 3 of May's
    # pages (each shifts by one), the archive index (May's count), and world's four stories (each now
    # relates to it: the newest of the section)
    "new story": Counts(add_story, (CLI_PAGES + 1, 1 + 1 + 1 + 1 + 3 + 1 + 4),         # rendered 12
                        (SERVER_PAGES + 1, 1 + 1 + 1 + 1 + 3 + 1 + 4)),
    # story 0 (world, no tag, the oldest: on May's page 3): world's page, its author, home, May's page 3,
    # the archive index, and the three world stories that listed it
    "deleted story": Counts(delete_story, (CLI_PAGES - 1, 1 + 1 + 1 + 1 + 1 + RELATED_TO_ONE),   # rendered 8
                            (SERVER_PAGES - 1, 1 + 1 + 1 + 1 + 1 + RELATED_TO_ONE)),
    # per_page 3, a setting: every page again. CLI: home 1 + sections 3x2 + tags 3 + authors 3x2 + archive 1
    # + May 4 + articles 12 + redirect 1 + 404 1 = 35; the server adds opinion 1, its author 1, June 1, its page 1
    "per_page": Counts(fewer_per_page, (35, 35), (39, 39)),
    # a template: today every page is planned (templates are in the settings' key); only the pages made
    # with it are rendered (12 articles; the dev server's 13)
    "override of article.html": Counts(lambda site: override(site, "article.html"), (CLI_PAGES, 12), (SERVER_PAGES, 13)),
    "override of 404.html": Counts(lambda site: override(site, "404.html"), (CLI_PAGES, 1), (SERVER_PAGES, 1)),
    # a static file: no page shows it, yet today every page is planned (static files are in the
    # settings' key); none is rendered
    "static file": Counts(add_static, (CLI_PAGES, 0), (SERVER_PAGES, 0)),
    # author data are in the site-wide key: today every page again, not only those showing the author
    "authors data": Counts(add_author_data, (CLI_PAGES,) * 2, (SERVER_PAGES,) * 2),
    # the clock passes 2024-06-02 12:00. The CLI publishes the story: a new section and author, in the
    # site-wide key, so every page of the 13 stories again (= the dev server's 32). The dev server showed
    # it already: only its mark goes, on the pages showing it: its page, opinion's, its author's, home, June's
    "clock past the scheduled story": Counts(lambda site: None, (SERVER_PAGES,) * 2, (5, 5)),
}


def links_to(folder: Path, url: str) -> set[str]:
    """The HTML pages under folder with a link to url."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.html")
            if url in lxml.html.fromstring(p.read_bytes()).xpath("//a/@href")}


def test_the_counts_fixture_is_what_the_arithmetic_says(scratch):
    """The pages that show story 9 are the nine the table counts (read from the built pages' links)."""
    site = count_site(scratch / "site")
    built = build_site(site, cli_options(COUNT_NOW))
    assert built.pages == CLI_PAGES
    assert len(links_to(site / "output", "/world/s09/") | {"world/s09/index.html"}) == SHOWS_9
    served = DevServer(site, now=COUNT_NOW, log=lambda line: None, workers=1).rebuild()
    assert served.ok and served.pages == SERVER_PAGES


@pytest.mark.parametrize("name", list(COUNTS))
def test_each_kind_of_change_plans_and_renders_so_many_pages(scratch, name):
    expected = COUNTS[name]
    site = count_site(scratch / "site")
    clock = [COUNT_NOW]
    server = DevServer(site, now=lambda: clock[0], log=lambda line: None, workers=1)
    first = build_site(site, cli_options(clock[0]))
    assert first.planned == first.rendered == CLI_PAGES
    assert server.rebuild().rendered == SERVER_PAGES
    changes = expected.change(site)
    if changes is None:
        clock[0] = DUE + timedelta(minutes=1)
        changes = server.clock_changes()
        assert [c.kind for c in changes] == [ChangeKind.CLOCK]
    cli = build_site(site, cli_options(clock[0]))
    served = server.rebuild(changes)
    assert served.ok, served.problems
    assert {"cli": (cli.planned, cli.rendered), "server": (served.planned, served.rendered)} == \
        {"cli": expected.cli, "server": expected.server}
    # and the counts are of the right outputs
    assert files_of(site / "output") == clean_build(site, scratch / "clean", cli_options(clock[0]))
    assert files_of(server.output) == clean_build(site, scratch / "clean-preview", preview_options(clock[0]))


# ---- What the sequences found, each as the smallest case ----

def test_a_save_that_changes_nothing_keeps_the_dev_servers_clock(scratch):
    """A rebuild that finds nothing changed still says when the clock next changes the site: else the
    dev server no longer rebuilds when a scheduled story falls due, nor when a story enters or leaves
    the news sitemap (the sequences found it: a touch, then the clock; BROADSHEET_SEEDS=104,105,108
    replayed it before the fix, c084b06)."""
    site = write_site(scratch / "site", {
        "content/world/today.md": article("Today's story", "2024-06-01 09:00:00"),
        "content/world/embargoed.md": article("An embargoed story", "2024-06-02 09:00:00"),
    }, SITE_TOML)
    clock = [START]
    server = DevServer(site, now=lambda: clock[0], log=lambda line: None, workers=1)
    assert server.rebuild().ok
    due = server.clock
    assert due is not None and (due.path, due.what) == ("content/world/embargoed.md", "is due")
    os.utime(site / "content/world/today.md")       # saved again, unchanged
    assert server.rebuild([Change(ARTICLE, "content/world/today.md")]).ok
    clock[0] = due.when + timedelta(minutes=1)
    changes = server.clock_changes()                # what the server's loop asks when no file changed
    if changes:
        assert server.rebuild(changes).ok
    assert files_of(server.output) == clean_build(site, scratch / "clean", preview_options(clock[0]))
