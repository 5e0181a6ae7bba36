"""Front matter and body -> Article and body HTML, or the list of problems that stop it (pure: no I/O)."""
from __future__ import annotations

import re
import sys
from datetime import date, datetime, time, timezone, tzinfo
from itertools import islice
from pathlib import PurePosixPath
from typing import Any

from frontmatter.default_handlers import YAMLHandler

from .images import unshown
from .markup import BodyError, render_markdown
from .config import DEFAULT_PERMALINK, MarkdownSettings
from .model import Article, Correction, Image
from .problems import Problem
from .urls import alias_file, article_path, check_url, native_slug, output_file, slugify, too_long
from .yamlread import DATE_HELP, clean_values, field_name, load_yaml, one_line, show

KNOWN = ("title", "published", "updated", "byline", "dateline", "source", "copyright",
         "section", "tags", "summary", "image", "slug", "draft", "aliases", "corrections", "language",
         "translation_of")
IMAGE_KEYS = ("src", "alt", "caption", "credit", "focus")
TEXT_KEYS = IMAGE_KEYS[:4]
# Each tag and author has pages and a feed that show the story with all its tags and authors:
# 20,000 tags on one story made 20,000 pages of 20,000 links each (minutes). No story needs more.
MOST_TAGS = 100
# the fields whose line an article keeps: those a check after the parse names in its problem
# (listings.duplicate_urls: the slug). Every field's, ~460 bytes a story, was most of what
# 100,000 stories held besides their text
LINES_KEPT = ("slug", "translation_of", "language")
MOST_BYLINES = 50
_HANDLER = YAMLHandler()


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Bytes -> text with Unix line endings and no byte-order mark."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(path, line, "", f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8")]
    text = text.removeprefix("\ufeff")
    if "\r" in text:   # a one-character test is a memchr; each replace is a scan of the story
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def split(path: str, text: str) -> tuple[str, str, list[Problem]]:
    """Text -> (front matter, body). The front matter is padded with blank lines so that
    YAML line numbers are file line numbers."""
    if not text.strip():
        return "", "", [Problem(path, 1, "", "empty file: an article needs front matter (between '---' lines) with at least title and published")]
    if not _HANDLER.detect(text):
        return "", "", [Problem(path, 1, "", "no front matter: the file must start with a '---' line, then title, published…, then '---'")]
    bounds = list(islice(_HANDLER.FM_BOUNDARY.finditer(text), 2))   # not a scan of the whole body
    if len(bounds) < 2:
        return "", "", [Problem(path, 1, "", "front matter is not closed: add a '---' line after it")]
    start, end = bounds[0].end(), bounds[1].start()
    return "\n" * text.count("\n", 0, start) + text[start:end], text[bounds[1].end():], []


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


# Dates every later step can shift into any time zone and print: a year-1 or year-9999 moment
# moved by a few hours leaves what Python's datetime can hold.
EARLIEST = datetime(1000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 12, 31, tzinfo=timezone.utc)


