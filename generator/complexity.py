"""How much work a Markdown body would give Python-Markdown, estimated before it runs (pure).

Most of Python-Markdown is linear in the text, but a few of its parts rescan the rest of a
block (or of the whole text) for each occurrence of a character, so a 100 KB body made of
that character takes minutes, not milliseconds:

- each pattern that matches in a paragraph (a link, an emphasis, an entity…) copies the rest
  of the paragraph's text, and nested emphasis is read again at each level;
- a link's '[' is matched by walking, character by character, to its ']' or to the end of the
  block (50,000 '[' never finish), and its '(' likewise to its ')';
- raw HTML: the HTML parser reads each '<' followed by a letter up to the next '>';
- headings, setext underlines, rules, definitions (': ') and abbreviations ('*[') are each cut
  off the front of their block, which is then joined up again and tested by every processor;
- at each HTML comment, the rest of its paragraph is searched for each inline tag left open;
- a fenced code block's opening line is searched on, to the end of the text, for its closing one;
- a quote inside a quote is read again at each level, '>>>>' four times;
- each footnote reference looks itself up in the list of all footnotes, and each
  abbreviation is looked for in every text.

Each match also costs some 10 µs of Python on its own: a body of 300,000 marks takes 15 s even
where none of them copies much. Each of these is counted here in characters scanned, weighted by what a character of it
costs, and a body over the limit is refused by name: the same text gives the same answer on
any machine, under any load, where a time limit would not. The weights make one unit about
10 ns of Markdown's time on a 2020s laptop; the default limit, 100 million, about 1 s.
No story of the example site or of the benchmark corpus comes within a hundredth of it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_MAX_WORK = 100_000_000

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BRACKETS = re.compile(r"[\[\]()]")
_TAG_OPEN = re.compile(r"<[A-Za-z]")
INLINE_SPECIALS = "*_[]<&`\\"   # an inline pattern needs one of these to match, or a line break:
LINE_BREAKS = (" \n", "\t\n")    # two spaces (or a tab) at the end of a line
# lines a block processor cuts off the front of their block: setext underlines, rules,
# definitions, abbreviations, headings
_CUT_LINES = re.compile(r"^[ ]{0,3}(?:=+[ ]*$|-+[ ]*$|(?:[-*_][ ]{0,2}){3,}$|:[ ]|\*\[|#)", re.MULTILINE)
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})([^\n]*)", re.MULTILINE)
_MARKS = b"*_[]<>&`\\"    # every character a part counts, or that starts what it counts ('](', '[^', '*[')
_TABLE_RULE = re.compile(r"[ ]{0,3}\|?[ ]*:?-+:?[ ]*(?:\|[ ]*:?-+:?[ ]*)*\|?[ ]*(?:\n|$)")   # under a table's head
_QUOTE_MARKS = re.compile(r"^[ ]{0,3}>[> ]*", re.MULTILINE)
_ABBREVIATION = re.compile(r"^[ ]{0,3}\*\[", re.MULTILINE)

# units per character scanned (measured: Python-Markdown 3.11 on CPython 3.11)
LINK_SCAN = 40          # a Python loop over each character, by up to three patterns
TAG_SCAN = 10           # html.parser's tolerant start-tag regular expression
CUT_LINE = 4            # str.split and str.join of the rest of the block, and the other processors' tests
FENCE_SCAN = 3          # the fenced-code pattern, searching on for the closing fence
COMMENT_SCAN = 64       # characters searched per unit, for each tag still open at a comment
COMMENT_COPY = 8        # characters copied per unit, the rest of the text at each such comment
QUOTE_LEVEL = 1         # a character read again at each level of quoting
FOOTNOTE_PAIR = 10      # a list.index over every footnote, for each reference
ABBREVIATION_SCAN = 1   # a regular-expression alternative tried at each character
INLINE_COPY = 32        # characters copied per unit, for each match (str.format of the paragraph)
LINE_BREAK = 1          # a line break's gate looks for it from the start of the paragraph again
INLINE_MARK = 1000      # what each match costs besides (Python: a pattern, an element, a placeholder)


@dataclass(frozen=True)
class Excess:
    """A body over the limit: where (an offset in the text) and what to tell its writer."""
    offset: int
    message: str


def markdown_work(text: str, limit: int = DEFAULT_MAX_WORK) -> Excess | None:
    """None if converting text stays within `limit` units of work, else what exceeds it."""
    if _at_most(text) <= limit:
        return None
    parts = [_inline_work(text), _link_work(text), _tag_work(text), _cut_line_work(text), _fence_work(text), _comment_work(text), _quote_work(text), _footnote_work(text), _abbreviation_work(text)]
    total = sum(work for work, _, _ in parts)
    if total <= limit:
        return None
    work, offset, what = max(parts)
    return Excess(offset, f"too complex to convert: {what} (about {total:,} units of work; the limit is {limit:,}: "
                          "markdown.max_work in site.toml)")


def _at_most(text: str) -> int:
    """An upper bound on the work, from two counts made in C: each character any part counts
    walked, copied or read to the end of the text, each line cut off the front of all of it. Far
    over the real work, and yet under the limit for most stories; only a story it does not clear
    is looked at block by block."""
    data = text.encode("utf-8", "surrogatepass")
    marks = len(data) - len(data.translate(None, _MARKS))
    breaks = data.count(b" \n") + data.count(b"\t\n")
    size = len(text)
    lines = data.count(b"\n") + 1
    comments = data.count(b"<!--")
    return (marks * (size * LINK_SCAN + INLINE_MARK) + breaks * (size * LINE_BREAK + INLINE_MARK) + lines * size * (CUT_LINE + FENCE_SCAN)
            + marks * marks * FOOTNOTE_PAIR + comments * (marks * size // COMMENT_SCAN + size // COMMENT_COPY))


def _blocks(text: str) -> list[tuple[int, int]]:
    """(start, end) of each block: Markdown splits the text at blank lines before anything else."""
    starts, ends = [0], []
    for m in _BLANK_LINE.finditer(text):
        ends.append(m.start())
        starts.append(m.end())
    return list(zip(starts, ends + [len(text)]))


def _inline_work(text: str) -> tuple[int, int, str]:
    """The work of each character an inline pattern may match on, and the length of the text it is
    in, for each: an upper bound on what the matches copy. A table's rows are read one by one."""
    copied, count, worst, worst_at, worst_size = 0, 0, 0, 0, 0
    for start, end in _blocks(text):
        specials = _specials(text, start, end)
        breaks = sum(text.count(b, start, end) for b in LINE_BREAKS)
        if not specials and not breaks:
            continue
        count += specials + breaks
        if _TABLE_RULE.match(text, text.find("\n", start, end) + 1 or end):
            rows = text[start:end].split("\n")
            work, size = sum(_specials(row) * len(row) for row in rows), max(map(len, rows))
        else:
            work, size = specials * (end - start), end - start
        copied += work + breaks * (end - start) * LINE_BREAK * INLINE_COPY
        if work > worst:
            worst, worst_at, worst_size = work, start, size
    return (copied // INLINE_COPY + count * INLINE_MARK, worst_at,
            f"{count:,} Markdown marks (* _ [ ] < & ` \\\\, line breaks), in paragraphs of up to {worst_size:,} characters")


