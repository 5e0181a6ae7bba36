"""A story's own language (issue 17): `language:` in front matter, a BCP 47 tag checked against
CLDR, sets lang (and dir, for a right-to-left script) on its page and its cards, inLanguage,
og:locale, its JSON Feed item's language and its news sitemap entry; the site's own parts of its
page keep the site's language."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from lxml import etree

from conftest import SITE_TOML, article, cli, html
from generator.build import BuildOptions, build_site

HINDI = article("नौसेना ने मानवरहित पोत का परीक्षण पूरा किया", "2024-02-03 10:00:00", language="hi",
                summary="'तीस दिन समुद्र में।'", body="पोत ने तीस दिन समुद्र में बिताए।")
ARABIC = article("البحرية تختبر سفينة مسيرة", "2024-02-03 11:00:00", language="ar", body="أمضت السفينة ثلاثين يوما في البحر.")
FILES = {"content/world/hindi.md": HINDI, "content/world/arabic.md": ARABIC,
         "content/world/english.md": article("Navy completes drone ship trial", "2024-02-03 09:00:00")}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from conftest import write_site
    site = write_site(tmp_path_factory.mktemp("language") / "site", FILES)
    build_site(site, BuildOptions(now=datetime(2024, 2, 4, 6, 0, tzinfo=timezone.utc)))     # (all in the news window)
    return site / "output"


def ld(page, kind):
    return next(d for d in map(json.loads, page.xpath('//script[@type="application/ld+json"]/text()')) if d["@type"] == kind)


@pytest.mark.parametrize("page, lang, direction, locale", [
    ("world/hindi/index.html", "hi", None, "hi_IN"), ("world/arabic/index.html", "ar", "rtl", "ar_EG"),
    ("world/english/index.html", "en", None, "en_US")])
def test_the_story_page_is_in_its_language(out, page, lang, direction, locale):
    doc = html(out / page)
    assert (doc.get("lang"), doc.get("dir")) == (lang, direction)
    assert doc.xpath('//meta[@property="og:locale"]/@content') == [locale]
    assert ld(doc, "NewsArticle")["inLanguage"] == lang


def test_the_sites_own_parts_keep_the_sites_language(out):
    doc = html(out / "world/arabic/index.html")
    for part in (doc.find(".//header[@class='site-header']"), doc.find(".//footer[@class='site-footer']"),
                 doc.find(".//a[@class='skip-link']")):
        assert (part.get("lang"), part.get("dir")) == ("en", "ltr")
    doc = html(out / "world/english/index.html")
    assert doc.find(".//header[@class='site-header']").get("lang") is None


def test_cards_carry_the_storys_language(out):
    cards = {c.findtext(".//h3/a") or c.findtext(".//h2/a"): c for c in html(out / "world/index.html").iter("article")}
    by_lang = {c.get("lang"): c.get("dir") for c in cards.values()}
    assert by_lang == {"hi": None, "ar": "rtl", None: None}


def test_feeds_and_the_news_sitemap_carry_the_storys_language(out):
    items = {i["url"].rsplit("/", 2)[-2]: i for i in json.loads((out / "feed.json").read_text())["items"]}
    assert (items["hindi"]["language"], items["arabic"]["language"]) == ("hi", "ar") and "language" not in items["english"]
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    tree = etree.parse(str(out / "news-sitemap.xml"))
    langs = {u.findtext("s:loc", namespaces=ns).rsplit("/", 2)[-2]: u.findtext(".//n:language", namespaces=ns)
             for u in tree.findall("s:url", ns)}
    assert langs == {"hindi": "hi", "arabic": "ar", "english": "en"}


@pytest.mark.parametrize("tag, says", [("xx", "'xx' is not a language Broadsheet knows"),
                                        ("en_GB!", "'en_GB!' is not a language tag")])
def test_an_unknown_language_tag_names_the_file_and_field(make_site, tag, says):
    site = make_site({"content/world/a.md": article("A", language=repr(tag))})
    result = cli("build", str(site))
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert "content/world/a.md:" in result.stderr and f"language: {says}" in result.stderr


def test_an_unknown_site_language_is_a_problem_in_site_toml(make_site):
    site = make_site({"content/world/a.md": article("A")}, SITE_TOML.replace('timezone', 'language = "klingon"\ntimezone'))
    result = cli("build", str(site))
    assert result.returncode != 0 and "site.toml: language: 'klingon' is not a language" in result.stderr
