"""Skip the Markdown patterns that cannot match a text: the same HTML for less regex scanning.

Python-Markdown tries every block processor on every block and every inline pattern on every
run of text, each one a regular-expression scan. Most patterns need a character that most prose
lacks (a link needs '[', a heading '#', raw HTML '<', emphasis '*' or '_'), and a substring test
is many times cheaper than the scan while giving the same answer when that text is absent.

A pattern is gated only when its regular expression is exactly the one below, whose required
text was read off it by hand; a Markdown release that changes a pattern makes that pattern
ungated (slower), never wrong.
"""
from __future__ import annotations

import hashlib
import inspect
import re

from markdown import Extension, Markdown, util
from markdown.blockparser import BlockParser
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor
from markdown.util import Registry

Gate = tuple[str, ...]   # the pattern can match only a text containing at least one of these

# inline pattern name -> (its regular expression, the text it cannot match without)
INLINE_GATES: dict[str, tuple[str, Gate]] = {
    "backtick": (r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", ("`",)),
    "escape": (r"\\(.)", ("\\",)),
    "footnote": (r"\[\^([^\]]*)\]", ("[^",)),
    "reference": (r"(?<!\!)\[", ("[",)),
    "link": (r"(?<!\!)\[", ("[",)),
    "image_link": (r"\!\[", ("![",)),
    "image_reference": (r"\!\[", ("![",)),
    "short_reference": (r"(?<!\!)\[", ("[",)),
    "short_image_ref": (r"\!\[", ("![",)),
    "autolink": (r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", ("<",)),
    "automail": (r"<([^<> !]+@[^@<> ]+)>", ("<",)),
    "linebreak": (r"  \n", ("  \n",)),
    "html": (r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""", ("<",)),
    "entity": (r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)", ("&",)),
    "em_strong": (r"\*|_", ("*", "_")),
}

# block processor name -> (the regular expression its test or run searches, the text it needs).
# Footnote, abbreviation and reference definitions test True and search in run(), which puts the
# block back and returns False when nothing matched: a False test is the same outcome.
BLOCK_GATES: dict[str, tuple[str, Gate]] = {
    "hashheader": (r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)", ("#",)),
    "setextheader": (r"^.*?\n(?:=+|-+)[ ]*(\n|$)", ("\n=", "\n-")),
    "hr": (r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=atomicgroup)[ ]*$",
           ("-", "_", "*")),
    "deflist": (r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)", (": ",)),
    "quote": (r"(^|\n)[ ]{0,3}>[ ]?(.*)", (">",)),
    "footnote": (r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$", ("[^",)),
    "abbr": (r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$", ("*[",)),
    "reference": (r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",
                  ("]:",)),
}
TABLE_GATE: Gate = ("|",)   # a table's header and separator rows are split on pipes

# preprocessor name -> the text without which its run() returns the lines unchanged
FENCED_CODE: tuple[str, str] = (
    "fenced_code_block", "(?P<fence>^(?:~{3,}|`{3,}))")   # the start of FencedBlockPreprocessor's pattern
FENCES: Gate = ("~~~", "```")
# Without '<' or '&' Python's HTMLParser sees one run of data, which the raw-HTML preprocessor
# hands back unchanged ('&' alone is not enough: it adds the ';' that '&#169' lacks).
RAW_HTML: Gate = ("<", "&")
INLINE_PRIORITY = 20       # where Markdown registers its inline processor (build_treeprocessors)
NORMALIZE_PRIORITY = 30    # and its whitespace normaliser (build_preprocessors)


def _contains_any(text: str, gate: Gate) -> bool:
    for needle in gate:
        if needle in text:
            return True
    return False


def _pattern_source(obj: object) -> str | None:
    regex = getattr(obj, "SEARCH_RE", None) or getattr(obj, "RE", None) or getattr(obj, "compiled_re", None)
    return getattr(regex, "pattern", regex if isinstance(regex, str) else None)


def inline_gate(name: str, pattern: object) -> Gate | None:
    """The text an inline pattern needs, or None to always try it."""
    known = INLINE_GATES.get(name)
    if known is None or _pattern_source(pattern) != known[0]:
        return None
    return known[1]


def block_gate(name: str, processor: object) -> Gate | None:
    """The text a block processor needs, or None to always try it."""
    if name == "table":
        return TABLE_GATE if type(processor).__name__ == "TableProcessor" else None
    known = BLOCK_GATES.get(name)
    if known is None or _pattern_source(processor) != known[0]:
        return None
    return known[1]


