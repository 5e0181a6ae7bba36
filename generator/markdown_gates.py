"""Skip the Markdown processors that cannot apply to a text: the same HTML for less scanning.

Python-Markdown tries every block processor on every block and every inline pattern on every
run of text, each one a regular-expression scan, and runs every tree and post processor over
every document. Most need a character that most prose lacks (a link needs '[', a heading '#',
raw HTML '<', emphasis '*' or '_', an attribute list '{', a placeholder STX), or a block that
starts with one (a list item, a code block), and testing for one character is many times
cheaper than the scan while giving the same answer when that character is absent. A block that
no gate lets through is a paragraph, handed straight to the paragraph processor.

A processor is gated only when its regular expression is exactly the one below, or the source
of the method that decides is the one whose digest is below, its required text read off it by
hand; a Markdown release that changes one makes that processor ungated (slower), never wrong.
The loops this replaces are checked the same way. Over all that, markup.py uses GatedPatterns
only with a Markdown release listed in speedups.VERIFIED, where the equivalence tests passed.
"""
from __future__ import annotations

import hashlib
import inspect
import re
import sys

from xml.etree.ElementTree import HTML_EMPTY

from markdown import Extension, Markdown, serializers, util
from markdown.blockparser import BlockParser
from markdown.preprocessors import NormalizeWhitespace, Preprocessor
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

