"""Planning only what changed: when only stories' bytes changed, and none of them in its shape
(where it is published, what it is filed under, when), a rebuild plans only the pages that show
one of them. Its output and its pages' keys must be a full plan's, always."""
import shutil

import lxml.html

import pytest

from generator.build import BuildOptions, build_site, parse_key
from generator.cache import BuildCache
from generator.config import load_config
from generator.plan import job_modified, plan, sitemap_entries
from conftest import NOW, REPO, SITE_TOML, article, snapshot

N = 30


def story(i: int, **changes) -> str:
    fields = dict(title=f"Story {i}", published=f"2024-0{1 + i % 4}-{1 + i % 28:02d} {10 + i // 28}:00:00", byline=f"[Reporter {i % 4}]",
                  tags=f"[t{i % 5}, t{(i + 1) % 7}]", summary=f"Summary {i}.", body=f"Body of story {i}.")
    if i == 7:
        fields["aliases"] = "[/old/seven/]"     # a redirect shows the story's title
    fields.update(changes)
    return article(**fields)


def section(i: int) -> str:
    return ("world", "business", "sport")[i % 3]


def path(i: int) -> str:
    return f"content/{section(i)}/s{i:02d}.md"


def corpus() -> dict[str, str]:
    files = {path(i): story(i) for i in range(N)}
    files["content/world/draft.md"] = article("A draft", "2024-03-01 10:00:00", draft="true", body="Not yet.")
    return files


def edit(i: int, **changes):
    return lambda site: (site / path(i)).write_text(story(i, **changes))


# (name, edit, planned only what changed?)
EDITS = [
    ("body", edit(0, body="A new body."), True),
    ("title of a story with a redirect", edit(7, title="Seven, retitled"), True),
    ("summary", edit(12, summary="A new summary."), True),
    ("two stories at once", lambda s: (edit(3, body="Three.")(s), edit(4, title="Four, retitled")(s)), True),
    ("a draft's body", lambda s: (s / "content/world/draft.md").write_text(
        article("A draft", "2024-03-01 10:00:00", draft="true", body="Still not yet.")), True),
    ("body back as it was", edit(0), True),
    ("tags", edit(5, tags="[brand-new]"), False),
    ("byline", edit(6, byline="[Someone Else]"), False),
    ("updated", edit(8, updated="2024-05-01 09:00:00"), True),
    ("updated again", edit(8, updated="2024-05-02 09:00:00", body="Updated twice."), True),
    ("a correction", edit(17, corrections='[{date: "2024-05-03 08:00:00", text: "A name was misspelt."}]'), True),
    ("updated in a later year", edit(18, updated="2025-01-02 09:00:00"), False),     # the copyright year changes
    ("the update taken back", edit(18), False),
    ("date, same order", edit(9, published="2024-02-10 11:00:00"), False),
    ("slug", edit(10, slug="ten-renamed"), False),
    ("aliases", edit(11, aliases="[/old/eleven/]"), False),
    ("section", edit(13, section="opinion"), False),
    ("published as a draft", edit(14, draft="true"), False),
    ("the draft published", lambda s: (s / "content/world/draft.md").write_text(
        article("A draft", "2024-03-01 10:00:00", body="Now out.")), False),
    ("add", lambda s: (s / "content/world/new.md").write_text(article("A new story", "2024-03-30 10:00:00")), False),
    ("delete", lambda s: (s / path(15)).unlink(), False),
    ("config", lambda s: (s / "site.toml").write_text(SITE_TOML.replace("All the news that fits.", "New.")), False),
    ("body after the config", edit(16, body="Sixteen."), True),
]


def keys(site, output) -> dict[str, str]:
    """The key of each file of the output, as the build cache recorded them."""
    cache = BuildCache.open(site, True, parse_key(load_config(site)))
    return {rel: record.key for rel, record in cache.previous_pages(output).items()}


def contents(folder) -> dict[str, str]:
    return {rel: digest for rel, (digest, _mtime) in snapshot(folder).items()}


def test_a_rebuild_that_plans_only_what_changed_equals_a_full_plan(make_site, tmp_path, listing):
    site = make_site(corpus())
    first = build_site(site, BuildOptions(now=NOW))
    assert first.planned == first.pages
    for step, (name, change, partial) in enumerate(EDITS):
        change(site)
        result = build_site(site, BuildOptions(now=NOW))
        assert (result.planned < result.pages) == partial, name
        # the same site built afresh into another output (planned in full: it has no last build)
        full = tmp_path / f"full{step}"
        whole = build_site(site, BuildOptions(now=NOW, output=full))
        assert whole.planned == whole.pages == result.pages, name
        assert keys(site, site / "output") == keys(site, full), f"after the {name} edit"
        assert contents(site / "output") == contents(full), f"after the {name} edit"
        clean = build_site(site, BuildOptions(now=NOW, output=tmp_path / f"clean{step}", cache=False))
        assert contents(tmp_path / f"clean{step}") == contents(full) and clean.files == result.files


