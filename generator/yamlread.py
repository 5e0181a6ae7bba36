"""Front matter YAML -> plain values and the file line of each key (pure).

Whatever the YAML holds, the answer is values or Problems naming the file, the line and the
field: never an exception. PyYAML's own slips (a timestamp its resolver accepts but its
constructor cannot build, a number too long for Python to print) are caught here, and every
text is made fit to be written into a page or a feed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from .config import CONTROL_CHARS
from .problems import Problem, key_name, show  # show: re-exported, where it was first

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

DATE_HELP = "use YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS] with an optional +HH:MM offset"


def load_yaml(path: str, fm: str) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """YAML -> (mapping, key -> file line). Lines are 1-based and count the opening '---'."""
    simple = load_simple_yaml(fm)
    if simple is not None:
        return simple[0], simple[1], []
    return load_yaml_with_loader(path, fm)


def load_yaml_with_loader(path: str, fm: str) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """load_yaml() for any front matter: PyYAML's loader, and a problem for what it cannot read."""
    loader = _Loader(fm)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}, [Problem(path, 2, "", "front matter is empty: it needs at least title and published")]
        if not isinstance(node, yaml.MappingNode):
            return {}, {}, [Problem(path, _file_line(fm, node.start_mark), "", "front matter must be 'key: value' lines")]
        lines = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(key_node.value, _file_line(fm, key_node.start_mark))
        duplicates = _duplicate_keys(path, fm, node)
        if duplicates:
            return {}, {}, duplicates
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = _file_line(fm, mark) if mark is not None else 2
        what = getattr(exc, "problem", None) or str(exc)
        return {}, {}, [Problem(path, line, "", f"front matter is not valid YAML: {one_line(what)}")]
    except RecursionError:
        return {}, {}, [Problem(path, 2, "", "front matter is nested too deeply to read")]
    except _UNREADABLE as exc:  # a value YAML accepts but Python can't hold (year 0, a 1912 offset in seconds…)
        return {}, {}, [_unreadable(path, fm, loader, node, exc)]
    finally:
        loader.dispose()
    if not all(isinstance(k, str) for k in data):
        bad = next(k for k in data if not isinstance(k, str))
        return {}, {}, [Problem(path, 2, show(bad), "field names must be text")]
    return data, lines, []


def _duplicate_keys(path: str, fm: str, node: yaml.MappingNode) -> list[Problem]:
    """A problem for each key given twice in one mapping, however deep. YAML 1.2 says keys are
    unique; PyYAML keeps the last silently, so a second 'title:' would win unnoticed."""
    problems = []
    stack: list[tuple[yaml.Node, str]] = [(node, "")]
    seen: set[int] = set()      # an anchor's node is visited once
    while stack:
        item, where = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, yaml.SequenceNode):
            stack.extend((child, f"{where}[{i + 1}]") for i, child in enumerate(item.value))
        elif isinstance(item, yaml.MappingNode):
            first: dict[str, int] = {}
            for key_node, value_node in item.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue    # ('<<: *base' may override what it merges: that is what it is for)
                field = f"{where}.{field_name(key_node.value)}" if where else field_name(key_node.value)
                line = _file_line(fm, key_node.start_mark)
                if key_node.value in first:
                    problems.append(Problem(path, line, field, f"duplicate key (also on line {first[key_node.value]}): give each key once"))
                else:
                    first[key_node.value] = line
                stack.append((value_node, field))
    return problems


