"""The dev server's first pages: an edited story's page is rendered from the last build's Site
before the build looks at any other source (generator/incremental/early.py), and only if nothing
it shows could differ from the page the build ends with; whatever it could not know, the build
puts right, and the page served after the rebuild is always the build's own."""
from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import lxml.html
import pytest

from conftest import NOW, article, text_of, write_site
from generator import build, serve
from generator.serve import Change, ChangeKind, DevServer
from generator.serve_http import listen
from generator.theme import bundled_themes

SITE_TOML = """\
title = "Early Times"
base_url = "https://news.example/"
timezone = "UTC"
"""
PAGE = "sport/story-3/index.html"
STORY = "content/sport/story-3.md"


def corpus() -> dict[str, str]:
    """Twelve stories in two sections: 0-5 tagged alpha, 6-11 beta (so a story's related ones
    follow its tag); story 3 shows a site image."""
    files = {}
    for i in range(12):
        section = ("world", "sport")[i % 2]
        tag = "alpha" if i < 6 else "beta"
        image = {"image": "{src: /images/map.svg, alt: A map}"} if i == 3 else {}
        files[f"content/{section}/story-{i}.md"] = article(
            f"Story {i}", f"2024-0{1 + i % 5}-{10 + i} 08:00:00", body=f"Body of story {i}.",
            tags=f"[{tag}]", byline=f"Reporter {i % 3}", **image)
    files["static/images/map.svg"] = svg(400, 300)
    return files


def svg(width: int, height: int) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"></svg>\n'


@pytest.fixture
def server(tmp_path) -> DevServer:
    site = write_site(tmp_path / "site", corpus(), SITE_TOML)
    server = DevServer(site, now=NOW, log=lambda line: None, workers=1)
    assert server.rebuild().ok
    return server


@pytest.fixture
def order(monkeypatch) -> list[tuple]:
    """What the dev server's builds do, in order: ("load",) when the build reads the sources,
    ("shown", output path, bytes) when it hands a page over to be served early."""
    seen: list[tuple] = []
    read_sources, build_site = build.read_sources, serve.build_site

    def reading(*args, **kwargs):
        seen.append(("load",))
        return read_sources(*args, **kwargs)

    def building(*args, shown=None, **kwargs):
        def recorded(rel: str, page: bytes) -> None:
            seen.append(("shown", rel, page))
            shown(rel, page)
        return build_site(*args, shown=recorded if shown is not None else None, **kwargs)

    monkeypatch.setattr(build, "read_sources", reading)
    monkeypatch.setattr(serve, "build_site", building)
    return seen


def edit(server: DevServer, rel: str, old: str, new: str) -> None:
    path = server.site / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def body_of(page: bytes) -> str:
    return text_of(lxml.html.fromstring(page).find(".//article"))


def shown_pages(order: list[tuple], rel: str = PAGE) -> list[bytes]:
    return [step[2] for step in order if step[0] == "shown" and step[1] == rel]


def reloads_of(server: DevServer, url: str, after: int) -> int:
    """How many live-reload events since event `after` tell a tab at `url` to reload."""
    return sum(1 for _, kind, data in server.events.wait(after, 0)
               if kind == "reload" and (data == "" or url in data))


def test_an_edited_story_is_shown_before_any_other_source_is_read_and_it_is_the_final_page(server, order):
    seen = server.events.last
    edit(server, STORY, "Body of story 3.", "A new body for story 3.")
    record = server.rebuild([Change(ChangeKind.ARTICLE, STORY)])
    assert record.ok and record.previewed == 1
    assert order[0][:2] == ("shown", PAGE) and ("load",) in order      # before the build read any source
    assert "A new body for story 3." in body_of(order[0][2])
    final = (server.output / PAGE).read_bytes()
    # the build renders the page again, to the same bytes: open tabs reload once, not twice
    assert set(shown_pages(order)) == {final}
    assert reloads_of(server, "/sport/story-3/", seen) == 1