def in_range(moment: datetime, zone: tzinfo) -> bool:
    try:
        moment.astimezone(zone)
        return EARLIEST <= moment <= LATEST
    except OverflowError:
        return False


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

    def text_list(self, field: str, most: int | None = None) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(field, f"must be a list of text, not {_kind(value)}")
            return ()
        if most is not None and len(value) > most:
            self.problem(field, f"has {len(value):,} items; a story may have at most {most}")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.problem(field, f"item {i + 1} must be text, not {_kind(item)}")
                continue
            text = _as_text(item)
            if text is None:
                self.problem(field, f"item {i + 1} is a number too long to use as text; quote it")
            elif text:
                out.append(text)
        return tuple(dict.fromkeys(out))

    def moment(self, field: str, zone: tzinfo, *, required: bool = False) -> datetime | None:
        value = self.data.get(field)
        if value is None:
            if required:
                self.problems.append(Problem(self.path, self.lines.get(field, 1), field, f"is required ({DATE_HELP})"))
            return None
        return self.checked_moment(field, value, zone)

    def checked_moment(self, field: str, value: Any, zone: tzinfo) -> datetime | None:
        """parse_moment(), with a problem for what is not a date or is too far from now to show."""
        moment = parse_moment(value, zone)
        if moment is None:
            self.problem(field, f"not a date: {show(value)} ({DATE_HELP})")
        elif not in_range(moment, zone):
            shown = value.isoformat() if isinstance(value, date) else show(value)
            self.problem(field, f"{shown} is out of range: use a date between the years {EARLIEST.year} and {LATEST.year}")
            return None
        return moment

    def aliases(self) -> tuple[str, ...]:
        out = []
        for i, alias in enumerate(self.text_list("aliases")):
            rel = alias_file(alias)
            long = too_long(output_file(alias.strip().lstrip("/")))
            if long:
                self.problem("aliases", f"item {i + 1} ({show(alias)}) is too long for a file path: {long}")
            elif rel is None:
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
            when = self.checked_moment(f"{where}.date", item.get("date"), zone)
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
        parts = {key: self.text(f"image.{key}", value.get(key, "")) for key in TEXT_KEYS}
        if not parts["src"]:
            self.problem("image.src", "is required when image is given")
            return None
        if not parts["alt"]:
            self.problem("image.alt", "is required: describe the image for readers who cannot see it")
        # the text as written: text() strips the spaces around it, which hide a ' javascript:'
        raw = value.get("src")
        reason = check_url(raw if isinstance(raw, str) else parts["src"], relative=True)
        if reason:
            self.problem("image.src", f"{show(raw)} {reason}")
            return None
        unseen = unshown(parts["src"])
        if unseen:
            self.problem("image.src", f"{show(raw)} {unseen}")
        return Image(**parts, focus=self.focus(value.get("focus")))

    def language(self) -> str:
        """language: the story's BCP 47 tag, checked against CLDR (through Babel)."""
        tag = self.text("language")
        if not tag:
            return ""
        from .languages import unknown
        wrong = unknown(tag)
        if wrong:
            self.problem("language", wrong)
            return ""
        return tag

    def translation_of(self) -> str:
        """translation_of: the story this one translates, as the source path of its file (relative
        to content/, or to the site: world/story.md, content/world/story.md); whether such a
        story exists, the build checks (translations.py)."""
        target = self.text("translation_of")
        if not target:
            return ""
        path = target.strip().replace("\\", "/").lstrip("/")
        if not path.startswith("content/"):
            path = "content/" + path
        if ".." in path.split("/") or not path.endswith(".md"):
            self.problem("translation_of", f"{show(target)} must name the Markdown file of the story this one translates, "
                                           "as its path under content/ (like world/some-story.md)")
            return ""
        return _shared(path)

    def focus(self, value: Any) -> tuple[float, float] | None:
        """image.focus: [x, y], the point of the photo its crops keep in frame, each a fraction
        from 0 to 1 (from the left, from the top)."""
        if value is None:
            return None
        if (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value)):
            return (float(value[0]), float(value[1]))
        self.problem("image.focus", f"must be [x, y], two fractions from 0 to 1 (from the left and from the top: "
                                    f"[0.5, 0.3] keeps a point in the middle, near the top, in frame), not {show(value)}")
        return None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", int: "a number",
            float: "a number", str: "text"}.get(type(value), type(value).__name__)


def _unique_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """'Trade' and 'trade' are one tag: keep the first spelling."""
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(slugify(tag), tag)
    return tuple(seen.values())


def _parts(path: str) -> tuple[str, ...]:
    """PurePosixPath(path).parts, by a split where that gives the same (no '', '.' or root part)."""
    parts = path.split("/")
    return PurePosixPath(path).parts if "" in parts or "." in parts else tuple(parts)


def _stem(path: str) -> str:
    """PurePosixPath(path).stem, likewise."""
    name = path.rpartition("/")[2]
    if not name or name == "." or "//" in path or "/./" in path or path.startswith(("/", "./")):
        return PurePosixPath(path).stem
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def default_section(path: str) -> str:
    """The first folder under content/, or '' for a file directly in content/."""
    parts = _parts(path)
    return parts[1] if len(parts) > 2 else ""


def section_title(name: str) -> str:
    return name.replace("-", " ").replace("_", " ").strip().title() if name.islower() else name


