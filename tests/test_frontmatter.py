"""Parsing and validating one article's front matter (pure, no files)."""
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from zoneinfo import ZoneInfo

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.frontmatter import _parts, _stem, parse_article
from generator.yamlread import load_simple_yaml, load_yaml_with_loader

IST = ZoneInfo("Asia/Kolkata")


def parse(text: str | bytes, path: str = "content/world/story.md"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_article(path, data, IST)


def ok(text, **kw):
    return ok_body(text, **kw)[0]


def ok_body(text, **kw):
    """The article and its body's HTML (which the article does not hold)."""
    article, problems, body = parse(text, **kw)
    assert problems == [], [str(p) for p in problems]
    return article, body


def only_problem(text, **kw):
    article, problems, body = parse(text, **kw)
    assert article is None and body == ""
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
    a, body = ok_body(FULL)
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
    assert "\u201cquote\u201d" in body   # smart quotes (the sanitiser writes characters, not entities)
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
    a, body = ok_body(b"\xef\xbb\xbf---\r\ntitle: T\r\npublished: 2024-02-03\r\n---\r\nLine one\r\n\r\nLine two\r\n")
    assert a.title == "T" and body.count("<p>") == 2 and "\r" not in body


def test_section_from_front_matter_and_from_folder():
    assert ok("---\ntitle: T\npublished: 2024-02-03\nsection: Business News\n---\n").section == "business-news"
    assert ok("---\ntitle: T\npublished: 2024-02-03\n---\n", path="content/sport/x.md").section == "sport"


def test_unicode_file_name_and_slug_give_a_stable_ascii_url():
    a = ok("---\ntitle: भारत की अर्थव्यवस्था\npublished: 2024-02-03\n---\n", path="content/world/भारत-की-अर्थव्यवस्था.md")
    assert a.slug and a.slug.isascii() and "/" not in a.slug
    assert a.slug == ok("---\ntitle: x\npublished: 2024-02-03\n---\n", path="content/world/भारत-की-अर्थव्यवस्था.md").slug


@pytest.mark.parametrize("slug", ["../../etc/passwd", "/abs/path", "..", "a/b\\c", "%2e%2e"])
def test_a_slug_can_never_leave_its_folder(slug):
    article, problems, _ = parse(f"---\ntitle: T\npublished: 2024-02-03\nslug: {slug!r}\n---\n")
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


# The line-by-line reader of simple front matter answers exactly as PyYAML's loader, or not at all.
KEYS = ["title", "published", "tags", "yes", "No", "null", "on", "y", "x_1", "sub-title", "a" * 101, "tags"]
VALUES = ['"Quoted: text # with [brackets], \'apostrophes\'"', "'single \"quoted\"'", "'it''s'", '"esc\\"aped"', '"tab\there"',
          "plain words", "2020-02-02 19:23:00", "2020-02-02", "2020-02-02T10:00:00+05:30", "2020-13-45", "2020-02-30 10:00",
          "12:30", "1_000", "0x1F", "017", "1.5", "1e3", ".5", "-3", "+4", "true", "False", "off", "~", "null", "",
          "[a, b c, \"d, e\"]", "[ x ,y ]", "[]", "[ ]", "[a,]", "[a: b]", "[a?]", "[[a]]", "[yes, 10, 2020-01-01]", "{a: b}",
          "O'Brien said \"hi\"", "word: colon", "word:colon", "a #comment", "a#b", "trailing ", "José ²", "\u00a0nbsp",
          "- item", "&anchor", "*alias", "!tag x", "|", ">", "%", "@at", "`tick", "a\x85b", "a\u2028b", "x\x7fy", "\ufeffbom",
          "Straße 10/12 (Mitte) +49 & 50% = ok!", "© 2024 “Curly” — dash’s", "Why? Because; $5 @ noon", "Washington, DC",
          "[José, “Ann” Lee, © x]", "[a b , c]", "[x#y]", "a: b: c", "/images/x.png",
          ".inf", ".NaN", "#comment", '"nel\x85"', '"c1\x80x"', "'c1\x9fx'", '"\u2028"', "'\ufeffx'", '"\x7f"', "+4", "$5", "(x)", "~x", "/a: b", "[/a, .b, +1, ~]", "9" * 5000]


def typed(value):
    """A value with the type of every part spelled out (True == 1 and 1.0 == 1 would hide a difference)."""
    if isinstance(value, dict):
        return {typed(k): typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value).__name__, repr(value) if not isinstance(value, int) or abs(value) < 10 ** 100 else str(value)[:5]


def same_as_loader(fm: str) -> bool:
    """Whether the simple reader answered (True) or passed (False); either way it did not disagree."""
    simple = load_simple_yaml(fm)
    if simple is None:
        return False
    data, lines, problems = load_yaml_with_loader("x.md", fm)
    assert problems == [] and typed(simple[0]) == typed(data) and simple[1] == lines, fm
    return True


@pytest.mark.parametrize("value", VALUES)
def test_simple_front_matter_reads_as_the_loader_reads_it(value):
    same_as_loader(f"\ntitle: {value}\n")
    same_as_loader(f"\ntags: [{value}]\n")
    same_as_loader(f"\nimage:\n  src: {value}\n  alt: {value}\ntitle: x\n")


@pytest.mark.parametrize("key", KEYS)
def test_keys_read_as_the_loader_reads_them(key):
    same_as_loader(f"\n{key}: x\n")


@pytest.mark.parametrize("fm", [
    "image:\n  src: /a.png\n   alt: deeper", "image:\n   src: /a.png\n  alt: shallower", "title: x\n  src: under a value",
    "image: []\n  src: /a.png", "image:\n  src:\n    deeper: x", "image:\n  src: /a.png\nimage:\n  alt: twice",
    "image:\n\n  src: /a.png\n\n  alt: after blank lines\ntitle: t", "image:\n  - a\n  - b", "image:\n\ttab: x",
])
def test_nested_front_matter_reads_as_the_loader_reads_it(fm):
    same_as_loader("\n" + fm + "\n")


def test_the_usual_front_matter_takes_the_simple_reader():
    assert same_as_loader(FULL.split("---")[1])
    assert same_as_loader('\ntitle: "A story"\npublished: 2024-03-01 09:30\nbyline: [Ann Lee, "Bo Chan"]\ntags: [trade]\ndraft: false\n\n')


@settings(max_examples=500, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(["", "", "  ", "   ", " ", "\t"]), st.sampled_from(KEYS),
                          st.sampled_from([":", ":", ": ", ":  ", " :", ":\t"]),
                          st.one_of(st.sampled_from(VALUES), st.text(max_size=8)), st.sampled_from(["", " ", "  # c"])),
                max_size=6),
       st.sampled_from(["", "\n", "\n\n"]))
