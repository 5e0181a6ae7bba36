"""Integration: fixture sites built through the default theme, read back with real parsers."""
import feedparser
import lxml.etree
import pytest

from generator.build import BuildOptions, build_site
from conftest import SITE_TOML, article, html, text_of

FULL = article(
    "Navy tests a new drone", "2024-02-03 08:00:00", updated="2024-02-03 09:54:00",
    byline="[Lalit K Jha, Asha Rao]", dateline="Washington, DC", source="PTI",
    copyright="'© Copyright 2024 PTI. All rights reserved.'", tags="[Defence, United States]",
    summary="A short standfirst.", kicker="Analysis",
    image="{src: /images/ship.svg, alt: A ship at sea, caption: Image used for representational purpose only., "
          "credit: 'Photograph: US Navy/Handout via Reuters'}",
    body='The body.\n\n> "We are ready," the admiral said.\n\nSee [the other story](/world/bare/) and ![chart](/images/c.png).')
BARE = article("Bare story", "2024-02-01 10:00:00", body="Just a body.")
SITE = {
    "content/world/navy.md": FULL,
    "content/world/bare.md": BARE,
    "content/business/trade.md": article("Trade talks", "2024-02-02 10:00:00", tags="[Defence]", byline="Asha Rao"),
}


@pytest.fixture
def out(build):
    return build(SITE)


def test_article_page_carries_everything_top_to_bottom(out):
    doc = html(out / "world/navy/index.html")
    crumbs = doc.xpath('//nav[@aria-label="Breadcrumb"]//li')
    assert [text_of(li) for li in crumbs] == ["Home", "World", "Navy tests a new drone"]
    assert doc.xpath('//nav[@aria-label="Breadcrumb"]//a/@href')[:2] == ["/", "/world/"]
    [art] = doc.xpath("//article[.//h1]")
    assert [text_of(h) for h in doc.xpath("//h1")] == ["Navy tests a new drone"]
    page = text_of(art)
    assert "Lalit K Jha" in page and "Asha Rao" in page
    times = art.xpath(".//time/@datetime")
    assert "2024-02-03T08:00:00+05:30" in times and "2024-02-03T09:54:00+05:30" in times
    assert "Last updated on: February 03, 2024 09:54 IST" in page
    [fig] = art.xpath(".//figure[.//img]")
    assert fig.xpath(".//img/@alt") == ["A ship at sea"] and fig.xpath(".//img/@src") == ["/images/ship.svg"]
    caption = text_of(fig.xpath(".//figcaption")[0])
    assert "Image used for representational purpose only." in caption and "Photograph: US Navy/Handout via Reuters" in caption
    assert art.xpath(".//blockquote") and "We are ready" in text_of(art.xpath(".//blockquote")[0])
    assert "Lalit K Jha and Asha Rao in Washington, DC" in page
    assert "Source: PTI" in page
    assert "© Copyright 2024 PTI. All rights reserved." in page
    assert set(doc.xpath("//a/@href")) >= {"/tags/defence/", "/tags/united-states/"}
    assert "/business/trade/" in doc.xpath("//a/@href")       # related: shares a tag
    # order: headline before image before body before sign-off before source before copyright
    positions = [page.index(s) for s in ("Navy tests a new drone", "Image used", "We are ready",
                                         "in Washington, DC", "Source: PTI", "© Copyright")]
    assert positions == sorted(positions)


def test_site_blocks_and_extra_fields(build):
    toml = SITE_TOML + '\n[newsletter]\nheading = "Morning brief"\ntext = "Daily."\nurl = "/nl/"\nlabel = "Sign up"\n' \
        '\n[app_promo]\nheading = "Our app"\ntext = "Read offline."\nurl = "/app/"\nlabel = "Get it"\n'
    out = build(SITE, toml)
    page = text_of(html(out / "world/navy/index.html"))
    assert "Morning brief" in page and "Our app" in page and "Analysis" in page
    assert "Morning brief" not in text_of(html(build({"content/world/x.md": BARE}) / "world/x/index.html"))