def _body_html(path: str, text: str, body: str, base_path: str,
               markdown: MarkdownSettings) -> tuple[str, None] | tuple[None, Problem]:
    """The body as HTML, or the problem that stops it: the one place a body is converted, so no
    text Python-Markdown, nh3 or lxml fail on can stop a build with a traceback."""
    try:
        return render_markdown(body, base_path, markdown), None
    except BodyError as exc:
        offset, message = exc.offset, exc.message
    except RecursionError:
        offset, message = 0, ("is nested too deeply for Markdown to convert: lists, quotes or HTML hundreds of levels "
                           "deep, or thousands of definitions without a blank line")
    except Exception as exc:    # a text one of the libraries cannot take: this file's problem, not the build's end
        offset, message = 0, f"cannot be converted from Markdown ({type(exc).__name__}: {one_line(str(exc))}); simplify its markup"
    if not offset:
        offset = len(body) - len(body.lstrip())     # (the line the text starts on)
    return None, Problem(path, text.count("\n", 0, len(text) - len(body) + offset) + 1, "body", message)


def _shared(text: str) -> str:
    """The one copy of a string many stories hold (sys.intern; a str subclass as it is)."""
    return sys.intern(text) if type(text) is str else text


def parse_article(path: str, data: bytes, zone: tzinfo, base_path: str = "/",
                  permalink: str = DEFAULT_PERMALINK, *,
                  markdown: MarkdownSettings = MarkdownSettings(),
                  editions: tuple[tuple[str, str, bool], ...] = ()) -> tuple[Article | None, list[Problem], str]:
    """Parse one source file: the article and its body's HTML, or None, every problem found in
    it and "". The body is not part of the article: the caller keeps it where it likes (the build:
    in a file of its cache, see bodies.py). Its raw HTML is sanitised unless markdown.unsafe_html
    (the site's [markdown] table). `editions`: (language, URL prefix) of the site's editions besides
    its first (SiteConfig.edition_prefixes): a story in one of those languages is published under
    its prefix (and, if it asks for native slugs, with a slug in the story's own script)."""
    text, problems = decode(path, data)
    if text is None:
        return None, problems, ""
    fm, body, problems = split(path, text)
    if problems:
        return None, problems, ""
    raw, lines, problems = load_yaml(path, fm)
    if problems:
        return None, problems, ""
    raw, problems = clean_values(path, raw, lines)
    if problems:
        return None, problems, ""
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
    slug_raw = f.text("slug") or _stem(path)
    slug = slugify(slug_raw)
    if not slug:
        f.problem("slug", f"{show(slug_raw)} gives an empty URL; set 'slug:' to letters or digits")
    draft = raw.get("draft", False)
    if not isinstance(draft, bool):
        f.problem("draft", f"must be true or false, not {show(draft)}")
        draft = False
    # (what many stories repeat, interned: one string for each section, tag, byline name and
    # agency line, not one per story; a build holds 100,000 stories, and each worker it forks
    # copies what it reads of them)
    article_fields = dict(
        byline=tuple(map(_shared, f.text_list("byline", MOST_BYLINES))), dateline=_shared(f.text("dateline")),
        source=_shared(f.text("source")), copyright=_shared(f.text("copyright")),
        tags=tuple(map(_shared, _unique_tags(f.text_list("tags", MOST_TAGS)))), summary=f.text("summary"),
        image=f.image(), aliases=f.aliases(), corrections=f.corrections(zone), language=_shared(f.language()),
        translation_of=f.translation_of(),
    )
    if f.problems:
        return None, f.problems, ""
    extra = {k: v for k, v in raw.items() if k not in KNOWN}
    prefix = ""
    if editions and article_fields["language"]:
        from .languages import edition_of
        edition = edition_of(article_fields["language"], tuple(e[0] for e in editions))
        if edition:
            _, prefix, native = next(e for e in editions if e[0] == edition)
            if native and native_slug(slug_raw):
                slug = native_slug(slug_raw)
    url_path = prefix + article_path(permalink, section, slug, published.astimezone(zone))
    html, problem = _body_html(path, text, body, base_path, markdown)
    if problem is not None:
        return None, [problem], ""
    return Article(
        path=path, title=title, published=published, updated=updated, section=_shared(section),
        section_name=_shared(section_title(section_raw)), slug=slug, draft=draft,
        url_path=url_path, date_only=isinstance(raw.get("published"), date) and not isinstance(raw.get("published"), datetime),
        extra=extra, lines={name: lines[name] for name in LINES_KEPT if name in lines}, **article_fields,
    ), [], html