def test_a_body_edit_plans_its_page_its_listings_feeds_and_the_stories_relating_to_it(make_site):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    EDITS[0][1](site)
    result = build_site(site, BuildOptions(now=NOW))
    assert 5 < result.planned < 20 and result.rendered <= result.planned
    # what changed shows the story (its page; the full-text feeds), or the clock (the news sitemap)
    out = site / "output"
    assert "A new body." in (out / "world/s00/index.html").read_text()
    assert "world/s00/index.html" in result.changed
    assert all("Story 0" in (out / rel).read_text() for rel in result.changed - {"news-sitemap.xml", "robots.txt"})


def test_a_page_changed_by_hand_makes_the_rebuild_plan_everything(make_site, tmp_path, listing):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    page = site / "output/sport/s02/index.html"     # shows nothing of the edited story
    good = page.read_bytes()
    page.write_bytes(b"defaced")
    EDITS[0][1](site)
    result = build_site(site, BuildOptions(now=NOW))
    assert result.planned == result.pages and page.read_bytes() == good
    assert (listing[0] != "walk") == (len(listing[1]) == 1)     # looked at in a process of its own (or one per core), or not
    assert all(scan.split == (listing[0] == "split") for scan in listing[1])


@pytest.mark.parametrize("gone", ["a page", "a feed"])
def test_a_file_gone_from_the_output_makes_the_rebuild_plan_everything(make_site, gone, listing):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    lost = site / ("output/sport/s02/index.html" if gone == "a page" else "output/authors/reporter-2/feed.xml")
    good = lost.read_bytes()
    lost.unlink()
    EDITS[0][1](site)
    result = build_site(site, BuildOptions(now=NOW))
    assert result.planned == result.pages and lost.read_bytes() == good


def test_the_last_build_of_another_output_does_not_count(make_site, tmp_path):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    EDITS[0][1](site)
    build_site(site, BuildOptions(now=NOW, output=tmp_path / "elsewhere"))   # the edit goes there first
    result = build_site(site, BuildOptions(now=NOW))
    assert result.planned < result.pages and "A new body." in (site / "output/world/s00/index.html").read_text()


@pytest.mark.parametrize("which", ["corpus", "example"])
def test_the_sitemaps_pages_worked_out_without_a_plan_are_the_plans(make_site, tmp_path, which):
    if which == "corpus":
        files = corpus()
        files.update({f"content/sport/more{i:02d}.md": story(40 + i, tags="[t1]") for i in range(25)})  # listings of 2+ pages
        site_dir = make_site(files)
    else:
        site_dir = tmp_path / "example"
        site_dir.mkdir()
        for name in ("site.toml", "content", "static", "data"):
            source = REPO / name
            (shutil.copytree if source.is_dir() else shutil.copy)(source, site_dir / name)
    site = build_site(site_dir, BuildOptions(now=NOW)).site
    from_plan = [(job.url_path, job.modified) for job in plan(site) if job.in_sitemap]
    assert len(from_plan) > 40 and sitemap_entries(site) == from_plan
    # and each job's date follows from the job alone, as a job read back from the saved graph is dated
    jobs = plan(site)
    assert {job.kind for job in jobs} >= {"home", "listing", "archive", "article", "redirect", "404"}
    assert [job_modified(site, job) for job in jobs] == [job.modified for job in jobs]


def test_every_page_template_the_plan_uses_is_keyed_and_an_unkeyed_one_fails_loudly(make_site, monkeypatch):
    """A page template missing from PAGE_TEMPLATES would never render again when edited (its
    pages' keys would not hold its files): planning such a page is an error, not a stale page."""
    import generator.plan as plan_module
    site_dir = make_site({**corpus(), "content/world/s00.md": story(0, aliases="[/old/zero/]")})
    result = build_site(site_dir, BuildOptions(now=NOW))
    used = {job.template for job in plan(result.site)}
    assert used <= plan_module.PAGE_TEMPLATES and {"article.html", "list.html", "redirect.html"} <= used
    monkeypatch.setattr(plan_module, "PAGE_TEMPLATES", plan_module.PAGE_TEMPLATES - {"archive.html"})
    (site_dir / "templates").mkdir()
    (site_dir / "templates/archive.html").write_text('{% extends "base.html" %}{% block content %}<h1>Archive</h1>{% endblock %}')
    with pytest.raises(LookupError, match="archive.html"):
        build_site(site_dir, BuildOptions(now=NOW))


def test_a_new_ordering_rule_reaches_partial_rebuilds_without_touching_the_planner(make_site, tmp_path, monkeypatch):
    """Listings ordered by when a story last changed (a rule a newsroom may choose): an `updated:`
    edit moves a story up every listing. The rule is stated once (listings.LISTING_ORDER), and a
    rebuild plans only what changed only while the site's list keeps its order, so the new rule
    needs nothing in the planner: a clean build and a cached one agree."""
    import generator.listings as listings
    monkeypatch.setattr(listings, "LISTING_ORDER", (("modified", True), ("path", False)))
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    edit(13, updated="2024-05-20 09:00:00")(site)          # an old story, updated: now the newest
    build_site(site, BuildOptions(now=NOW))
    clean = tmp_path / "clean"
    build_site(site, BuildOptions(now=NOW, output=clean, cache=False))
    assert contents(site / "output") == contents(clean)
    first_card = lxml.html.parse(str(clean / "index.html")).xpath("//h2//a/text()")
    assert first_card and first_card[0] == "Story 13"
