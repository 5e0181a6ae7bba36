"""The saved job graph (generator/incremental/graph.py): a build that finds only published stories
changed, none of them in its shape(), plans nothing but the jobs the last build's graph says show
them (and the sitemaps, from the graph's dates, if a story's last change moved). Its output must be a full plan's, and anything the graph
cannot answer for must make the build plan as before."""
from types import SimpleNamespace

import pytest

from generator.build import BuildOptions, build_site
from generator.content import read_sources
from generator.incremental.graph import Entries, Graph, changed_sources, load, save
from generator.incremental.last import LastBuild
from conftest import NOW, article, snapshot
from test_replan import EDITS, contents, corpus, edit, keys, path

# the edits of test_replan that the graph answers for: only stories' bytes, and when they were last
# changed unless that moves the copyright year or takes back the newest change of all
FROM_GRAPH = {"body", "title of a story with a redirect", "summary", "two stories at once", "a draft's body",
              "body back as it was", "body after the config", "updated", "updated again", "a correction"}


@pytest.mark.parametrize("steps, answered", [
    (["2024-05-01 09:00:00"], [True]),                                  # the newest change of all now
    (["2024-05-01 09:00:00", "2024-05-02 09:00:00"], [True, True]),
    (["2024-05-01 09:00:00", "2024-04-29 09:00:00"], [True, False]),   # the newest moved back
    (["2024-04-20 09:00:00", "2024-04-21 09:00:00"], [True, True]),    # not the newest either time
    (["2024-05-01 09:00:00", "2025-01-01 09:00:00"], [True, False]),   # another year
])
def test_an_update_is_answered_by_the_graph_with_the_sitemaps_dated_as_a_full_plan(make_site, tmp_path, steps, answered):
    import lxml.etree
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    got = []
    for step, updated in enumerate(steps):
        edit(8, updated=updated, body=f"Update {step}.")(site)
        result = build_site(site, BuildOptions(now=NOW))
        got.append(result.from_graph)
        full = tmp_path / f"full{step}"
        build_site(site, BuildOptions(now=NOW, output=full, cache=False))
        assert contents(site / "output") == contents(full), step
        assert "sitemap.xml" in result.changed, step
        dates = {u.findtext("{*}loc"): u.findtext("{*}lastmod")
                 for u in lxml.etree.parse(str(site / "output/sitemap.xml")).getroot()}
        assert any(date.startswith(updated[:10]) for loc, date in dates.items() if loc.endswith("/s08/")), step
    assert got == answered


def test_the_graph_answers_for_story_edits_and_its_pages_are_a_full_plans(make_site, tmp_path):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    answered = set()
    for step, (name, change, _) in enumerate(EDITS):
        change(site)
        result = build_site(site, BuildOptions(now=NOW))
        if result.from_graph:
            answered.add(name)
            assert result.planned < result.pages and result.rendered <= result.planned, name
        full = tmp_path / f"full{step}"
        build_site(site, BuildOptions(now=NOW, output=full, cache=False))
        assert contents(site / "output") == contents(full), f"after the {name} edit"
    assert answered == FROM_GRAPH


def test_the_graph_plans_what_a_plan_of_the_changed_stories_plans(make_site):
    """The same pages, the same keys: the graph's jobs are keyed again by the rule the plan keys by."""
    planned = {}
    for graph in (True, False):
        site = make_site(corpus(), name=f"site-{graph}")
        build_site(site, BuildOptions(now=NOW))
        if not graph:
            (site / ".broadsheet/cache/jobs.sqlite").unlink()
        edit(0, body="A new body.")(site)
        result = build_site(site, BuildOptions(now=NOW))
        assert result.from_graph == graph
        planned[graph] = (result.planned, result.rendered, sorted(result.changed), keys(site, site / "output"))
    assert planned[True] == planned[False]