def test_any_front_matter_reads_as_the_loader_reads_it(lines, padding):
    same_as_loader(padding + "\n".join(indent + key + colon + value + end for indent, key, colon, value, end in lines) + "\n")


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(st.sampled_from(["content", "world", "", ".", "..", "a.b", ".md", "x.", "story.md", "/", "//"]), max_size=5))
def test_path_parts_and_stem_are_pure_posix_paths(parts):
    path = "/".join(parts)
    assert (_parts(path), _stem(path)) == (PurePosixPath(path).parts, PurePosixPath(path).stem)


def test_the_plain_value_classes_are_their_plain_forms():
    """yamlread writes its classes of 'ASCII characters and every printable one past ASCII' as the
    class of all the others (it compiles ~20 ms faster): each matches exactly what its plain form does."""
    import re
    from generator import yamlread
    other = r"\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
    points = [*range(0x10000), *range(0x10000, 0x110000, 97), 0x10FFFF]
    for ascii_class in ("0-9A-Za-z/.(+$~", "0-9A-Za-z_ .,;+/()'\"!?&%=$@-", "0-9A-Za-z_ .+/()'-"):
        plain, written = re.compile(f"[{other}{ascii_class}]"), re.compile(yamlread._with_other(ascii_class))
        differ = [hex(c) for c in points if bool(plain.fullmatch(chr(c))) != bool(written.fullmatch(chr(c)))]
        assert differ == [], ascii_class


def test_what_many_stories_repeat_is_one_string_for_them_all():
    """A build holds every story, and each worker it forks copies what it reads of them: a
    section, a tag, a byline name, an agency line and a field's name are one string for all."""
    def one(name: str, title: str):
        text = (f"---\ntitle: {title}\npublished: 2024-02-03 09:54:00\nbyline: [Asha Rao]\n"
                f"tags: [Floods, Monsoon rain]\nsource: Reuters\n---\n\nBody of {title}.\n")
        article, problems, _ = parse_article(f"content/world/{name}.md", text.encode(), IST)
        assert not problems
        return article
    a, b = one("a", "One"), one("b", "Two")
    assert a.tags == b.tags and len(a.tags) == 2
    assert all(x is y for x, y in zip(a.tags, b.tags)) and a.byline[0] is b.byline[0]
    assert a.section is b.section and a.section_name is b.section_name and a.source is b.source


def test_an_article_keeps_the_line_of_its_slug_for_the_checks_after_the_parse():
    a = ok("---\ntitle: T\npublished: 2024-02-03 09:54:00\nslug: my-story\n---\n\nBody.\n")
    assert a.lines == {"slug": 4}
    assert ok("---\ntitle: T\npublished: 2024-02-03 09:54:00\n---\n\nBody.\n").lines == {}
