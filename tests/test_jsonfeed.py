"""JSON Feed 1.1, read back with json and checked against what the spec requires."""
import json
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import lxml.html

from generator.jsonfeed import build_json_feed
from generator.model import Image
from conftest import NOW
from test_sitemaps import story

BASE = "https://news.example/"
IST = ZoneInfo("Asia/Kolkata")
NAVY = story("navy", datetime(2024, 2, 3, 8, 0, tzinfo=IST), title="Navy tests a new drone",
             updated=datetime(2024, 2, 3, 9, 54, tzinfo=IST), byline=("Lalit K Jha", "Asha Rao"),
             tags=("Defence", "United States"), summary="A short standfirst.",
             image=Image(src="/images/ship.svg", alt="A ship at sea"))
BARE = story("bare", datetime(2024, 2, 1, 10, 0, tzinfo=IST), title="Bare story")
BODIES = {NAVY.path: '<p>See <a href="/world/bare/">the other story</a>, <a href="#note">a note</a> and '
                     '<img src="/images/c.png" alt="chart"> or <a href="https://elsewhere.example/x">this</a>.</p>',
          BARE.path: "<p>Just a body.</p>"}


def bodies_of(articles) -> dict[str, str]:
    return {a.path: BODIES.get(a.path, f"<p>Body of {a.slug}.</p>") for a in articles}


def feed(articles=(NAVY, BARE), size: int = 50, **kw) -> dict:
    args = dict(base_url=BASE, title="Test Times", description="All the news that fits.", language="en-GB",
                articles=list(articles), bodies=bodies_of(articles), home_path="", feed_path="feed.json", size=size)
    args.update(kw)
    data = build_json_feed(**args)
    assert data.endswith(b"}\n")
    return json.loads(data.decode("utf-8"))


def test_top_level_fields():
    doc = feed()
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "Test Times" and doc["description"] == "All the news that fits."
    assert doc["home_page_url"] == "https://news.example/" and doc["feed_url"] == "https://news.example/feed.json"
    assert doc["language"] == "en-GB"
    section = feed(home_path="world/", feed_path="world/feed.json")
    assert section["home_page_url"] == "https://news.example/world/"
    assert section["feed_url"] == "https://news.example/world/feed.json"


def test_items_carry_everything_with_absolute_urls():
    navy, bare = feed()["items"]
    assert navy["id"] == navy["url"] == "https://news.example/world/navy/"
    assert navy["title"] == "Navy tests a new drone" and navy["summary"] == "A short standfirst."
    assert navy["image"] == "https://news.example/images/ship.svg"
    assert navy["tags"] == ["Defence", "United States"]
    assert navy["authors"] == [{"name": "Lalit K Jha", "url": "https://news.example/authors/lalit-k-jha/"},
                               {"name": "Asha Rao", "url": "https://news.example/authors/asha-rao/"}]
    assert bare["id"] == "https://news.example/world/bare/" and bare["content_html"] == "<p>Just a body.</p>"
    assert not {"summary", "image", "authors", "tags", "date_modified"} & set(bare)


def test_content_html_links_are_absolute():
    body = lxml.html.fragment_fromstring(feed()["items"][0]["content_html"], create_parent="div")
    assert body.xpath("//a/@href") == ["https://news.example/world/bare/", "https://news.example/world/navy/#note",
                                       "https://elsewhere.example/x"]
    assert body.xpath("//img/@src") == ["https://news.example/images/c.png"]


def test_dates_are_rfc3339_with_offsets():
    navy, bare = feed()["items"]
    assert navy["date_published"] == "2024-02-03T08:00:00+05:30"
    assert datetime.fromisoformat(navy["date_published"]) == NAVY.published
    assert datetime.fromisoformat(navy["date_modified"]) == NAVY.updated
    assert all(datetime.fromisoformat(item[key]).utcoffset() is not None
               for item in (navy, bare) for key in ("date_published", "date_modified") if key in item)


def test_id_is_stable_when_a_story_is_updated():
    before = feed([replace(NAVY, updated=None)])["items"][0]
    after = feed([replace(NAVY, updated=NAVY.published + timedelta(days=1), title="Navy tests a drone (updated)")])["items"][0]
    assert before["id"] == after["id"] == "https://news.example/world/navy/"
    assert "date_modified" not in before and after["date_modified"] == "2024-02-04T08:00:00+05:30"


def test_size_keeps_the_newest_in_the_given_order():
    articles = [story(f"s{i}", NOW - timedelta(hours=i)) for i in range(5)]
    items = feed(articles, size=3)["items"]
    assert [item["id"] for item in items] == [f"https://news.example/world/s{i}/" for i in range(3)]
    assert feed([], size=3)["items"] == []


def test_text_round_trips_unescaped_and_output_is_deterministic():
    title = "</script><script>alert(1)</script> — Café & “quotes”"
    a = story(title=title, byline=("Zoë O'Brien", "???"),
              image=Image(src="https://cdn.example/p.jpg", alt="p"))
    data = build_json_feed(BASE, "T", "", "", [a], bodies_of([a]), "", "feed.json", 10)
    assert data == build_json_feed(BASE, "T", "", "", [a], bodies_of([a]), "", "feed.json", 10)
    assert "Café".encode() in data                                  # ensure_ascii=False: real UTF-8
    doc = json.loads(data)
    [item] = doc["items"]
    assert item["title"] == title and item["image"] == "https://cdn.example/p.jpg"
    assert item["authors"] == [{"name": "Zoë O'Brien", "url": "https://news.example/authors/zoe-o-brien/"},
                               {"name": "???"}]                      # nothing to slug: no author page to link
    assert "description" not in doc and "language" not in doc