@pytest.mark.parametrize("damage", ["gone", "garbage", "another graph"])
def test_a_graph_that_cannot_answer_makes_the_build_plan_afresh(make_site, tmp_path, damage):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    db = site / ".broadsheet/cache/jobs.sqlite"
    if damage == "gone":
        db.unlink()
    elif damage == "garbage":
        db.write_bytes(b"not a database" * 100)
    else:       # a graph saved by some other build, under this output's name
        other = make_site(corpus() | {path(0): article("Another site")}, name="other")
        build_site(other, BuildOptions(now=NOW, output=site / "output2"))
        graph = load(other / ".broadsheet/cache", str(site / "output2"))
        save(site / ".broadsheet/cache", str((site / "output").absolute()), Graph("x" * 16, dict(graph.jobs),
             dict(graph.index), graph.tax, graph.image_sizes, graph.newest, Entries(graph.entries.list())))
    edit(0, body="A new body.")(site)
    result = build_site(site, BuildOptions(now=NOW))
    assert not result.from_graph and result.planned < result.pages
    assert "A new body." in (site / "output/world/s00/index.html").read_text()
    build_site(site, BuildOptions(now=NOW, output=tmp_path / "clean", cache=False))
    assert contents(site / "output") == contents(tmp_path / "clean")
    edit(0, body="Another body.")(site)      # that build saved a graph that holds: the next one uses it
    assert build_site(site, BuildOptions(now=NOW)).from_graph


def test_an_edit_built_into_another_output_first_is_still_seen(make_site, tmp_path):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    edit(0, body="A new body.")(site)
    assert not build_site(site, BuildOptions(now=NOW, output=tmp_path / "elsewhere")).from_graph   # (no graph there yet)
    result = build_site(site, BuildOptions(now=NOW))    # the stamps say unchanged; this output's last build says not
    assert result.from_graph and "A new body." in (site / "output/world/s00/index.html").read_text()


def _last(sources, **digests) -> LastBuild:
    stories = {s.path: (digests.get(s.path, s.digest), "shape", "when") for s in sources if "draft" not in s.path}
    return LastBuild("", {}, "", None, [], stories=stories,
                     unpublished={s.path: s.digest for s in sources if "draft" in s.path})


def test_changed_sources_are_the_stories_whose_bytes_changed_if_nothing_else_did(make_site):
    site = make_site(corpus())
    sources, _ = read_sources(site)
    assert changed_sources(_last(sources), sources) == []
    edited = changed_sources(_last(sources, **{path(3): "old"}), sources)
    assert [s.path for s in edited] == [path(3)]
    draft = "content/world/draft.md"
    last = _last(sources)
    assert [s.path for s in changed_sources(last._replace(unpublished={draft: "old"}), sources)] == [draft]
    held = last._replace(unpublished={draft: "old"}, scheduled=[SimpleNamespace(path=draft)])
    assert changed_sources(held, sources) is None                                            # a held-back story edited
    assert changed_sources(last, [s for s in sources if s.path != path(3)]) is None          # a story gone
    assert changed_sources(last, [s for s in sources if s.path != draft]) is None            # a draft gone
    (site / "content/world/new.md").write_text(article("New"))
    assert changed_sources(last, read_sources(site)[0]) is None                              # a story added
    assert changed_sources(last._replace(stories=None), sources) is None                     # nothing saved


def test_a_site_whose_folder_name_is_not_utf8_keeps_its_graph(make_site, tmp_path):
    site = make_site(corpus(), name="caf\udce9\nnews")     # (the bytes b"caf\xe9\nnews": Latin-1, not UTF-8)
    build_site(site, BuildOptions(now=NOW))
    edit(0, body="Edited.")(site)
    result = build_site(site, BuildOptions(now=NOW))
    assert result.from_graph and "Edited." in (site / "output/world/s00/index.html").read_text()
    build_site(site, BuildOptions(now=NOW, output=tmp_path / "clean", cache=False))
    assert contents(site / "output") == contents(tmp_path / "clean")


def test_a_draft_edited_changes_nothing_but_is_seen_when_it_is_published(make_site, tmp_path):
    """A draft's edit is answered by the graph (nothing shows it), a draft published is not."""
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    before = contents(site / "output")
    draft = site / "content/world/draft.md"
    draft.write_text(article("A draft", "2024-03-01 10:00:00", draft="true", body="Still not yet."))
    result = build_site(site, BuildOptions(now=NOW))
    assert result.from_graph and result.rendered == 0 and contents(site / "output") == before
    draft.write_text(article("A draft", "2024-03-01 10:00:00", draft="true", body="Nearly."))
    assert build_site(site, BuildOptions(now=NOW)).from_graph      # (the digest it was seen with is kept)
    draft.write_text(article("A draft", "2024-03-01 10:00:00", body="Out now."))
    result = build_site(site, BuildOptions(now=NOW))
    assert not result.from_graph and "Out now." in (site / "output/world/draft/index.html").read_text()
    build_site(site, BuildOptions(now=NOW, output=tmp_path / "clean", cache=False))
    assert contents(site / "output") == contents(tmp_path / "clean")


