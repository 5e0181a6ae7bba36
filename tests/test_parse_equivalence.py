"""The parse phase's shortcuts give what the plain way gives: Python-Markdown with no gates, the
straightforward smart-punctuation pass, and the sanitiser run on every body."""
from __future__ import annotations

import re
from pathlib import Path

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import Extension
from markdown.treeprocessors import Treeprocessor

from generator import speedups
from generator.config import MarkdownSettings
from generator.markup import extensions, render_markdown, sanitize, strip_controls
from generator.typography import OPENING_CONTEXT, smarten, smarten_tree

ROOT = Path(__file__).resolve().parent.parent


def plain_smarten(text: str, before: str) -> str:
    """Smart punctuation as first written: a regex callback per quote, looking at its neighbours."""
    for plain, fancy in (("---", "\u2014"), ("--", "\u2013"), ("...", "\u2026")):
        if plain in text:
            text = text.replace(plain, fancy)

    def curl(match: re.Match[str]) -> str:
        i = match.start()
        prev = text[i - 1] if i else before
        if match.group() == '"':
            return "\u201c" if prev in OPENING_CONTEXT else "\u201d"
        if prev.isalnum() or re.match(r"\d\ds", text[i + 1: i + 4]):
            return "\u2019"
        return "\u2018" if prev in OPENING_CONTEXT else "\u2019"

    return re.sub(r"""["']""", curl, text)


class _PlainSmarten(Treeprocessor):
    def run(self, root):
        smarten_tree(root, " ", plain_smarten)


class PlainSmartPunctuation(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_PlainSmarten(md), "broadsheet_smarten", 1)


PLAIN = markdown.Markdown(extensions=[*extensions(), PlainSmartPunctuation()], output_format="html")


def plain_render(text: str, settings: MarkdownSettings = MarkdownSettings()) -> str:
    PLAIN.reset()
    html = PLAIN.convert(strip_controls(text))
    return strip_controls(html) if settings.unsafe_html else sanitize(html, settings.embed_hosts)


QUOTY = st.text(alphabet="\"'-.9s a1(\u2018\u201c\u2014\u00a0_\n", max_size=30)


@settings(max_examples=1000, derandomize=True, database=None)
@given(QUOTY, st.sampled_from(list(" a9\"'(\u2014\u2018-_.")))
def test_smart_punctuation_is_as_first_written(text, before):
    assert smarten(text, before) == plain_smarten(text, before)


STORY_PARTS = ["Plain prose, with a hyphen-ated word.", '"Quoted," she said.', "It's the '90s -- and the 1990's --- ok...",
               "*em* and **strong** 'single'", "`code 'not' curled` after", "[a 'link'](/x/) and ![img](/i.png)",
               "<b>raw</b> <script>alert('x')</script>", "<a href=\"javascript:alert(1)\">js</a>", "&amp; &#169; AT&T",
               "> A \"quote\" in a quote", "## A 'heading'", "- item 'one'\n- item \"two\"", "1. first\n2. second",
               "| a | 'b' |\n|---|---|\n| \"c\" | d |", "Term\n: 'definition'", "    code 'block'", "```\nfenced 'code'\n```",
               "Footnote[^1].\n\n[^1]: The 'note'.", "*[HTML]: Hyper 'Text'", "{: .cls }", "line  \nbreak", "\\*escaped\\*",
               "<iframe src=\"https://www.youtube.com/embed/x\"></iframe>", "<div markdown=\"1\">'md' *in* html</div>", ""]


@settings(max_examples=300, derandomize=True, database=None)
@given(st.lists(st.sampled_from(STORY_PARTS), max_size=12), st.sampled_from(["\n", "\n\n"]))
def test_any_story_renders_as_the_plain_way_renders_it(parts, joiner):
    text = joiner.join(parts)
    assert render_markdown(text) == plain_render(text)
    unsafe = MarkdownSettings(unsafe_html=True)
    assert render_markdown(text, "/", unsafe) == plain_render(text, unsafe)


@pytest.mark.parametrize("path", sorted((ROOT / "content").rglob("*.md")), ids=lambda p: p.name)
def test_the_example_site_renders_as_the_plain_way_renders_it(path):
    text = path.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    assert render_markdown(body) == plain_render(body)


