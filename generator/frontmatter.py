"""Front matter and body -> Article, or the list of problems that stop it (pure: no I/O)."""
from __future__ import annotations

import re
import sys
from datetime import date, datetime, time, tzinfo
from pathlib import PurePosixPath
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from .markup import render_markdown
from .config import DEFAULT_PERMALINK, MarkdownSettings
from .model import Article, Correction, Image
from .problems import Problem
from .urls import alias_file, article_path, slugify

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader

KNOWN = ("title", "published", "updated", "byline", "dateline", "source", "copyright",
         "section", "tags", "summary", "image", "slug", "draft", "aliases", "corrections")
IMAGE_KEYS = ("src", "alt", "caption", "credit")
_HANDLER = YAMLHandler()
_DATE_HELP = "use YYYY-MM-DD, or YYYY-MM-DD HH:MM[:SS] with an optional +HH:MM offset"


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Bytes -> text with Unix line endings and no byte-order mark."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, "", f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8")]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def split(path: str, text: str) -> tuple[str, str, list[Problem]]:
    """Text -> (front matter, body). The front matter is padded with blank lines so that
    YAML line numbers are file line numbers."""
    if not text.strip():
        return "", "", [Problem(path, 1, "", "empty file: an article needs front matter (between '---' lines) with at least title and published")]
    if not _HANDLER.detect(text):
        return "", "", [Problem(path, 1, "", "no front matter: the file must start with a '---' line, then title, published…, then '---'")]
    bounds = list(_HANDLER.FM_BOUNDARY.finditer(text))[:2]
    if len(bounds) < 2:
        return "", "", [Problem(path, 1, "", "front matter is not closed: add a '---' line after it")]
    start, end = bounds[0].end(), bounds[1].start()
    return "\n" * text.count("\n", 0, start) + text[start:end], text[bounds[1].end():], []


def load_yaml(path: str, fm: str) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """YAML -> (mapping, key -> file line). Lines are 1-based and count the opening '---'."""
    loader = _Loader(fm)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}, [Problem(path, 2, "", "front matter is empty: it needs at least title and published")]
        if not isinstance(node, yaml.MappingNode):
            return {}, {}, [Problem(path, node.start_mark.line + 1, "", "front matter must be 'key: value' lines")]
        lines = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(key_node.value, key_node.start_mark.line + 1)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 2
        what = getattr(exc, "problem", None) or str(exc)
        return {}, {}, [Problem(path, line, "", f"front matter is not valid YAML: {one_line(what)}")]
    except RecursionError:
        return {}, {}, [Problem(path, 2, "", "front matter is nested too deeply to read")]
    except _UNREADABLE as exc:  # a value YAML accepts but Python can't hold (year 0, a 1912 offset in seconds…)
        return {}, {}, [_unreadable(path, loader, node, exc)]
    finally:
        loader.dispose()
    if not all(isinstance(k, str) for k in data):
        bad = next(k for k in data if not isinstance(k, str))
        return {}, {}, [Problem(path, 2, show(bad), "field names must be text")]
    return data, lines, []


# What PyYAML's constructors raise, besides YAMLError, on values its resolver let through.
_UNREADABLE = (ValueError, TypeError, OverflowError, AttributeError, KeyError, IndexError)


def _unreadable(path: str, loader: Any, node: yaml.MappingNode, exc: Exception) -> Problem:
    """Name the field, and the value in it, that could not be built."""
    for key_node, value_node in node.value:
        bad = _bad_scalar(loader, value_node)
        if bad is None:
            continue
        scalar, found = bad
        field = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
        line = scalar.start_mark.line + 1
        if scalar.tag.endswith(":timestamp"):
            return Problem(path, line, field_name(field), f"not a date: {show(scalar.value)} ({_DATE_HELP})")
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


def show(value: Any, limit: int = 80) -> str:
    """repr() for a problem message: one line, cut short, and safe for a number of 5,000 digits."""
    try:
        text = repr(value)
    except ValueError:  # int too long to print
        text = f"a number of more than {sys.get_int_max_str_digits()} digits"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Invisible characters XML cannot hold (and HTML calls errors): dropped from every value.
_INVISIBLE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_UNWRITABLE = re.compile("[\x00\ud800-\udfff]")   # NUL, and surrogates YAML's \\u escapes can make


