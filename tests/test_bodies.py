"""Article bodies kept in the build cache's files (generator/bodies.py): parse workers write them,
the shards hold only where each is (beside the article, which holds no body), rendering reads
them back only for the pages it makes, and a rebuild still equals a clean build whatever happens
to those files."""
import subprocess
import sys
from pathlib import Path

import pytest

from generator import bodies, phases as build_module, cache as cache_module
from generator.build import BuildOptions, build_site, parse_key
from generator.phases import parse_all
from generator.cache import BuildCache
from generator.config import load_config
from generator.content import Source
from generator.problems import BuildError
from conftest import NOW, REPO, SITE_TOML, article
from test_cache import N, clean_build, contents, corpus

BODIES = Path(".broadsheet/cache/bodies")


def body_files(site):
    return sorted(p.name for p in (site / BODIES).glob("*.html"))


def cached_articles(site):
    return BuildCache.open(site, True, parse_key(load_config(site))).articles


def test_a_cached_story_keeps_only_where_its_body_is_and_reads_it_back(make_site, tmp_path):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    plain = build_site(site, BuildOptions(now=NOW, output=tmp_path / "plain", cache=False)).site
    articles = {a.path: a for a in plain.articles}
    saved = cached_articles(site)
    assert len(saved) == N and body_files(site)
    for path, (_digest, (a, _problems, where)) in saved.items():
        assert bodies.is_ref(where) and where[0].startswith(str(site / BODIES))
        assert bodies.read(where) == plain.bodies[path] and "Body of story" in plain.bodies[path]
        assert a == articles[path]
    bodies.forget()


def test_a_missing_or_cut_body_file_is_no_cache(make_site, tmp_path):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    [name] = body_files(site)           # 24 stories parsed in this process: one file
    path = site / BODIES / name
    path.write_bytes(path.read_bytes()[:-10])
    story = site / "content/world/s00.md"
    story.write_text(story.read_text() + "\nOne more line.\n")   # the build must look at the articles
    result = build_site(site, BuildOptions(now=NOW))
    # the shards whose stories' bodies lay past the cut are no cache; the others still are
    assert 0 < result.articles_cached < N - 1 and contents(site / "output") == clean_build(site, tmp_path, "c1")
    for file in (site / BODIES).glob("*.html"):
        file.unlink()
    story.write_text(story.read_text() + "\nAnd another.\n")
    result = build_site(site, BuildOptions(now=NOW))
    assert result.articles_cached == 0 and contents(site / "output") == clean_build(site, tmp_path, "c2")
    assert build_site(site, BuildOptions(now=NOW)).articles_cached == N


def test_a_failed_build_leaves_no_body_files_of_its_own(make_site):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    before = body_files(site)
    (site / "content/world/fresh.md").write_text(article("Fresh story", "2024-03-01 10:00:00", body="New words."))
    (site / "content/world/clash.md").write_text(article("Clash", "2024-03-01 10:00:00", slug="s00"))   # s00's URL
    with pytest.raises(BuildError):
        build_site(site, BuildOptions(now=NOW))
    assert body_files(site) == before


def test_body_files_no_story_needs_go_and_small_ones_are_merged(make_site, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "MAX_SMALL_FILES", 3)
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    counts = []
    for i in range(8):      # each build parses one edited story: one new small file
        story = site / f"content/world/s{(3 * i) % N:02d}.md"
        story.write_text(story.read_text() + f"\nEdit {i}.\n")
        build_site(site, BuildOptions(now=NOW))
        counts.append(len(body_files(site)))
    assert counts[:3] == [2, 3, 1] and max(counts) == 3     # merged into one when a 4th would pile up
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")
    assert build_site(site, BuildOptions(now=NOW)).articles_cached == N
    needed = {where[0] for _d, (_a, _p, where) in cached_articles(site).values()}
    assert needed == {str(site / BODIES / name) for name in body_files(site)}


