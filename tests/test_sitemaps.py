"""Sitemaps, the sitemap index, the Google News sitemap and robots.txt, validated against the published XSDs."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.etree
import pytest

from generator.model import Article
from generator.build import BuildOptions
from generator.incremental.last import clock_next
from generator.sitemaps import build_news_sitemap, build_robots, build_sitemaps, news_language, news_articles
from conftest import NOW

BASE = "https://news.example/"
XSD = Path(__file__).parent / "fixtures" / "xsd"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}
IST = ZoneInfo("Asia/Kolkata")


def story(slug: str = "story", published: datetime = NOW - timedelta(hours=1), **fields) -> Article:
    """An Article as the parser would make it; tests name only the fields they care about."""
    values = dict(path=f"content/world/{slug}.md", title="A story", published=published, updated=None, byline=(),
                  dateline="", source="", copyright="", section="world", section_name="World", tags=(),
                  summary="", image=None, slug=slug, draft=False,
                  url_path=f"world/{slug}/")
    values.update(fields)
    return Article(**values)


def schema(*names: str) -> lxml.etree.XMLSchema:
    """One schema importing each named XSD under its own target namespace."""
    imports = "".join(
        f'<xsd:import namespace="{lxml.etree.parse(str(XSD / name)).getroot().get("targetNamespace")}" '
        f'schemaLocation="{(XSD / name).as_uri()}"/>' for name in names)
    return lxml.etree.XMLSchema(lxml.etree.fromstring(
        f'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">{imports}</xsd:schema>'))


def valid(xsd: lxml.etree.XMLSchema, data: bytes) -> lxml.etree._Element:
    doc = lxml.etree.fromstring(data)
    assert xsd.validate(doc), xsd.error_log
    return doc


ENTRIES = [("", datetime(2024, 2, 3, 9, 54, tzinfo=IST)), ("world/navy/", datetime(2024, 2, 3, 8, 0, tzinfo=IST)),
           ("world/", None), ("tags/defence/page/2/", datetime(2024, 1, 1, tzinfo=timezone.utc))]


def test_small_site_gets_one_valid_urlset():
    files = build_sitemaps(BASE, ENTRIES)
    assert list(files) == ["sitemap.xml"]
    assert files["sitemap.xml"].startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    doc = valid(schema("sitemap.xsd"), files["sitemap.xml"])
    assert doc.xpath("//s:loc/text()", namespaces=NS) == [
        "https://news.example/", "https://news.example/world/navy/", "https://news.example/world/",
        "https://news.example/tags/defence/page/2/"]
    urls = doc.xpath("//s:url", namespaces=NS)
    assert [datetime.fromisoformat(u.findtext("s:lastmod", namespaces=NS)) if u.find("s:lastmod", NS) is not None
            else None for u in urls] == [modified for _, modified in ENTRIES]
    assert urls[0].findtext("s:lastmod", namespaces=NS) == "2024-02-03T09:54:00+05:30"
    assert build_sitemaps(BASE, list(ENTRIES)) == files                      # same input, same bytes


def test_paths_are_percent_encoded_and_naive_dates_refused():
    doc = valid(schema("sitemap.xsd"), build_sitemaps(BASE, [("tags/café au lait/", None)])["sitemap.xml"])
    assert doc.xpath("//s:loc/text()", namespaces=NS) == ["https://news.example/tags/caf%C3%A9%20au%20lait/"]
    with pytest.raises(ValueError):
        build_sitemaps(BASE, [("x/", datetime(2024, 1, 1))])


def test_exactly_limit_urls_still_fit_in_one_file():
    entries = [(f"world/s{i}/", None) for i in range(3)]
    assert list(build_sitemaps(BASE, entries, limit=3)) == ["sitemap.xml"]


def test_large_site_is_split_behind_a_valid_sitemap_index():
    day = datetime(2024, 3, 1, tzinfo=timezone.utc)
    entries = [(f"world/s{i}/", day + timedelta(days=i % 3)) for i in range(6)] + [("about/", None)]
    files = build_sitemaps(BASE, entries, limit=3)
    assert list(files) == ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]
    index = valid(schema("siteindex.xsd"), files["sitemap.xml"])
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    assert index.xpath("//s:sitemap/s:loc/text()", namespaces=NS) == [
        f"https://news.example/sitemap-{n}.xml" for n in (1, 2, 3)]
    urlset = schema("sitemap.xsd")
    seen = []
    for n, sitemap in enumerate(index.xpath("//s:sitemap", namespaces=NS), start=1):
        part = valid(urlset, files[f"sitemap-{n}.xml"])
        locs = part.xpath("//s:loc/text()", namespaces=NS)
        assert 1 <= len(locs) <= 3
        seen += locs
        stamps = [datetime.fromisoformat(t) for t in part.xpath("//s:lastmod/text()", namespaces=NS)]
        newest = sitemap.findtext("s:lastmod", namespaces=NS)
        assert (datetime.fromisoformat(newest) if newest else None) == max(stamps, default=None)
    assert sorted(seen) == sorted(BASE + path for path, _ in entries) and len(seen) == len(set(seen))
    assert index.xpath("//s:sitemap[3]/s:lastmod", namespaces=NS) == []   # about/ alone: no date to give
    assert build_sitemaps(BASE, entries, limit=3) == files


def test_news_sitemap_keeps_the_last_two_days_newest_first():
    articles = [story("hour-ago", NOW - timedelta(hours=1)), story("three-days", NOW - timedelta(days=3)),
                story("future", NOW + timedelta(minutes=5)), story("edge", NOW - timedelta(hours=48)),
                story("now", NOW.astimezone(IST))]
    doc = valid(schema("sitemap.xsd", "sitemap-news.xsd"), build_news_sitemap(BASE, "Test Times", "en", articles, NOW))
    assert doc.xpath("//s:url/s:loc/text()", namespaces=NS) == [
        "https://news.example/world/now/", "https://news.example/world/hour-ago/", "https://news.example/world/edge/"]
    [first] = doc.xpath("//s:url[1]/news:news", namespaces=NS)
    assert first.findtext("news:publication/news:name", namespaces=NS) == "Test Times"
    assert first.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert first.findtext("news:publication_date", namespaces=NS) == "2024-06-01T17:30:00+05:30"
    assert first.findtext("news:title", namespaces=NS) == "A story"
    assert [child.tag.split("}")[1] for child in first] == ["publication", "publication_date", "title"]


LONDON = ZoneInfo("Europe/London")    # clocks went back an hour at 01:00 UTC on 27 October 2024


def test_the_news_window_is_48_hours_even_when_the_clocks_change():
    published = datetime(2024, 10, 26, 12, 0, tzinfo=LONDON)           # 11:00 UTC (summer time)
    left = datetime(2024, 10, 28, 11, 0, tzinfo=timezone.utc)           # 48 hours later: 11:00 GMT
    a = story(published=published)
    assert clock_next([a], [a], published.astimezone(LONDON), drafts=False, future=False, preview=False).when == left
    # in any zone, `now` a minute before that holds the story, a minute after does not
    for zone in (timezone.utc, LONDON, IST):
        assert news_articles([a], (left - timedelta(minutes=1)).astimezone(zone)) == [a]
        assert news_articles([a], (left + timedelta(minutes=1)).astimezone(zone)) == []


def test_news_sitemap_holds_at_most_1000_stories():
    articles = [story(f"s{i}", NOW - timedelta(minutes=i + 1)) for i in range(1001)]
    doc = valid(schema("sitemap.xsd", "sitemap-news.xsd"), build_news_sitemap(BASE, "T", "en", articles[::-1], NOW))
    locs = doc.xpath("//s:loc/text()", namespaces=NS)
    assert len(locs) == 1000 and locs[0] == BASE + "world/s0/" and BASE + "world/s1000/" not in locs


def test_news_titles_are_escaped_and_control_characters_dropped():
    title = "<script>alert(1)</script> & \"Tom's\" café\x0b"
    data = build_news_sitemap(BASE, "Times & Co\x01", "en", [story(title=title)], NOW)
    doc = valid(schema("sitemap.xsd", "sitemap-news.xsd"), data)
    assert b"<script>" not in data and b"&amp;" in data
    assert not doc.xpath("//script") and not doc.xpath("//*[local-name()='script']")
    assert doc.xpath("//news:title/text()", namespaces=NS) == ["<script>alert(1)</script> & \"Tom's\" café"]
    assert doc.xpath("//news:name/text()", namespaces=NS) == ["Times & Co"]


@pytest.mark.parametrize("tag, code", [("en-GB", "en"), ("EN", "en"), ("hi", "hi"), ("fil-PH", "fil"),
                                       ("zh-CN", "zh-cn"), ("zh-TW", "zh-tw"), ("zh-Hant-HK", "zh-tw"),
                                       ("zh-Hans", "zh-cn"), ("zh", "zh"), ("pt_BR", "pt")])
def test_news_language_is_the_code_google_wants(tag, code):
    assert news_language(tag) == code
    data = build_news_sitemap(BASE, "T", tag, [story()], NOW)
    assert valid(schema("sitemap.xsd", "sitemap-news.xsd"), data).xpath("//news:language/text()", namespaces=NS) == [code]


def test_news_schema_really_checks_the_news_elements():
    xsd = schema("sitemap.xsd", "sitemap-news.xsd")
    good = build_news_sitemap(BASE, "T", "en-GB", [story()], NOW)
    valid(xsd, good)
    # the urlset schema alone refuses news:news (processContents="strict"), so passing above means it was checked
    assert not schema("sitemap.xsd").validate(lxml.etree.fromstring(good))
    for broken in (good.replace(b"<news:language>en<", b"<news:language>en-GB<"),
                   good.replace(b"2024-06-01T11:00:00+00:00", b"yesterday"),
                   lxml.etree.tostring(_without(lxml.etree.fromstring(good), "//news:title"))):
        assert broken != good and not xsd.validate(lxml.etree.fromstring(broken))


def _without(doc: lxml.etree._Element, xpath: str) -> lxml.etree._Element:
    for node in doc.xpath(xpath, namespaces=NS):
        node.getparent().remove(node)
    return doc


def test_empty_news_sitemap_is_still_a_urlset():
    data = build_news_sitemap(BASE, "T", "en", [story(published=NOW - timedelta(days=9))], NOW)
    doc = lxml.etree.fromstring(data)
    assert doc.tag == f"{{{NS['s']}}}urlset" and len(doc) == 0
    assert data == build_news_sitemap(BASE, "T", "en", [], NOW)


def test_news_sitemap_ignores_updates_and_is_deterministic():
    a = story(updated=NOW)
    first = build_news_sitemap(BASE, "T", "en", [a], NOW)
    assert first == build_news_sitemap(BASE, "T", "en", [replace(a, updated=None)], NOW)
    assert b"2024-06-01T11:00:00+00:00" in first              # the original publication time, not the update


def test_robots_names_every_sitemap():
    assert build_robots("https://news.example/edition/", ["sitemap.xml", "news-sitemap.xml"]).decode() == (
        "User-agent: *\nAllow: /\n\n"
        "Sitemap: https://news.example/edition/sitemap.xml\n"
        "Sitemap: https://news.example/edition/news-sitemap.xml\n")


def test_a_story_built_ahead_of_its_time_enters_the_news_sitemap_by_the_clock(make_site, tmp_path):
    """With --future a story is on the site before its time but in the news sitemap only from its
    time on: the clock must say so, or a no-change build after that time keeps it out."""
    from generator.build import build_site
    from conftest import article
    soon = NOW + timedelta(hours=1)
    site = make_site({"content/world/soon.md": article("Soon", soon.strftime("%Y-%m-%d %H:%M:%S+00:00")),
                      "content/world/old.md": article("Old", "2024-01-01 10:00:00")})
    first = build_site(site, BuildOptions(now=NOW, future=True))
    assert first.clock is not None and first.clock.when == soon and first.clock.what == "enters the news sitemap"
    later = soon + timedelta(minutes=1)
    build_site(site, BuildOptions(now=later, future=True))
    clean = tmp_path / "clean"
    build_site(site, BuildOptions(now=later, future=True, output=clean, cache=False))
    assert "world/soon/" in (site / "output/news-sitemap.xml").read_text()
    assert (site / "output/news-sitemap.xml").read_bytes() == (clean / "news-sitemap.xml").read_bytes()