def clean_values(path: str, data: dict[str, Any], lines: dict[str, int]) -> tuple[dict[str, Any], list[Problem]]:
    """Every text in the front matter, however deep, without invisible control characters; a
    NUL or a lone surrogate (which no page can be written with) is a problem naming its field."""
    problems: list[Problem] = []
    memo: dict[int, Any] = {}   # YAML anchors can make a list that holds itself

    def clean(value: Any, field: str) -> Any:
        if isinstance(value, str):
            bad = _UNWRITABLE.search(value)
            if bad:
                what = "a NUL character" if bad.group() == "\x00" else f"U+{ord(bad.group()):04X}, half of a UTF-16 pair, not a character"
                problems.append(Problem(path, lines.get(field, 2), field_name(field), f"contains {what}; retype that part"))
            return _INVISIBLE.sub("", value)
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
    """A key as it can appear in a problem's field: printable text as it is, anything else shown."""
    return key if isinstance(key, str) and key.isprintable() and len(key) <= 80 else show(key)


def _as_text(value: Any) -> str | None:
    """A text, number or None as stripped text; None for a number too long to print."""
    try:
        return str(value).strip()
    except ValueError:
        return None


def parse_moment(value: Any, zone: tzinfo) -> datetime | None:
    """A YAML date/datetime/string -> an aware datetime (naive ones are in the site's zone)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


class _Fields:
    """Reads typed fields out of the front matter, collecting problems as it goes."""

    def __init__(self, path: str, data: dict[str, Any], lines: dict[str, int]):
        self.path, self.data, self.lines = path, data, lines
        self.problems: list[Problem] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.lines.get(re.split(r"[.\[]", field)[0], 1), field, message))

    def text(self, field: str, value: Any = None, *, required: bool = False) -> str:
        value = self.data.get(field) if value is None else value
        if value is None:
            if required:
                self.problems.append(Problem(self.path, self.lines.get(field, 1), field, "is required"))
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(field, f"must be text, not {_kind(value)}")
            return ""
        text = _as_text(value)
        if text is None:
            self.problem(field, "is a number too long to use as text; quote it")
            return ""
        if required and not text:
            self.problem(field, "must not be empty")
        if "\x00" in text:
            self.problem(field, "contains a NUL character")
            return ""
        return text

    def text_list(self, field: str) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(field, f"must be a list of text, not {_kind(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.problem(field, f"item {i + 1} must be text, not {_kind(item)}")
            elif _as_text(item) is None:
                self.problem(field, f"item {i + 1} is a number too long to use as text; quote it")
            elif _as_text(item):
                out.append(_as_text(item))
        return tuple(dict.fromkeys(out))

    def moment(self, field: str, zone: tzinfo, *, required: bool = False) -> datetime | None:
        value = self.data.get(field)
        if value is None:
            if required:
                self.problems.append(Problem(self.path, self.lines.get(field, 1), field, f"is required ({_DATE_HELP})"))
            return None
        moment = parse_moment(value, zone)
        if moment is None:
            self.problem(field, f"not a date: {show(value)} ({_DATE_HELP})")
        return moment

    def aliases(self) -> tuple[str, ...]:
        out = []
        for i, alias in enumerate(self.text_list("aliases")):
            rel = alias_file(alias)
            if rel is None:
                self.problem("aliases", f"item {i + 1} ({show(alias)}) must be a path on this site, like /2019/05/old-story/")
            else:
                out.append(rel)
        return tuple(dict.fromkeys(out))

    def corrections(self, zone: tzinfo) -> tuple[Correction, ...]:
        value = self.data.get("corrections")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem("corrections", f"must be a list of {{date, text}} mappings, not {_kind(value)}")
            return ()
        out = []
        for i, item in enumerate(value):
            where = f"corrections[{i + 1}]"
            if not isinstance(item, dict):
                self.problem(where, f"must be a mapping with date and text, not {_kind(item)}")
                continue
            for key in item:
                if key not in ("date", "text"):
                    self.problem(f"{where}.{field_name(key)}", "unknown key (known: date, text)")
            when = parse_moment(item.get("date"), zone)
            if when is None:
                self.problem(f"{where}.date", f"not a date: {show(item.get('date'))} ({_DATE_HELP})")
            text = self.text(f"{where}.text", item.get("text", ""))
            if not text:
                self.problem(f"{where}.text", "is required: say what was corrected")
            if when is not None and text:
                out.append(Correction(when, text))
        return tuple(sorted(out, key=lambda c: c.date))

    def image(self) -> Image | None:
        value = self.data.get("image")
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem("image", f"must be a mapping with src and alt (and optional caption, credit), not {_kind(value)}")
            return None
        for key in value:
            if key not in IMAGE_KEYS:
                self.problem(f"image.{field_name(key)}", f"unknown key (known: {', '.join(IMAGE_KEYS)})")
        parts = {key: self.text(f"image.{key}", value.get(key, "")) for key in IMAGE_KEYS}
        if not parts["src"]:
            self.problem("image.src", "is required when image is given")
            return None
        if not parts["alt"]:
            self.problem("image.alt", "is required: describe the image for readers who cannot see it")
        if re.match(r"\s*(javascript|data|vbscript):", parts["src"], re.I):
            self.problem("image.src", "must be a site path or an http(s) URL")
            return None
        return Image(**parts)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", int: "a number",
            float: "a number", str: "text"}.get(type(value), type(value).__name__)


def _unique_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """'Trade' and 'trade' are one tag: keep the first spelling."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(slugify(tag), tag)
    return tuple(seen.values())


