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

from markdown import Extension, Markdown, util
from markdown.treeprocessors import InlineProcessor

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
INLINE_PRIORITY = 20   # where Markdown registers its inline processor (build_treeprocessors)


def _contains_any(text: str, gate: Gate) -> bool:
    for needle in gate:
        if needle in text:
            return True
    return False


def _gated_test(test, gate: Gate):
    if len(gate) == 1:
        needle = gate[0]
        return lambda parent, block: needle in block and test(parent, block)
    return lambda parent, block: _contains_any(block, gate) and test(parent, block)


def _pattern_source(obj: object) -> str | None:
    regex = getattr(obj, "SEARCH_RE", None) or getattr(obj, "RE", None) or getattr(obj, "compiled_re", None)
    return getattr(regex, "pattern", regex if isinstance(regex, str) else None)


def inline_gate(name: str, pattern: object) -> Gate | None:
    """The text an inline pattern needs, or None to always try it."""
    known = INLINE_GATES.get(name)
    if known is None or _pattern_source(pattern) != known[0]:
        return None
    return known[1]


class _GatedInlineProcessor(InlineProcessor):
    """Markdown's inline processor, but a pattern is tried only on text that holds its gate.

    Skipping a pattern is what the stock loop does when the pattern finds no match: go on to the
    next one from the start of the text. Python-Markdown exposes no hook for this loop, so this
    overrides its (name-mangled) private method; make_gated() checks it still exists."""

    def run(self, tree, ancestors=None):
        registry = self.inlinePatterns
        gates = {id(registry[name]): inline_gate(name, registry[name]) for name in INLINE_GATES if name in registry}
        self._gated = [(pattern, gates.get(id(pattern))) for pattern in registry]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        patterns = self._gated
        apply = self._InlineProcessor__applyPattern
        count = len(patterns)
        start = 0
        while patternIndex < count:
            pattern, gate = patterns[patternIndex]
            if gate is not None and not _contains_any(data, gate):
                patternIndex += 1
                start = 0
                continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _can_gate_inline() -> bool:
    return all(hasattr(InlineProcessor, name) for name in
               ("_InlineProcessor__handleInline", "_InlineProcessor__applyPattern"))


class GatedPatterns(Extension):
    """Register last (after every extension that adds patterns) to gate the known patterns."""

    def extendMarkdown(self, md: Markdown) -> None:
        blocks = md.parser.blockprocessors
        for name, (source, gate) in BLOCK_GATES.items():
            if name in blocks and _pattern_source(blocks[name]) == source:
                blocks[name].test = _gated_test(blocks[name].test, gate)
        if "table" in blocks and type(blocks["table"]).__name__ == "TableProcessor":
            blocks["table"].test = _gated_test(blocks["table"].test, TABLE_GATE)
        name, start = FENCED_CODE
        fenced = md.preprocessors[name] if name in md.preprocessors else None
        if getattr(getattr(fenced, "FENCED_BLOCK_RE", None), "pattern", "").lstrip().startswith(start):   # a verbose pattern
            run = fenced.run
            fenced.run = lambda lines: run(lines) if _contains_any("\n".join(lines), FENCES) else lines
        raw = md.preprocessors["html_block"] if "html_block" in md.preprocessors else None
        if type(raw).__name__ == "HtmlBlockPreprocessor":
            parse_html = raw.run
            raw.run = lambda lines: parse_html(lines) if _contains_any("\n".join(lines), RAW_HTML) else lines
        if _can_gate_inline() and "inline" in md.treeprocessors:
            md.treeprocessors.register(_GatedInlineProcessor(md), "inline", INLINE_PRIORITY)
