"""A Python-Markdown that fails on a body, for the tests of what a failing body gives.

Which bodies make Python-Markdown itself raise changes from release to release (3.11.4 stopped
failing on lists nested 300 levels deep, which every earlier release took to a RecursionError),
so those tests give the converters generator.markup makes one more block processor, which fails
as Markdown's own have on a block holding one of the words below.
"""
from __future__ import annotations

import xml.etree.ElementTree as etree
from typing import Any, Callable

from markdown import Extension
from markdown.blockprocessors import BlockProcessor

NESTS = "`nests without end`"     # nested in itself until the stack runs out: RecursionError
RAISES = "`raises IndexError`"    # a bug's IndexError (md_in_html has had one)


class _Failing(BlockProcessor):
    def test(self, parent: etree.Element, block: str) -> bool:
        return NESTS in block or RAISES in block

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        if RAISES in blocks[0]:
            raise IndexError("pop from empty list")
        # as a list item does with what it holds, without end: the RecursionError comes from deep
        # inside Markdown's parser and leaves its state half-way (a 'list' state for each level)
        self.parser.state.set("list")
        self.parser.parseBlocks(etree.SubElement(parent, "li"), blocks[:1])


class FailingMarkdown(Extension):
    def extendMarkdown(self, md: Any) -> None:
        md.parser.blockprocessors.register(_Failing(md.parser), "failing", 1000)   # before every other


def install(assign: Callable[[object, str, object], None] = setattr) -> None:
    """Every converter generator.markup makes from now on fails on those blocks; `assign` is
    setattr, or a pytest monkeypatch's setattr to undo it after the test."""
    from generator import markup
    stock = markup.extensions
    assign(markup, "extensions", lambda: [*stock(), FailingMarkdown()])
    assign(markup, "_converters", {})   # (none made before has it)
