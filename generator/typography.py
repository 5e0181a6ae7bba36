"""Smart punctuation for Markdown bodies: curly quotes, apostrophes, dashes and ellipses.

Python-Markdown's `smarty` extension does this with a dozen inline patterns, each re-scanning
every text node; on a 700-word story that is over half the Markdown time. This does the same
job in one pass over the finished tree, touching only the quote, dash and dot characters.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Callable, Iterator


SKIP = {"code", "pre", "kbd", "samp", "script", "style", "math"}
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "blockquote",
          "figcaption", "div", "caption"}
OPENING_CONTEXT = set(" \t\n\u00a0([{\u2018\u201c\u2013\u2014/-")
_NINETIES = re.compile(r"\d\ds")   # the '90s


def smarten(text: str, before: str) -> str:
    """Curl the quotes in text; `before` is the character that precedes it in the document."""
    if "-" in text and "--" in text:   # one character is a memchr; two are looked for one by one
        text = text.replace("---", "\u2014").replace("--", "\u2013")
    if "..." in text:
        text = text.replace("...", "\u2026")
    if '"' not in text and "'" not in text:
        return text
    # each quote is decided by the straight characters around it; found with find() (a memchr),
    # as they are few and a regex scan of a whole paragraph costs more than the rest together
    quotes = []
    for quote in ('"', "'"):
        at = text.find(quote)
        while at != -1:
            quotes.append(at)
            at = text.find(quote, at + 1)
    quotes.sort()
    out, done = [], 0
    for at in quotes:
        prev = text[at - 1] if at else before
        if text[at] == '"':
            curly = "\u201c" if prev in OPENING_CONTEXT else "\u201d"
        elif prev.isalnum() or _NINETIES.match(text, at + 1, at + 4):
            curly = "\u2019"                           # don't, the students' union, the '90s
        else:
            curly = "\u2018" if prev in OPENING_CONTEXT else "\u2019"
        out += (text[done:at], curly)
        done = at + 1
    out.append(text[done:])
    return "".join(out)


def smarten_tree(root: etree.Element, before: str = " ", curl: Callable[[str, str], str] = smarten) -> str:
    """curl() every text under root, outside code, each with the character before it in the
    document (a block starts after a space); returns the last character.

    A walk with a stack of its own, not recursion: a body of 2,000 '*' nests elements
    deeper than Python's recursion limit."""
    stack: list[tuple[etree.Element, Iterator[etree.Element]]] = []
    entering: etree.Element | None = root
    while True:
        if entering is not None:
            el, entering = entering, None
            if el.tag in BLOCKS:
                before = " "
            if el.tag in SKIP:
                content = "".join(el.itertext())
                before = content[-1] if content else before
            else:
                if el.text:
                    el.text = curl(el.text, before)
                    before = el.text[-1]
                stack.append((el, iter(el)))
                continue
        else:
            el, children = stack[-1]
            child = next(children, None)
            if child is not None:
                entering = child
                continue
            stack.pop()
            if el.tag in BLOCKS:
                before = " "
        # el is done: its tail is text of its parent's, next in the document
        if not stack:
            return before
        if el.tail:
            el.tail = curl(el.tail, before)
            before = el.tail[-1]


def __getattr__(name: str):
    """SmartPunctuation, the Markdown extension, made when first asked for: the prose path
    (prose.py) uses smarten() alone, and a build whose bodies are all prose never loads Markdown."""
    if name != "SmartPunctuation":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from markdown import Extension, Markdown
    from markdown.treeprocessors import Treeprocessor

    class Smarten(Treeprocessor):
        def run(self, root: etree.Element) -> None:
            smarten_tree(root)

    class SmartPunctuation(Extension):
        """Register with Markdown(extensions=[SmartPunctuation()])."""

        def extendMarkdown(self, md: Markdown) -> None:
            md.treeprocessors.register(Smarten(md), "broadsheet_smarten", 1)

    globals()["SmartPunctuation"] = SmartPunctuation
    return SmartPunctuation