def test_an_update_with_the_graphs_dates_lost_is_planned_afresh(make_site, tmp_path):
    import sqlite3
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    db = sqlite3.connect(site / ".broadsheet/cache/jobs.sqlite")
    with db:
        db.execute("DELETE FROM sitemaps")
    db.close()
    edit(0, body="A new body.")(site)            # not an update: the dates are not asked for
    assert build_site(site, BuildOptions(now=NOW)).from_graph
    edit(8, updated="2024-05-01 09:00:00")(site)
    result = build_site(site, BuildOptions(now=NOW))
    assert not result.from_graph and "sitemap.xml" in result.changed
    build_site(site, BuildOptions(now=NOW, output=tmp_path / "clean", cache=False))
    assert contents(site / "output") == contents(tmp_path / "clean")
    edit(8, updated="2024-05-02 09:00:00")(site)  # that build saved a graph with dates again
    assert build_site(site, BuildOptions(now=NOW)).from_graph


@pytest.fixture
def trusted(monkeypatch):
    """Whether each build asked changed_sources() to take the unread sources as the last build had them."""
    from generator.incremental import graph
    asked = []
    real = graph.changed_sources
    monkeypatch.setattr("generator.build.changed_sources",
                        lambda last, sources, unread_as_before=False: asked.append(unread_as_before) or
                        real(last, sources, unread_as_before))
    return asked


@pytest.mark.parametrize("between", ["none", "another output"])
def test_a_story_another_output_was_built_from_since_is_changed_for_this_one(make_site, tmp_path, monkeypatch, between,
                                                                           trusted):
    """The recorded stamps are every output's: after another output is built from a story's new
    bytes, its stamp is as recorded and the walk does not read it, yet this output's last build
    had its old bytes. Only while the stamps are the version this output's last build left are
    the sources the walk did not read taken as that build had them."""
    from generator import content
    monkeypatch.setattr(content, "RACY_NS", 0)      # (the stamps of files just saved are kept)
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    edit(0, body="Edited for the other output.")(site)
    if between == "another output":
        build_site(site, BuildOptions(now=NOW, output=tmp_path / "other"))
    else:
        assert build_site(site, BuildOptions(now=NOW)).from_graph
    edit(12, body="Then this one.")(site)
    trusted.clear()
    result = build_site(site, BuildOptions(now=NOW))
    assert result.from_graph and trusted == [between == "none"]
    build_site(site, BuildOptions(now=NOW, output=tmp_path / "full", cache=False))
    assert contents(site / "output") == contents(tmp_path / "full")
    assert "Edited for the other output." in (site / "output" / "world/s00/index.html").read_text()


def test_a_no_change_build_that_notes_a_stamp_anew_keeps_the_unread_sources_trusted(make_site, monkeypatch, trusted):
    """A story saved just before a build is read again by the next one and its stamp noted then
    (Stamp.settled): that changes the stamps' version, but the bytes are the last build's (the
    build found nothing changed), so the build after it still looks only at what its walk read."""
    from generator import content
    site = make_site(corpus())
    monkeypatch.setattr(content, "RACY_NS", 0)
    build_site(site, BuildOptions(now=NOW))
    monkeypatch.setattr(content, "RACY_NS", 10**12)     # the edited story's stamp not kept yet
    edit(0, body="Edited.")(site)
    assert build_site(site, BuildOptions(now=NOW)).from_graph
    monkeypatch.setattr(content, "RACY_NS", 0)          # settled now: the next build notes it
    result = build_site(site, BuildOptions(now=NOW))
    assert result.changed == set() and result.read == 1
    edit(12, body="Then this one.")(site)
    trusted.clear()
    assert build_site(site, BuildOptions(now=NOW)).from_graph and trusted == [True]