def _specials(line: str, start: int = 0, end: int | None = None) -> int:
    end = len(line) if end is None else end
    return sum(line.count(c, start, end) for c in INLINE_SPECIALS)


def _link_work(text: str) -> tuple[int, int, str]:
    """Characters walked from each '[' to its ']' and from each '](' to its ')', within a block;
    an unclosed one is walked to the end of the block."""
    work, worst, worst_at, links = 0, 0, 0, 0
    for start, end in _blocks(text):
        squares: list[int] = []
        rounds: list[int] = []
        walked, first = 0, -1
        for m in _BRACKETS.finditer(text, start, end):
            c, at = m.group(), m.start()
            if c == "[":
                squares.append(at)
                first = at if first < 0 else first
            elif c == "(":
                rounds.append(at if at and text[at - 1] == "]" else -1)   # only a link's '(' is walked
            elif c == "]" and squares:
                walked += at - squares.pop()
            elif c == ")" and rounds:
                opened = rounds.pop()
                walked += at - opened if opened >= 0 else 0
        walked += sum(end - opened for opened in squares + rounds if opened >= 0)
        work += walked
        links += len(squares) + sum(1 for opened in rounds if opened >= 0)
        if walked > worst:
            worst, worst_at = walked, first
    return (work * LINK_SCAN, worst_at,
            f"{text.count('['):,} '[' and {text.count(']('):,} '](' read up to a closing bracket far away"
            f"{f' ({links:,} never closed)' if links else ''}: links nested or left open")