def test_body_files_mostly_of_deleted_stories_are_compacted(make_site, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "SMALL_BODY_FILE", 10)     # bytes: no file counts as small
    files = corpus()
    files["content/world/long.md"] = article("Long", "2024-01-09 10:00:00", body="Words. " * 3000)
    site = make_site(files)
    build_site(site, BuildOptions(now=NOW))
    size = lambda: sum(f.stat().st_size for f in (site / BODIES).glob("*.html"))  # noqa: E731
    big = size()
    (site / "content/world/long.md").unlink()
    build_site(site, BuildOptions(now=NOW))
    assert size() < big / 4      # the long body's bytes are gone, not kept beside the live ones
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_parse_workers_send_back_where_the_bodies_are(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "T"\nbase_url = "https://example.com/"\n')
    config = load_config(site)
    sources = []
    for i in range(450):        # enough for two workers
        data = article(f"Story {i}", "2024-02-03 09:54:00", body=f"Body *{i}* with “quotes” — and ünïcode.").encode()
        sources.append(Source(f"content/world/s{i:03d}.md", data, f"digest{i}"))
    in_memory, problems, plain = parse_all(sources, config, workers=2, cache=None)
    store = BuildCache(tmp_path / "cache", "key")
    stored, problems2, kept = parse_all(sources, config, workers=2, cache=store)
    assert not problems and not problems2 and stored == in_memory
    plain_bodies = [plain[s.path][1][2] for s in sources]
    refs = [kept[s.path][1][2] for s in sources]
    assert all(type(body) is str for body in plain_bodies)
    assert all(bodies.is_ref(ref) for ref in refs)
    assert len({ref[0] for ref in refs}) > 1      # written by more than one chunk
    assert list(map(bodies.read, refs)) == plain_bodies and "<em>7</em>" in plain_bodies[7]
    assert dict(cache_module.bodies_of(kept)) == dict(cache_module.bodies_of(plain))
    bodies.forget()


def test_a_cache_kept_in_memory_holds_its_bodies_itself(make_site):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    kept = BuildCache.in_memory(site, parse_key(load_config(site)))
    assert all(type(body) is str for _d, (_a, _p, body) in kept.articles.values())
    for file in (site / BODIES).glob("*.html"):
        file.unlink()       # a `broadsheet build` meanwhile may drop the files it read them from
    result = build_site(site, BuildOptions(now=NOW, output=site / "preview"), cache=kept)
    assert result.articles_cached == N and (site / "preview/world/s00/index.html").read_text().count("Body of story 0") == 1


def test_reading_a_cut_body_file_says_what_to_do(tmp_path):
    writer = bodies.Writer(tmp_path, "f")
    ref = writer.add("<p>Olá</p>")
    writer.close()
    assert bodies.read(ref) == "<p>Olá</p>"
    bodies.forget()
    Path(ref[0]).write_bytes(b"<p>")
    with pytest.raises(OSError, match="delete .broadsheet/cache"):
        bodies.read(ref)
    assert not bodies.usable(bodies.needs([ref])) and bodies.usable({ref[0]: 3})
    bodies.forget()


def test_a_cache_that_cannot_be_written_never_fails_the_build(make_site, tmp_path):
    site = make_site(corpus())
    (site / ".broadsheet").mkdir()
    (site / ".broadsheet/cache").write_text("a file where the cache folder would go")
    for _ in range(2):
        result = build_site(site, BuildOptions(now=NOW))
        assert result.pages and contents(site / "output") == clean_build(site, tmp_path, f"clean{_}")


def test_parse_workers_keep_the_bodies_when_their_file_cannot_be_written(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.toml").write_text('title = "T"\nbase_url = "https://example.com/"\n')
    config = load_config(site)
    sources = [Source(f"content/world/s{i:03d}.md", article(f"Story {i}", body=f"Body *{i}*.").encode(), f"d{i}")
               for i in range(450)]
    blocked = tmp_path / "cache"
    blocked.write_text("not a folder")      # so cache/bodies cannot be made
    _, problems, stored = parse_all(sources, config, workers=2, cache=BuildCache(blocked, "key"))
    _, _, in_memory = parse_all(sources, config, workers=2, cache=None)
    kept = [stored[s.path][1][2] for s in sources]
    assert not problems and kept == [in_memory[s.path][1][2] for s in sources]
    assert all(type(body) is str for body in kept) and "<em>3</em>" in kept[3]


def test_the_model_holds_no_body_and_imports_nothing_of_the_cache():
    """The content model is plain data: importing it loads no other module of Broadsheet's, and
    the parser and what presents stories load neither the cache nor its body files."""
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]: importlib.import_module(name)\n"
            "print(' '.join(m for m in sys.modules if m.startswith('generator')))")

    def loaded(*modules: str) -> set[str]:
        run = subprocess.run([sys.executable, "-c", code, *modules], cwd=REPO, capture_output=True, text=True, check=True)
        return set(run.stdout.split())

    assert loaded("generator.model") == {"generator", "generator.model"}
    pure = loaded("generator.frontmatter", "generator.present", "generator.feeds", "generator.jsonfeed")
    assert "generator.model" in pure and not pure & {"generator.cache", "generator.bodies"}
    from generator.model import Article
    assert not {"body", "body_html"} & (set(Article.__dataclass_fields__) | set(vars(Article)))


