"""SiteConfig: the typed, frozen reading of ``site.toml``; every problem reported at once."""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .complexity import DEFAULT_MAX_WORK
from .problems import BuildError, Problem, key_name, show
from .urls import check_base_url, check_url, too_long

CONFIG_NAME = "site.toml"
# Invisible control characters (and the two non-characters) that XML cannot hold and HTML calls errors.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class Publisher:
    name: str = ""
    url: str = ""
    logo: str = ""


@dataclass(frozen=True)
class Social:
    image: str = ""     # the social card of a page with no photo of its own (a site photo, or a URL)
    alt: str = ""       # its alt text (default: the site's title)


@dataclass(frozen=True)
class PromoConfig:
    heading: str = ""
    text: str = ""
    url: str = ""
    label: str = ""


@dataclass(frozen=True)
class MenuItem:
    name: str
    url: str


# Hosts whose <iframe> embeds survive sanitising by default: video, audio, charts and maps
# that newsrooms embed every day. A site's [markdown] embed_hosts replaces the whole list.
DEFAULT_EMBED_HOSTS = (
    "www.youtube-nocookie.com", "www.youtube.com", "player.vimeo.com",
    "www.dailymotion.com", "open.spotify.com", "w.soundcloud.com", "embed.podcasts.apple.com",
    "datawrapper.dwcdn.net", "flo.uri.sh", "e.infogram.com", "www.google.com",
)
DEFAULT_MAX_FILE_MB = 5
MB = 1_000_000


@dataclass(frozen=True)
class MarkdownSettings:
    """How article bodies are turned into HTML, and how large a source may be."""
    unsafe_html: bool = False                          # True: raw HTML is kept as written (trusted newsrooms only)
    embed_hosts: tuple[str, ...] = DEFAULT_EMBED_HOSTS  # <iframe src> hosts that are kept
    max_file_size: int = DEFAULT_MAX_FILE_MB * MB      # bytes; larger sources are refused, never loaded
    max_work: int = DEFAULT_MAX_WORK                   # a body Markdown would take longer over is refused (complexity.py)