def _tag_work(text: str) -> tuple[int, int, str]:
    """Characters read from each '<' that may open a tag to the next '>'."""
    work, count, first, close = 0, 0, -1, -1
    for m in _TAG_OPEN.finditer(text):
        at = m.start()
        if at > close:
            close = text.find(">", at)
            if close == -1:
                close = len(text)
        work += close - at
        count += 1
        first = at if first < 0 else first
    return work * TAG_SCAN, max(first, 0), f"{count:,} '<' that may start an HTML tag, most of them not closed by '>'"


def _cut_line_work(text: str) -> tuple[int, int, str]:
    """The rest of its block, for each line a block processor cuts off its front."""
    work, count, first = 0, 0, -1
    for start, block_end in _blocks(text):
        lines = [m.start() for m in _CUT_LINES.finditer(text, start, block_end)]
        work += sum(block_end - at for at in lines)
        count += len(lines)
        if lines and first < 0:
            first = lines[0]
    return (work * CUT_LINE, max(first, 0),
            f"{count:,} lines of '#', '---', '===', ': ' or '*[' without a blank line between them")


def _fence_work(text: str) -> tuple[int, int, str]:
    """From each line that opens a fenced code block, the text up to the next line that can close
    it (its fence alone), or to the end: what the pattern searches when it is not closed."""
    fences = list(_FENCE.finditer(text))
    if not fences:
        return 0, 0, ""
    work, unclosed = 0, 0
    closes: dict[str, int] = {}     # fence character -> where the next closing line starts
    for m in reversed(fences):
        kind = m.group(1)[0]
        work += closes.get(kind, len(text)) - m.start()
        unclosed += kind not in closes
        if not m.group(2).strip():
            closes[kind] = m.start()
    return work * FENCE_SCAN, fences[0].start(), f"{len(fences):,} lines of ``` or ~~~ ({unclosed:,} never closed)"


def _comment_work(text: str) -> tuple[int, int, str]:
    """At each HTML comment, md_in_html copies the rest of the text and searches the rest of the
    paragraph for the end of each inline tag still open in it."""
    work, count, first = 0, 0, -1
    for start, end in _blocks(text) if "<!--" in text else ():
        comments = text.count("<!--", start, end)
        if comments:
            opened = sum(1 for _ in _TAG_OPEN.finditer(text, start, end))
            work += comments * (opened * (end - start) // COMMENT_SCAN + len(text) // COMMENT_COPY)
            count += comments
            first = start if first < 0 else first
    return work, max(first, 0), f"{count:,} HTML comments among tags left open"


def _quote_work(text: str) -> tuple[int, int, str]:
    """Each quoted line's length, times its depth of quoting."""
    work, deepest, deepest_at = 0, 0, 0
    for m in _QUOTE_MARKS.finditer(text):
        depth = m.group().count(">")
        end = text.find("\n", m.end())
        work += depth * ((len(text) if end == -1 else end) - m.start())
        if depth > deepest:
            deepest, deepest_at = depth, m.start()
    return work * QUOTE_LEVEL, deepest_at, f"quotes nested {deepest:,} deep"


def _footnote_work(text: str) -> tuple[int, int, str]:
    count = text.count("[^")
    return count * count * FOOTNOTE_PAIR, max(text.find("[^"), 0), f"{count:,} footnote marks ('[^')"


def _abbreviation_work(text: str) -> tuple[int, int, str]:
    found = _ABBREVIATION.search(text)
    if found is None:
        return 0, 0, ""
    count = len(_ABBREVIATION.findall(text))
    return count * len(text) * ABBREVIATION_SCAN, found.start(), f"{count:,} abbreviations ('*[…]:' lines)"
