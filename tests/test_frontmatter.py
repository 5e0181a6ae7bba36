"""Parsing and validating one article's front matter (pure, no files)."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from generator.frontmatter import parse_article

IST = ZoneInfo("Asia/Kolkata")


def parse(text: str | bytes, path: str = "content/world/story.md"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_article(path, data, IST)


def ok(text, **kw):
    article, problems = parse(text, **kw)
    assert problems == [], [str(p) for p in problems]
    return article


def only_problem(text, **kw):
    article, problems = parse(text, **kw)
    assert article is None
    assert len(problems) >= 1
    return problems


FULL = """---
title: Navy tests a new drone
published: 2024-02-03 09:54:00
updated: 2024-02-04T11:00:00+05:30
byline: [Lalit K Jha, Asha Rao]
dateline: Washington, DC
source: PTI
copyright: © Copyright 2024 PTI. All rights reserved.
tags: [Defence, United States]
summary: The standfirst.
image:
  src: /images/ship.svg
  alt: A ship at sea
  caption: Image used for representational purpose only.
  credit: "Photograph: US Navy/Handout via Reuters"
slug: navy-drone
kicker: Analysis
---
Body with a "quote".
"""


def test_every_field_is_read():
    a = ok(FULL)
    assert a.title == "Navy tests a new drone"
    assert a.published == datetime(2024, 2, 3, 9, 54, tzinfo=IST)
    assert a.updated.utcoffset() == timedelta(hours=5, minutes=30) and a.updated.hour == 11
    assert a.byline == ("Lalit K Jha", "Asha Rao")
    assert (a.dateline, a.source) == ("Washington, DC", "PTI")
    assert a.copyright.startswith("© Copyright 2024 PTI")
    assert a.tags == ("Defence", "United States")
    assert a.summary == "The standfirst."
    assert a.image.src == "/images/ship.svg" and a.image.alt == "A ship at sea"
    assert a.image.credit == "Photograph: US Navy/Handout via Reuters"
    assert (a.section, a.section_name, a.slug) == ("world", "World", "navy-drone")
    assert a.extra == {"kicker": "Analysis"}
    assert "\u201cquote\u201d" in a.body_html   # smart quotes (the sanitiser writes characters, not entities)
    assert a.url_path == "world/navy-drone/"


def test_naive_datetime_and_bare_date_are_in_the_site_zone():
    a = ok("---\ntitle: T\npublished: 2024-02-03\n---\n")
    assert a.published == datetime(2024, 2, 3, 0, 0, tzinfo=IST)
    b = ok("---\ntitle: T\npublished: '2024-02-03 09:54'\n---\n")
    assert b.published == datetime(2024, 2, 3, 9, 54, tzinfo=IST)
    c = ok("---\ntitle: T\npublished: 2024-02-03T04:24:00Z\n---\n")
    assert c.published == datetime(2024, 2, 3, 9, 54, tzinfo=IST)


def test_single_byline_string_and_single_tag_string():
    a = ok("---\ntitle: T\npublished: 2024-02-03\nbyline: Asha Rao\ntags: Trade\n---\n")
    assert a.byline == ("Asha Rao",) and a.tags == ("Trade",)


def test_tags_differing_only_in_case_are_one_tag():
    assert ok("---\ntitle: T\npublished: 2024-02-03\ntags: [Trade, trade, TRADE, Oil]\n---\n").tags == ("Trade", "Oil")


def test_bom_and_windows_line_endings_are_valid():
    a = ok(b"\xef\xbb\xbf---\r\ntitle: T\r\npublished: 2024-02-03\r\n---\r\nLine one\r\n\r\nLine two\r\n")
    assert a.title == "T" and a.body_html.count("<p>") == 2 and "\r" not in a.body_html


def test_section_from_front_matter_and_from_folder():
    assert ok("---\ntitle: T\npublished: 2024-02-03\nsection: Business News\n---\n").section == "business-news"
    assert ok("---\ntitle: T\npublished: 2024-02-03\n---\n", path="content/sport/x.md").section == "sport"


def test_unicode_file_name_and_slug_give_a_stable_ascii_url():
    a = ok("---\ntitle: भारत की अर्थव्यवस्था\npublished: 2024-02-03\n---\n", path="content/world/भारत-की-अर्थव्यवस्था.md")
    assert a.slug and a.slug.isascii() and "/" not in a.slug
    assert a.slug == ok("---\ntitle: x\npublished: 2024-02-03\n---\n", path="content/world/भारत-की-अर्थव्यवस्था.md").slug


@pytest.mark.parametrize("slug", ["../../etc/passwd", "/abs/path", "..", "a/b\\c", "%2e%2e"])
def test_a_slug_can_never_leave_its_folder(slug):
    article, problems = parse(f"---\ntitle: T\npublished: 2024-02-03\nslug: {slug!r}\n---\n")
    if article is not None:
        assert "/" not in article.slug and ".." not in article.slug and "\\" not in article.slug
    else:
        assert problems[0].field == "slug"


def test_draft_flag():
    assert ok("---\ntitle: T\npublished: 2024-02-03\ndraft: true\n---\n").draft is True


# --- bad input: each names the line and field --------------------------------------------

def test_missing_title():
    [p] = only_problem("---\npublished: 2024-02-03\n---\n")
    assert p.field == "title" and "required" in p.message


def test_empty_title_names_its_line():
    [p] = only_problem("---\npublished: 2024-02-03\ntitle: '  '\n---\n")
    assert (p.field, p.line) == ("title", 3) and "empty" in p.message


def test_malformed_yaml_gives_the_yaml_line():
    [p] = only_problem("---\ntitle: T\npublished: 2024-02-03\ntags: [a, b\nsummary: x\n---\n")
    assert "YAML" in p.message and p.line in (4, 5, 6)


def test_date_that_does_not_parse():
    [p] = only_problem("---\ntitle: T\npublished: next tuesday\n---\n")
    assert (p.field, p.line) == ("published", 3) and "not a date" in p.message


def test_updated_before_published():
    [p] = only_problem("---\ntitle: T\npublished: 2024-02-03\nupdated: 2024-02-01\n---\n")
    assert (p.field, p.line) == ("updated", 4) and "before published" in p.message


@pytest.mark.parametrize("field, value", [("tags", "5"), ("byline", "{a: 1}"), ("draft", "maybe"),
                                          ("image", "just-a-string.png"), ("title", "[a, b]"), ("summary", "{x: 1}")])
def test_wrong_types(field, value):
    text = "---\ntitle: T\npublished: 2024-02-03\n---\n".replace("title: T\n", "title: T\n" if field != "title" else "") \
        .replace("---\n\n", "---\n")
    text = text.replace("published: 2024-02-03\n", f"published: 2024-02-03\n{field}: {value}\n")
    problems = only_problem(text)
    assert any(p.field == field and p.line for p in problems), [str(p) for p in problems]


def test_image_needs_alt():
    problems = only_problem("---\ntitle: T\npublished: 2024-02-03\nimage:\n  src: /a.png\n---\n")
    assert problems[0].field == "image.alt"


def test_image_rejects_script_urls():
    problems = only_problem("---\ntitle: T\npublished: 2024-02-03\nimage: {src: 'javascript:alert(1)', alt: x}\n---\n")
    assert problems[0].field == "image.src"


def test_empty_file_and_no_front_matter():
    assert "empty file" in only_problem("")[0].message
    assert "empty file" in only_problem("\n  \n")[0].message
    assert "no front matter" in only_problem("Just a body\n")[0].message
    assert "not closed" in only_problem("---\ntitle: T\n")[0].message


def test_not_utf8_names_the_line():
    [p] = only_problem("---\ntitle: T\npublished: 2024-02-03\n---\ncaf".encode() + b"\xe9\n")
    assert "not UTF-8" in p.message and p.line == 5


def test_every_problem_in_a_file_is_reported():
    problems = only_problem("---\ntitle: ''\npublished: never\ntags: 5\n---\n")
    assert {p.field for p in problems} == {"title", "published", "tags"}
