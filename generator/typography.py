"""Smart punctuation for Markdown bodies: curly quotes, apostrophes, dashes and ellipses.

Python-Markdown's `smarty` extension does this with a dozen inline patterns, each re-scanning
every text node; on a 700-word story that is over half the Markdown time. This does the same
job in one pass over the finished tree, touching only the quote, dash and dot characters.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Callable

from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

SKIP = {"code", "pre", "kbd", "samp", "script", "style", "math"}
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "blockquote",
          "figcaption", "div", "caption"}
OPENING_CONTEXT = set(" \t\n\u00a0([{\u2018\u201c\u2013\u2014/-")
_QUOTES = re.compile(r"""(["'])""")
_NINETIES = re.compile(r"\d\ds")   # the '90s


def smarten(text: str, before: str) -> str:
    """Curl the quotes in text; `before` is the character that precedes it in the document."""
    if "-" in text and "--" in text:   # one character is a memchr; two are looked for one by one
        text = text.replace("---", "\u2014").replace("--", "\u2013")
    if "..." in text:
        text = text.replace("...", "\u2026")
    if '"' not in text and "'" not in text:
        return text
    parts = _QUOTES.split(text)   # text, quote, text, quote… : each quote is decided by the straight
    out = [parts[0]]              # characters around it
    prev = parts[0][-1:] or before
    for i in range(1, len(parts), 2):
        quote, after = parts[i], parts[i + 1]
        if quote == '"':
            out.append("\u201c" if prev in OPENING_CONTEXT else "\u201d")
        elif prev.isalnum() or _NINETIES.match(after, 0, 3):
            out.append("\u2019")                        # don't, the students' union, the '90s
        else:
            out.append("\u2018" if prev in OPENING_CONTEXT else "\u2019")
        out.append(after)
        prev = after[-1] if after else quote
    return "".join(out)


def smarten_tree(el: etree.Element, before: str = " ", curl: Callable[[str, str], str] = smarten) -> str:
    """curl() every text under el, outside code, each with the character before it in the
    document (a block starts after a space); returns the last character."""
    if el.tag in BLOCKS:
        before = " "
    if el.tag in SKIP:
        content = "".join(el.itertext())
        return content[-1] if content else before
    if el.text:
        el.text = curl(el.text, before)
        before = el.text[-1]
    for child in el:
        before = smarten_tree(child, before, curl)
        if child.tail:
            child.tail = curl(child.tail, before)
            before = child.tail[-1]
    return " " if el.tag in BLOCKS else before


class _Smarten(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        smarten_tree(root)


class SmartPunctuation(Extension):
    """Register with Markdown(extensions=[SmartPunctuation()])."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_Smarten(md), "broadsheet_smarten", 1)
