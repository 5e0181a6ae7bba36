"""Plain prose straight to HTML (pure): what Python-Markdown makes of it, without running it.

A news story is mostly prose: paragraphs, a subheading or two, a quote, a short list, now and
then a link or a word in italics. Python-Markdown spends ~130–180 µs on a 700-word body (parsing
blocks into a tree, running a dozen inline patterns and tree processors, serialising), most of a
build's parse phase. For a text that holds nothing but paragraphs, `#` headings, one-paragraph
`>` quotes and tight lists, with at most `*emphasis*`, `**strong**` and `[links](https://…)`
inside them, that HTML is simple to write out: each block's text as it stands, with the same
smart punctuation.

prose_html() says None for any text that might hold anything more, and the caller converts it
with Markdown as before; so it is conservative, not clever: one character that could be other
markup (`_<&\\` and the like), a `*` or `[` that is not plainly emphasis or a link, a line that
opens as a rule, table or setext underline would, a loose or nested list, whitespace at either
end of a line, or a tab, sends the whole text the long way. tests/test_prose.py holds its HTML
equal to Markdown's on generated texts at that boundary, on the example site and on the
benchmark's corpus.
"""
from __future__ import annotations

import re

from .typography import smarten

# inline syntax besides emphasis and links, raw HTML and entities; tabs, CR and the C0 controls
# Markdown's whitespace handling touches (and '_': emphasis, unless inside a link's URL)
_UNSAFE_BYTES = b"\\`<&{}|~\t\r\x0b\x0c\x1c\x1d\x1e\x1f"
_ODD_SPACE = re.compile(r"[^\S \n]")     # whitespace other than the space and the newline (\xa0, \u3000…)
# what a line of a paragraph may not open with: anything but a letter, digit, straight quote,
# '(', emphasis opening on one of them or a link (so no list marker, rule, heading, quote, table,
# definition or setext underline), nor a number and a dot or parenthesis, as a list item does
_ODD = r"""(?!\*\*?[\w"'(]|\[)[^\w"'(]|\d+[.)]"""
_ODD_START = re.compile(_ODD)
_ODD_LINE = re.compile(rf"\n(?:{_ODD})")
_ORDERED = re.compile(r"\d+\. ")        # an ordered list's item: "1. "
_HEADING = re.compile(r"(#{1,6}) ([^#\s][^#\n]*)")
# a link to a web address with nothing in it the serialiser escapes or Markdown reads as more;
# emphasis around words, opened after a space, '(' or a straight quote and closed before one or
# before punctuation (the opener's '(' and quotes, and whether it opens a block, are checked apart)
_INLINE = re.compile(r"""\[([^][*\n]+)\]\((https?://[^\s()<>"'&\\[\]*]+)\)"""   # (each branch starts with a character: found at once)
                     r"""|\*(\*?)([^\s*][^*\n]*?(?<=[^\s*]))\*\3(?=[\s.,;:!?)"']|\Z)""")
_EMPHASIS_AFTER = frozenset(" \n(\"'")
_MARKUP = re.compile(r"[][*_]")


def prose_html(text: str) -> str | None:
    """The HTML Markdown (with Broadsheet's extensions and smart punctuation) makes of `text`
    when it is plain prose: paragraphs, `#` headings, `> ` quotes of one paragraph and tight
    lists, holding at most emphasis and links to web addresses; None when it may be anything else. `text` has
    been through markup.strip_controls(). The HTML is as Markdown makes it, before the sanitiser."""
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
            inner = _inline(heading[2])
            if inner is None:
                return None
            out.append(f"<h{level}>{inner}</h{level}>")
        elif first == ">":
            if block[1:2] != " " or block.count("\n") != block.count("\n> ") or out[-1:] and out[-1][:3] == "<bl":
                return None     # (Markdown makes a quote that follows a quote part of it)
            inner = _paragraph(block[2:].replace("\n> ", "\n"))
            if inner is None:
                return None
            out.append(f"<blockquote>\n{inner}\n</blockquote>")
        elif first in "-*+" and block[1:2] == " " or first.isdigit() and _ORDERED.match(block):
            inner = _list(block, out[-1][:3] if out else "")
            if inner is None:
                return None
            out.append(inner)
        else:
            inner = _paragraph(block)
            if inner is None:
                return None
            out.append(inner)
    return "\n".join(out)


def _paragraph(text: str) -> str | None:
    """A paragraph (in a quote or not) as Markdown writes it; None if a line opens as other markup."""
    if _ODD_START.match(text) or _ODD_LINE.search(text):
        return None
    inner = _inline(text)
    return None if inner is None else f"<p>{inner}</p>"


def _list(block: str, before: str) -> str | None:
    """A block of list items, one a line, all with the same marker ('- ', '* ', '+ '; or numbers
    from '1. '), as Markdown writes a tight list; None for anything more (an item running on to
    a second line, a nested list, a list straight after a list, which Markdown joins to it)."""
    if before in ("<ul", "<ol"):
        return None
    lines = block.split("\n")
    if block[0].isdigit():
        if not block.startswith("1. ") or not all(_ORDERED.match(line) for line in lines):
            return None
        tag, items = "ol", [line.partition(". ")[2] for line in lines]
    else:
        marker = block[:2]
        if not all(line.startswith(marker) for line in lines):
            return None
        tag, items = "ul", [line[2:] for line in lines]
    out = [f"<{tag}>"]
    for item in items:
        if not item or _ODD_START.match(item):
            return None
        inner = _inline(item)
        if inner is None:
            return None
        out.append(f"<li>{inner}</li>")
    out.append(f"</{tag}>")
    return "\n".join(out)


def _inline(text: str) -> str | None:
    """A block's text as HTML: its links and emphasis as elements, and smart punctuation in each
    piece of text, each curled after the (curled) character before it, as Markdown's tree has it."""
    if "*" not in text and "[" not in text and "]" not in text and "_" not in text:
        return smarten(text, " ")       # (a few memchr()s: cheaper than the regex's scan)
    out, before, done = [], " ", 0
    for m in _INLINE.finditer(text):
        gap = text[done:m.start()]
        if _MARKUP.search(gap):
            return None
        if gap:
            gap = smarten(gap, before)
            before = gap[-1]
            out.append(gap)
        if m[1] is not None:    # a link (after a '!', an image)
            words, url = m[1], m[2]
            if m.start() and text[m.start() - 1] == "!" or _MARKUP.search(words):
                return None
            words = smarten(words, before)
            out.append(f'<a href="{url}">{words}</a>')
        else:
            if m.start() and text[m.start() - 1] not in _EMPHASIS_AFTER or _MARKUP.search(m[4]):
                return None
            words = smarten(m[4], before)
            tag = "strong" if m[3] else "em"
            out.append(f"<{tag}>{words}</{tag}>")
        before = words[-1]
        done = m.end()
    rest = text[done:]
    if _MARKUP.search(rest):
        return None
    if rest:
        out.append(smarten(rest, before))
    return "".join(out)
