"""SiteConfig: the typed, frozen reading of ``site.toml``; every problem reported at once."""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from urllib.parse import urlsplit

from .problems import BuildError, Problem

CONFIG_NAME = "site.toml"


@dataclass(frozen=True)
class Publisher:
    name: str = ""
    url: str = ""
    logo: str = ""


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
    newsletter: PromoConfig | None = None
    app_promo: PromoConfig | None = None
    menu: tuple[MenuItem, ...] = ()
    permalink: str = DEFAULT_PERMALINK     # the article URL pattern

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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
    "newsletter": (dict, "[newsletter] table (heading, text, url, label): shows the newsletter call-out."),
    "app_promo": (dict, "[app_promo] table (heading, text, url, label): shows the app banner."),
    "menu": (list, "[[menu]] entries (name, url): the site navigation; default: one link per section."),
    "permalinks": (dict, "[permalinks] table: article = \"/{section}/{year}/{month}/{day}/{slug}/\"."),
}
PUBLISHER_KEYS = {"name": "Publisher's name", "url": "Publisher's home page", "logo": "Logo path or URL"}
MENU_KEYS = {"name": "Link text", "url": "Link target: a site path like /world/ or a full URL"}
PERMALINK_KEYS = {"article": "URL pattern of article pages"}
PROMO_KEYS = {"heading": "Block heading", "text": "Block text", "url": "Link target", "label": "Link text"}


def _unknown(path: str, key: str, known, where: str = "") -> Problem:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(sorted(known))})"
    return Problem(path, None, where + key, f"unknown key{hint}")


def _table(path: str, name: str, raw: Any, keys: dict[str, str], problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(raw, dict):
        problems.append(Problem(path, None, name, "must be a table"))
        return out
    for key, value in raw.items():
        if key not in keys:
            problems.append(_unknown(path, key, keys, name + "."))
        elif not isinstance(value, str):
            problems.append(Problem(path, None, f"{name}.{key}", f"must be a string, not {type(value).__name__}"))
        else:
            out[key] = value
    return out


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
        else:
            values[key] = value
    if base_url:
        values["base_url"] = base_url
    for key in ("title", "base_url"):
        if not str(values.get(key, "")).strip() and not any(p.field == key for p in problems):
            problems.append(Problem(path, None, key, "is required"))
    if "base_url" in values:
        parts = urlsplit(values["base_url"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(Problem(path, None, "base_url", f"must be an absolute http(s) URL, not {values['base_url']!r}"))
        elif not values["base_url"].endswith("/"):
            values["base_url"] += "/"
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(Problem(path, None, "timezone", f"unknown time zone {values['timezone']!r} (use an IANA name such as Asia/Kolkata)"))
    for key in ("per_page", "feed_size"):
        if key in values and values[key] < 1:
            problems.append(Problem(path, None, key, "must be at least 1"))
    if "publisher" in values:
        values["publisher"] = Publisher(**_table(path, "publisher", values["publisher"], PUBLISHER_KEYS, problems))
    for key in ("newsletter", "app_promo"):
        if key in values:
            values[key] = PromoConfig(**_table(path, key, values[key], PROMO_KEYS, problems))
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
    if problems:
        raise BuildError(problems)
    return SiteConfig(**values)


def _menu_item(path: str, index: int, item: Any, problems: list[Problem]) -> dict[str, str]:
    where = f"menu[{index + 1}]"
    got = _table(path, where, item, MENU_KEYS, problems)
    for key in MENU_KEYS:
        if not got.get(key, "").strip():
            problems.append(Problem(path, None, f"{where}.{key}", "is required"))
            got[key] = ""
    return got


def check_permalink(pattern: str) -> str:
    """Normalise an article URL pattern to '/…/', or return 'error:' and what is wrong."""
    import string
    try:
        fields = [name for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"error: {pattern!r} is not a valid pattern ({exc})"
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
        raise BuildError([Problem(CONFIG_NAME, line, "", f"not valid TOML: {exc}")]) from None
    except UnicodeDecodeError:
        raise BuildError([Problem(CONFIG_NAME, None, "", "not UTF-8 text")]) from None
    return parse_config(data, CONFIG_NAME, base_url)