@dataclass(frozen=True)
class Edition:
    """One more language the site publishes in ([languages.X] in site.toml): its stories (those
    whose language: is X) get their own home page, sections, tag and author pages, feeds and news
    sitemap under /PREFIX/, shown with its own title, menu and dates. The top level of site.toml
    is the first edition, in the site's own language, at the root."""
    language: str                       # BCP 47 tag: the key of the table, e.g. "hi"
    prefix: str                         # its URLs' first segment, with a slash: "hi/"
    title: str = ""                     # default: the site's
    description: str = ""
    timezone: str = ""                  # default: the site's
    date_format: str = ""
    date_only_format: str = ""
    menu: tuple[MenuItem, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()    # section slug -> its name in this edition
    slugs: str = "ascii"                         # "native": its stories' URLs in their own script
    newsletter: "PromoConfig | None" = None      # its own call-outs, in its language (none: it shows none)
    app_promo: "PromoConfig | None" = None


DEFAULT_PERMALINK = "/{section}/{slug}/"
PERMALINK_FIELDS = ("section", "year", "month", "day", "slug")


@dataclass(frozen=True)
class SiteConfig:
    title: str
    base_url: str                     # always ends with "/"
    language: str = "en"
    timezone: str = "UTC"
    description: str = ""
    theme: str = "default"
    date_format: str = "%B %d, %Y %H:%M %Z"
    date_only_format: str = "%B %d, %Y"
    per_page: int = 20
    feed_size: int = 50
    publisher: Publisher = field(default_factory=Publisher)
    social: Social = field(default_factory=Social)
    newsletter: PromoConfig | None = None
    app_promo: PromoConfig | None = None
    menu: tuple[MenuItem, ...] = ()
    permalink: str = DEFAULT_PERMALINK     # the article URL pattern
    markdown: MarkdownSettings = field(default_factory=MarkdownSettings)
    editions: tuple[Edition, ...] = ()     # the languages besides the site's own ([languages.X])
    prefix: str = ""                       # an edition's view of the config (edition()): its URL prefix
    section_names: tuple[tuple[str, str], ...] = ()    # ... and its own names of sections
    first_language: str = ""               # ... and the language of the site's first edition

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def edition_prefixes(self) -> tuple[tuple[str, str, bool], ...]:
        """(language, URL prefix, native slugs) of each edition besides the first: what a story's URL is made of."""
        return tuple((e.language, e.prefix, e.slugs == "native") for e in self.editions)

    def edition(self, language: str) -> "SiteConfig":
        """The settings as the edition in `language` sees them ("" or the site's language: these):
        its title, description, language, zone, date formats, menu and URL prefix."""
        for e in self.editions:
            if e.language == language:
                return replace(self, title=e.title or self.title, description=e.description or self.description,
                               language=e.language, timezone=e.timezone or self.timezone,
                               date_format=e.date_format or self.date_format,
                               date_only_format=e.date_only_format or self.date_only_format,
                               menu=e.menu, prefix=e.prefix, section_names=e.sections, first_language=self.language,
                               newsletter=e.newsletter, app_promo=e.app_promo)
        return self

    def home_alternates(self) -> tuple[tuple[str, str], ...]:
        """The editions' home pages, (hreflang, URL path) each, the first edition's as x-default too
        (none for a site of one language)."""
        if not self.editions:
            return ()
        return ((self.first_language or self.language, ""), *((e.language, e.prefix) for e in self.editions),
                ("x-default", ""))


# key -> (type, docstring). The single source of truth for what site.toml may hold.
TOP_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "The site's name, shown in the header and feeds. Required."),
    "base_url": (str, "Absolute URL the site is served from, e.g. https://news.example/. Required."),
    "language": (str, "BCP 47 language tag of the content (default en)."),
    "timezone": (str, "IANA time zone name that dates are shown in (default UTC)."),
    "description": (str, "One-sentence description, used in feeds and the home page."),
    "theme": (str, "Theme name: the site's themes/NAME, else the bundled theme (default default)."),
    "date_format": (str, "strftime format for displayed times (default %B %d, %Y %H:%M %Z)."),
    "date_only_format": (str, "strftime format for stories published with a bare date (default %B %d, %Y)."),
    "per_page": (int, "Stories per listing page (default 20)."),
    "feed_size": (int, "Entries per feed (default 50)."),
    "publisher": (dict, "[publisher] table: name, url, logo."),
    "social": (dict, "[social] table: image (the social card of a page with no photo of its own; default: one made from the title), alt."),
    "newsletter": (dict, "[newsletter] table (heading, text, url, label): shows the newsletter call-out."),
    "app_promo": (dict, "[app_promo] table (heading, text, url, label): shows the app banner."),
    "menu": (list, "[[menu]] entries (name, url): the site navigation; default: one link per section."),
    "permalinks": (dict, "[permalinks] table: article = \"/{section}/{year}/{month}/{day}/{slug}/\"."),
    "markdown": (dict, "[markdown] table: unsafe_html, embed_hosts, max_file_size, max_work."),
    "languages": (dict, "[languages.X] tables, one per edition in another language (X: its BCP 47 tag, e.g. hi): "
                        "prefix, title, description, timezone, date_format, date_only_format, [[languages.X.menu]], "
                        "[languages.X.sections]."),
}
EDITION_KEYS = {
    "prefix": "the edition's URLs start with /PREFIX/ (default: the language tag, e.g. /hi/)",
    "slugs": "\"native\": its stories' URLs in their own script (/hi/world/मानसून-समय-से-पहले/); default \"ascii\" (transliterated)",
    "title": "the edition's title (default: the site's)",
    "description": "the edition's description (default: the site's)",
    "timezone": "IANA time zone its dates are shown in (default: the site's)",
    "date_format": "strftime format of its displayed times (default: the site's)",
    "date_only_format": "strftime format of its bare dates (default: the site's)",
    "menu": "[[languages.X.menu]] entries (name, url): its navigation (default: one link per section)",
    "sections": "[languages.X.sections] table: a section's name in this edition, e.g. world = \"विश्व\"",
    "newsletter": "[languages.X.newsletter] table (heading, text, url, label): its newsletter call-out (default: none)",
    "app_promo": "[languages.X.app_promo] table (heading, text, url, label): its app banner (default: none)",
}
PUBLISHER_KEYS = {"name": "Publisher's name", "url": "Publisher's home page", "logo": "Logo path or URL"}
SOCIAL_KEYS = {"image": "A site photo (/images/card.jpg) or URL: the social card of pages with no photo of their own",
               "alt": "The card's alt text (default: the site's title)"}
