"""Content discovery under stress: huge files, symbolic links, loops, odd file names, colliding slugs."""
import os

import pytest

from generator.build import BuildOptions, build_site
from generator.config import parse_config
from generator.content import find_sources, read_sources
from generator.problems import BuildError
from conftest import NOW, article, write_site


def problems_of(site):
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    return [str(p) for p in exc.value.problems]


def test_a_file_over_the_limit_is_refused_unread(make_site):
    big = article(body="word " * 1_300_000)          # 6.5 MB
    site = make_site({"content/world/big.md": big, "content/world/ok.md": article("Fine")})
    assert problems_of(site) == ["content/world/big.md: file is 6.5 MB, over the 5 MB limit "
                                 "(split the story, or raise max_file_size in site.toml's [markdown] table)"]
    sources, problems = read_sources(site)
    assert [s.path for s in sources] == ["content/world/ok.md"] and len(problems) == 1


def test_the_limit_comes_from_site_toml(make_site):
    site = make_site({"content/world/a.md": article(body="x" * 3000)})
    settings = parse_config({"title": "T", "base_url": "https://x.example/", "markdown": {"max_file_size": 0.002}}).markdown
    assert settings.max_file_size == 2000
    sources, [p] = read_sources(site, settings.max_file_size)
    assert sources == [] and p.path == "content/world/a.md"
    assert p.message.startswith("file is 0.0031 MB, over the 0.002 MB limit")
    assert read_sources(site, 10_000) == (find_sources(site, 10_000), [])


def test_a_symlink_loop_does_not_hang_and_is_named(make_site):
    site = make_site({"content/world/a.md": article()})
    os.symlink("..", site / "content/world/up")            # content/world/up -> content
    os.symlink(".", site / "content/world/self")           # content/world/self -> content/world
    sources, problems = read_sources(site)
    assert [s.path for s in sources] == ["content/world/a.md"]
    assert sorted(str(p) for p in problems) == [
        "content/world/self: symbolic link to content/world, a folder it is inside: a loop, not followed",
        "content/world/up: symbolic link to content, a folder it is inside: a loop, not followed",
    ]
    assert len(problems_of(site)) == 2


def test_a_link_to_itself_is_reported_not_followed(make_site):
    site = make_site({"content/world/a.md": article()})
    os.symlink("b.md", site / "content/world/b.md")
    assert problems_of(site) == ["content/world/b.md: symbolic link to b.md, which does not exist (or is a loop of links)"]


def test_a_symlink_out_of_the_site_is_refused(make_site, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "stories").mkdir(parents=True)
    (outside / "secret.md").write_text(article("Secret"))
    site = make_site({"content/world/a.md": article()})
    os.symlink(outside / "secret.md", site / "content/world/secret.md")
    os.symlink(outside / "stories", site / "content/world/more")
    os.symlink("/etc/passwd", site / "content/world/passwd.png")     # not Markdown: ignored
    assert sorted(problems_of(site)) == [
        f"content/world/more: symbolic link to {outside / 'stories'}, outside the site folder: refused (move or copy it into the site)",
        f"content/world/secret.md: symbolic link to {outside / 'secret.md'}, outside the site folder: refused (move or copy it into the site)",
    ]


def test_a_symlink_inside_the_site_is_followed_once(make_site):
    site = make_site({"content/world/a.md": article("A"), "kept/sport/b.md": article("B")})
    os.symlink("../kept/sport", site / "content/sport")           # a folder kept elsewhere in the site
    os.symlink("world", site / "content/again")                      # the same stories twice
    sources, problems = read_sources(site)
    assert [s.path for s in sources] == ["content/sport/b.md", "content/world/a.md"]
    assert [str(p) for p in problems] == ["content/again: symbolic link to content/world, which is already read: a story is read once"]


def test_a_symlink_to_a_story_already_read_is_not_read_twice(make_site):
    site = make_site({"content/world/a.md": article("A"), "content/world/b.md": article("B")})
    os.symlink("world/a.md", site / "content/copy.md")
    sources, problems = read_sources(site)
    assert [s.path for s in sources] == ["content/world/a.md", "content/world/b.md"]
    assert [str(p) for p in problems] == ["content/copy.md: symbolic link to content/world/a.md, which is already read: a story is read once"]


def test_stamps_known_to_the_walk_spare_reading_only_unchanged_stories(make_site):
    site = make_site({"content/world/a.md": article("A"), "content/world/b.md": article("B")})
    first, _ = read_sources(site)
    stamps = {s.path: (tuple(s.stamp), s.digest) for s in first}
    (site / "content/world/b.md").write_text(article("B, changed"))
    again, problems = read_sources(site, stamps=stamps)
    assert not problems and [s.path for s in again] == ["content/world/a.md", "content/world/b.md"]
    assert again[0].data is None and again[0].digest == first[0].digest       # not read: its stamp is the recorded one
    assert again[1].data is not None and again[1].digest != first[1].digest   # read: its stamp changed


