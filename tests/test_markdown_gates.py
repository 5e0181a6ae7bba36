"""The gated Markdown converter makes exactly the HTML the stock one makes, and its gates are on."""
from __future__ import annotations

from pathlib import Path

import xml.etree.ElementTree as etree

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import util
from markdown.serializers import to_html_string

from generator import speedups
from generator.markdown_gates import (BLOCK_GATES, INLINE_GATES, METHOD_GATES, PLACEHOLDER_POSTPROCESSORS, SOURCE_GATES,
                                     GatedPatterns, _can_copy_serializer, _source_digest, block_gate, html_string,
                                     inline_gate)
from generator.markup import extensions
from generator.typography import SmartPunctuation

ROOT = Path(__file__).resolve().parent.parent

# Each construct a gate is about, and the near misses around it.
SAMPLES = [
    "`code` and ``two `ticks` `` and \\` escaped", "\\*not em\\* \\\\ \\[x]", "a[^1] b\n\n[^1]: The note.",
    "[link](/x/ \"t\") and [ref][id] and [id]\n\n[id]: http://x.org \"T\"", "![img](/i.png) ![ref][id] ![id]",
    "<http://a.b/c> <me@x.org> <not a link> a < b > c", "line  \nbreak", "<b>bold</b> <!-- c --> <?pi?> <![CDATA[x]]>",
    "&amp; &#169; &#x41; &nope AT&T &#169 x", "*em* **strong** _em_ __strong__ ***both*** snake_case_word 2 * 3",
    "# One\n## Two ##\nnot # a heading", "Title\n=====\n\nSub\n---", "---\n\n***\n\n_ _ _\n\n- - -", "Term\n: Definition\n\nTime: 10:30",
    "> quoted\n> more\n\nnot > quoted", "*[HTML]: Hyper Text\n\nHTML here", "| a | b |\n|---|:-:|\n| 1 | 2 |", "a | b\n-- | --\n1 | 2",
    "```python\nx = 1\n```\n\n~~~\ny\n~~~", "    indented code", "1. one\n2. two\n\n* a\n* b", "<div markdown=\"1\">*in* html</div>",
    "Para {: .cls }\n\n## Head {#id}", "“quotes” 'single' \"double\" -- --- ... the '90s", "",
    "Para\n   \nafter a line of spaces", "\ttabbed\n\n  \t x\n\n \u3000 \n", "a\r\nb\rc\r\n\r\nd",
    "1. one\n\n2) two\n\n 3. three\n\n1984. A year", "- a\n  - nested\n    - deeper\n\n+ plus\n\n* star", "text\n- item after text\n3. and",
    " - item\n\n  * item\n\n   + item\n\n 1. one\n\n   2. two", " ## not quite\n\n :  def?\n\n  > quote\n\n   ***",
    "Term\n:   def\n\n  : indented def\n\nTime: 10:30 and a: b", "para\n ---\n\n  * * *\n\n__ __ __\n\ntext\n***",
    "{: .x } at start\n\nPara with {braces} and \\{escaped\\}\n{: #id }", "[a\\_b](/x\\_y \"t\\\"\") \\\\`code`",
    "# H1 {#h}\n\n### H3 ###\n#not\n\n####### seven", "\x02wzxhzdk:0\x03 fake and \x02klzzwxh:0000\x03 and \x0265\x03",
    "<div markdown=\"1\">\n*md* {: .c }\n</div>\n\n<p>raw {: .x }</p>", "    code\n\n        more code\n\n* item\n\n    indented para in item",
    "AT&amp;T &copy; footnote[^n] and again[^n]\n\n[^n]: Note with &amp; and *em*", "*[AT]: Title\n\nAT and AT&T",
    "> quote\n>\n> - list in quote\n> 1. ordered\n\n>> nested", "| a |\n|---|\n| {b} |\n\nTable {: .t }",
    # Markdown's '\d' is any decimal digit: Devanagari, Arabic-Indic, Bengali, full-width ordered lists
    "१. पहला बिंदु\n२. दूसरा बिंदु", "पाठ\n\n१. पहला\n\n२. दूसरा", "١. واحد\n٢. اثنان", "১. এক", "１. 全角", " ४. चार",
    "² not a list", "- a\n\n    १. nested",
]
TOKENS = ["[", "]", "(", ")", "![", "](", "<", ">", "&", "&amp;", "&#169", "`", "```", "~~~", "*", "_", "\\", "  \n", "\n", "\n\n",
          "#", "> ", ": ", "|", "---", "- ", "1. ", "[^1]", "[^1]: n", "*[AB]: c", "AB", "[id]: /u", "=", "\n===", "    ", "'", '"',
          "--", "...", "word", " ", "\t", "{: .c }", "<div markdown=\"1\">", "</div>", "<b>", "</b>", "<http://a.b>", "<a@b.c>",
          " \n", "   \n", "\t", "\r\n", "\r", "1) ", "2. ", "  ", "{#x}", "{: .c}", "\\{", "\n: ", "    - ", "* * *", "\x02", "\x03",
          "{", "}", "![x](/i.png)", "[x](/u)", "\\_", "\n+ ", "\n    ", "\n#", "१. ", "\n٢. ", "১", "１. "]