MENU_KEYS = {"name": "Link text", "url": "Link target: a site path like /world/ or a full URL"}
PERMALINK_KEYS = {"article": "URL pattern of article pages"}
MARKDOWN_KEYS = {
    "unsafe_html": "true keeps raw HTML in bodies as written (default false: sanitised)",
    "embed_hosts": "host names whose <iframe> embeds are kept, e.g. [\"player.vimeo.com\"]",
    "max_file_size": "largest Markdown source, in MB (default 5)",
    "max_work": f"most work a body may give Markdown, in units of about 10 ns (default {DEFAULT_MAX_WORK:,}: about 1 s)",
}
PROMO_KEYS = {"heading": "Block heading", "text": "Block text", "url": "Link target", "label": "Link text"}
# The keys of each table that hold a URL, and whether a path relative to the site root
# ("images/logo.svg") may be given: only where the page resolves it against the root
# (Urls.resource); the others reach <a href> as written, so they need '/' or http(s).
PUBLISHER_URLS = {"url": False, "logo": True}
SOCIAL_URLS = {"image": True}
MENU_URLS = {"url": True}
PROMO_URLS = {"url": False}


def _unknown(path: str, key: str, known, where: str = "") -> Problem:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(known))})"
    return Problem(path, None, where + key_name(key), f"unknown key{hint}")


def _table(path: str, name: str, raw: Any, keys: dict[str, str], problems: list[Problem],
           urls: dict[str, bool] | None = None) -> dict[str, str]:
    """A table of strings: unknown keys, other types, control characters and refused URLs
    (the keys in urls: key -> relative paths allowed) are problems; the rest is returned."""
    out: dict[str, str] = {}
    if not isinstance(raw, dict):
        problems.append(Problem(path, None, name, f"must be a table, not {type(raw).__name__}"))
        return out
    for key, value in raw.items():
        where = f"{name}.{key}"
        if key not in keys:
            problems.append(_unknown(path, key, keys, name + "."))
        elif not isinstance(value, str):
            problems.append(Problem(path, None, where, f"must be a string, not {type(value).__name__}"))
        elif CONTROL_CHARS.search(value):
            problems.append(_control_char(path, where, value))
        elif urls and key in urls and value and (reason := check_url(value, relative=urls[key])):
            problems.append(Problem(path, None, where, f"{show(value)} {reason}"))
        else:
            out[key] = value
    return out


def _control_char(path: str, where: str, value: str) -> Problem:
    found = CONTROL_CHARS.search(value).group()
    return Problem(path, None, where, f"contains a control character (U+{ord(found):04X}); remove it")


