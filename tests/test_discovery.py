"""Authors, archives, navigation, permalinks, redirects, corrections and scheduling."""
import json

import feedparser
import pytest

from generator.build import BuildOptions, build_site
from generator.problems import BuildError
from conftest import NOW, SITE_TOML, article, cli, html, text_of, write_site

AUTHORS_TOML = '''
["Asha Rao"]
name = "Asha R. Rao"
bio = "Covers the mountains."
photo = "/images/asha.svg"
url = "https://asha.example/"
links = ["https://mastodon.example/@asha", "https://x.com/asha"]
'''


def stories(n, **fields):
    return {f"content/world/s{i}.md": article(f"Story {i}", f"2024-0{1 + i % 3}-{10 + i:02d} 10:00:00", **fields)
            for i in range(n)}


def test_author_pages_newest_first_paginated_with_a_feed(build):
    files = stories(5, byline="[Asha Rao, Bob Lee]")
    out = build(files, SITE_TOML.replace("description", "per_page = 2\ndescription"))
    first = html(out / "authors/asha-rao/index.html")
    titles = [text_of(a) for a in first.xpath("//main//h2//a")]
    assert titles == ["Story 2", "Story 4"]          # newest first across months
    assert (out / "authors/asha-rao/page/3/index.html").is_file()
    assert (out / "authors/bob-lee/index.html").is_file()
    feed = feedparser.parse((out / "authors/asha-rao/feed.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 5
    assert any(l.rel == "self" and l.href == "https://news.example/authors/asha-rao/feed.xml" for l in feed.feed.links)


def test_bylines_link_to_author_pages(build):
    out = build(stories(1, byline="[Asha Rao, Bob Lee]"))
    doc = html(out / "world/s0/index.html")
    hrefs = doc.xpath('//article//a[@rel="author"]/@href')
    assert hrefs == ["/authors/asha-rao/", "/authors/bob-lee/"]


def test_authors_toml_fills_the_author_page_and_json_ld(build):
    out = build({**stories(1, byline="[Asha Rao, Bob Lee]"), "data/authors.toml": AUTHORS_TOML})
    page = html(out / "authors/asha-rao/index.html")
    assert text_of(page.xpath("//h1")[0]) == "Asha R. Rao"
    assert "Covers the mountains." in text_of(page)
    assert page.xpath('//img[@src="/images/asha.svg"]')
    assert set(page.xpath('//a[@rel="me"]/@href')) == {"https://asha.example/", "https://mastodon.example/@asha", "https://x.com/asha"}
    ld = [json.loads(s.text) for s in html(out / "world/s0/index.html").xpath('//script[@type="application/ld+json"]')]
    [news] = [d for d in ld if d["@type"] == "NewsArticle"]
    assert news["author"][0] == {"@type": "Person", "name": "Asha R. Rao", "url": "https://news.example/authors/asha-rao/",
                                 "sameAs": ["https://mastodon.example/@asha", "https://x.com/asha"]}
    assert "sameAs" not in news["author"][1]         # Bob Lee is not in the file, still gets a page
    assert (out / "authors/bob-lee/index.html").is_file()


def test_a_bad_authors_file_is_reported(make_site):
    site = make_site({**stories(1), "data/authors.toml": '["Asha Rao"]\nbio = 5\nphoto_url = "x"\n'})
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    text = str(exc.value)
    assert "data/authors.toml: Asha Rao.bio: must be a string" in text and "Asha Rao.photo_url: unknown key" in text


def test_date_archives(build):
    out = build(stories(5))
    index = html(out / "archive/index.html")
    assert [text_of(h) for h in index.xpath("//main//h2")] == ["2024"]
    months = index.xpath("//main//li/a/@href")
    assert months == ["/archive/2024/03/", "/archive/2024/02/", "/archive/2024/01/"]
    feb = html(out / "archive/2024/02/index.html")
    assert text_of(feb.xpath("//h1")[0]) == "February 2024"
    assert sorted(text_of(a) for a in feb.xpath("//main//h2//a")) == ["Story 1", "Story 4"]


def test_menu_from_site_toml_marks_the_current_section(build):
    toml = SITE_TOML.replace("[publisher]", '[[menu]]\nname = "World news"\nurl = "/world/"\n\n'
                                            '[[menu]]\nname = "About"\nurl = "https://about.example/"\n\n[publisher]')
    out = build({**stories(1), "content/sport/x.md": article("X", "2024-01-01")}, toml)
    nav = html(out / "world/s0/index.html").xpath('//nav[@aria-label="Sections"]//a')
    assert [(text_of(a), a.get("href"), a.get("aria-current")) for a in nav] == [
        ("World news", "/world/", "page"), ("About", "https://about.example/", None)]


def test_default_navigation_is_the_sections(build):
    out = build({**stories(1), "content/sport/x.md": article("X", "2024-01-01")})
    nav = html(out / "sport/index.html").xpath('//nav[@aria-label="Sections"]//a')
    assert [(a.get("href"), a.get("aria-current")) for a in nav] == [("/sport/", "page"), ("/world/", None)]


def test_permalink_pattern_with_dates_is_followed_everywhere(build):
    toml = SITE_TOML + '\n[permalinks]\narticle = "/{section}/{year}/{month}/{day}/{slug}/"\n'
    out = build({"content/world/navy.md": article("Navy", "2024-02-03 23:30:00"),
                 "content/world/other.md": article("Other", "2024-02-01", body="See [navy](/world/2024/02/03/navy/).")}, toml)
    page = out / "world/2024/02/03/navy/index.html"
    assert page.is_file() and not (out / "world/navy").exists()
    assert html(page).xpath('//link[@rel="canonical"]/@href') == ["https://news.example/world/2024/02/03/navy/"]
    assert "/world/2024/02/03/navy/" in html(out / "world/index.html").xpath("//a/@href")
    assert feedparser.parse((out / "feed.xml").read_bytes()).entries[0].link == "https://news.example/world/2024/02/03/navy/"
    assert "https://news.example/world/2024/02/03/navy/" in (out / "sitemap.xml").read_text()
    assert json.loads((out / "feed.json").read_text())["items"][0]["url"] == "https://news.example/world/2024/02/03/navy/"


def test_a_bad_permalink_pattern_is_reported(make_site):
    site = make_site(stories(1), SITE_TOML + '\n[permalinks]\narticle = "/{section}/{title}/"\n')
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    assert "permalinks.article: unknown placeholder {title}" in str(exc.value)


def test_aliases_write_redirect_pages(build):
    out = build({"content/world/navy.md": article("Navy", "2024-02-03", aliases="[/old/navy-story/, /2019/navy.html]")})
    for old in ("old/navy-story/index.html", "2019/navy.html"):
        doc = html(out / old)
        assert doc.xpath('//meta[@http-equiv="refresh"]/@content') == ["0; url=https://news.example/world/navy/"]
        assert doc.xpath('//link[@rel="canonical"]/@href') == ["https://news.example/world/navy/"]
    assert "old/navy-story" not in (out / "sitemap.xml").read_text()


def test_an_alias_that_collides_with_a_page_names_both(make_site):
    site = make_site({"content/world/navy.md": article("Navy", "2024-02-03", aliases="[/world/other/]"),
                      "content/world/other.md": article("Other", "2024-02-01")})
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    text = str(exc.value)
    assert "world/other/index.html" in text and "content/world/navy.md" in text and "content/world/other.md" in text


def test_an_alias_outside_the_site_is_refused(make_site):
    site = make_site({"content/world/navy.md": article("Navy", "2024-02-03", aliases="['../../etc/x']")})
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    assert "content/world/navy.md:4: aliases:" in str(exc.value)


def test_corrections_show_newest_last_and_move_date_modified(build):
    corrections = "[{date: '2024-02-05 10:00:00', text: Second fix.}, {date: 2024-02-04, text: First fix.}]"
    out = build({"content/world/x.md": article("X", "2024-02-03 09:00:00", corrections=corrections)})
    doc = html(out / "world/x/index.html")
    items = [text_of(li) for li in doc.xpath('//section[contains(@class, "corrections")]//li')]
    assert items == ["Correction (February 04, 2024 00:00 IST): First fix.",
                     "Correction (February 05, 2024 10:00 IST): Second fix."]
    [news] = [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]') if '"NewsArticle"' in s.text]
    assert news["dateModified"] == "2024-02-05T10:00:00+05:30"


def test_bad_corrections_are_reported(make_site):
    site = make_site({"content/world/x.md": article("X", "2024-02-03", corrections="[{date: soon, text: ''}]")})
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    text = str(exc.value)
    assert "x.md:4: corrections[1].date: not a date" in text and "corrections[1].text: is required" in text


def test_json_feed_is_linked_and_valid(build):
    out = build(stories(2, byline="Asha Rao"))
    feed = json.loads((out / "feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and len(feed["items"]) == 2
    assert "/feed.json" in html(out / "index.html").xpath('//link[@type="application/feed+json"]/@href')


def test_news_sitemap_and_robots(build):
    from datetime import timedelta
    recent = (NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    old = (NOW - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    out = build({"content/world/new.md": article("Fresh", recent), "content/world/old.md": article("Stale", old)})
    text = (out / "news-sitemap.xml").read_text()
    assert "Fresh" in text and "Stale" not in text
    robots = (out / "robots.txt").read_text()
    assert "Sitemap: https://news.example/sitemap.xml" in robots and "Sitemap: https://news.example/news-sitemap.xml" in robots


def test_schedule_lists_held_back_stories_soonest_first(tmp_path):
    site = write_site(tmp_path / "s", {
        "content/world/a.md": article("Later", "2040-05-01 09:00:00"),
        "content/world/b.md": article("Sooner", "2039-01-01T08:00:00+00:00"),
        "content/world/c.md": article("Out now", "2024-01-01"),
        "content/world/d.md": article("Draft", "2041-01-01", draft="true")})
    result = cli("schedule", str(site))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == ["2039-01-01T08:00:00+00:00  content/world/b.md  Sooner",
                     "2040-05-01T09:00:00+05:30  content/world/a.md  Later"]
    built = cli("build", str(site))
    assert "Next scheduled story: 2039-01-01T08:00:00+00:00 content/world/b.md" in built.stdout


def test_built_sitemaps_validate_against_the_published_schemas(build):
    from datetime import timedelta
    import lxml.etree
    from test_sitemaps import schema
    recent = (NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S+00:00")
    out = build({**stories(3, byline="Asha Rao", tags="[Trade]"), "content/world/new.md": article("Fresh & <new>", recent)})
    for name, xsds in (("sitemap.xml", ("sitemap.xsd",)), ("news-sitemap.xml", ("sitemap.xsd", "sitemap-news.xsd"))):
        xsd = schema(*xsds)
        doc = lxml.etree.parse(str(out / name))
        assert xsd.validate(doc), (name, xsd.error_log)
    assert "Fresh &amp; &lt;new&gt;" in (out / "news-sitemap.xml").read_text()