def default_section(path: str) -> str:
    """The first folder under content/, or '' for a file directly in content/."""
    parts = PurePosixPath(path).parts
    return parts[1] if len(parts) > 2 else ""


def section_title(name: str) -> str:
    return name.replace("-", " ").replace("_", " ").strip().title() if name.islower() else name


def parse_article(path: str, data: bytes, zone: tzinfo, base_path: str = "/",
                  permalink: str = DEFAULT_PERMALINK, *,
                  markdown: MarkdownSettings = MarkdownSettings()) -> tuple[Article | None, list[Problem]]:
    """Parse one source file. Returns the article, or None and every problem found in it.
    The body's raw HTML is sanitised unless markdown.unsafe_html (the site's [markdown] table)."""
    text, problems = decode(path, data)
    if text is None:
        return None, problems
    fm, body, problems = split(path, text)
    if problems:
        return None, problems
    raw, lines, problems = load_yaml(path, fm)
    if problems:
        return None, problems
    raw, problems = clean_values(path, raw, lines)
    if problems:
        return None, problems
    f = _Fields(path, raw, lines)
    title = f.text("title", required=True)
    published = f.moment("published", zone, required=True)
    updated = f.moment("updated", zone)
    if published and updated and updated < published:
        f.problem("updated", f"is before published ({updated.isoformat()} < {published.isoformat()})")
    section_raw = f.text("section") or default_section(path)
    if not section_raw and not any(p.field == "section" for p in f.problems):
        f.problems.append(Problem(path, 1, "section", "not set, and the file is not in a section folder (put it in content/SECTION/ or add 'section:')"))
    section = slugify(section_raw) if section_raw else ""
    if section_raw and not section:
        f.problem("section", f"{show(section_raw)} gives an empty URL; use letters or digits")
    slug_raw = f.text("slug") or PurePosixPath(path).stem
    slug = slugify(slug_raw)
    if not slug:
        f.problem("slug", f"{show(slug_raw)} gives an empty URL; set 'slug:' to letters or digits")
    draft = raw.get("draft", False)
    if not isinstance(draft, bool):
        f.problem("draft", f"must be true or false, not {show(draft)}")
        draft = False
    article_fields = dict(
        byline=f.text_list("byline"), dateline=f.text("dateline"), source=f.text("source"),
        copyright=f.text("copyright"), tags=_unique_tags(f.text_list("tags")), summary=f.text("summary"),
        image=f.image(), aliases=f.aliases(), corrections=f.corrections(zone),
    )
    if f.problems:
        return None, f.problems
    extra = {k: v for k, v in raw.items() if k not in KNOWN}
    url_path = article_path(permalink, section, slug, published.astimezone(zone))
    return Article(
        path=path, title=title, published=published, updated=updated, section=section,
        section_name=section_title(section_raw), slug=slug, draft=draft,
        url_path=url_path, date_only=isinstance(raw.get("published"), date) and not isinstance(raw.get("published"), datetime),
        body_html=render_markdown(body, base_path, markdown), extra=extra, lines=lines, **article_fields,
    ), []