def parse_config(data: dict[str, Any], path: str = CONFIG_NAME, base_url: str | None = None) -> SiteConfig:
    """Validate the parsed TOML and return a SiteConfig, or raise BuildError with every problem."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in TOP_KEYS:
            problems.append(_unknown(path, key, TOP_KEYS))
            continue
        typ = TOP_KEYS[key][0]
        if typ is int and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(Problem(path, None, key, f"must be a whole number, not {value!r}"))
        elif typ is not int and not isinstance(value, typ):
            kind = {dict: "a table", list: "a list of tables ([[menu]])"}.get(typ, "a string")
            problems.append(Problem(path, None, key, f"must be {kind}, not {type(value).__name__}"))
        elif typ is str and CONTROL_CHARS.search(value):
            problems.append(_control_char(path, key, value))
        else:
            values[key] = value
    if base_url:
        values["base_url"] = base_url
    for key in ("title", "base_url"):
        if not str(values.get(key, "")).strip() and not any(p.field == key for p in problems):
            problems.append(Problem(path, None, key, "is required"))
    if values.get("base_url"):
        reason = check_base_url(values["base_url"])
        if reason:
            problems.append(Problem("--base-url" if base_url else path, None, "base_url", f"{show(values['base_url'])} {reason}"))
        elif not values["base_url"].endswith("/"):
            values["base_url"] += "/"
    if "language" in values:
        from .languages import unknown
        wrong = unknown(values["language"])
        if wrong:
            problems.append(Problem(path, None, "language", wrong))
    if "theme" in values and (values["theme"].strip(".") == "" or any(c in values["theme"] for c in "/\\")):
        # a name, not a path: "/elsewhere" or "../x" would load templates from outside the site
        problems.append(Problem(path, None, "theme", f"must be a theme's folder name, like default, not {values['theme']!r}"))
    for key in ("date_format", "date_only_format"):
        wrong = key in values and _date_format(values[key], values.get("language", "en"))
        if wrong:
            problems.append(Problem(path, None, key, wrong))
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(path, None, "timezone", f"unknown time zone {values['timezone']!r} (use an IANA name such as Asia/Kolkata)"))
    for key in ("per_page", "feed_size"):
        if key in values and values[key] < 1:
            problems.append(Problem(path, None, key, "must be at least 1"))
    if "publisher" in values:
        values["publisher"] = Publisher(**_table(path, "publisher", values["publisher"], PUBLISHER_KEYS, problems, PUBLISHER_URLS))
    if "social" in values:
        values["social"] = Social(**_table(path, "social", values["social"], SOCIAL_KEYS, problems, SOCIAL_URLS))
    for key in ("newsletter", "app_promo"):
        if key in values:
            values[key] = PromoConfig(**_table(path, key, values[key], PROMO_KEYS, problems, PROMO_URLS))
    if "menu" in values:
        values["menu"] = tuple(MenuItem(**_menu_item(path, i, item, problems)) for i, item in enumerate(values["menu"]))
    if "permalinks" in values:
        pattern = _table(path, "permalinks", values.pop("permalinks"), PERMALINK_KEYS, problems).get("article")
        if pattern is not None:
            checked = check_permalink(pattern)
            if checked.startswith("error:"):
                problems.append(Problem(path, None, "permalinks.article", checked.removeprefix("error:").strip()))
            else:
                values["permalink"] = checked
    if "markdown" in values:
        values["markdown"] = _markdown(path, values["markdown"], problems)
    if "languages" in values:
        values["editions"] = _editions(path, values.pop("languages"), values.get("language", "en"), problems)
    if problems:
        raise BuildError(problems)
    return SiteConfig(**values)


PREFIX = re.compile(r"[a-z0-9][a-z0-9-]*")


def _date_format(fmt: str, language: str) -> str | None:
    """What stops a date format being shown in `language` (None: nothing): in English, anything
    strftime takes; in any other, the directives localdates.py shows through CLDR."""
    from .localdates import english, unsupported
    return None if english(language) else unsupported(fmt)


def _editions(path: str, raw: dict[str, Any], language: str, problems: list[Problem]) -> tuple[Edition, ...]:
    """The [languages.X] tables: each key checked, every problem collected; no two editions with
    one language or one URL prefix."""
    from .languages import unknown
    editions: list[Edition] = []
    for tag, table in raw.items():
        where = f"languages.{key_name(tag)}"
        wrong = unknown(tag)
        if wrong:
            problems.append(Problem(path, None, where, wrong))
            continue
        if tag.lower() == language.lower():
            problems.append(Problem(path, None, where, f"{tag!r} is the site's own language (language = {language!r}): "
                                                       "its title, menu and dates are the top level's"))
            continue
        if not isinstance(table, dict):
            problems.append(Problem(path, None, where, f"must be a table, not {type(table).__name__}"))
            continue
        values: dict[str, Any] = {"language": tag, "prefix": tag.lower() + "/"}
        tables = ("menu", "sections", "newsletter", "app_promo")
        strings = {k: v for k, v in table.items() if k not in tables}
        values.update(_table(path, where, strings, {k: v for k, v in EDITION_KEYS.items() if k not in tables}, problems))
        for key in ("newsletter", "app_promo"):
            if key in table:
                values[key] = PromoConfig(**_table(path, f"{where}.{key}", table[key], PROMO_KEYS, problems, PROMO_URLS))
        if values.get("slugs", "ascii") not in ("ascii", "native"):
            problems.append(Problem(path, None, f"{where}.slugs", f"must be \"ascii\" or \"native\", not {values['slugs']!r}"))
        if "prefix" in strings and "prefix" in values:
            prefix = values["prefix"].strip("/")
            if not PREFIX.fullmatch(prefix):
                problems.append(Problem(path, None, f"{where}.prefix", f"{show(values['prefix'])} must be one path segment "
                                                                        "of lower-case letters, digits and hyphens, like hi"))
            values["prefix"] = prefix + "/"
        for key in ("date_format", "date_only_format"):
            wrong = key in values and _date_format(values[key], tag)
            if wrong:
                problems.append(Problem(path, None, f"{where}.{key}", wrong))
        if "timezone" in values:
            try:
                ZoneInfo(values["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                problems.append(Problem(path, None, f"{where}.timezone", f"unknown time zone {values['timezone']!r} "
                                                                          "(use an IANA name such as Asia/Kolkata)"))
        if "menu" in table:
            if isinstance(table["menu"], list):
                values["menu"] = tuple(MenuItem(**_menu_item(path, i, item, problems, f"{where}.menu"))
                                       for i, item in enumerate(table["menu"]))
            else:
                problems.append(Problem(path, None, f"{where}.menu", f"must be a list of tables ([[{where}.menu]]), "
                                                                     f"not {type(table['menu']).__name__}"))
        if "sections" in table:
            names = table["sections"]
            if isinstance(names, dict):
                got = _table(path, f"{where}.sections", names, {k: "" for k in names}, problems)
                values["sections"] = tuple(sorted(got.items()))
            else:
                problems.append(Problem(path, None, f"{where}.sections", f"must be a table, not {type(names).__name__}"))
        editions.append(Edition(**values))
    for e in editions:
        same = [o for o in editions if o.prefix == e.prefix]
        if same[0] is not e:
            problems.append(Problem(path, None, f"languages.{key_name(e.language)}.prefix",
                                    f"/{e.prefix} is the prefix of languages.{same[0].language} too: each edition needs its own"))
        same = [o for o in editions if o.language.lower() == e.language.lower()]
        if same[0] is not e:
            problems.append(Problem(path, None, f"languages.{key_name(e.language)}",
                                    f"is languages.{same[0].language} again: one table per language"))
    return tuple(editions)


def _markdown(path: str, raw: dict[str, Any], problems: list[Problem]) -> MarkdownSettings:
    """The [markdown] table: every key checked, every problem collected."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"markdown.{key}"
        if key not in MARKDOWN_KEYS:
            problems.append(_unknown(path, key, MARKDOWN_KEYS, "markdown."))
        elif key == "unsafe_html":
            if isinstance(value, bool):
                values[key] = value
            else:
                problems.append(Problem(path, None, where, f"must be true or false, not {value!r}"))
        elif key == "embed_hosts":
            hosts = _embed_hosts(value)
            if isinstance(hosts, str):
                problems.append(Problem(path, None, where, hosts))
            else:
                values[key] = hosts
        elif key == "max_work":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(Problem(path, None, where, f"must be a whole number above 0, not {value!r}"))
            else:
                values[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10_000:
                problems.append(Problem(path, None, where, f"must be a number of MB between 0 and 10000, not {value!r}"))
            else:
                values[key] = int(value * MB)
    return MarkdownSettings(**values)


def _embed_hosts(value: Any) -> tuple[str, ...] | str:
    """Lower-cased host names, or the message saying what is wrong."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"must be a list of host names like [\"player.vimeo.com\"], not {value!r}"
    hosts = []
    for host in value:
        name = host.strip().lower()
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", name) or ".." in name:
            return f"{host!r} is not a host name: give the host alone, like player.vimeo.com (no https://, no path)"
        hosts.append(name)
    return tuple(dict.fromkeys(hosts))


def _menu_item(path: str, index: int, item: Any, problems: list[Problem], menu: str = "menu") -> dict[str, str]:
    """One [[menu]] entry: both keys present and valid, else problems (and "" in their place,
    so that the SiteConfig can still be made and every problem reported at once)."""
    where = f"{menu}[{index + 1}]"
    got = _table(path, where, item, MENU_KEYS, problems, MENU_URLS)
    for key in MENU_KEYS:
        if not got.get(key, "").strip() and not any(p.field in (where, f"{where}.{key}") for p in problems):
            problems.append(Problem(path, None, f"{where}.{key}", "is required"))
        got.setdefault(key, "")
    return got


def check_permalink(pattern: str) -> str:
    """Normalise an article URL pattern to '/…/', or return 'error:' and what is wrong."""
    import string
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"error: {pattern!r} is not a valid pattern ({exc})"
    shaped = [f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
              for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None and (spec or conv)]
    if shaped:
        return f"error: placeholders take no format or conversion ({shaped[0]}): write them as {{slug}}, {{year}}…"
    longest = pattern.format(section="s" * 120, slug="s" * 120, year="2024", month="01", day="01") if not \
        [f for f in fields if f not in PERMALINK_FIELDS] else ""
    long = too_long(longest.strip("/") + "/index.html")
    if long:
        return f"error: {pattern[:60]!r}… gives output paths too long for a file system: {long}"
    unknown = [f for f in fields if f not in PERMALINK_FIELDS]
    if unknown:
        return f"error: unknown placeholder {{{unknown[0]}}} (use {', '.join('{' + f + '}' for f in PERMALINK_FIELDS)})"
    if "slug" not in fields:
        return f"error: {pattern!r} must contain {{slug}} so that every article gets its own URL"
    if ".." in pattern or "\\" in pattern or "?" in pattern or "#" in pattern:
        return f"error: {pattern!r} must be a plain path"
    return "/" + pattern.strip("/") + "/"


def load_config(site: Path, base_url: str | None = None) -> SiteConfig:
    """Read SITE/site.toml."""
    path = site / CONFIG_NAME
    if not path.is_file():
        raise BuildError([Problem(CONFIG_NAME, None, "", f"no {CONFIG_NAME} found: {site} is not a Broadsheet site (run 'broadsheet init' to make one)")])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        message = re.sub(r" \(at line \d+, column \d+\)$", "", str(exc))   # (the line is the problem's)
        if message.startswith(("Cannot overwrite a value", "Cannot declare")):
            message += ": a key or table given twice? Each may appear once"
        raise BuildError([Problem(CONFIG_NAME, line, "", f"not valid TOML: {message}")]) from None
    except UnicodeDecodeError:
        raise BuildError([Problem(CONFIG_NAME, None, "", "not UTF-8 text")]) from None
    return parse_config(data, CONFIG_NAME, base_url)
