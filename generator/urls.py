"""Slugs, URL paths and output paths (pure). Nothing here can point outside the output root."""
from __future__ import annotations

from datetime import datetime
import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from slugify import slugify as _slugify


@lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """A stable ASCII slug: Unicode is transliterated (Devanagari, CJK, accents), never dropped."""
    if len(text) <= 120 and _ALREADY_SLUG.fullmatch(text):
        return text     # what python-slugify gives back for it (tested), in a tenth of its time
    return _slugify(text, max_length=120, word_boundary=True)


_ALREADY_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")    # a story's file name, usually


def page_path(url_path: str, page: int = 1) -> str:
    """URL path of page N of a paginated listing at url_path ('' is the home page)."""
    return url_path if page == 1 else f"{url_path}page/{page}/"


def output_file(url_path: str) -> str:
    """The file a pretty URL path is written to: 'world/x/' -> 'world/x/index.html'."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    return url_path


def is_safe_relative(path: str) -> bool:
    """True if path is a plain relative path that stays inside the folder it is joined to."""
    # what PurePosixPath(path) says (absolute; a ".." among its parts), with string operations:
    # every file a build writes is checked, and a PurePosixPath costs ~5 µs
    return (bool(path) and not path.startswith("/") and ".." not in path.split("/")
            and "\\" not in path and "\x00" not in path)


def article_path(pattern: str, section: str, slug: str, published: datetime) -> str:
    """Fill the permalink pattern: '/{section}/{year}/{month}/{day}/{slug}/' -> 'world/2024/02/03/x/'."""
    filled = pattern.format(section=section, slug=slug, year=f"{published.year:04d}",
                            month=f"{published.month:02d}", day=f"{published.day:02d}")
    return filled.strip("/") + "/"


MAX_NAME_BYTES = 200   # a folder or file name in the output; file systems stop at 255 bytes


MAX_PATH_BYTES = 800   # a whole path in the output: macOS refuses paths over 1,024 bytes, Linux 4,096,
                       # and the output folder's own path comes in front of it


def too_long(rel: str) -> str | None:
    """What makes an output path made from content too long for a file system (a name over
    MAX_NAME_BYTES, the whole over MAX_PATH_BYTES, in UTF-8), or None."""
    if len(rel) <= MAX_NAME_BYTES // 4:     # (UTF-8 takes at most 4 bytes a character)
        return None
    size = len(rel.encode("utf-8", "surrogatepass"))
    if size > MAX_PATH_BYTES:
        return f"{size:,} bytes long, over the {MAX_PATH_BYTES:,} an output path may have"
    longest = max(rel.split("/"), key=lambda part: len(part.encode("utf-8", "surrogatepass")))
    if len(longest.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return (f"holds a name of {len(longest.encode('utf-8', 'surrogatepass')):,} bytes, over the "
                f"{MAX_NAME_BYTES} a folder or file name may have")
    return None


def alias_file(alias: str) -> str | None:
    """The file an old path redirects from ('/old/story/' -> 'old/story/index.html'), or None if
    it is not a plain path on this site."""
    text = unquote(alias.strip())
    try:
        scheme = urlsplit(text).scheme
    except ValueError:  # e.g. an unbalanced '[' after '//'
        return None
    if scheme or text.startswith("//") or any(c in text for c in "?#\\") or any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return None
    rel = text.lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    elif not rel.rsplit("/", 1)[-1].lower().endswith((".html", ".htm")):
        rel += "/index.html"
    parts = rel.split("/")
    if "." in parts or any(len(part.encode("utf-8")) > MAX_NAME_BYTES for part in parts):
        return None
    return rel if is_safe_relative(rel) and "//" not in rel else None


def is_link(url: str) -> bool:
    """True for a path on the site or an http(s) URL that parses: what a page may point at."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. 'https://[x'
        return False
    return parts.scheme.lower() in ("", "http", "https") and not any(ord(c) < 0x20 for c in url)


def _has_scheme(src: str) -> bool:
    """An absolute URL (scheme or '//'): left as it is. An unparseable one counts too, so it is
    never glued to the base path."""
    try:
        return bool(urlsplit(src).scheme) or src.startswith("//")
    except ValueError:
        return True


class Urls:
    """Turns site-relative URL paths into hrefs (with the base path) and absolute URLs."""

    def __init__(self, base_url: str):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.base_path = urlsplit(self.base_url).path or "/"

    def href(self, url_path: str) -> str:
        return self.base_path + url_path

    def absolute(self, url_path: str) -> str:
        return self.base_url + url_path

    def resource(self, src: str) -> str:
        """An href for a user-given resource: absolute URLs stay, site paths get the base path."""
        if not src or _has_scheme(src):
            return src
        return self.href(src.lstrip("/"))

    def resource_absolute(self, src: str) -> str:
        if not src or _has_scheme(src):
            return src
        return self.absolute(src.lstrip("/"))
