"""The build cache: a cached rebuild always equals a clean --no-cache build, byte for byte,
and does only the work the change needs."""
import os

import pytest

from generator import bodies, cache
from generator.build import BuildOptions, build_site, parse_key
from generator.config import load_config
from generator.output import recover
from conftest import NOW, SITE_TOML, article, cli, fake_distribution, leftovers, replace_keeping_stamp, snapshot

N = 24


def corpus() -> dict[str, str]:
    files = {}
    for i in range(N):
        section = ("world", "business", "sport")[i % 3]
        files[f"content/{section}/s{i:02d}.md"] = article(
            f"Story {i}", f"2024-0{1 + i % 3}-{1 + i:02d} 10:00:00", byline=f"[Reporter {i % 4}]",
            tags=f"[t{i % 5}, t{(i + 1) % 7}]", summary=f"Summary {i}.", body=f"Body of story {i}.")
    return files


def contents(folder):
    return {rel: digest for rel, (digest, _mtime) in snapshot(folder).items()}


def clean_build(site, tmp_path, name):
    out = tmp_path / name
    build_site(site, BuildOptions(now=NOW, output=out, cache=False))
    return contents(out)


EDITS = [
    ("body", lambda s: (s / "content/world/s00.md").write_text(article("Story 0", "2024-01-01 10:00:00", byline="[Reporter 0]", tags="[t0, t1]", summary="Summary 0.", body="A new body."))),
    ("title", lambda s: (s / "content/business/s01.md").write_text(article("Story one, retitled", "2024-02-02 10:00:00", byline="[Reporter 1]", tags="[t1, t2]", summary="Summary 1."))),
    ("tags", lambda s: (s / "content/sport/s02.md").write_text(article("Story 2", "2024-03-03 10:00:00", byline="[Reporter 2]", tags="[brand-new-tag]", summary="Summary 2."))),
    ("date", lambda s: (s / "content/world/s03.md").write_text(article("Story 3", "2025-01-01 10:00:00", byline="[Reporter 3]", tags="[t3, t4]", summary="Summary 3."))),
    ("add", lambda s: (s / "content/world/new.md").write_text(article("A new story", "2024-03-30 10:00:00", tags="[t0]"))),
    ("delete", lambda s: (s / "content/business/s04.md").unlink()),
    ("rename", lambda s: (s / "content/sport/s05.md").rename(s / "content/sport/renamed.md")),
    ("template", lambda s: (s / "templates").mkdir() or (s / "templates/404.html").write_text('{% extends "base.html" %}{% block content %}<h1>Gone</h1>{% endblock %}')),
    ("config", lambda s: (s / "site.toml").write_text(SITE_TOML.replace("All the news that fits.", "New description."))),
    ("author data", lambda s: (s / "data").mkdir() or (s / "data/authors.toml").write_text('["Reporter 1"]\nbio = "Writes."\n')),
    ("static", lambda s: (s / "static").mkdir() or (s / "static/extra.css").write_text("p{}")),
    ("static file replaced with the same size and mtime", lambda s: replace_keeping_stamp(s / "static/extra.css", "a{}")),
    ("library version", None),      # see upgrade_markdown()
    ("touch with no change", lambda s: os.utime(s / "content/world/s00.md")),
]
EVERY_PAGE = ("template", "config", "author data", "library version")   # edits that change every page's key


@pytest.fixture
def edit(tmp_path, monkeypatch):
    """Makes one of EDITS to a site; the library version one (Markdown reported at another version,
    as an upgrade leaves it) lasts until the test ends."""
    def apply(site, change) -> None:
        if change is not None:
            change(site)
        else:
            monkeypatch.syspath_prepend(fake_distribution(tmp_path / "upgraded", "Markdown", "99.0"))
            cache.code_key.cache_clear()     # (read once a process)
    yield apply
    cache.code_key.cache_clear()