def test_absent_fields_leave_no_empty_markup(out):
    doc = html(out / "world/bare/index.html")
    [art] = doc.xpath("//article[.//h1]")
    page = text_of(art)
    assert not art.xpath(".//figure") and "Last updated" not in page and "Source:" not in page and "©" not in page
    for el in art.iter("p", "figure", "figcaption", "ul", "ol", "li", "span", "div", "section", "aside", "h2", "footer"):
        assert len(el) or el.text_content().strip(), f"empty <{el.tag} class={el.get('class')}> left behind"


def test_front_matter_is_escaped_everywhere(build):
    out = build({"content/world/x.md": article("<script>alert(1)</script> & more", "2024-02-01",
                                               summary="'<img src=x onerror=alert(1)>'", byline="'<b>Bob</b>'")})
    for page in ("world/x/index.html", "index.html", "world/index.html"):
        doc = html(out / page)
        assert not doc.xpath("//script[not(@type='application/ld+json')]") and not doc.xpath("//img[@onerror]") and not doc.xpath("//b[.='Bob']")
    assert "<script>alert(1)</script> & more" in text_of(html(out / "world/x/index.html").xpath("//h1")[0])
    entry = feedparser.parse((out / "feed.xml").read_bytes()).entries[0]
    assert entry.title == "<script>alert(1)</script> & more"


def test_section_pages_are_paginated_newest_first(build):
    files = {f"content/world/s{i}.md": article(f"Story {i}", f"2024-02-{10 + i:02d} 10:00:00") for i in range(5)}
    out = build(files, SITE_TOML.replace("description", "per_page = 2\ndescription"))
    first = html(out / "world/index.html")
    assert [text_of(h) for h in first.xpath("//main//h2//a | //main//h3//a")] == ["Story 4", "Story 3"]
    assert "/world/page/2/" in first.xpath("//a/@href")
    third = html(out / "world/page/3/index.html")
    assert [text_of(h) for h in third.xpath("//main//h2//a | //main//h3//a")] == ["Story 0"]
    assert "/world/page/2/" in third.xpath("//a/@href")
    assert not (out / "world/page/4").exists()


def test_tag_pages_and_home(out):
    tag = html(out / "tags/defence/index.html")
    assert [text_of(h) for h in tag.xpath("//h1")] == ["Defence"]
    links = tag.xpath("//main//a/@href")
    assert "/world/navy/" in links and "/business/trade/" in links and "/world/bare/" not in links
    home = html(out / "index.html")
    hrefs = home.xpath("//main//a/@href")
    assert hrefs.index("/world/navy/") < hrefs.index("/business/trade/")   # newest first
    assert "/world/" in hrefs and "/business/" in hrefs                  # a block per section
    assert (out / "404.html").is_file() and "not found" in text_of(html(out / "404.html")).lower()


def test_feeds_parse_in_a_real_feed_reader(out):
    rss = feedparser.parse((out / "feed.xml").read_bytes())
    assert not rss.bozo and rss.version == "rss20"
    assert [e.title for e in rss.entries] == ["Navy tests a new drone", "Trade talks", "Bare story"]
    e = rss.entries[0]
    assert e.link == "https://news.example/world/navy/" and e.id == "https://news.example/world/navy/"
    assert e.published_parsed[:5] == (2024, 2, 3, 2, 30)                    # 08:00 IST in UTC
    assert [a["name"] for a in e.authors] == ["Lalit K Jha", "Asha Rao"]
    assert e.summary == "A short standfirst."
    body = e.content[0].value
    assert 'href="https://news.example/world/bare/"' in body and 'src="https://news.example/images/c.png"' in body
    assert {t.term for t in e.tags} == {"Defence", "United States"}
    assert any(l.rel == "self" and l.href == "https://news.example/feed.xml" for l in rss.feed.links)
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert not atom.bozo and atom.version == "atom10"
    a = atom.entries[0]
    assert a.updated_parsed[:5] == (2024, 2, 3, 4, 24) and a.id == e.id
    assert any(l.rel == "self" and l.href == "https://news.example/atom.xml" for l in atom.feed.links)
    section = feedparser.parse((out / "world/feed.xml").read_bytes())
    assert [x.title for x in section.entries] == ["Navy tests a new drone", "Bare story"]
    assert any(l.rel == "self" and l.href == "https://news.example/world/feed.xml" for l in section.feed.links)


