"""News-grade metadata: NewsArticle and BreadcrumbList JSON-LD, Open Graph, Twitter cards, head links."""
import json

import pytest

from conftest import SITE_TOML, article, html, text_of

TOML = SITE_TOML.replace('[publisher]\nname = "Test Media"', '[publisher]\nname = "Test Media"\nlogo = "/images/logo.svg"')
STORY = article(
    "Navy tests a new drone", "2024-02-03 08:00:00", updated="2024-02-03 09:54:00",
    byline="[Lalit K Jha, Asha Rao]", source="PTI", copyright="'© 2024 PTI'", tags="[Defence, United States]",
    summary="A short standfirst.", image="{src: /images/ship.svg, alt: A ship at sea}")
PLAIN = article("No picture here", "2024-02-02 10:00:00", byline="Asha Rao")
EVIL = article("</script><script>alert(1)</script> & <b>bold</b>", "2024-02-01 10:00:00", summary="'</SCRIPT>x'")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from generator.build import BuildOptions, build_site
    from conftest import NOW, write_site
    site = write_site(tmp_path_factory.mktemp("meta") / "site", {
        "content/world/navy.md": STORY, "content/world/plain.md": PLAIN, "content/sport/evil.md": EVIL}, TOML)
    build_site(site, BuildOptions(now=NOW))
    return site / "output"


def ld(doc, kind):
    found = [json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]')]
    return [d for d in found if d.get("@type") == kind]


def meta(doc, attr, key):
    return doc.xpath(f'//meta[@{attr}="{key}"]/@content')


def test_news_article_json_ld(out):
    doc = html(out / "world/navy/index.html")
    [a] = ld(doc, "NewsArticle")
    assert a["@context"] == "https://schema.org"
    assert a["headline"] == "Navy tests a new drone" and a["description"] == "A short standfirst."
    assert a["image"] == ["https://news.example/images/ship.svg"]
    assert a["datePublished"] == "2024-02-03T08:00:00+05:30" and a["dateModified"] == "2024-02-03T09:54:00+05:30"
    assert a["author"] == [
        {"@type": "Person", "name": "Lalit K Jha", "url": "https://news.example/authors/lalit-k-jha/"},
        {"@type": "Person", "name": "Asha Rao", "url": "https://news.example/authors/asha-rao/"}]
    assert a["publisher"] == {"@type": "Organization", "name": "Test Media", "url": "https://news.example/",
                              "logo": {"@type": "ImageObject", "url": "https://news.example/images/logo.svg"}}
    assert a["mainEntityOfPage"]["@id"] == "https://news.example/world/navy/"
    assert a["articleSection"] == "World" and a["keywords"] == ["Defence", "United States"]
    assert a["inLanguage"] == "en" and a["copyrightNotice"] == "© 2024 PTI"
    assert a["sourceOrganization"] == {"@type": "Organization", "name": "PTI"}


def test_optional_json_ld_properties_are_left_out(out):
    [a] = ld(html(out / "world/plain/index.html"), "NewsArticle")
    assert not {"image", "keywords", "copyrightNotice", "sourceOrganization", "description"} & set(a)
    assert a["dateModified"] == a["datePublished"]


def test_breadcrumb_list_matches_the_visible_breadcrumbs(out):
    doc = html(out / "world/navy/index.html")
    [crumbs] = ld(doc, "BreadcrumbList")
    items = crumbs["itemListElement"]
    visible = doc.xpath('//nav[@aria-label="Breadcrumb"]//a')
    assert [i["name"] for i in items] == [text_of(a) for a in visible]
    assert [i["item"] for i in items] == ["https://news.example" + a.get("href") for a in visible]
    assert [i["position"] for i in items] == [1, 2, 3]


def test_home_page_carries_a_website_object(out):
    [site] = ld(html(out / "index.html"), "WebSite")
    assert site["name"] == "Test Times" and site["url"] == "https://news.example/"
    assert site["publisher"]["name"] == "Test Media"


def test_a_title_cannot_break_out_of_the_json_ld_script(out):
    doc = html(out / "sport/evil/index.html")
    scripts = doc.xpath("//script")
    assert all(s.get("type") == "application/ld+json" for s in scripts)
    [a] = ld(doc, "NewsArticle")
    assert a["headline"] == "</script><script>alert(1)</script> & <b>bold</b>"
    raw = (out / "sport/evil/index.html").read_text()
    assert raw.count("</script>") == len(scripts)


def test_open_graph_and_twitter_on_articles(out):
    doc = html(out / "world/navy/index.html")
    assert meta(doc, "property", "og:type") == ["article"]
    assert meta(doc, "property", "og:title") == ["Navy tests a new drone"]
    assert meta(doc, "property", "og:description") == ["A short standfirst."]
    assert meta(doc, "property", "og:url") == ["https://news.example/world/navy/"]
    # (the lead image is an SVG, which social sites do not show: the site's card stands in)
    [card] = meta(doc, "property", "og:image")
    assert card.startswith("https://news.example/social-card.") and card.endswith(".png")
    [news] = ld(doc, "NewsArticle")
    assert news["image"] == ["https://news.example/images/ship.svg"]      # (search engines read SVG)
    assert meta(doc, "property", "og:site_name") == ["Test Times"]
    assert meta(doc, "property", "article:published_time") == ["2024-02-03T08:00:00+05:30"]
    assert meta(doc, "property", "article:modified_time") == ["2024-02-03T09:54:00+05:30"]
    assert meta(doc, "property", "article:section") == ["World"]
    assert meta(doc, "property", "article:tag") == ["Defence", "United States"]
    assert meta(doc, "property", "article:author") == ["https://news.example/authors/lalit-k-jha/",
                                                       "https://news.example/authors/asha-rao/"]
    assert meta(doc, "name", "twitter:card") == ["summary_large_image"]
    assert meta(html(out / "world/plain/index.html"), "name", "twitter:image") == [card]     # no picture: the card


@pytest.mark.parametrize("page, section_feed", [("index.html", None), ("world/index.html", "/world/feed.xml"),
                                                ("world/navy/index.html", "/world/feed.xml"),
                                                ("tags/defence/index.html", None), ("archive/index.html", None),
                                                ("authors/asha-rao/index.html", "/authors/asha-rao/feed.xml")])
def test_every_page_has_the_head_essentials(out, page, section_feed):
    doc = html(out / page)
    assert doc.get("lang") == "en"
    assert text_of(doc.xpath("//title")[0])
    assert meta(doc, "name", "description") and meta(doc, "name", "description")[0]
    [canonical] = doc.xpath('//link[@rel="canonical"]/@href')
    assert canonical == "https://news.example/" + page.removesuffix("index.html")
    feeds = doc.xpath('//link[@rel="alternate"]/@href')
    assert "/feed.xml" in feeds
    if section_feed:
        assert section_feed in feeds