def test_cached_rebuilds_equal_clean_builds_through_a_sequence_of_edits(make_site, tmp_path, edit):
    site = make_site(corpus())
    first = build_site(site, BuildOptions(now=NOW))
    assert first.rendered == first.pages
    again = build_site(site, BuildOptions(now=NOW))
    assert again.rendered == 0 and again.articles_cached == again.sources == N
    for step, (name, change) in enumerate(EDITS):
        edit(site, change)
        result = build_site(site, BuildOptions(now=NOW))
        assert contents(site / "output") == clean_build(site, tmp_path, f"clean{step}"), f"after the {name} edit"
        assert result.rendered < result.pages or name in EVERY_PAGE, name
        if name == "library version":
            assert result.rendered == result.pages and result.articles_cached == 0


def test_a_body_edit_renders_its_page_and_listings_not_every_article(make_site):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    EDITS[0][1](site)
    result = build_site(site, BuildOptions(now=NOW))
    assert result.articles_cached == N - 1
    # its own page, its section/tag/author/archive/home listings, and the few articles relating to it
    assert 1 < result.rendered < 20 < result.pages


def test_unchanged_pages_keep_their_file_and_mtime(make_site):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    (site / "content/world/s00.md").write_text(article("Story 0", "2024-01-01 10:00:00", byline="[Reporter 0]",
                                                       tags="[t0, t1]", summary="Summary 0.", body="Edited."))
    build_site(site, BuildOptions(now=NOW))
    after = snapshot(site / "output")
    assert after["world/s00/index.html"] != before["world/s00/index.html"]
    untouched = [rel for rel in before if "s12" in rel]
    assert untouched and all(after[rel] == before[rel] for rel in untouched)


def test_a_page_changed_by_hand_in_the_output_is_rendered_again(make_site, listing):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    page = site / "output/world/s00/index.html"
    good = page.read_bytes()
    page.write_bytes(b"defaced")
    build_site(site, BuildOptions(now=NOW))
    assert page.read_bytes() == good


@pytest.mark.parametrize("damage", ["not a database", "cut short"])
def test_a_corrupt_cache_is_ignored(make_site, tmp_path, damage):
    from generator.store import Store
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    rows = site / ".broadsheet/cache/articles.sqlite"
    rows.write_bytes(b"not a database" * 100 if damage == "not a database" else rows.read_bytes()[:100])
    story = site / "content/world/s00.md"
    story.write_text(story.read_text() + "\nOne more line.\n")   # so the build has to look at the articles
    result = build_site(site, BuildOptions(now=NOW))
    assert result.articles_cached == 0 and not result.from_graph and (site / "output/index.html").is_file()
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")
    written = Store(site / ".broadsheet/cache", parse_key(load_config(site))).all()     # written anew
    assert len(written) == N and written["content/world/s00.md"][1][0].path == "content/world/s00.md"


def test_no_cache_flag_and_clean_command(make_site):
    site = make_site(corpus())
    assert cli("build", str(site)).returncode == 0
    assert (site / ".broadsheet/cache").is_dir()
    verbose = cli("build", str(site), "--no-cache", "-v").stdout
    assert f"0 of {N} sources reused" in verbose
    cached = cli("build", str(site), "-v").stdout
    assert f"{N} of {N} sources reused" in cached
    result = cli("clean", str(site))
    assert result.returncode == 0 and "removed" in result.stdout and not (site / ".broadsheet/cache").exists()
    assert (site / "content/world/s00.md").is_file() and (site / "output/index.html").is_file()


def test_a_patch_interrupted_after_commit_is_finished_by_the_next_build(make_site, monkeypatch):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    EDITS[0][1](site)
    killed_after_the_journal(site, monkeypatch)
    stages = [p for p in site.iterdir() if p.name.startswith(".output.broadsheet-new-")]
    assert len(stages) == 1 and (stages[0] / ".journal").is_file()
    recover(site / "output")
    assert not leftovers(site)
    assert "A new body." in (site / "output/world/s00/index.html").read_text()