def test_feed_guid_is_stable_when_a_story_is_updated(make_site, tmp_path):
    site = make_site({"content/world/navy.md": FULL})
    build_site(site, BuildOptions(now=None))
    before = feedparser.parse((site / "output/atom.xml").read_bytes()).entries[0]
    (site / "content/world/navy.md").write_text(FULL.replace("09:54:00", "12:00:00").replace("The body.", "New body."))
    build_site(site, BuildOptions())
    after = feedparser.parse((site / "output/atom.xml").read_bytes()).entries[0]
    assert before.id == after.id and before.updated != after.updated


def test_feed_size_limits_entries(build):
    files = {f"content/world/s{i}.md": article(f"Story {i}", f"2024-02-{10 + i:02d}") for i in range(6)}
    out = build(files, SITE_TOML.replace("description", "feed_size = 4\ndescription"))
    assert [e.title for e in feedparser.parse((out / "feed.xml").read_bytes()).entries] == ["Story 5", "Story 4", "Story 3", "Story 2"]


def test_sitemap_lists_every_page_and_robots_names_it(out):
    tree = lxml.etree.parse(str(out / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = tree.xpath("//s:url/s:loc/text()", namespaces=ns)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    expected = sorted("https://news.example/" + p.removesuffix("index.html") for p in pages)
    assert sorted(locs) == expected
    assert all(tree.xpath("//s:url/s:lastmod/text()", namespaces=ns))
    assert "Sitemap: https://news.example/sitemap.xml" in (out / "robots.txt").read_text()


def test_drafts_and_scheduled_stories_are_held_back(build):
    files = dict(SITE)
    files["content/world/draft.md"] = article("Secret draft", "2024-02-05", draft="true", tags="[Defence]")
    files["content/world/later.md"] = article("Embargoed", "2030-01-01 09:00:00", tags="[Defence]")
    out = build(files)
    everything = " ".join(p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file())
    assert "Secret draft" not in everything and "Embargoed" not in everything
    assert not (out / "world/draft").exists() and not (out / "world/later").exists()
    out2 = build(files, drafts=True, future=True)
    assert (out2 / "world/draft/index.html").is_file() and (out2 / "world/later/index.html").is_file()


def test_static_files_site_overrides_theme(build):
    out = build({**SITE, "static/css/style.css": "/* mine */", "static/images/ship.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    assert (out / "css/style.css").read_text() == "/* mine */"
    assert (out / "images/ship.svg").is_file() and (out / "favicon.svg").is_file()


def test_site_templates_override_one_theme_template(build):
    out = build({**SITE, "templates/article.html": '{% extends "base.html" %}{% block content %}<h1>{{ article.title }}</h1>'
                                                 '<p class="kicker">{{ article.extra.get(\'kicker\', \'\') }}</p>{% endblock %}'})
    doc = html(out / "world/navy/index.html")
    assert doc.xpath('//p[@class="kicker"]/text()') == ["Analysis"]
    assert doc.xpath("//nav")                      # still the theme's base.html around it
    assert html(out / "index.html").xpath("//main")


def test_base_url_with_a_path_prefixes_every_link(build):
    out = build(SITE, base_url="https://example.github.io/paper/")
    doc = html(out / "world/navy/index.html")
    internal = [h for h in doc.xpath("//a/@href | //link/@href | //img/@src") if not h.startswith(("http", "#"))]
    assert internal and all(h.startswith("/paper/") for h in internal), internal
    assert doc.xpath('//link[@rel="canonical"]/@href') == ["https://example.github.io/paper/world/navy/"]
    e = feedparser.parse((out / "feed.xml").read_bytes()).entries[0]
    assert e.link == "https://example.github.io/paper/world/navy/"
    assert 'href="https://example.github.io/paper/world/bare/"' in e.content[0].value


def test_unicode_headline_gets_a_valid_url(build):
    out = build({"content/world/भारत.md": article("भारत की अर्थव्यवस्था तेज़ी से बढ़ी", "2024-02-01")})
    [page] = [p for p in out.rglob("index.html") if p.parent.parent.name == "world"]
    assert page.relative_to(out).as_posix().isascii()
    assert text_of(html(page).xpath("//h1")[0]) == "भारत की अर्थव्यवस्था तेज़ी से बढ़ी"


def test_times_shown_in_the_site_zone(build):
    out = build({"content/world/x.md": article("T", "2024-02-03T04:24:00+00:00")})
    assert "February 03, 2024 09:54 IST" in text_of(html(out / "world/x/index.html"))


def test_an_empty_site_still_builds(build):
    out = build({})
    assert (out / "index.html").is_file() and not feedparser.parse((out / "feed.xml").read_bytes()).bozo


def test_pages_that_would_overwrite_each_other_are_an_error(make_site):
    from generator.problems import BuildError
    site = make_site({"content/tags/trade.md": article("Section called tags", "2024-02-01"),
                      "content/world/x.md": article("Tagged", "2024-02-01", tags="[Trade]")})
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions())
    assert str(exc.value).startswith("content/tags/trade.md: slug: ") and "/tags/trade/index.html" in str(exc.value)
    assert not (site / "output").exists()


def test_a_bare_date_shows_no_time_of_day(build):
    out = build({"content/world/x.md": article("T", "2024-01-22")})
    doc = html(out / "world/x/index.html")
    [published] = doc.xpath("//article//time")
    assert published.get("datetime") == "2024-01-22T00:00:00+05:30"
    assert text_of(published) == "January 22, 2024"


def test_a_site_theme_is_chosen_by_name(build):
    files = {**SITE}
    for name in ("home", "list", "article", "404"):
        files[f"themes/plain/templates/{name}.html"] = f"<!doctype html><title>{{{{ page.title }}}}</title><p class=kind>{name}</p>"
    files["themes/plain/static/plain.css"] = "body{}"
    out = build(files, SITE_TOML.replace("description", 'theme = "plain"\ndescription'))
    assert html(out / "world/navy/index.html").xpath("//p[@class='kind']/text()") == ["article"]
    assert (out / "plain.css").is_file() and not (out / "css/style.css").exists()


def test_an_unknown_theme_is_a_clear_error(make_site):
    from generator.problems import BuildError
    site = make_site(SITE, SITE_TOML.replace("description", 'theme = "nope"\ndescription'))
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions())
    assert "site.toml: theme: no theme named 'nope'" in str(exc.value)


def test_feed_dates_come_from_the_newest_story_not_the_clock(build):
    import json
    out = build(SITE)
    rss = feedparser.parse((out / "feed.xml").read_bytes())
    assert rss.feed.updated_parsed[:5] == (2024, 2, 3, 4, 24)            # the navy story's update, in UTC
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert atom.feed.updated_parsed[:5] == (2024, 2, 3, 4, 24)
    assert "lastBuildDate" in (out / "feed.xml").read_text()
    assert json.loads((out / "feed.json").read_text())["items"][0]["date_modified"] == "2024-02-03T09:54:00+05:30"


@pytest.mark.parametrize("workers", [1, 2])
def test_the_pages_asked_for_first_are_rendered_before_any_other_and_handed_over_at_once(make_site, workers):
    """The dev server's way of showing an edit at once: the same build, with the edited story's
    page rendered first and handed to `shown` the moment it is made (the rest comes after)."""
    from generator.output import MemorySink
    from conftest import NOW
    files = {f"content/world/s{i:03d}.md": article(f"Story {i}", f"2024-01-{1 + i % 28:02d} 10:00:00", tags="[t]")
             for i in range(450)}       # enough for the pages to be rendered by worker processes
    site = make_site(files)
    order: list[str] = []

    class Recording(MemorySink):
        def write(self, rel: str, data: bytes) -> None:
            order.append(rel)
            super().write(rel, data)

    handed: list[tuple[str, bytes, int]] = []
    sink = Recording()
    build_site(site, BuildOptions(now=NOW, workers=workers), sink=sink, first={"content/world/s123.md"},
               shown=lambda rel, data: handed.append((rel, data, len(order))))
    [(rel, data, written_before)] = handed
    assert rel == "world/s123/index.html" and sink.files[rel] == data and b"Story 123" in data
    assert written_before == 1 and order[0] == rel      # nothing was written before it
    assert order.count(rel) == 1                        # and it is not rendered again