# block processor name -> (the regular expression its test or run searches, the characters a
# block must start with or the text it must hold for that search to succeed: see BlockGate).
# Footnote, abbreviation and reference definitions test True and search in run(), which puts the
# block back and returns False when nothing matched: a False test is the same outcome.
BLOCK_GATES: dict[str, tuple[str, str, Gate]] = {
    "hashheader": (r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)", "#", ("\n#",)),
    "setextheader": (r"^.*?\n(?:=+|-+)[ ]*(\n|$)", "", ("\n=", "\n-")),
    "hr": (r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))(?P=atomicgroup)[ ]*$",
           " -_*", ("\n ", "\n-", "\n_", "\n*")),
    # start-only (see block_gate); '\d' is any Unicode decimal digit: see _first
    "olist": (r"^[ ]{0,3}\d+\.[ ]+(.*)", " 0123456789", ()),
    "ulist": (r"^[ ]{0,3}[*+-][ ]+(.*)", " *+-", ()),
    "deflist": (r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)", " :", ("\n ", "\n:")),
    "quote": (r"(^|\n)[ ]{0,3}>[ ]?(.*)", "", (">",)),
    "footnote": (r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$", "", ("[^",)),
    "abbr": (r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$", "", ("*[",)),
    "reference": (r"""^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",
                  "", ("]:",)),
}
TABLE_GATE: tuple[str, Gate] = ("", ("|",))   # a table's header and separator rows are split on pipes

# Markdown 3.11.4 rewrote these processors without changing what they need, so their gates hold
# for its sources too: block processor name -> the later releases' pattern (or method digest).
# The indented list's test (ListIndentProcessor.test, which the definition list's inherits) now
# also asks whether the stack is near its limit, and still takes only a block that opens with
# spaces; the abbreviation pattern no longer lets the brackets hold a newline, and still needs '*['.
LATER_SOURCES: dict[str, tuple[str, ...]] = {
    "abbr": (r"^[*]\[(?P<abbr>[^\\\n]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$",),
    "indent": ("fd6115cf36c431f1e492d347095882cc335cbc5781d98516aa85cf96be2d86de",),
    "defindent": ("fd6115cf36c431f1e492d347095882cc335cbc5781d98516aa85cf96be2d86de",),
}

# block processor name -> (the method that decides, the SHA-256 of its source in Markdown 3.11.3,
# the characters a block must start with for it to apply). A method that differs is not gated
# (unless LATER_SOURCES knows it).
METHOD_GATES: dict[str, tuple[str, str, str]] = {
    # md_in_html's test is True; its run() takes only a block starting with a raw-HTML placeholder
    "markdown_block": ("run", "db4eb8da10b76159b3ebe21ffe35806365df73b0cd74bf6c2b30347a329cbb97", util.STX),
    "empty": ("test", "6bd30cdb0213b63c9ad1888c19e8b845ccec5a53d3371e4461bd1c5ca5b1aa30", "\n"),
    "indent": ("test", "8e16392c34a34bd1850ce9f8105fabbba1d9efb56dc9cd0190ddd0b8210823df", " "),   # four spaces
    "defindent": ("test", "8e16392c34a34bd1850ce9f8105fabbba1d9efb56dc9cd0190ddd0b8210823df", " "),
    "code": ("test", "2bcd68363687329ca5f8597a226c0c9181a5047a7ae610d31721cdaa11640fd2", " "),
}

# preprocessor name -> the text without which its run() returns the lines unchanged
FENCED_CODE: tuple[str, str] = (
    "fenced_code_block", "(?P<fence>^(?:~{3,}|`{3,}))")   # the start of FencedBlockPreprocessor's pattern
FENCES: Gate = ("~~~", "```")
# Without '<' or '&' Python's HTMLParser sees one run of data, which the raw-HTML preprocessor
# hands back unchanged ('&' alone is not enough: it adds the ';' that '&#169' lacks).
RAW_HTML: Gate = ("<", "&")

# tree processor name -> (its class, the SHA-256 of its run() in Markdown 3.11, the text the
# document must hold for that run() to change anything). Looked for in the text given to convert(),
# which every text in the tree comes from (raw HTML included) until these processors have run.
SOURCE_GATES: dict[str, tuple[str, str, Gate]] = {
    # every pattern it searches for starts with '{'; '\{' is still a placeholder when it runs
    "attr_list": ("AttrListTreeprocessor", "fb126cccd79ac3cb508f02ca7c579396a83db12e069fe0955f52504097109e32", ("{",)),
    # restores STX<number>ETX, which only the backslash escape makes (or a STX in the text itself)
    "unescape": ("UnescapeTreeprocessor", "5752b9f6937e0084f3ebe9302efa614a4794a564c2de656ef2eac69e32d17027", ("\\", util.STX)),
}
# postprocessor name -> (its class, the SHA-256 of its run()): each replaces only placeholders,
# which all start with STX, so without one in the HTML it returns the HTML unchanged.
PLACEHOLDER_POSTPROCESSORS: dict[str, tuple[str, str]] = {
    "amp_substitute": ("AndSubstitutePostprocessor", "1004776c67cf699370da482b8defca34a96ebbc82e83667dbed6e33686112de9"),
    "footnote": ("FootnotePostprocessor", "703911a2f7e157be221e2e619ee3fe77adf25edb39c3c24ac1073c0beaf4adf8"),
}
PROCESS_PLACEHOLDERS_SHA256 = "3f4a6088e773c9965f1008d544aea43c4d97db9ce08f5ebc444b62bee1b29d85"   # InlineProcessor.__processPlaceholders
NORMALIZE_WHITESPACE_SHA256 = "a99bc2f9e0d83abcd6a7155a5637176e74280f85190e3e05eb1ad20ee5366d2f"   # Markdown 3.11's NormalizeWhitespace.run

# the stock loops the gated ones replace (Markdown 3.11.3); changed, they are left alone
PARSE_BLOCKS_SHA256 = "1737e188f149267be5ef8343167b68ca5f2f60f1a4401889c74e2ac0500370e3"    # BlockParser.parseBlocks
INLINE_LOOP_SHA256 = {"_InlineProcessor__handleInline": "fe27babc114aed0ad06af7b99ad449f4bcf2cadab8ee03065a61d3a1f85caa5b",
                      "_InlineProcessor__applyPattern": "8862b35197c0e6141513cea1ccb124e1d0565027073c8c84795f184ee0387596"}

INLINE_PRIORITY = 20       # where Markdown registers its inline processor (build_treeprocessors)
NORMALIZE_PRIORITY = 30    # and its whitespace normaliser (build_preprocessors)
SNAPSHOT_PRIORITY = 1000   # before every preprocessor

Checks = tuple[tuple[str, str], ...]   # (one character of the needle, the needle)

# Looking for one character is a memchr, about a hundred times faster than looking for two or
# more (which Python does a character at a time): a needle is looked for only when its least
# common character is there.
_COMMON_PUNCTUATION = "\n.,;:!?'\"-()"


def _rarity(char: str) -> int:
    return 2 if char == " " or char.isalnum() else 1 if char in _COMMON_PUNCTUATION else 0


def _checks(gate: Gate) -> Checks:
    return tuple((min(needle, key=_rarity), needle) for needle in gate)


def _holds(text: str, checks: Checks) -> bool:
    """Whether text contains one of the needles."""
    for key, needle in checks:
        if key in text and needle in text:
            return True
    return False


def _pattern_source(obj: object) -> str | None:
    regex = getattr(obj, "SEARCH_RE", None) or getattr(obj, "RE", None) or getattr(obj, "compiled_re", None)
    return getattr(regex, "pattern", regex if isinstance(regex, str) else None)


def _source_digest(function) -> str:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError):
        return ""


def inline_gate(name: str, pattern: object) -> Gate | None:
    """The text an inline pattern needs, or None to always try it."""
    known = INLINE_GATES.get(name)
    if known is None or _pattern_source(pattern) != known[0]:
        return None
    return known[1]


def _known(name: str, found: str | None, first: str) -> bool:
    """Whether a block processor's pattern or method digest is one a gate was read off."""
    return bool(found) and (found == first or found in LATER_SOURCES.get(name, ()))


def block_gate(name: str, processor: object) -> tuple[str, Gate] | None:
    """(The characters a block must start with, or else the text it must hold) for a block
    processor to apply, or None to always try it."""
    if name == "table":
        return TABLE_GATE if type(processor).__name__ == "TableProcessor" else None
    if name in METHOD_GATES:
        method, digest, starts = METHOD_GATES[name]
        return (starts, ()) if _known(name, _source_digest(getattr(type(processor), method, None)), digest) else None
    known = BLOCK_GATES.get(name)
    if known is None or not _known(name, _pattern_source(processor), known[0]):
        return None
    pattern, starts, needles = known
    regex = getattr(processor, "SEARCH_RE", None) or getattr(processor, "RE", None)
    if not needles and getattr(regex, "flags", re.MULTILINE) & re.MULTILINE:
        return None   # a gate on the first character alone holds only while '^' is the block's start
    return starts, needles


class _GatedInlineProcessor(InlineProcessor):
    """Markdown's inline processor, but a pattern is tried only on text that holds its gate.

    Skipping a pattern is what the stock loop does when the pattern finds no match: go on to the
    next one from the start of the text. Python-Markdown exposes no hook for this loop, so this
    overrides its (name-mangled) private method; GatedPatterns checks that it still exists."""

    _patterns: list[tuple[object, Checks | None]] = []
    _keys: tuple[str, ...] | None = None   # when every pattern is gated: a character one of them needs
    _plain_placeholders = False            # __processPlaceholders may skip a text without placeholders

    def run(self, tree, ancestors=None):
        if len(self._patterns) != len(self.inlinePatterns):   # first run: every extension has registered
            self._patterns = [(item, None if gate is None else _checks(gate))
                              for item, gate in _gated(self.inlinePatterns, INLINE_GATES, inline_gate)]
            checks = [c for _, c in self._patterns]
            self._keys = None if None in checks else tuple(dict.fromkeys(key for c in checks for key, _ in c))
            self._plain_placeholders = _source_digest(InlineProcessor._InlineProcessor__processPlaceholders) == PROCESS_PLACEHOLDERS_SHA256
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, util.AtomicString):
            return data
        keys = self._keys
        if keys is not None:
            for key in keys:
                if key in data:
                    break
            else:
                return data   # no pattern can match
        patterns = self._patterns
        apply = self._InlineProcessor__applyPattern
        count = len(patterns)
        start = 0
        while patternIndex < count:
            pattern, checks = patterns[patternIndex]
            if checks is not None:
                for key, needle in checks:
                    if key in data and needle in data:
                        break
                else:
                    patternIndex += 1
                    start = 0
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data

    def _InlineProcessor__processPlaceholders(self, data, parent, isText=True):
        """The stock method, which for a text without placeholders (all start with STX) appends
        it to parent's text (or tail) and returns no elements: that, without its loop."""
        if not (self._plain_placeholders and data and util.STX not in data and type(data) in (str, util.AtomicString)):
            return InlineProcessor._InlineProcessor__processPlaceholders(self, data, parent, isText)
        if isText:
            parent.text = parent.text + data if parent.text else data
        else:
            parent.tail = parent.tail + data if parent.tail else data
        return []


def _gated(registry: Registry, names, gate) -> list[tuple[object, object]]:
    """Each item of a registry in its order, with its gate (for those of `names`)."""
    gates = {id(registry[name]): gate(name, registry[name]) for name in names if name in registry}
    return [(item, gates.get(id(item))) for item in registry]


BlockPlan = list[tuple[object, str | None, Checks]]   # (processor, start characters or None to always try, checks)


def _block_plan(registry: Registry) -> tuple[BlockPlan, BlockPlan | None, str, tuple[str, ...]]:
    """The processors in order with their gates; and when every one but the last (the paragraph)
    is gated, the plan for a block that holds no gate (the paragraph alone), the start
    characters any gate accepts and one character of each needle of any gate."""
    plan: BlockPlan = [(item, None, ()) if gate is None else (item, gate[0], _checks(gate[1]))
                       for item, gate in _gated(registry, [*METHOD_GATES, *BLOCK_GATES, "table"], block_gate)]
    if not plan or any(starts is None for _, starts, _ in plan[:-1]) or type(plan[-1][0]).__name__ != "ParagraphProcessor":
        return plan, None, "", ()
    starts = "".join(dict.fromkeys("".join(s for _, s, _ in plan[:-1])))
    keys = tuple(dict.fromkeys(key for _, _, checks in plan[:-1] for key, _ in checks))
    return plan, plan[-1:], starts, keys


def _first(block: str) -> str:
    """The block's first character for the start gates, any decimal digit read as '0': the
    ordered list's '\\d' takes '१', '١', '১' and '１' as it takes '1' (str.isdecimal() is the
    same class, Unicode's Nd), and only that gate lists digits."""
    first = block[:1]
    if first > "\x7f" and first.isdecimal():
        return "0"
    return first


def _gated_block_parser(parser: BlockParser):
    """BlockParser.parseBlocks, trying a processor only on a block that holds its gate, and going
    straight to the paragraph processor for a block that holds no gate at all (iterating lists
    made once instead of re-sorting the registry for every block)."""
    plan: BlockPlan = []
    plain: BlockPlan | None = None
    starts, keys = "", ()

    def parseBlocks(parent, blocks: list[str]) -> None:
        nonlocal plan, plain, starts, keys
        if len(plan) != len(parser.blockprocessors):
            plan, plain, starts, keys = _block_plan(parser.blockprocessors)
        while blocks:
            block = blocks[0]
            first = _first(block)
            candidates = plan
            if plain is not None and first not in starts:   # '' is in every string: an empty block goes the long way
                for key in keys:
                    if key in block:
                        break
                else:
                    candidates = plain
            for processor, accepts, checks in candidates:
                if accepts is not None and first not in accepts:
                    for key, needle in checks:
                        if key in block and needle in block:
                            break
                    else:
                        continue
                if processor.test(parent, block):
                    if processor.run(parent, blocks) is not False:
                        break
                    block = blocks[0]   # run() put its block back: the stock loop reads blocks[0] again
                    first = _first(block)
    return parseBlocks


class _NormalizeWhitespace(NormalizeWhitespace):
    """Markdown's own, but each replacement runs only when the text holds what it replaces (most
    hold no STX, ETX, '\r' or tab, and no line of spaces for the blank-line regex, whose lookbehind
    runs at every character). Used only while the stock method is the one this copies."""

    def run(self, lines: list[str]) -> list[str]:
        source = '\n'.join(lines)
        if util.STX in source:
            source = source.replace(util.STX, "")
        if util.ETX in source:
            source = source.replace(util.ETX, "")
        if "\r" in source:
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        source += "\n\n"
        if "\t" in source:
            source = source.expandtabs(self.md.tab_length)
        lines = source.split('\n')
        if any(map(str.isspace, lines)):   # a line of spaces (or other white space): the stock regex
            lines = re.sub(r'(?<=\n) +\n', '\n', source).split('\n')
        return lines


class _Snapshot(Preprocessor):
    """Runs first: keeps the document's text for the gates of later processors, and starts the
    document with an empty is_block_level cache."""

    def __init__(self, md: Markdown, block_levels: dict):
        super().__init__(md)
        self.text = ""
        self.block_levels = block_levels

    def run(self, lines: list[str]) -> list[str]:
        self.text = "\n".join(lines)
        self.block_levels.clear()
        return lines


def _cached_block_level(md: Markdown, cache: dict):
    """md.is_block_level, remembered per tag (Prettify alone asks ~50 times a story, and the stock
    answer is a linear search of a 60-tag list)."""
    stock = md.is_block_level

    def is_block_level(tag) -> bool:
        answer = cache.get(tag)
        if answer is None:
            answer = cache[tag] = stock(tag)
        return answer
    return is_block_level


# Markdown 3.11's HTML serializer: the digest of each function the one below copies.
SERIALIZER_SHA256 = {
    "_serialize_html": "c90bfbf433c15363e4aa126dae5a1a9f233ce26e3dd8bbde1a9a53d4cdc4a6ed",
    "_escape_cdata": "793d4bbf9601b425569b02f9df5268debadafba2d89468f4de6e3f3d0f264d67",
    "_escape_attrib_html": "81dcedcd7c392db64fbb4ef130c916ca9f5efe27f9031d49128b56aeccdb0ae1",
    "to_html_string": "9b79047f3c6b7d7e0c12bf9c69899166f2bf47941874893cf1d7aeb04c1698e0",
}
_BOOLEAN = getattr(serializers, "BOOLEAN_ATTRIBUTES", {}).get("html", ())   # (3.11.3's; used only where its serializer is)
_RAW_TEXT = ("script", "style")


class _Unusual(Exception):
    """A tree the fast serializer leaves to the stock one: comments, QNames, non-text attributes."""


def _escape_cdata(text: str) -> str:
    if "&" in text:
        text = serializers.RE_AMP.sub("&amp;", text)
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _write_html(el, out) -> None:
    tag = el.tag
    if not isinstance(tag, str):
        raise _Unusual
    out(f"<{tag}")
    items = el.items()
    if items:
        for k, v in sorted(items):
            if not isinstance(k, str) or not (v is None or isinstance(v, str)):
                raise _Unusual
            if v is None:
                out(f" {k}")
                continue
            v = _escape_cdata(v)
            if '"' in v:
                v = v.replace('"', "&quot;")
            out(f" {v}" if k == v and k in _BOOLEAN else f' {k}="{v}"')
    out(">")
    lower = tag.lower()
    text = el.text
    if text:
        out(text if lower in _RAW_TEXT else _escape_cdata(text))
    for child in el:
        _write_html(child, out)
    if lower not in HTML_EMPTY:
        out(f"</{tag}>")
    if el.tail:
        out(_escape_cdata(el.tail))


def html_string(root) -> str:
    """serializers.to_html_string, by recursion over plain elements instead of a deque of
    elements and strings (a third of the time); any other tree goes to the stock serializer."""
    data: list[str] = []
    try:
        _write_html(root, data.append)
    except (_Unusual, RecursionError):
        return serializers.to_html_string(root)
    return "".join(data)


def _can_copy_serializer() -> bool:
    return all(_source_digest(getattr(serializers, name, None)) == digest for name, digest in SERIALIZER_SHA256.items())


def _can_gate_inline() -> bool:
    return hasattr(InlineProcessor, "_InlineProcessor__processPlaceholders") and all(
        _source_digest(getattr(InlineProcessor, name, None)) == digest for name, digest in INLINE_LOOP_SHA256.items())


# Block processor tests that ask util.nearing_recursion_limit(), which walks the whole stack in
# Python: the quote's, about every block holding a '>', and from Markdown 3.11.4 the lists' and
# the definitions', about every block that opens as a list item, an indented block or a
# definition. sys._getframe() answers the same question in C: each test is replaced by the same
# test asking it so (see _stack_test), while its source is the one whose digest is here.
STACK_TESTS: dict[str, str] = {
    "quote": "342a21ffb26b705245cc325cfa64f5a52499995a314d31afae84257488e81eba",     # a search (3.11.3 and 3.11.4)
    "deflist": "8e8703ca6738f8d92a14b19e9fb14b1eb9fdcecaf6eb928d5ab8b7b2b73cb497",   # a search (3.11.4)
    "olist": "af56a04b5eba57b206c60828bc2b579a1fa9e1d55afaf9c990cdeefda0145f01",     # a match (3.11.4; ulist inherits it)
    "ulist": "af56a04b5eba57b206c60828bc2b579a1fa9e1d55afaf9c990cdeefda0145f01",
    "indent": "fd6115cf36c431f1e492d347095882cc335cbc5781d98516aa85cf96be2d86de",    # ListIndentProcessor's (3.11.4)
    "defindent": "fd6115cf36c431f1e492d347095882cc335cbc5781d98516aa85cf96be2d86de",
}
RECURSION_SHA256 = {"nearing_recursion_limit": "5dcde55d4463d6b7f34fe3259736aed970cc72796c75da41c4df00b080ad053b",
                    "_get_stack_depth": "05a77f3e1b209368415d341dca610a1d49767ad42e0ffce4d9629134a88521f7"}


def nearing_recursion_limit() -> bool:
    """util.nearing_recursion_limit(), called from where it is: true when the stack below its
    caller is within 100 frames of the limit, i.e. when a frame that deep exists."""
    try:
        sys._getframe(sys.getrecursionlimit() - 100)
    except ValueError:
        return False
    return True


def _stack_test(name: str, processor):
    """The processor's test (STACK_TESTS), asking nearing_recursion_limit() instead of util's."""
    if name in ("indent", "defindent"):
        indent, parser = " " * processor.tab_length, processor.parser
        items, lists = processor.ITEM_TYPES, processor.LIST_TYPES
        return lambda parent, block: block.startswith(indent) and not parser.state.isstate("detabbed") and \
            not nearing_recursion_limit() and \
            (parent.tag in items or (len(parent) and parent[-1] is not None and (parent[-1].tag in lists)))
    find = processor.RE.match if name in ("olist", "ulist") else processor.RE.search
    return lambda parent, block: bool(find(block)) and not nearing_recursion_limit()


def _only_when(holds, run, otherwise):
    """run, called only when holds(its argument); `otherwise(argument)` is what it gives instead."""
    return lambda arg: run(arg) if holds(arg) else otherwise(arg)


class GatedPatterns(Extension):
    """Register last (after every extension that adds patterns) to gate the known patterns."""

    def extendMarkdown(self, md: Markdown) -> None:
        block_levels: dict = {}
        snapshot = _Snapshot(md, block_levels)
        md.preprocessors.register(snapshot, "broadsheet_snapshot", SNAPSHOT_PRIORITY)
        md.is_block_level = _cached_block_level(md, block_levels)
        if _source_digest(BlockParser.parseBlocks) == PARSE_BLOCKS_SHA256:
            md.parser.parseBlocks = _gated_block_parser(md.parser)
        if md.output_formats.get("html") is serializers.to_html_string and _can_copy_serializer():
            md.output_formats = {**md.output_formats, "html": html_string}   # set_output_format() picks it up
        name, start = FENCED_CODE
        fenced = md.preprocessors[name] if name in md.preprocessors else None
        if getattr(getattr(fenced, "FENCED_BLOCK_RE", None), "pattern", "").lstrip().startswith(start):   # a verbose pattern
            fences = _checks(FENCES)
            fenced.run = _only_when(lambda lines: _holds("\n".join(lines), fences), fenced.run, lambda lines: lines)
        raw = md.preprocessors["html_block"] if "html_block" in md.preprocessors else None
        if type(raw).__name__ == "HtmlBlockPreprocessor":
            raw_html = _checks(RAW_HTML)
            raw.run = _only_when(lambda lines: _holds("\n".join(lines), raw_html), raw.run, lambda lines: lines)
        if "normalize_whitespace" in md.preprocessors and type(md.preprocessors["normalize_whitespace"]) is NormalizeWhitespace \
                and _source_digest(NormalizeWhitespace.run) == NORMALIZE_WHITESPACE_SHA256:
            md.preprocessors.register(_NormalizeWhitespace(md), "normalize_whitespace", NORMALIZE_PRIORITY)
        if _can_gate_inline() and "inline" in md.treeprocessors:
            md.treeprocessors.register(_GatedInlineProcessor(md), "inline", INLINE_PRIORITY)
        if all(_source_digest(getattr(util, name, None)) == digest for name, digest in RECURSION_SHA256.items()):
            blocks = md.parser.blockprocessors
            for name, digest in STACK_TESTS.items():
                processor = blocks[name] if name in blocks else None
                if _source_digest(getattr(type(processor), "test", None)) == digest:
                    processor.test = _stack_test(name, processor)
        for name, (cls, digest, gate) in SOURCE_GATES.items():
            processor = md.treeprocessors[name] if name in md.treeprocessors else None
            if type(processor).__name__ == cls and _source_digest(type(processor).run) == digest:
                checks = _checks(gate)
                processor.run = _only_when(lambda root, checks=checks: _holds(snapshot.text, checks), processor.run, lambda root: None)
        for name, (cls, digest) in PLACEHOLDER_POSTPROCESSORS.items():
            processor = md.postprocessors[name] if name in md.postprocessors else None
            if type(processor).__name__ == cls and _source_digest(type(processor).run) == digest:
                processor.run = _only_when(lambda html: util.STX in html, processor.run, lambda html: html)