def test_a_no_change_rebuild_only_refreshes_what_the_clock_changes(make_site, tmp_path):
    from datetime import timedelta
    recent = (NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    site = make_site({**corpus(), "content/world/fresh.md": article("Fresh story", recent)})
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    same = build_site(site, BuildOptions(now=NOW))
    assert same.rendered == 0 and "plan" not in same.phases and same.pages > N
    assert snapshot(site / "output") == before
    later = NOW + timedelta(days=3)
    build_site(site, BuildOptions(now=later))
    assert "Fresh story" not in (site / "output/news-sitemap.xml").read_text()
    clean = tmp_path / "clean-later"
    build_site(site, BuildOptions(now=later, output=clean, cache=False))
    assert contents(site / "output") == contents(clean)
    changed = {rel for rel in before if snapshot(site / "output")[rel] != before[rel]}
    assert changed == {"news-sitemap.xml"}


def test_the_clock_driven_rewrite_goes_through_the_sink(make_site, tmp_path, monkeypatch):
    """The no-change build's news sitemap is written as every file is: a crash while writing it
    leaves the published folder as it was (no temporary file in it), and the next build finishes."""
    from datetime import timedelta
    import generator.output as output
    recent = (NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    site = make_site({**corpus(), "content/world/fresh.md": article("Fresh story", recent)})
    build_site(site, BuildOptions(now=NOW))
    before = contents(site / "output")
    written = []
    real_write = output.DiskSink.write
    monkeypatch.setattr(output.DiskSink, "write", lambda self, rel, data: (written.append(rel), real_write(self, rel, data))[1])
    killed_after_the_journal(site, monkeypatch, now=NOW + timedelta(days=3))
    assert written == ["news-sitemap.xml"]
    assert set(contents(site / "output")) == set(before)      # nothing of the killed build's in the output
    build_site(site, BuildOptions(now=NOW + timedelta(days=3)))
    assert "Fresh story" not in (site / "output/news-sitemap.xml").read_text() and not leftovers(site)
    assert contents(site / "output") == contents(_clean_at(site, tmp_path, NOW + timedelta(days=3)))


def _clean_at(site, tmp_path, now):
    out = tmp_path / "clean-at"
    build_site(site, BuildOptions(now=now, output=out, cache=False))
    return out


def test_sources_unchanged_since_the_last_build_are_not_read_again(make_site, tmp_path, monkeypatch):
    from generator import content
    monkeypatch.setattr(content, "RACY_NS", 0)     # trust a stamp however recent (files here are seconds old)
    site = make_site(corpus())
    assert build_site(site, BuildOptions(now=NOW)).read == N
    again = build_site(site, BuildOptions(now=NOW))
    assert again.read == 0 and again.articles_cached == N
    # same size, modification time set back: the change time and the bytes still tell
    story = site / "content/world/s00.md"
    before = story.stat()
    story.write_text(story.read_text().replace("Body of story 0.", "Body of story X."))
    os.utime(story, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert story.stat().st_size == before.st_size and story.stat().st_mtime_ns == before.st_mtime_ns
    edited = build_site(site, BuildOptions(now=NOW))
    assert edited.read == 1
    assert "Body of story X." in (site / "output/world/s00/index.html").read_text()
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_source_saved_just_before_a_build_is_read_again_by_the_next(make_site):
    """A file written within the file system clock's resolution of a build may change again
    without its stamp changing: its stamp is not trusted, the file is read again."""
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    (site / ".broadsheet/cache/articles.sqlite").unlink()
    again = build_site(site, BuildOptions(now=NOW))
    # read and hashed again: the same bytes, so still nothing to parse, render or write
    assert again.read == N and again.rendered == 0 and "plan" not in again.phases
    assert not (site / ".broadsheet/cache/articles.sqlite").exists()


def test_a_build_that_finds_nothing_changed_reads_no_story_and_no_parsed_article(make_site, monkeypatch):
    from generator import content
    monkeypatch.setattr(content, "RACY_NS", 0)
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    (site / ".broadsheet/cache/articles.sqlite").unlink()     # the parsed articles are not needed to tell that nothing changed
    result = build_site(site, BuildOptions(now=NOW))
    assert result.read == 0 and result.rendered == 0 and result.pages > N and "plan" not in result.phases
    assert snapshot(site / "output") == before
    assert not (site / ".broadsheet/cache/articles.sqlite").exists()
    # an output file touched by hand: the build looks again (and has to parse, the rows being gone)
    (site / "output/index.html").write_text("changed by hand")
    result = build_site(site, BuildOptions(now=NOW))
    assert result.articles_cached == 0 and result.rendered == 1
    assert contents(site / "output") == {rel: digest for rel, (digest, _) in before.items()}


def test_nothing_changed_but_the_clock_a_due_story_and_the_news_window_still_rebuild(make_site, tmp_path, monkeypatch):
    from datetime import timedelta
    from generator import content
    monkeypatch.setattr(content, "RACY_NS", 0)
    files = corpus()
    files["content/world/due.md"] = article("Due at one", "2024-06-01 13:00:00+00:00")
    files["content/world/recent.md"] = article("Recent story", "2024-05-30 13:00:00+00:00")
    site = make_site(files)
    build_site(site, BuildOptions(now=NOW))
    assert "Recent story" in (site / "output/news-sitemap.xml").read_text()
    assert not (site / "output/world/due/index.html").exists()
    assert build_site(site, BuildOptions(now=NOW + timedelta(minutes=30))).read == 0   # nothing due yet
    later = NOW + timedelta(hours=1, minutes=1)                        # "Due at one" is due, "Recent" still in the window
    build_site(site, BuildOptions(now=later))
    assert (site / "output/world/due/index.html").exists()
    build_site(site, BuildOptions(now=later, output=tmp_path / "c1", cache=False))
    assert contents(site / "output") == contents(tmp_path / "c1")
    much_later = NOW + timedelta(hours=26)                             # "Recent" has left the 48-hour window
    build_site(site, BuildOptions(now=much_later))
    assert "Recent story" not in (site / "output/news-sitemap.xml").read_text()
    build_site(site, BuildOptions(now=much_later, output=tmp_path / "c2", cache=False))
    assert contents(site / "output") == contents(tmp_path / "c2")


def test_compiled_templates_are_kept_per_code_version_and_follow_template_edits(make_site, tmp_path):
    site = make_site(corpus())
    stale = site / ".broadsheet/cache/templates-0000000000000000"
    stale.mkdir(parents=True)
    build_site(site, BuildOptions(now=NOW))
    [kept] = (site / ".broadsheet/cache").glob("templates-*")
    assert kept != stale and any(kept.iterdir()) and not stale.exists()
    (site / "templates").mkdir()
    (site / "templates/404.html").write_text('{% extends "base.html" %}{% block content %}<h1>Lost</h1>{% endblock %}')
    build_site(site, BuildOptions(now=NOW))
    assert "<h1>Lost</h1>" in (site / "output/404.html").read_text()
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_stories_read_back_from_the_cache_equal_the_parsed_ones(make_site):
    from generator.build import parse_key
    from generator.cache import BuildCache
    from generator.config import load_config
    rich = article("Navy tests a new drone", "2024-02-03 09:54:00", body='Body with a "quote" and [a link](/world/).',
                   updated="2024-02-04T11:00:00+05:30", byline="[Lalit K Jha, Asha Rao]", tags="[Defence, United States]",
                   summary="The standfirst.", kicker="Analysis", aliases="[old/drone.html]",
                   image="{src: /images/ship.svg, alt: A ship at sea, caption: Used for representation., credit: US Navy}",
                   corrections="[{date: 2024-02-05, text: An earlier version misnamed the ship.}]")
    site = make_site({"content/world/drone.md": rich})
    result = build_site(site, BuildOptions(now=NOW))
    fresh = result.site.articles[0]
    cache = BuildCache.open(site, True, parse_key(load_config(site)))
    digest, (cached, problems, body) = cache.articles["content/world/drone.md"]
    assert cached == fresh and cached is not fresh and problems == []
    assert bodies.read(body) == result.site.bodies[fresh.path] and "\u201cquote\u201d" in bodies.read(body)
    bodies.forget()
    assert all(getattr(cached, name) == getattr(fresh, name) for name in ("lines", "extra", "corrections", "image", "modified"))
    assert cached.modified == fresh.modified and cached.corrections and cached.image.credit == "US Navy"
    assert cached.extra == {"kicker": "Analysis"}


def test_files_put_into_the_output_by_hand_go_at_the_next_build(make_site, tmp_path, listing):
    kind, made = listing
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    (site / "output/stray.html").write_text("left here by hand")
    (site / "output/world/s00/notes.txt").write_text("and here")
    assert build_site(site, BuildOptions(now=NOW)).changed == {"stray.html", "world/s00/notes.txt"}   # nothing else changed
    assert contents(site / "output") == clean_build(site, tmp_path, "c1")
    (site / "output/another.html").write_text("again")
    (site / "output/sport/s02/index.html").write_text("defaced")     # a page changed by hand: rendered again
    EDITS[0][1](site)
    build_site(site, BuildOptions(now=NOW))
    assert contents(site / "output") == clean_build(site, tmp_path, "c2")
    assert (kind != "walk") == (len(made) == 2 and all(scan.looked is not None for scan in made))   # not the first build: nothing to list
    assert (kind == "split") == any(scan.split for scan in made)


def test_cached_rebuilds_through_every_edit_equal_clean_builds_with_the_output_listed_early(make_site, tmp_path, listing, edit):
    kind, made = listing
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    for step, (name, change) in enumerate(EDITS):
        edit(site, change)
        build_site(site, BuildOptions(now=NOW))
        assert contents(site / "output") == clean_build(site, tmp_path, f"clean{step}"), f"after the {name} edit"
    assert (kind != "walk") == (len(made) == len(EDITS))
    assert (kind == "split") == any(scan.split for scan in made)


def killed_after_the_journal(site, monkeypatch, now=NOW) -> None:
    """A build of the site killed right after its patch's journal was written, before applying it."""
    import generator.output as output
    real_apply = output._apply

    def crash(stage, out, durable=True):
        raise KeyboardInterrupt
    monkeypatch.setattr(output, "_apply", crash)
    with pytest.raises(KeyboardInterrupt):
        build_site(site, BuildOptions(now=now))
    monkeypatch.setattr(output, "_apply", real_apply)


def test_an_interrupted_patch_is_finished_and_the_output_listed_again(make_site, tmp_path, monkeypatch, listing):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    EDITS[0][1](site)
    killed_after_the_journal(site, monkeypatch)
    EDITS[5][1](site)       # a story deleted: its page must go, though the first listing still had it
    build_site(site, BuildOptions(now=NOW))
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")
    assert not leftovers(site)


def test_what_recovery_writes_is_not_taken_for_the_last_builds_output(make_site, tmp_path, monkeypatch, listing):
    """The output was looked at before a killed build's patch is finished: the files it changes must
    not be carried over as that build left them (here, pages of an edit since taken back)."""
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    EDITS[0][1](site)
    killed_after_the_journal(site, monkeypatch)
    (site / "content/world/s00.md").write_text(corpus()["content/world/s00.md"])     # the edit taken back
    (site / "content/world/s12.md").write_text(article("Story 12", "2024-01-13 10:00:00", byline="[Reporter 0]",
                                                       tags="[t2, t6]", summary="Summary 12.", body="Twelve, edited."))
    build_site(site, BuildOptions(now=NOW))
    assert "A new body." not in (site / "output/world/s00/index.html").read_text()
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_build_that_cannot_fork_to_list_the_output_lists_it_itself(make_site, tmp_path, monkeypatch):
    import generator.incremental.outputs as outputs
    from generator.parallel import Background
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    monkeypatch.setattr(outputs, "SCAN_OUTPUT_FROM", 0)

    def no_fork(self, fn):
        raise BlockingIOError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(Background, "__init__", no_fork)
    (site / "output/stray.html").write_text("left here by hand")
    EDITS[0][1](site)
    build_site(site, BuildOptions(now=NOW))
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_build_that_finds_nothing_changed_does_not_read_the_saved_graph(make_site, tmp_path, monkeypatch):
    """graph.pickle (the last build's story shapes, ~1 MB at 10,000 stories) is read only past
    the diff: an edit build reads it and plans only what the edit touches; related.pickle (the
    related choice) is read only by a build that plans pages, not by one the job graph answers."""
    from generator import cache as cache_module
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    graph = site / ".broadsheet/cache/graph.pickle"
    assert graph.is_file()
    loads = []
    real, whole = cache_module._load, cache_module._load_whole
    monkeypatch.setattr(cache_module, "_load", lambda path: loads.append(path.name) or real(path))
    monkeypatch.setattr(cache_module, "_load_whole", lambda path: loads.append(path.name) or whole(path))
    assert build_site(site, BuildOptions(now=NOW)).changed == set()
    assert "graph.pickle" not in loads and "related.pickle" not in loads and "pages.pickle" in loads
    loads.clear()
    import generator.incremental.outputs as outputs     # the output looked at by a process of its own:
    monkeypatch.setattr(outputs, "SCAN_OUTPUT_FROM", 0)     # it reads the records, this process does not
    assert build_site(site, BuildOptions(now=NOW)).changed == set()
    assert "pages.pickle" not in loads and "builds.pickle" in loads
    EDITS[0][1](site)                                   # a body edit: the graph says what shows the story
    loads.clear()
    result = build_site(site, BuildOptions(now=NOW))
    assert "graph.pickle" in loads and "related.pickle" not in loads and 0 < result.planned < result.pages / 2
    assert result.from_graph and contents(site / "output") == clean_build(site, tmp_path, "clean")
    (site / ".broadsheet/cache/jobs.sqlite").unlink()   # no job graph: the build plans, from the related choice
    EDITS[1][1](site)
    loads.clear()
    result = build_site(site, BuildOptions(now=NOW))
    assert "related.pickle" in loads and not result.from_graph and 0 < result.planned < result.pages / 2


def test_the_shards_of_an_older_cache_go_and_its_stories_are_parsed_again(make_site, tmp_path):
    """Before articles.sqlite, parsed stories were kept in articles-NN.pickle shards: a cache of
    that kind is no cache of stories (they are parsed again), and its shards are deleted."""
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    folder = site / ".broadsheet/cache"
    (folder / "articles.sqlite").unlink()
    for number in range(3):
        (folder / f"articles-{number:02d}.pickle").write_bytes(b"an older cache's shard")
    (site / "content/world/s00.md").write_text((site / "content/world/s00.md").read_text() + "\nOne more line.\n")
    result = build_site(site, BuildOptions(now=NOW))
    assert result.articles_cached == 0 and not list(folder.glob("articles-*.pickle"))
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


@pytest.mark.parametrize("seed", range(6))
def test_a_layered_file_reads_back_what_each_save_held(tmp_path, seed):
    """Random changes to nested tables, saved one after another: each fresh read gives what was
    saved last; most saves write only the changes file, a save that changes much writes the whole."""
    import random
    rng = random.Random(seed)
    path = tmp_path / "t.pickle"
    tables = {"flat": 1, "nested": 2}
    data = {"flat": {f"k{i}": (i, "x") for i in range(50)}, "nested": {"a": {"r": (1,)}, "b": {}}, "small": [1]}
    writer = cache._Layered(path, tables)
    writer.load()
    whole_writes = 0
    for step in range(60):
        data = {"flat": dict(data["flat"]), "nested": {k: dict(v) for k, v in data["nested"].items()}, "small": data["small"]}
        for _ in range(rng.choice([0, 1, 3, 200])):
            what = rng.random()
            if what < 0.3:
                data["flat"][f"k{rng.randrange(80)}"] = (rng.randrange(9), "y")
            elif what < 0.45 and data["flat"]:
                del data["flat"][rng.choice(sorted(data["flat"]))]
            elif what < 0.7:
                outer = rng.choice("abc")
                data["nested"].setdefault(outer, {})[f"r{rng.randrange(9)}"] = (rng.randrange(9),)
            elif what < 0.8 and data["nested"]:
                del data["nested"][rng.choice(sorted(data["nested"]))]
            elif what < 0.9:
                data["small"] = [rng.randrange(9)]
            else:
                inner = data["nested"].get("a")
                if inner:
                    del inner[rng.choice(sorted(inner))]
        before = path.stat().st_mtime_ns if path.exists() else None
        writer.save(data, lambda: dict(data))
        whole_writes += path.stat().st_mtime_ns != before
        read = cache._Layered(path, tables).load()
        assert {k: read[k] for k in data} == data, step
        if rng.random() < 0.3:          # the next build's process: what it read is what it compares with
            writer = cache._Layered(path, tables)
            writer.load()
    assert 1 <= whole_writes < 40


def test_a_layered_files_changes_for_another_whole_file_are_not_laid_over_it(tmp_path):
    path = tmp_path / "t.pickle"
    first = cache._Layered(path, {"flat": 1})
    first.load()
    first.save({"flat": {"a": 1}}, lambda: {"flat": {"a": 1}})          # whole
    first.save({"flat": {"a": 2}}, lambda: {"flat": {"a": 2}})          # the change only
    assert cache._Layered(path, {"flat": 1}).load()["flat"] == {"a": 2}
    changes = path.with_name("t.pickle.changes").read_bytes()
    other = cache._Layered(tmp_path / "u.pickle", {"flat": 1})
    other.load()
    other.save({"flat": {"a": 3}}, lambda: {"flat": {"a": 3}})
    (tmp_path / "u.pickle.changes").write_bytes(changes)               # made for t.pickle's whole file
    assert cache._Layered(tmp_path / "u.pickle", {"flat": 1}).load()["flat"] == {"a": 3}
    path.with_name("t.pickle.changes").write_bytes(b"garbage")
    assert cache._Layered(path, {"flat": 1}).load()["flat"] == {"a": 1}   # (the whole file's: as if no changes)


def test_what_the_rows_need_of_each_body_file_is_kept_as_rows_come_and_go(tmp_path):
    """store.Store.live()/files() read the bodies table the triggers keep: it must equal what a pass
    over every row says, after rows written, replaced, moved to another file and dropped."""
    import random
    from generator.store import Store
    store = Store(tmp_path, "key")
    rng = random.Random(3)

    def entry(file: str, start: int, length: int):     # (no file: a source with problems, no body)
        return ("digest", ("article", [], (file, start, length))) if file else ("digest", (None, ["problem"], None))
    for step in range(40):
        changed = {f"content/s{rng.randrange(30)}.md": entry(rng.choice(["", f"b{rng.randrange(4)}"]), rng.randrange(100),
                                                              rng.randrange(1, 50))
                   for _ in range(rng.randrange(1, 6))}
        gone = [f"content/s{rng.randrange(30)}.md" for _ in range(rng.randrange(3))]
        gone = [path for path in gone if path not in changed]
        assert store.write(changed, gone, everything=step % 13 == 0)
        by_pass = {}
        for file, length in store._open().execute("SELECT file, SUM(length) FROM articles WHERE file IS NOT NULL GROUP BY file"):
            by_pass[file.decode()] = length
        assert store.live() == by_pass and store.files() == set(by_pass), step


def test_stories_whose_bytes_the_walk_did_not_keep_are_read_again_where_they_are_parsed(make_site, tmp_path, monkeypatch):
    """Past content.KEEP_BYTES the walk hashes a story's bytes and lets them go; the parse reads
    them again. The output is the same, and a story saved in between is parsed and kept under the
    digest of the bytes parsed, so taking the edit back later is not answered with its parse."""
    import generator.content as content
    import generator.phases as phases
    site = make_site(corpus())
    clean = clean_build(site, tmp_path, "kept")
    monkeypatch.setattr(content, "KEEP_BYTES", 0)
    assert clean_build(site, tmp_path, "read again") == clean
    story = site / "content/world/s00.md"
    before = story.read_text()
    real = phases.parse_all

    def saved_meanwhile(sources, *args, **kwargs):
        story.write_text(before.replace("Body", "Saved during the build:", 1))
        return real(sources, *args, **kwargs)
    monkeypatch.setattr(phases, "parse_all", saved_meanwhile)
    build_site(site, BuildOptions(now=NOW))
    assert "Saved during the build:" in (site / "output/world/s00/index.html").read_text()
    monkeypatch.setattr(phases, "parse_all", real)
    story.write_text(before)                    # the edit taken back: the bytes the walk had hashed
    build_site(site, BuildOptions(now=NOW))
    assert "Saved during the build:" not in (site / "output/world/s00/index.html").read_text()
    assert contents(site / "output") == clean_build(site, tmp_path, "after")


def test_a_story_gone_between_the_walk_and_its_parse_fails_the_build_naming_it(make_site, monkeypatch):
    """Read again where it is parsed (past content.KEEP_BYTES), a story deleted in between is a
    problem naming the file, not a traceback, and the previous output stays as it was."""
    import generator.content as content
    import generator.phases as phases
    from generator.problems import BuildError
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    monkeypatch.setattr(content, "KEEP_BYTES", 0)
    story = site / "content/world/s00.md"
    story.write_text(story.read_text() + "\nA new line.\n")    # so the story is read by the walk
    real = phases.parse_all

    def gone_meanwhile(sources, *args, **kwargs):
        story.unlink(missing_ok=True)       # (the job graph's parse asks first, then the full one)
        return real(sources, *args, **kwargs)
    monkeypatch.setattr(phases, "parse_all", gone_meanwhile)
    with pytest.raises(BuildError) as failed:
        build_site(site, BuildOptions(now=NOW))
    assert [(p.path, p.message.split(":")[0]) for p in failed.value.problems] == [("content/world/s00.md", "cannot be read")]
    assert snapshot(site / "output") == before


@pytest.mark.parametrize("settled", [True, False], ids=["settled", "just saved"])
def test_the_stamps_kept_are_those_of_the_stories_there_as_they_are(make_site, monkeypatch, settled):
    """A build notes only what changed of the recorded stamps (cache.read): a story edited, added
    or deleted is kept as it is, or dropped, and each stamp kept is the file's own; a stamp of a
    file saved just before the build is not kept (it cannot be trusted yet: see Stamp.settled)."""
    import hashlib
    from generator import content
    from generator.content import Stamp
    monkeypatch.setattr(content, "RACY_NS", 0)
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    build_site(site, BuildOptions(now=NOW))
    if not settled:
        monkeypatch.setattr(content, "RACY_NS", 10**12)
    EDITS[0][1](site)                                       # edited
    (site / "content/business/s04.md").unlink()             # deleted
    (site / "content/world/new.md").write_text(article("A new story", "2024-03-30 10:00:00", tags="[t0]"))
    build_site(site, BuildOptions(now=NOW))
    stamps = cache.BuildCache.open(site, True, parse_key(load_config(site))).stamps
    there = {str(p.relative_to(site)) for p in (site / "content").rglob("*.md")}
    fresh = {"content/world/s00.md", "content/world/new.md"}
    assert set(stamps) == (there if settled else there - fresh)
    for path, (stamp, digest) in stamps.items():
        assert tuple(stamp) == tuple(Stamp.of(os.stat(site / path))), path
        assert digest == hashlib.sha256((site / path).read_bytes()).hexdigest(), path