def stories(count: int, body: str = "Body of story {i}.") -> dict[str, str]:
    return {f"content/world/s{i:03d}.md": article(f"Story {i}", f"2024-01-01 10:{i // 60:02d}:{i % 60:02d}",
                                                  byline=f"[Reporter {i % 3}]", tags=f"[t{i % 4}]", body=body.format(i=i))
            for i in range(count)}


def test_an_edit_build_reads_back_only_the_bodies_of_the_pages_and_feeds_it_makes(make_site, monkeypatch):
    site = make_site(stories(30), SITE_TOML.replace("[publisher]", "feed_size = 5\n\n[publisher]"))
    options = BuildOptions(now=NOW, workers=1)     # (so every read is in this process)
    build_site(site, options)
    read, rendered = [], []
    real_read, real_range = bodies.read, build_module._render_range
    monkeypatch.setattr(bodies, "read", lambda ref: read.append(ref) or real_read(ref))

    def render_range(shared, start, stop):
        rendered.extend(job.inputs[0] for job in shared[2][start:stop] if job.template == "article.html")
        return real_range(shared, start, stop)

    monkeypatch.setattr(build_module, "_render_range", render_range)

    def edit_and_build(i: int) -> set[str]:
        """Edit story i's body, build: the stories whose bodies were read (each once)."""
        read.clear(), rendered.clear()
        story = site / f"content/world/s{i:03d}.md"
        story.write_text(story.read_text() + "\nOne more sentence.\n")
        assert build_site(site, options).rendered >= 1
        where = {ref: path for path, (_d, (_a, _p, ref)) in cached_articles(site).items()}
        paths = [where[ref] for ref in read]
        assert len(paths) == len(set(paths)) or i == 29       # (a story in three feeds is read for each)
        return set(paths)

    # the oldest story is in no feed (5 a feed): only the article pages rendered again read a body
    assert edit_and_build(0) == set(rendered) and "content/world/s000.md" in rendered and len(rendered) < 10
    # the newest one: its page, the pages relating to it, and the feeds it is in (the site's, its section's and
    # its author's: the 5 newest of each)
    feeds = {f"content/world/s{i:03d}.md" for i in (25, 26, 27, 28, 29, 17, 20, 23)}
    assert edit_and_build(29) == set(rendered) | feeds and len(rendered) < 10
    read.clear()
    assert build_site(site, options).rendered == 0 and read == []      # nothing changed: nothing read


def test_with_parse_workers_a_cached_rebuild_equals_one_without_a_cache(make_site, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "SMALL_BODY_FILE", 10)     # bytes: the dead-bytes rule decides compaction
    site = make_site(stories(450, "Body of story {i}, *emphasised* — “quoted”."))
    build_site(site, BuildOptions(now=NOW, workers=2))
    assert len(body_files(site)) > 1       # one a chunk of the parse workers

    def check(step: str) -> None:
        assert contents(site / "output") == clean_build(site, tmp_path, step), step
        refs = [where for _d, (_a, _p, where) in cached_articles(site).values()]
        assert all(bodies.is_ref(ref) for ref in refs) and {ref[0] for ref in refs} == {str(f) for f in (site / BODIES).glob("*.html")}
        live = sum(ref[2] for ref in refs)
        assert live <= sum(f.stat().st_size for f in (site / BODIES).glob("*.html")) <= 2 * live, step

    for i in range(410):      # parsed again in two workers
        story = site / f"content/world/s{i:03d}.md"
        story.write_text(story.read_text().replace("Body of story", "New body of story"))
    build_site(site, BuildOptions(now=NOW, workers=2))
    check("many edits")
    (site / "content/world/s007.md").write_text(article("Story 7", "2024-01-01 10:00:07", body="Rewritten."))
    (site / "content/world/s009.md").unlink()
    (site / "content/world/fresh.md").write_text(article("Fresh", "2024-01-02 10:00:00", body="A new story."))
    build_site(site, BuildOptions(now=NOW, workers=2))
    check("an edit, a deletion, a new story")