# Lines a story is made of, for documents with more structure than a mixture of tokens.
LINES = ["Plain prose with a hyphen-ated word and 'quotes'.", "Time: 10:30, he said: \"yes\".", "# Heading", "## Heading {#h2}",
         "Setext", "====", "----", "- item", "* item", "+ item", "1. item", "2) item", "    indented", "  two spaces", "> quote",
         "> - listed quote", ": definition", "Term", "| a | b |", "|---|---|", "***", "_ _ _", "```", "~~~", "code()", "<div>",
         "</div>", "<div markdown=\"1\">", "<p>raw</p>", "[^1]: note", "a[^1]", "*[HTML]: Hyper", "HTML", "[id]: /u \"T\"",
         "[id] and [x][id]", "{: .cls }", "text {: #i }", "*em* and **strong** and snake_case", "AT&T &amp; &#169;", "\\*lit\\*",
         "line  ", "   ", "\t tab", "", "<!-- c -->", "<http://x.org/>", "`code` ``a`b``", "१. पहला", "२. दूसरा", "١. واحد"]


def converters() -> tuple[markdown.Markdown, markdown.Markdown]:
    stock = markdown.Markdown(extensions=[*extensions(), SmartPunctuation()], output_format="html")
    gated = markdown.Markdown(extensions=[*extensions(), SmartPunctuation(), GatedPatterns()], output_format="html")
    return stock, gated


STOCK, GATED = converters()


def same_html(text: str) -> None:
    STOCK.reset()
    GATED.reset()
    assert GATED.convert(text) == STOCK.convert(text)


@pytest.mark.skipif(not speedups.enabled("markdown_gates"), reason="the gates are off for this Markdown (speedups.VERIFIED)")
def test_every_gate_applies_to_the_installed_markdown():
    """A Markdown release that changes a gated pattern drops its gate: re-read the pattern, then update the table."""
    GATED.reset()
    GATED.convert("x")
    inline = GATED.treeprocessors["inline"]
    assert {name for name in INLINE_GATES if inline_gate(name, GATED.inlinePatterns[name])} == set(INLINE_GATES)
    assert len(inline._patterns) == len(GATED.inlinePatterns)
    blocks = GATED.parser.blockprocessors
    assert all(block_gate(name, blocks[name]) for name in [*METHOD_GATES, *BLOCK_GATES, "table"])
    assert GATED.parser.parseBlocks.__qualname__.startswith("_gated_block_parser")
    assert [type(p).__name__ for p in GATED.preprocessors] == ["_Snapshot", "_NormalizeWhitespace", "FencedBlockPreprocessor", "HtmlBlockPreprocessor"]
    assert all(isinstance(GATED.preprocessors[name].__dict__.get("run"), type(lambda: 0)) for name in ("fenced_code_block", "html_block"))
    assert all(isinstance(GATED.treeprocessors[name].__dict__.get("run"), type(lambda: 0)) for name in SOURCE_GATES)
    assert all(isinstance(GATED.postprocessors[name].__dict__.get("run"), type(lambda: 0)) for name in PLACEHOLDER_POSTPROCESSORS)
    assert GATED.treeprocessors["inline"]._keys and GATED.treeprocessors["inline"]._plain_placeholders
    assert GATED.serializer is html_string
    stock = [type(p).__name__ for p in STOCK.treeprocessors]
    assert [type(p).__name__ for p in GATED.treeprocessors] == [
        {"InlineProcessor": "_GatedInlineProcessor"}.get(name, name) for name in stock]