def _gated(registry: Registry, names, gate) -> list[tuple[object, Gate | None]]:
    """Each item of a registry in its order, with its gate (for those of `names`)."""
    gates = {id(registry[name]): gate(name, registry[name]) for name in names if name in registry}
    return [(item, gates.get(id(item))) for item in registry]


class _GatedInlineProcessor(InlineProcessor):
    """Markdown's inline processor, but a pattern is tried only on text that holds its gate.

    Skipping a pattern is what the stock loop does when the pattern finds no match: go on to the
    next one from the start of the text. Python-Markdown exposes no hook for this loop, so this
    overrides its (name-mangled) private method; GatedPatterns checks that it still exists."""

    _patterns: list[tuple[object, Gate | None]] = []

    def run(self, tree, ancestors=None):
        if len(self._patterns) != len(self.inlinePatterns):   # first run: every extension has registered
            self._patterns = _gated(self.inlinePatterns, INLINE_GATES, inline_gate)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        patterns = self._patterns
        apply = self._InlineProcessor__applyPattern
        count = len(patterns)
        start = 0
        while patternIndex < count:
            pattern, gate = patterns[patternIndex]
            if gate is not None:
                for needle in gate:
                    if needle in data:
                        break
                else:
                    patternIndex += 1
                    start = 0
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _gated_block_parser(parser: BlockParser):
    """BlockParser.parseBlocks, trying a processor only on a block that holds its gate (and
    iterating a list made once instead of re-sorting the registry for every block)."""
    processors: list[tuple[object, Gate | None]] = []

    def parseBlocks(parent, blocks: list[str]) -> None:
        nonlocal processors
        if len(processors) != len(parser.blockprocessors):
            processors = _gated(parser.blockprocessors, [*BLOCK_GATES, "table"], block_gate)
        while blocks:
            for processor, gate in processors:
                if gate is not None:
                    for needle in gate:
                        if needle in blocks[0]:
                            break
                    else:
                        continue
                if processor.test(parent, blocks[0]):
                    if processor.run(parent, blocks) is not False:
                        break
    return parseBlocks


class _NormalizeWhitespace(NormalizeWhitespace):
    """Markdown's own, but its blank-line regex (a lookbehind at every character) runs only when
    some line ends in a space. Used only while the stock method is the one this copies."""

    def run(self, lines: list[str]) -> list[str]:
        source = '\n'.join(lines)
        source = source.replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = re.sub(r'(?<=\n) +\n', '\n', source)
        return source.split('\n')


NORMALIZE_WHITESPACE_SHA256 = "a99bc2f9e0d83abcd6a7155a5637176e74280f85190e3e05eb1ad20ee5366d2f"   # Markdown 3.11's NormalizeWhitespace.run


def _source_digest(function) -> str:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError):
        return ""


def _can_gate_inline() -> bool:
    return all(hasattr(InlineProcessor, name) for name in
               ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"))


class GatedPatterns(Extension):
    """Register last (after every extension that adds patterns) to gate the known patterns."""

    def extendMarkdown(self, md: Markdown) -> None:
        md.parser.parseBlocks = _gated_block_parser(md.parser)
        name, start = FENCED_CODE
        fenced = md.preprocessors[name] if name in md.preprocessors else None
        if getattr(getattr(fenced, "FENCED_BLOCK_RE", None), "pattern", "").lstrip().startswith(start):   # a verbose pattern
            run = fenced.run
            fenced.run = lambda lines: run(lines) if _contains_any("\n".join(lines), FENCES) else lines
        raw = md.preprocessors["html_block"] if "html_block" in md.preprocessors else None
        if type(raw).__name__ == "HtmlBlockPreprocessor":
            parse_html = raw.run
            raw.run = lambda lines: parse_html(lines) if _contains_any("\n".join(lines), RAW_HTML) else lines
        if "normalize_whitespace" in md.preprocessors and type(md.preprocessors["normalize_whitespace"]) is NormalizeWhitespace \
                and _source_digest(NormalizeWhitespace.run) == NORMALIZE_WHITESPACE_SHA256:
            md.preprocessors.register(_NormalizeWhitespace(md), "normalize_whitespace", NORMALIZE_PRIORITY)
        if _can_gate_inline() and "inline" in md.treeprocessors:
            md.treeprocessors.register(_GatedInlineProcessor(md), "inline", INLINE_PRIORITY)
