"""Plain prose straight to HTML (pure): what Python-Markdown makes of it, without running it.

A wire story is mostly prose: paragraphs, a subheading or two, a quote, and no inline markup at
all. Python-Markdown spends ~130 µs on such a 700-word body (parsing blocks into a tree, running
a dozen inline patterns and tree processors, serialising), and most of a build's parse phase.
For a text that can hold nothing but paragraphs, `#` headings and single-paragraph `>` quotes,
that HTML is simple to write out: each block's text as it stands, with smart punctuation.

prose_html() says None for any text that might hold anything more, and the caller converts it
with Markdown as before; so it is conservative, not clever: one character that could be markup
(`*_[]<&\\` and the like), a line that opens as a list, rule, table or setext underline would,
whitespace at either end of a line, or a tab, sends the whole text the long way.
tests/test_prose.py holds its HTML equal to Markdown's on generated texts at that boundary, on the
example site and on the benchmark's corpus.
"""
from __future__ import annotations

import re

from .typography import smarten

# inline syntax, raw HTML and entities; tabs, CR and the C0 controls Markdown's whitespace handling touches
_UNSAFE_BYTES = b"\\`*_[]<&{}|~\t\r\x0b\x0c\x1c\x1d\x1e\x1f"
_ODD_SPACE = re.compile(r"[^\S \n]")     # whitespace other than the space and the newline (\xa0, \u3000…)
# what a line of a paragraph may not open with: anything but a letter, digit, straight quote or
# '(' (so no list marker, rule, heading, quote, table, definition or setext underline), nor a
# number and a dot or parenthesis, as an ordered list item does
_ODD_START = re.compile(r"[^\w\"'(]|\d+[.)]")
_ODD_LINE = re.compile(r"\n(?:[^\w\"'(]|\d+[.)])")
_HEADING = re.compile(r"(#{1,6}) ([^#\s][^#\n]*)")


def prose_html(text: str) -> str | None:
    """The HTML Markdown (with Broadsheet's extensions and smart punctuation) makes of `text`
    when it is plain prose, paragraphs and `#` headings and `> ` quotes of one paragraph;
    None when it may be anything else. `text` has been through markup.strip_controls()."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _UNSAFE_BYTES)) != len(data) or " \n" in text or "\n " in text:
        return None
    if not data.isascii() and _ODD_SPACE.search(text):
        return None
    text = text.strip("\n")
    if not text:
        return ""
    # ('>' only where it opens a line: a quote)
    if text[0] == " " or text[-1] == " " or text.count(">") != text.count("\n>") + (text[0] == ">"):
        return None
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    out = []
    for block in text.split("\n\n"):
        first = block[0]
        if first == "#":
            heading = _HEADING.fullmatch(block)
            if heading is None:
                return None
            level = len(heading[1])
            out.append(f"<h{level}>{smarten(heading[2], ' ')}</h{level}>")
        elif first == ">":
            if block[1:2] != " " or block.count("\n") != block.count("\n> ") or out[-1:] and out[-1][:3] == "<bl":
                return None     # (Markdown makes a quote that follows a quote part of it)
            inner = block[2:].replace("\n> ", "\n")
            if _ODD_START.match(inner) or _ODD_LINE.search(inner):
                return None
            out.append(f"<blockquote>\n<p>{smarten(inner, ' ')}</p>\n</blockquote>")
        else:
            if _ODD_START.match(block) or _ODD_LINE.search(block):
                return None
            out.append(f"<p>{smarten(block, ' ')}</p>")
    return "\n".join(out)
