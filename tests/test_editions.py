"""Editions and translations (issue 17): a site that declares [languages.hi] publishes its Hindi
stories under /hi/, with their own home page, sections, tags, authors, archive, feeds and news
sitemap; stories linked by translation_of carry rel=alternate hreflang both ways with x-default,
"Read in …" links, and the sitemap's xhtml:link alternates (valid against the sitemap XSD and
XHTML's, and reciprocal). Bad input is an error naming the file and field; the output stays."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import feedparser
import lxml.etree
import pytest

from conftest import SITE_TOML, article, fails_leaving_output, html, snapshot, text_of, write_site
from generator.build import BuildOptions, build_site
from generator.problems import BuildError
from test_sitemaps import NS, XSD, schema, valid

NOW = datetime(2024, 2, 4, 6, 0, tzinfo=timezone.utc)      # (the stories below in the news window)
EDITIONS = SITE_TOML + """
[languages.hi]
title = "टेस्ट टाइम्स"
description = "सभी ख़बरें।"

[[languages.hi.menu]]
name = "विश्व"
url = "/hi/world/"

[languages.hi.sections]
world = "विश्व"
"""
ENGLISH = article("Navy completes drone ship trial", "2024-02-03 09:00:00", byline="[Lalit K Jha]", tags="[Defence]",
                  body="The ship spent thirty days at sea.")
HINDI = article("नौसेना ने मानवरहित पोत का परीक्षण पूरा किया", "2024-02-03 10:00:00", language="hi",
                translation_of="world/navy.md", byline="[Lalit K Jha]", tags="[Defence]",
                body="पोत ने तीस दिन समुद्र में बिताए।")
FILES = {
    "content/world/navy.md": ENGLISH,
    "content/world/navy-hi.md": HINDI,
    "content/world/monsoon-hi.md": article("मानसून समय से पहले", "2024-02-02 08:00:00", language="hi", byline="[Asha Rao]"),
    "content/business/rupee-hi.md": article("रुपया मज़बूत हुआ", "2024-02-01 08:00:00", language="hi-IN"),
    "content/business/rupee.md": article("Rupee firms", "2024-02-01 07:00:00"),
    "content/world/muscat.md": article("محطة تحلية في مسقط", "2024-02-02 07:00:00", language="ar"),
}
HINDI_PATHS = {"hi/world/navy-hi/index.html", "hi/world/monsoon-hi/index.html", "hi/business/rupee-hi/index.html"}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("editions") / "site", FILES, EDITIONS)
    build_site(site, BuildOptions(now=NOW))
    return site / "output"


def links(doc, xpath: str = "//main//a/@href") -> set[str]:
    return set(doc.xpath(xpath))


def test_each_edition_has_its_own_pages(out):
    made = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert HINDI_PATHS <= made
    for page in ("hi/index.html", "hi/world/index.html", "hi/business/index.html", "hi/tags/defence/index.html",
                 "hi/authors/lalit-k-jha/index.html", "hi/archive/index.html", "hi/archive/2024/02/index.html",
                 "hi/feed.xml", "hi/atom.xml", "hi/feed.json", "hi/world/feed.xml", "hi/authors/asha-rao/feed.xml",
                 "hi/news-sitemap.xml"):
        assert page in made, page
    assert "hi/404.html" not in made and "404.html" in made     # (one 404 page, the site's)
    # an Arabic story with no Arabic edition stays in the first edition, at the root
    assert "world/muscat/index.html" in made


def test_an_editions_listings_show_its_stories_only(out):
    english, hindi = html(out / "world/index.html"), html(out / "hi/world/index.html")
    assert links(english) >= {"/world/navy/", "/world/muscat/"}
    assert not any(link.startswith("/hi/") for link in links(english))
    assert {link for link in links(hindi) if "/world/" in link and link.count("/") == 4} == \
        {"/hi/world/navy-hi/", "/hi/world/monsoon-hi/"}
    home = html(out / "index.html")
    assert not any("-hi/" in link for link in links(home))
    assert {"/hi/world/navy-hi/", "/hi/business/rupee-hi/"} <= links(html(out / "hi/index.html"))


def test_an_edition_speaks_its_language_with_its_own_title_menu_and_section_names(out):
    home = html(out / "hi/index.html")
    assert home.get("lang") == "hi"
    assert home.findtext(".//title") == "टेस्ट टाइम्स"
    assert [text_of(a) for a in home.xpath("//nav[@class='site-nav']//a")] == ["विश्व"]
    assert home.xpath("//nav[@class='site-nav']//a/@href") == ["/hi/world/"]
    assert text_of(html(out / "hi/world/index.html").find(".//h1")) == "विश्व"
    story = html(out / "hi/world/navy-hi/index.html")
    assert story.get("lang") == "hi"
    crumbs = story.xpath("//nav[contains(@class, 'breadcrumbs')]//a/@href")
    assert crumbs[:2] == ["/hi/", "/hi/world/"]
    assert "/hi/tags/defence/" in links(story) and "/hi/authors/lalit-k-jha/" in links(story)
    # the site's own files stay where they are
    assert story.xpath("//link[@rel='icon']/@href")[0] == "/favicon.ico"
    assert story.xpath("//link[@rel='stylesheet']/@href") == ["/css/style.css"]


def test_each_edition_links_the_others_home_page(out):
    def editions(page):
        return [(a.get("href"), a.get("lang"), text_of(a)) for a in html(out / page).xpath("//nav[@class='site-editions']//a")]
    assert editions("index.html") == [("/hi/", "hi", "हिन्दी")]
    assert editions("hi/world/navy-hi/index.html") == [("/", "en", "English")]


def alternates(doc) -> dict[str, str]:
    return {link.get("hreflang"): link.get("href") for link in doc.xpath("//head/link[@rel='alternate'][@hreflang]")}


def test_translations_link_each_other_both_ways_with_x_default(out):
    en_url, hi_url = "https://news.example/world/navy/", "https://news.example/hi/world/navy-hi/"
    want = {"en": en_url, "hi": hi_url, "x-default": en_url}
    english, hindi = html(out / "world/navy/index.html"), html(out / "hi/world/navy-hi/index.html")
    assert alternates(english) == want == alternates(hindi)
    [read] = english.xpath("//p[@class='story__translations']/a")
    assert (read.get("href"), read.get("hreflang"), read.get("lang"), text_of(read)) == \
        ("/hi/world/navy-hi/", "hi", "hi", "हिन्दी")
    [read] = hindi.xpath("//p[@class='story__translations']/a")
    assert (read.get("href"), text_of(read)) == ("/world/navy/", "English")
    # a story with no translation has none
    assert alternates(html(out / "hi/world/monsoon-hi/index.html")) == {}
    assert html(out / "hi/world/monsoon-hi/index.html").xpath("//p[@class='story__translations']") == []
    # the home pages are each other's alternates
    assert alternates(html(out / "hi/index.html")) == {"en": "https://news.example/", "hi": "https://news.example/hi/",
                                                       "x-default": "https://news.example/"}


def test_the_sitemap_alternates_validate_and_are_reciprocal(out):
    doc = valid(schema("sitemap.xsd", "xhtml1-strict.xsd"), (out / "sitemap.xml").read_bytes())
    x = {"x": "http://www.w3.org/1999/xhtml", **NS}
    alts = {url.findtext("s:loc", namespaces=NS): {(l.get("hreflang"), l.get("href")) for l in url.findall("x:link", x)}
            for url in doc.findall("s:url", NS)}
    listed = set(alts)
    grouped = {loc: links for loc, links in alts.items() if links}
    assert set(grouped) == {"https://news.example/world/navy/", "https://news.example/hi/world/navy-hi/",
                            "https://news.example/", "https://news.example/hi/"}
    for loc, links in grouped.items():
        assert (next(l for l, h in links if h == loc and l != "x-default"), loc) in links    # itself, as Google asks
        for hreflang, href in links:
            assert href in listed
            assert alts[href] == links, (loc, href)      # every alternate names the same group back
    assert {h for h, _ in alts["https://news.example/world/navy/"]} == {"en", "hi", "x-default"}
    assert all(any(u == f"https://news.example/{p.removesuffix('index.html')}" for u in listed) for p in HINDI_PATHS)


def test_each_edition_has_its_feeds_and_news_sitemap(out):
    rss = feedparser.parse((out / "hi/feed.xml").read_bytes())
    assert rss.feed.title == "टेस्ट टाइम्स" and rss.feed.language == "hi"
    assert {e.link for e in rss.entries} == {f"https://news.example/{p.removesuffix('index.html')}" for p in HINDI_PATHS}
    english = feedparser.parse((out / "feed.xml").read_bytes())
    assert not any("/hi/" in e.link for e in english.entries) and len(english.entries) == 3
    assert feedparser.parse((out / "hi/atom.xml").read_bytes()).entries[0].tags[0].scheme == \
        "https://news.example/hi/tags/defence/"
    feed = json.loads((out / "hi/feed.json").read_text())
    assert (feed["language"], feed["home_page_url"], feed["feed_url"]) == \
        ("hi", "https://news.example/hi/", "https://news.example/hi/feed.json")
    assert feed["items"][0]["authors"][0]["url"] == "https://news.example/hi/authors/lalit-k-jha/"
    news = valid(schema("sitemap.xsd", "sitemap-news.xsd"), (out / "hi/news-sitemap.xml").read_bytes())
    n = {"n": "http://www.google.com/schemas/sitemap-news/0.9", **NS}
    assert {e.text for e in news.iterfind(".//n:publication/n:name", n)} == {"टेस्ट टाइम्स"}
    assert {e.text for e in news.iterfind(".//n:publication/n:language", n)} == {"hi"}
    # (of the Hindi stories, only navy-hi's is of the 48 hours before NOW)
    assert [u.findtext("s:loc", namespaces=NS) for u in news.findall("s:url", NS)] == ["https://news.example/hi/world/navy-hi/"]
    root = lxml.etree.fromstring((out / "news-sitemap.xml").read_bytes())
    assert {e.text for e in root.iterfind(".//n:publication/n:name", n)} == {"Test Media"}
    robots = (out / "robots.txt").read_text()
    assert "Sitemap: https://news.example/news-sitemap.xml" in robots
    assert "Sitemap: https://news.example/hi/news-sitemap.xml" in robots


def test_a_cached_build_after_moving_a_story_between_editions_equals_a_clean_one(tmp_path):
    site = write_site(tmp_path / "site", FILES, EDITIONS)
    build_site(site, BuildOptions(now=NOW))
    (site / "content/business/rupee.md").write_text(article("Rupee firms", "2024-02-01 07:00:00", language="hi"))
    (site / "content/world/monsoon-hi.md").write_text(
        article("मानसून समय से पहले", "2024-02-02 08:00:00", language="hi", byline="[Asha Rao]", body="नया।"))
    problems = None
    try:
        build_site(site, BuildOptions(now=NOW))
    except BuildError as exc:      # rupee.md is in Hindi now, as rupee-hi.md: both fine, no translation between them
        problems = exc.problems
    assert problems is None
    clean = tmp_path / "clean"
    build_site(site, BuildOptions(now=NOW, output=clean, cache=False))
    got, want = snapshot(site / "output"), snapshot(clean)
    assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in want.items()}
    assert (site / "output/hi/business/rupee/index.html").is_file()
    assert not (site / "output/business/rupee/index.html").exists()


BAD = [
    ("a translation of nothing", {"content/world/navy-hi.md": HINDI.replace("world/navy.md", "world/gone.md")}, EDITIONS,
     "content/world/navy-hi.md", "translation_of", ["content/world/gone.md", "does not exist"]),
    ("two translations in one language",
     {"content/world/second-hi.md": article("दूसरा", "2024-02-03 11:00:00", language="hi", translation_of="world/navy.md")},
     EDITIONS, "content/world/second-hi.md", "translation_of", ["content/world/navy-hi.md", "one story per language"]),
    ("a translation in its original's language",
     {"content/world/again.md": article("Again", "2024-02-03 11:00:00", translation_of="world/navy.md")},
     EDITIONS, "content/world/again.md", "translation_of", ["same language"]),
    ("a translation of itself", {"content/world/navy-hi.md": HINDI.replace("world/navy.md", "world/navy-hi.md")},
     EDITIONS, "content/world/navy-hi.md", "translation_of", ["itself"]),
    ("a translation_of that is no story's file", {"content/world/navy-hi.md": HINDI.replace("world/navy.md", "https://x/")},
     EDITIONS, "content/world/navy-hi.md", "translation_of", ["Markdown file"]),
    ("an unknown language table", {}, EDITIONS.replace("[languages.hi]", "[languages.xx-bogus]").replace(
        "[[languages.hi.menu]]", "[[languages.xx-bogus.menu]]").replace("[languages.hi.sections]", "[languages.xx-bogus.sections]"),
     "site.toml", "languages.xx-bogus", ["not a language"]),
    ("the site's own language as an edition", {}, EDITIONS + '\n[languages.en]\ntitle = "Again"\n', "site.toml",
     "languages.en", ["site's own language"]),
    ("a bad prefix", {}, EDITIONS.replace('title = "टेस्ट टाइम्स"', 'title = "टेस्ट टाइम्स"\nprefix = "a/b"'),
     "site.toml", "languages.hi.prefix", ["one path segment"]),
    ("an unknown key", {}, EDITIONS.replace('title = "टेस्ट टाइम्स"', 'titel = "x"'), "site.toml", "languages.hi.titel",
     ["did you mean 'title'"]),
    ("an unknown kind of slug", {}, EDITIONS.replace('title = "टेस्ट टाइम्स"', 'title = "टेस्ट टाइम्स"\nslugs = "unicode"'),
     "site.toml", "languages.hi.slugs", ['must be "ascii" or "native"']),
    ("a bad edition promo", {}, EDITIONS + '\n[languages.hi.newsletter]\nurl = "javascript:alert(1)"\n', "site.toml",
     "languages.hi.newsletter.url", ["javascript"]),
]


@pytest.mark.parametrize("name, files, toml, path, field, words", BAD, ids=[b[0] for b in BAD])
def test_bad_editions_and_translations_are_errors_and_the_output_stays(tmp_path, name, files, toml, path, field, words):
    fails_leaving_output(write_site(tmp_path / "site", FILES, EDITIONS), files, toml, path, field, words, NOW)


def test_an_edition_may_have_urls_in_its_own_script(tmp_path):
    toml = EDITIONS.replace('title = "टेस्ट टाइम्स"', 'title = "टेस्ट टाइम्स"\nslugs = "native"')
    files = {"content/world/monsoon-hi.md": article("मानसून समय से पहले", "2024-02-03 08:00:00", language="hi",
                                                    slug="मानसून समय से पहले", tags="[Weather]"),
             "content/world/navy.md": ENGLISH, "content/world/navy-hi.md": HINDI}
    site = write_site(tmp_path / "site", files, toml)
    build_site(site, BuildOptions(now=NOW))
    out = site / "output"
    assert (out / "hi/world/मानसून-समय-से-पहले/index.html").is_file()     # (vowel signs kept: not "म-नस-न")
    assert (out / "hi/world/navy-hi/index.html").is_file()                 # (an ASCII file name stays as it is)
    encoded = "https://news.example/hi/world/%E0%A4%AE%E0%A4%BE%E0%A4%A8%E0%A4%B8%E0%A5%82%E0%A4%A8-" \
              "%E0%A4%B8%E0%A4%AE%E0%A4%AF-%E0%A4%B8%E0%A5%87-%E0%A4%AA%E0%A4%B9%E0%A4%B2%E0%A5%87/"
    page = html(out / "hi/world/मानसून-समय-से-पहले/index.html")
    assert page.xpath("//link[@rel='canonical']/@href") == [encoded]
    assert page.xpath("//meta[@property='og:url']/@content") == [encoded]
    assert json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])["url"] == encoded
    sitemap = valid(schema("sitemap.xsd", "xhtml1-strict.xsd"), (out / "sitemap.xml").read_bytes())
    assert encoded in [u.findtext("s:loc", namespaces=NS) for u in sitemap.findall("s:url", NS)]
    news = valid(schema("sitemap.xsd", "sitemap-news.xsd"), (out / "hi/news-sitemap.xml").read_bytes())
    assert encoded in [u.findtext("s:loc", namespaces=NS) for u in news.findall("s:url", NS)]
    rss = (out / "hi/feed.xml").read_text()
    assert f"<link>{encoded}</link>" in rss and "मानसून-समय" not in rss.split("<item>")[1].split("<title>")[0]
    assert encoded in [item["url"] for item in json.loads((out / "hi/feed.json").read_text())["items"]]
    assert html(out / "hi/world/index.html").xpath("//a[@href='/hi/world/मानसून-समय-से-पहले/']")


def test_native_slugs_keep_every_script_whole():
    from generator.urls import NATIVE_SLUG_BYTES, native_slug
    assert native_slug("नौसेना ने पोत का परीक्षण किया!") == "नौसेना-ने-पोत-का-परीक्षण-किया"
    assert native_slug("محطة تحلية: جديدة") == "محطة-تحلية-جديدة"
    assert native_slug("می\u200cخواهم") == "میخواهم"       # (a zero-width non-joiner dropped, not a hyphen)
    assert native_slug("Café AU lait") == "café-au-lait"
    assert native_slug("../../etc/पासवर्ड") == "etc-पासवर्ड"     # (no dot, slash or backslash survives: no way out of the folder)
    assert native_slug("a\\b/c") == "a-b-c"
    long = native_slug("परीक्षण " * 60)
    assert len(long.encode()) <= NATIVE_SLUG_BYTES and not long.endswith("-") and long.startswith("परीक्षण-")