@pytest.mark.parametrize("text", SAMPLES)
def test_each_construct_converts_as_before(text):
    same_html(text)


def test_the_example_site_converts_as_before():
    for path in sorted((ROOT / "content").rglob("*.md")):
        same_html(path.read_text(encoding="utf-8"))


@settings(max_examples=400, derandomize=True, database=None)
@given(st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=60))
def test_any_mixture_converts_as_before(parts):
    same_html("".join(parts))


@settings(max_examples=400, derandomize=True, database=None)
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(["\n", "\n\n", "\n\n\n"])), max_size=25))
def test_any_story_of_markdown_lines_converts_as_before(lines):
    same_html("".join(line + end for line, end in lines))


@pytest.mark.skipif(not _can_copy_serializer(), reason="this Markdown's serializer is not the one copied")
def test_the_serializer_writes_any_tree_as_the_stock_one():
    root = etree.Element("div")
    p = etree.SubElement(root, "p", {"id": "a&b", "class": 'say "hi" <now>'})
    p.text = "Fish & chips < 5 &amp; > 2 &#169;"
    etree.SubElement(p, "br").tail = "after br"
    etree.SubElement(p, "input", {"checked": "checked", "selected": "no", "disabled": None, "value": "x\ny"})
    etree.SubElement(root, "script").text = "if (a < b && c) {}"
    etree.SubElement(root, "img", {"src": util.AtomicString("/i.png"), "alt": ""}).text = "odd"
    etree.SubElement(root, "STYLE").text = "a > b"
    root[-1].tail = "tail & more"
    assert html_string(root) == to_html_string(root)
    etree.SubElement(root, etree.Comment).text = "a comment & <b>"   # the stock serializer writes these
    etree.SubElement(root, etree.QName("{urn:x}tag")).text = "q"
    assert html_string(root) == to_html_string(root)


def test_the_stack_tests_ask_about_the_stack_as_markdown_does():
    import sys
    from markdown import util
    from generator.markdown_gates import STACK_TESTS, nearing_recursion_limit
    from generator.markup import _converters, render_markdown

    def at_depth(depth):
        if depth:
            return at_depth(depth - 1)
        return nearing_recursion_limit(), util.nearing_recursion_limit()

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        answers = [at_depth(d) for d in range(0, 330)]
    finally:
        sys.setrecursionlimit(limit)
    assert all(ours == theirs for ours, theirs in answers)
    assert {ours for ours, _ in answers} == {True, False}       # both answers were met
    render_markdown("> `quoted`")      # (code: not prose, so Markdown converts it)
    blocks = _converters["/"].parser.blockprocessors
    assert ("test" in vars(blocks["quote"])) == speedups.enabled("markdown_gates")   # replaced where the gates are on
    if speedups.enabled("markdown_gates"):   # and each of the others where its test is the one it copies
        assert {name for name in STACK_TESTS if "test" in vars(blocks[name])} == {
            name for name in STACK_TESTS if _source_digest(type(blocks[name]).test) == STACK_TESTS[name]}


# Lists, quotes and definitions nested until Python-Markdown stops nesting them (3.11.4 and
# quotes: where the stack nears its limit) or fails (lists and definitions before 3.11.4).
DEEP = ["".join("    " * i + "- x\n" for i in range(300)), "".join("    " * i + "1. x\n" for i in range(300)),
        "> " * 400 + "x", "> - " * 300 + "x", "- > " * 300 + "x", "a\n: b\n" * 1200, "".join("    " * i + ": x\n" for i in range(300))]


def outcome(md: markdown.Markdown, text: str) -> str:
    md.reset()
    try:
        return md.convert(text)
    except RecursionError:
        return "RecursionError"


@pytest.mark.parametrize("text", DEEP, ids=["lists", "ordered", "quotes", "quoted-lists", "listed-quotes", "definitions", "nested-definitions"])
def test_nesting_stops_where_the_stock_converter_stops_it(text):
    """The replaced stack tests ask at the same depth as the stock ones: a text nested to the limit
    stops (or fails) at the same level."""
    assert outcome(GATED, text) == outcome(STOCK, text)