class _Values(yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """The loader's own resolver and constructors, for scalars read without its parser."""
    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    yaml_path_resolvers = _Loader.yaml_path_resolvers
    yaml_constructors = _Loader.yaml_constructors


_VALUES = _Values()
_STR = "tag:yaml.org,2002:str"
# Most front matter is 'key: value' lines whose values are one-line quoted texts, plain words,
# numbers or dates, or [flow, lists] of words. For those a line-by-line read gives what the
# loader gives, at a fraction of its cost (its composer and constructors are Python, a node and a
# mark per value). Each value is held to a subset of YAML that libyaml and PyYAML read alike:
# quoted texts without escapes, line breaks or characters YAML refuses; plain scalars that start
# with a letter or digit and hold no indicator that could end or change them, resolved and built
# by PyYAML's own resolver and constructors. Anything else (comments, nesting, block lists,
# continued lines, duplicate keys, values it cannot build) goes to the loader.
_QUOTED = r"\x00-\x1f\x7f-\x9f\\\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"   # not printable, '\' or a line break
_DQ = rf"[^\"{_QUOTED}]"   # inside "…"
_SQ = rf"[^'{_QUOTED}]"    # inside '…'
# every character past ASCII that is printable ('©', '—', '’'), said by those that are not
_NOT_OTHER = r"\x80-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"


def _with_other(ascii_class: str) -> str:
    """A class of the ASCII characters of `ascii_class` and of every printable character past
    ASCII, written as the class of all the others: re compiles a class of large ranges by filling
    a table of the 65,536 BMP characters one by one (~2 ms a class, ~20 ms of each build that
    parses a story), a class of small ones at once. (tests/test_frontmatter.py holds each to its
    plain form, [ascii_class + \xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff].)"""
    inside = re.compile(f"[{ascii_class}]")
    return "[^" + "".join(f"\\x{i:02x}" for i in range(128) if not inside.fullmatch(chr(i))) + _NOT_OTHER + "]"


_FIRST = _with_other("0-9A-Za-z/.(+$~")   # not an indicator: '-', '?', '[', '&', '*', '!', '|', '>', '%', '@', '`', '#'…
_WORDS = _with_other("0-9A-Za-z_ .,;+/()'\"!?&%=$@-") + "*"
_PLAIN = rf"{_FIRST}{_WORDS}(?::(?=[\w.+/-]){_WORDS})*(?<! )"   # ': ' and ' #' would end it
_ITEM = _FIRST + _with_other("0-9A-Za-z_ .+/()'-") + "*(?<! )"     # no ',', ':', '?' or brackets in a [list]
_SIMPLE_LINE = re.compile(
    rf"(?P<key>[A-Za-z][A-Za-z0-9_-]{{0,99}}):"
    rf"(?:[ ]+(?:\"(?P<dq>{_DQ}*)\"|'(?P<sq>{_SQ}*)'|(?P<plain>{_PLAIN})"
    rf"|(?P<list>\[)[ ]*(?P<seq>(?:{_ITEM}|\"{_DQ}*\")(?:[ ]*,[ ]*(?:{_ITEM}|\"{_DQ}*\"))*)?[ ]*\]))?[ ]*")
_LIST_ITEM = re.compile(rf"\"({_DQ}*)\"|({_ITEM})")   # in a list the line's pattern has checked


@lru_cache(maxsize=4096)   # what it returns cannot be changed: text, numbers, dates, true/false, None
def _plain(value: str) -> Any:
    tag = _VALUES.resolve(yaml.ScalarNode, value, (True, False))
    return value if tag == _STR else _VALUES.yaml_constructors[tag](_VALUES, yaml.ScalarNode(tag, value))


class _NotSimple(Exception):
    """The front matter is beyond the simple reader: the loader reads it."""


def _simple_entry(line: str, start: int, mapping: dict[str, Any]) -> tuple[str, Any, bool]:
    """A 'key: value' line from `start` -> (key, value, whether the value was left out)."""
    m = _SIMPLE_LINE.fullmatch(line, start)
    if m is None:
        raise _NotSimple
    key, dq, sq, plain, listed, seq = m.group("key", "dq", "sq", "plain", "list", "seq")
    if key in mapping or type(_plain(key)) is not str:   # 'yes:' is a true/false key, 'null:' a None one
        raise _NotSimple
    if dq is not None or sq is not None:
        return key, dq if dq is not None else sq, False
    if plain is not None:
        return key, _plain(plain), False
    if listed is not None:
        return key, [_plain(word) if word else quoted for quoted, word in _LIST_ITEM.findall(seq or "")], False
    return key, None, True


def load_simple_yaml(fm: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """(mapping, key -> file line) for front matter of one-line 'key: value' lines (and 'key:'
    followed by equally indented ones, like image:), exactly as the loader reads it; None for
    anything else (which the loader then reads, reporting its problems)."""
    if _VALUES.yaml_path_resolvers:
        return None
    data: dict[str, Any] = {}
    lines: dict[str, int] = {}
    open_key: str | None = None     # a 'key:' without a value, which indented lines may fill
    nested: dict[str, Any] | None = None
    indent = 0
    try:
        for number, line in enumerate(fm.split("\n"), 1):
            if not line:
                continue
            if line[0] == " ":
                depth = len(line) - len(line.lstrip(" "))
                if open_key is None or (nested is not None and depth != indent):
                    return None
                if nested is None:
                    nested, indent = data[open_key], depth = {}, depth
                key, value, empty = _simple_entry(line, depth, nested)
                nested[key] = value
                continue
            key, value, empty = _simple_entry(line, 0, data)
            data[key] = value
            lines[key] = number
            open_key, nested = (key if empty else None), None
    except _NotSimple:
        return None
    except Exception:   # a value PyYAML cannot build: the loader names it
        return None
    return (data, lines) if data else None


# What PyYAML's constructors raise, besides YAMLError, on values its resolver let through.
_UNREADABLE = (ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError)


def _file_line(fm: str, mark: Any) -> int:
    """The file line of a YAML mark. YAML also breaks lines at U+0085, U+2028 and U+2029, which
    are text to an editor, so count only newlines."""
    return fm.count("\n", 0, mark.index) + 1


def _unreadable(path: str, fm: str, loader: Any, node: yaml.MappingNode, exc: Exception) -> Problem:
    """Name the field, and the value in it, that could not be built."""
    for key_node, value_node in node.value:
        bad = _bad_scalar(loader, value_node)
        if bad is None:
            continue
        scalar, found = bad
        field = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
        line = _file_line(fm, scalar.start_mark)
        if scalar.tag.endswith(":timestamp"):
            return Problem(path, line, field_name(field), f"not a date: {show(scalar.value)} ({DATE_HELP})")
        if scalar.tag.endswith(":int"):
            return Problem(path, line, field_name(field), f"a number too long to read ({len(scalar.value):,} characters); quote it if it is text")
        return Problem(path, line, field_name(field), f"has a value that cannot be read: {show(scalar.value)} ({one_line(str(found))})")
    return Problem(path, 2, "", f"front matter has a value that cannot be read: {one_line(str(exc))}")


def _bad_scalar(loader: Any, node: yaml.Node) -> tuple[yaml.ScalarNode, Exception] | None:
    """The first scalar under node that cannot be built, and why (aliases are visited once)."""
    stack, seen = [node], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, yaml.ScalarNode):
            loader.constructed_objects, loader.recursive_objects = {}, {}
            try:
                loader.construct_object(item, deep=True)
            except (yaml.YAMLError, *_UNREADABLE) as found:
                return item, found
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(reversed(item.value))
        elif isinstance(item, yaml.MappingNode):
            stack.extend(n for pair in reversed(item.value) for n in reversed(pair))
    return None


def one_line(text: str, limit: int = 200) -> str:
    """A message fit for one line of the problem list."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")   # NUL, and surrogates YAML's \\u escapes can make


def clean_values(path: str, data: dict[str, Any], lines: dict[str, int]) -> tuple[dict[str, Any], list[Problem]]:
    """Every text in the front matter, however deep, without invisible control characters; a
    NUL or a lone surrogate (which no page can be written with) is a problem naming its field."""
    problems: list[Problem] = []
    memo: dict[int, Any] = {}   # YAML anchors can make a list that holds itself

    def clean(value: Any, field: str) -> Any:
        if isinstance(value, str):
            if value.isprintable():   # no control character, NUL or surrogate: nothing to clean
                return value
            bad = _UNWRITABLE.search(value)
            if bad:
                what = "a NUL character" if bad.group() == "\x00" else f"U+{ord(bad.group()):04X}, half of a UTF-16 pair, not a character"
                problems.append(Problem(path, lines.get(field, 2), field_name(field), f"contains {what}; retype that part"))
            return CONTROL_CHARS.sub("", value)   # invisible, and not allowed in XML
        if not isinstance(value, (list, dict)):
            return value
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, list):
            out: Any = memo.setdefault(id(value), [])
            out.extend(clean(item, field) for item in value)
        else:
            out = memo.setdefault(id(value), {})
            for key, item in value.items():
                out[clean(key, field)] = clean(item, field)
        return out

    try:
        cleaned = {clean(key, key): clean(value, key) for key, value in data.items()}
    except RecursionError:
        return data, [Problem(path, 2, "", "front matter is nested too deeply to read")]
    first: dict[str, Problem] = {}
    for p in problems:
        first.setdefault(p.field, p)   # one problem a field is enough to find it
    return cleaned, list(first.values())


def field_name(key: Any) -> str:
    """A key as it can appear in a problem's field: problems.key_name() for text, else shown."""
    return key_name(key) if isinstance(key, str) else show(key)
