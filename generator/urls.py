"""Slugs, URL paths and output paths (pure). Nothing here can point outside the output root."""
from __future__ import annotations

from datetime import datetime
import ipaddress
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
NATIVE_SLUG_BYTES = 180     # a native-script slug's most UTF-8 bytes (a file name may have 255)


def native_slug(text: str) -> str:
    """A slug in the text's own script, for an edition with slugs = "native": letters, marks and
    digits of any script kept (Devanagari's vowel signs too, which python-slugify's Unicode mode
    drops), lower-cased, NFC; everything else a hyphen, format characters (ZWJ, ZWNJ) dropped; at
    most NATIVE_SLUG_BYTES, cut at a hyphen where one is near. Feeds and sitemaps percent-encode it."""
    import unicodedata
    out = []
    for ch in unicodedata.normalize("NFC", text).lower():
        kind = unicodedata.category(ch)
        if kind[0] in "LMN":
            out.append(ch)
        elif kind != "Cf":
            out.append("-")
    slug = re.sub("-{2,}", "-", "".join(out)).strip("-")
    if len(slug.encode("utf-8")) > NATIVE_SLUG_BYTES:
        cut = slug.encode("utf-8")[:NATIVE_SLUG_BYTES].decode("utf-8", "ignore")
        slug = (cut.rsplit("-", 1)[0] if "-" in cut[len(cut) // 2:] else cut).strip("-")
    return slug


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
    """True for a URL check_url() accepts, relative paths included."""
    return check_url(url, relative=True) is None


# What may not stand anywhere in a URL from data or settings: browsers drop tabs and newlines
# inside a URL and spaces and controls around it ("java\tscript:", " javascript:"), and read a
# backslash as a slash ("/\\evil.example" is another host). Invisible format characters too.
_NOT_IN_URL = re.compile(r"[\s\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff0-\uffff]")
# A host name's label: letters, digits, "_" and any character past ASCII, "-" inside. Written as
# the ASCII characters it refuses: the same set, but compiled in 0.2 ms where the range up to
# U+10FFFF takes 12 ms, on the path of every build (tests/test_url_fields.py holds the two equal).
_LABEL_CHAR = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_LABEL = re.compile(rf"{_LABEL_CHAR}(?:[^\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*{_LABEL_CHAR})?")


def check_url(url: str, *, paths: bool = True, relative: bool = False) -> str | None:
    """Why a URL from data or settings may not be linked to, or None if it may: an http(s) URL
    with a host, a site path ('/world/', when paths), or a path relative to the site root
    ('images/x.jpg', when relative: for fields the site resolves against its root)."""
    if not url:
        return "is empty"
    bad = _NOT_IN_URL.search(url)
    if bad:
        return f"must not contain {_describe(bad.group())}"
    try:
        parts = urlsplit(url)
        parts.port                 # a port that is not a number, or out of range, raises here
    except ValueError as exc:      # e.g. an unbalanced '[' in the host
        return f"is not a URL that parses ({exc})"
    scheme = parts.scheme.lower()
    if scheme:
        if scheme not in ("http", "https"):
            return f"must be {'a site path or ' if paths else ''}an http(s) URL; {scheme}: URLs are not allowed"
        if "@" in parts.netloc:
            return "must not carry a user name or password"
        host = parts.hostname or ""
        if not (_is_host_name(host) or (parts.netloc.startswith("[") and _is_ipv6(host))):
            return "needs a host name after the scheme, like https://example.org/" if not host else f"has no valid host name ({host!r})"
        return _dot_dot(parts.path)
    if url.startswith("//"):
        return "must not start with '//' (that is another host); write https://… in full"
    if not paths:
        return "must be an absolute http(s) URL, like https://example.org/"
    if not url.startswith("/") and not relative:
        return "must be a site path starting with '/' or an http(s) URL"
    return _dot_dot(parts.path)


def _dot_dot(path: str) -> str | None:
    return "must not contain '..' segments" if ".." in unquote(path).split("/") else None


def _is_host_name(host: str) -> bool:
    """Dot-separated labels of letters (any script), digits, '-' and '_'; a final dot is allowed."""
    return bool(host) and all(_LABEL.fullmatch(label) for label in host.removesuffix(".").split("."))


def _is_ipv6(host: str) -> bool:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def _describe(char: str) -> str:
    if char == "\\":
        return "a backslash"
    return "spaces" if char == " " else f"the invisible character U+{ord(char):04X}"


def check_base_url(url: str) -> str | None:
    """Why url cannot be the site's base URL, or None: every canonical URL, feed and robots.txt
    line is this text plus a path, so only scheme, host, port and path may be given."""
    problem = check_url(url, paths=False)
    if problem:
        return problem
    if "?" in url or "#" in url:
        return "must not have a query ('?') or a fragment ('#'): give scheme, host and path only"
    return None


def _has_scheme(src: str) -> bool:
    """An absolute URL (scheme or '//'): left as it is. An unparseable one counts too, so it is
    never glued to the base path."""
    try:
        return bool(urlsplit(src).scheme) or src.startswith("//")
    except ValueError:
        return True


def site_path(src: str) -> str | None:
    """The path in the built site of a user-given resource ("/images/ship.jpg?v=2" ->
    "images/ship.jpg"); None for an absolute URL (or one that cannot be parsed) or none."""
    if not src or _has_scheme(src):
        return None
    return urlsplit(src).path.lstrip("/")


URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"     # RFC 3986's reserved and unreserved characters, and '%': kept as they are


class Urls:
    """Turns site-relative URL paths into hrefs (with the base path) and absolute URLs."""

    def __init__(self, base_url: str):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.base_path = urlsplit(self.base_url).path or "/"

    def href(self, url_path: str) -> str:
        return self.base_path + url_path

    def absolute(self, url_path: str) -> str:
        """The absolute URL (canonical, feeds, sitemaps, JSON-LD): a path in another script
        (an edition's native slugs) percent-encoded, as a URI must be."""
        if not url_path.isascii():
            from urllib.parse import quote
            url_path = quote(url_path, safe=URI_SAFE)
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