def test_a_fifo_named_like_a_story_is_refused_not_read(make_site):
    site = make_site({"content/world/a.md": article()})
    os.mkfifo(site / "content/world/pipe.md")
    assert problems_of(site) == ["content/world/pipe.md: not a regular file"]


def test_a_content_folder_that_links_out_of_the_site_is_refused(tmp_path):
    (tmp_path / "kept/world").mkdir(parents=True)
    (tmp_path / "kept/world/a.md").write_text(article())
    site = write_site(tmp_path / "site", {})
    os.symlink(tmp_path / "kept", site / "content")
    sources, [p] = read_sources(site)
    assert sources == [] and p.path == "content" and "outside the site folder" in p.message


@pytest.mark.parametrize("name, url", [
    ("my story.md", "world/my-story/"),
    ("Großes Übel.md", "world/grosses-ubel/"),
    ("नमस्ते दुनिया.md", "world/nmste-duniyaa/"),
    ("index.md", "world/index/"),
    ("page.md", "world/page/"),
    ("feed.xml.md", "world/feed-xml/"),
    ("CON.md", "world/con/"),
])
def test_unusual_file_names_give_valid_urls(build, name, url):
    out = build({f"content/world/{name}": article("Odd name"), "content/world/other.md": article("Other")})
    assert (out / url / "index.html").is_file()
    assert (out / "world/index.html").is_file()                      # the section page is still there


def test_a_file_name_with_nothing_to_slug_is_a_clear_error(make_site):
    site = make_site({"content/world/---.md": article()})
    assert problems_of(site) == ["content/world/---.md:1: slug: '---' gives an empty URL; set 'slug:' to letters or digits"]


@pytest.mark.parametrize("names", [("Story.md", "story.md"), ("World News.md", "world-news.md"), ("a_b.md", "a-b.md")])
def test_files_whose_slugs_collide_are_duplicate_urls(make_site, names):
    first, second = names
    site = make_site({f"content/world/{first}": article("One"), f"content/world/{second}": article("Two")})
    found = problems_of(site)
    assert len(found) == 2 and all("same URL /world/" in p for p in found)
    assert any(p.startswith(f"content/world/{first}") and second in p for p in found)


def test_a_section_that_collides_with_tag_pages_is_an_error(make_site):
    site = make_site({"content/tags/defence.md": article("A", tags="[Other]"),
                      "content/world/b.md": article("B", tags="[Defence]")})
    found = problems_of(site)
    assert found == ["content/tags/defence.md: slug: the page of content/tags/defence.md would be written to "
                     "/tags/defence/index.html, as the list page /tags/defence/ is"]


def test_a_file_name_that_is_not_utf8_is_a_clear_error(make_site):
    site = make_site({"content/world/a.md": article()})
    with open(os.fsencode(site / "content/world") + b"/caf\xe9.md", "wb") as f:   # Latin-1, as old tools save
        f.write(article("Café").encode())
    assert problems_of(site) == [
        "content/world/caf\\xe9.md: the name holds a control character or bytes that are not UTF-8 (shown as \\x..): rename it"]


def test_static_symlinks_leading_outside_are_not_published(tmp_path):
    from generator.build import BuildOptions, build_site
    from conftest import NOW, article, write_site
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_rsa").write_text("PRIVATE KEY")
    site = write_site(tmp_path / "site", {"content/world/a.md": article("A", "2024-02-01"), "static/ok.txt": "fine"})
    (site / "static/keys").symlink_to(secret, target_is_directory=True)
    (site / "static/key.txt").symlink_to(secret / "id_rsa")
    build_site(site, BuildOptions(now=NOW))
    out = site / "output"
    assert (out / "ok.txt").is_file()
    assert not (out / "keys").exists() and not (out / "key.txt").exists()
    assert all("PRIVATE KEY" not in p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())


def test_an_author_link_that_is_not_a_url_is_reported(tmp_path):
    import pytest
    from generator.build import BuildOptions, build_site
    from generator.problems import BuildError
    from conftest import NOW, article, write_site
    site = write_site(tmp_path / "site", {"content/world/a.md": article("A", "2024-02-01", byline="Asha Rao"),
                                          "data/authors.toml": '["Asha Rao"]\nlinks = ["https://[x"]\n'})
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    assert "data/authors.toml: Asha Rao.links[1]: 'https://[x' is not a URL that parses" in str(exc.value)


def test_reading_many_sources_does_not_hold_a_size_limit_buffer_each(tmp_path):
    import sys
    import pytest
    from generator.content import read_sources
    if not sys.platform.startswith("linux"):
        pytest.skip("counts memory mappings in /proc")
    for i in range(3000):
        folder = tmp_path / "content" / f"s{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"x{i}.md").write_text(f"---\ntitle: T{i}\npublished: 2024-01-01\n---\nBody.\n")
    before = sum(1 for _ in open("/proc/self/maps"))
    sources, problems = read_sources(tmp_path)
    after = sum(1 for _ in open("/proc/self/maps"))
    assert len(sources) == 3000 and not problems
    assert after - before < 100, f"{after - before} new memory mappings for 3,000 small files"