def test_a_second_edit_is_shown_early_from_the_first_edits_build(server, order):
    edit(server, STORY, "Body of story 3.", "First edit.")
    assert server.rebuild([Change(ChangeKind.ARTICLE, STORY)]).ok
    order.clear()
    edit(server, STORY, "First edit.", "Second edit.")
    assert server.rebuild([Change(ChangeKind.ARTICLE, STORY)]).ok
    assert order[0][:2] == ("shown", PAGE) and "Second edit." in body_of(order[0][2])
    assert set(shown_pages(order)) == {(server.output / PAGE).read_bytes()}


@pytest.mark.parametrize("old, new", [
    ("tags: [alpha]", "tags: [beta]"),                          # other related stories
    ("title: 'Story 3'", "title: 'Story 3'\nsection: world"),   # another section, another URL
])
def test_a_story_whose_shape_changed_is_never_shown_as_the_last_build_would_show_it(server, order, old, new):
    edit(server, STORY, old, new)
    record = server.rebuild([Change(ChangeKind.ARTICLE, STORY)])
    assert record.ok and record.previewed == 1
    shown = [step for step in order if step[0] == "shown"]
    assert shown and all(page == (server.output / rel).read_bytes() for _, rel, page in shown)


def test_a_template_edit_with_a_story_edit_shows_no_page_of_the_old_template(server, order):
    template = (bundled_themes() / "default/templates/article.html").read_text()
    assert "<article" in template
    (server.site / "templates").mkdir()
    (server.site / "templates/article.html").write_text(template.replace("<article", "<article data-edition=\"late\"", 1))
    edit(server, STORY, "Body of story 3.", "A new body for story 3.")
    record = server.rebuild([Change(ChangeKind.TEMPLATE, "templates/article.html", "created"),
                             Change(ChangeKind.ARTICLE, STORY)])
    assert record.ok and record.previewed == 1
    for page in shown_pages(order):
        assert lxml.html.fromstring(page).find(".//article").get("data-edition") == "late"
        assert "A new body for story 3." in body_of(page)


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def image_size_of(page: bytes) -> tuple[str | None, str | None]:
    img = lxml.html.fromstring(page).find(".//article//img")
    return img.get("width"), img.get("height")


def test_an_early_page_the_build_ends_otherwise_is_replaced_and_reloaded(server, order):
    """A static image's size is not among what the early page is checked against: the page
    shown early has the old size, and the build's page, with the new one, takes its place."""
    server.port = 0
    httpd = listen(server)      # (HTTP only: no watcher, whose rebuilds would race this test's)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    server.port = httpd.server_address[1]
    base = server.url
    try:
        seen = server.events.last
        (server.site / "static/images/map.svg").write_text(svg(800, 450))
        edit(server, STORY, "Body of story 3.", "A new body for story 3.")
        record = server.rebuild([Change(ChangeKind.STATIC, "static/images/map.svg"), Change(ChangeKind.ARTICLE, STORY)])
        assert record.ok
        first, *later = shown_pages(order)
        assert image_size_of(first) == ("400", "300") and "A new body for story 3." in body_of(first)
        assert image_size_of(later[-1]) == ("800", "450")
        served = get(base + "sport/story-3/")
        assert image_size_of(served) == ("800", "450") and "A new body for story 3." in body_of(served)
        assert server.overlay == {}
        assert reloads_of(server, "/sport/story-3/", seen) >= 2      # once early, again when the page changed
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_story_with_a_problem_or_a_new_story_is_not_shown_from_the_last_build(server, order):
    edit(server, STORY, "title: 'Story 3'", "title: ''")
    assert not server.rebuild([Change(ChangeKind.ARTICLE, STORY)]).ok
    assert shown_pages(order) == []
    edit(server, STORY, "title: ''", "title: 'Story 3'")
    assert server.rebuild([Change(ChangeKind.ARTICLE, STORY)]).ok     # (after a failed build no page is shown early)
    order.clear()
    Path(server.site / "content/world/fresh.md").write_text(article("Fresh", "2024-05-31 08:00:00", tags="[alpha]"))
    record = server.rebuild([Change(ChangeKind.ARTICLE, "content/world/fresh.md", "created")])
    assert record.ok and record.previewed == 1
    assert order[0] == ("load",)        # a story the last build did not publish: the build's own page comes first
    assert shown_pages(order, "world/fresh/index.html") == [(server.output / "world/fresh/index.html").read_bytes()]
