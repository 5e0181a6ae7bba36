"""The estimate of Markdown's work (generator/complexity.py): its quick bound never lets through
what the close look would refuse, and real stories are far inside the limit."""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings, strategies as st

from generator import complexity
from generator.frontmatter import split

REPO = Path(__file__).resolve().parent.parent
PIECES = ["[", "]", "](", "(", ")", "<a ", ">", "*", "_", "`", "&", "\\", "[^", "*[A]: x", "\n", "\n\n", "\n---\n",
          "\n===", "\n: d", "> ", ">>> ", "|a|b|\n|-|-|\n", "word ", "\t", "\n```", "\n~~~", "\n``` py", "#", "<!--", "-->", "<b>", "  \n", "\t\n"]


def close_look(text: str) -> int:
    return sum(work for work, _, _ in (part(text) for part in (
        complexity._inline_work, complexity._link_work, complexity._tag_work, complexity._cut_line_work,
        complexity._fence_work, complexity._comment_work, complexity._quote_work, complexity._footnote_work, complexity._abbreviation_work)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=200).map("".join))
def test_the_quick_bound_is_never_under_the_close_look(text):
    assert complexity._at_most(text) >= close_look(text)


def test_real_stories_use_a_tiny_share_of_the_limit():
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import stories
    bodies = [s["body"] for s in stories(300)]
    bodies += [split(str(p), p.read_text(encoding="utf-8"))[1] for p in (REPO / "content").rglob("*.md")]
    assert len(bodies) > 300
    assert max(map(close_look, bodies)) * 1000 < complexity.DEFAULT_MAX_WORK
