"""Plain text in feeds: a field a reader takes as HTML holds the text HTML-escaped, so a
summary of '<script>…' shows those characters and never becomes markup; plain-text fields
(RSS and Atom titles, Atom's text summary, JSON Feed's summary) hold the text as it is."""
import html as htmllib
import json

import feedparser
import lxml.html
import pytest
from lxml import etree

from conftest import SITE_TOML, article, cli

EVIL = "<script>alert(1)</script><b>x</b><img src=x onerror=alert(2)>"
TEXTS = [EVIL, "Q&A: 5 < 6 & 7 > 3", "Tom &amp; Jerry", "&lt;b&gt;already escaped&lt;/b&gt;"]


def built(make_site, text: str, title: str = "A story"):
    toml = SITE_TOML.replace('description = "All the news that fits."', f"description = {json.dumps(text)}")
    site = make_site({"content/world/a.md": article(title, summary=json.dumps(text))}, toml)
    result = cli("build", str(site))
    assert result.returncode == 0, result.stderr
    return site / "output"


def shown(fragment: str) -> tuple[str, list[str]]:
    """What a reader shows for an HTML fragment: its text, and the elements in it."""
    doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return doc.text_content(), [el.tag for el in doc.iterdescendants()]


@pytest.mark.parametrize("text", TEXTS, ids=repr)
def test_rss_descriptions_show_the_text_not_markup(make_site, text):
    out = built(make_site, text)
    for sanitize in (True, False):        # what feedparser gives readers, and what the feed says
        feed = feedparser.parse((out / "feed.xml").read_bytes(), sanitize_html=sanitize)
        assert not feed.bozo
        for detail in (feed.entries[0].summary_detail, feed.feed.subtitle_detail):
            assert detail.type == "text/html"
            assert shown(detail.value) == (text, [])


@pytest.mark.parametrize("text", TEXTS, ids=repr)
def test_atom_summary_and_subtitle_stay_plain_text(make_site, text):
    out = built(make_site, text)
    feed = feedparser.parse((out / "atom.xml").read_bytes())
    for detail in (feed.entries[0].summary_detail, feed.feed.subtitle_detail):
        assert (detail.type, detail.value) == ("text/plain", text)


@pytest.mark.parametrize("title", TEXTS, ids=repr)
def test_titles_are_plain_text_in_every_feed(make_site, title):
    # RSS titles are plain text (the W3C validator warns about HTML in them, escaped or not):
    # the title's characters are written once, XML-escaped, never as HTML entities
    out = built(make_site, "Summary.", title=title)
    rss = etree.fromstring((out / "feed.xml").read_bytes())
    assert rss.findtext("channel/item/title") == title
    atom = etree.fromstring((out / "atom.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    [entry_title] = atom.findall("a:entry/a:title", ns)
    assert entry_title.text == title and entry_title.get("type", "text") == "text"
    assert json.loads((out / "feed.json").read_text())["items"][0]["title"] == title


@pytest.mark.parametrize("text", TEXTS, ids=repr)
def test_json_feed_summary_is_plain_text_and_content_is_html(make_site, text):
    out = built(make_site, text)
    feed = json.loads((out / "feed.json").read_text())
    [item] = feed["items"]
    assert item["summary"] == text and feed["description"] == text      # plain text by the spec
    assert "content_text" not in item and shown(item["content_html"]) == ("Body text.", ["p"])


def test_the_rss_description_of_an_ampersand_is_one_ampersand(make_site):
    out = built(make_site, "AT&T")
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert htmllib.unescape(feed.entries[0].summary) == "AT&T"