# Bodies with no raw HTML: the sanitiser is skipped when Markdown made only plain_html(), and
# absolutize() skips lxml for such bodies. Both shortcuts must give what the long way gives: the
# sanitiser, and lxml's parse-and-write (feeds.absolute_links(), which absolutize() is, the
# shortcut aside).
WORDS = ["word", "Émile", "AT&T", "a < b", "c > d", "&amp;", "&copy;", "&#169;", "&#x1b;", "\u00a0", "tab\there",
         "'90s", '"quoted"', "--", "...", "*em*", "**strong**", "_under_", "`code & <x>`", "\\*", "#hash", "1.", "x\ry",
         "https://example.com/", "[a link](/x/)", "![img](/i.png)", "a=b", "{: .cls}", "  \n", "\u2028"]
BLOCKS = ["{}", "## {}", "# {}", "> {}", "> > {}", "- {}\n- {}", "1. {}\n2. {}", "- {}\n    - {}", "    code {}",
          "```\n{}\n```", "---", "***", "{}  \n{}", "- {}\n\n    > {}", "> - {}", "Setext {}\n---"]


def plain_story(draw_blocks, draw_words) -> str:
    return "\n\n".join(block.format(*([" ".join(draw_words)] * block.count("{}"))) for block in draw_blocks)


@settings(max_examples=600, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(BLOCKS), st.lists(st.sampled_from(WORDS), min_size=1, max_size=6)), max_size=8))
def test_plain_bodies_skip_the_sanitiser_and_lxml_and_lose_nothing(blocks):
    text = "\n\n".join(block.format(*([" ".join(words)] * block.count("{}"))) for block, words in blocks)
    html = render_markdown(text)
    assert html == plain_render(text)
    assert_plain_html_is_kept(html)


def assert_plain_html_is_kept(html: str) -> None:
    """What plain_html() takes, the sanitiser and lxml give back unchanged."""
    from generator.feeds import absolute_links
    from generator.markup import parse_fragment, plain_html
    if plain_html(html):
        assert sanitize(html, ()) == html       # the sanitiser the shortcut skips leaves it as it is
        assert not html.strip() or not list(parse_fragment(html).iterlinks())   # nothing absolutize() would change
        assert not html.strip() or absolute_links(html, "https://example.com/x/") == html   # nor lxml's writing


@pytest.mark.parametrize("text", ["- \n- x", "1. \n2. x", "- x\n\n- ", "- &#x1b;\n- &#x1b;"])
def test_an_empty_list_item_is_not_plain_html(text):
    """lxml writes an empty item back as '<li>', without its end tag: a feed holds the same bytes
    whether absolutize() takes its shortcut or not."""
    from generator.feeds import absolute_links, absolutize
    from generator.markup import plain_html
    html = render_markdown(text)
    assert "<li></li>" in html and not plain_html(html)
    assert absolutize(html, "https://example.com/x/") == absolute_links(html, "https://example.com/x/")


def test_a_placeholder_markdown_leaks_is_stripped():
    """Python-Markdown leaves its \\x02…\\x03 placeholder in the HTML of this tangle of emphasis
    and an entity; what is otherwise plain HTML must still go through the sanitiser, which strips it."""
    text = "**m* _\n*&p;*"
    PLAIN.reset()
    if "\x02" not in PLAIN.convert(text):
        pytest.skip("this Markdown leaks no placeholder here")
    html = render_markdown(text)
    assert html == plain_render(text) and "\x02" not in html and "\x03" not in html


@pytest.mark.skipif(not speedups.enabled("plain_html"), reason="the shortcut is off for this nh3 or lxml (speedups.VERIFIED)")
def test_the_plain_shortcut_is_taken_for_ordinary_prose(monkeypatch):
    import generator.markup as markup
    calls = []
    monkeypatch.setattr(markup, "sanitize", lambda html, hosts: calls.append(html) or sanitize(html, hosts))
    text = "\n\n".join(["A paragraph with *emphasis*, **strong** words & a `code` span.", "## A heading",
                        "> A quote", "- one\n- two", "1. first\n2. second", "---", "    an indented code block",
                        "Line  \nbreak"])
    assert markup.plain_html(render_markdown(text)) and calls == []
    for other in ("A [link](/x/).", "&copy; 2024", "<b>raw</b>", "a\u00a0b", "Term\n: definition"):
        render_markdown(other)
    assert len(calls) == 5
