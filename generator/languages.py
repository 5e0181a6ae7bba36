"""Language tags (issue 17), through Babel's CLDR data: whether a BCP 47 tag names a language
Broadsheet can publish in, which way its script runs, and its Open Graph locale. Pure, cached per tag.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def unknown(tag: str) -> str | None:
    """What is wrong with a language tag (None: CLDR knows it), in words for a problem."""
    from babel.core import Locale, UnknownLocaleError
    if not tag or not all(part.isascii() and part.isalnum() for part in tag.split("-")):
        return f"{tag!r} is not a language tag: give a BCP 47 tag such as en, hi, ar or en-GB"
    try:
        Locale.parse(tag, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return f"{tag!r} is not a language Broadsheet knows (CLDR has no data for it): use a BCP 47 tag such as en, hi, ar or en-GB"
    return None


@lru_cache(maxsize=256)
def direction(tag: str) -> str:
    """'rtl' for a language written right to left (Arabic, Urdu, Hebrew, Persian ...), else 'ltr'."""
    from babel.core import Locale, UnknownLocaleError
    try:
        return "rtl" if Locale.parse(tag, sep="-").character_order == "right-to-left" else "ltr"
    except (ValueError, TypeError, UnknownLocaleError):
        return "ltr"


@lru_cache(maxsize=256)
def og_locale(language: str) -> str:
    """Open Graph's language_TERRITORY form of a BCP 47 tag: 'en-GB' -> 'en_GB'; a tag without a
    territory takes its likely one from CLDR, through Babel: 'en' -> 'en_US', 'hi' -> 'hi_IN',
    'zh-Hant' -> 'zh_TW'. A tag Babel does not know keeps its own parts."""
    from babel.core import Locale, UnknownLocaleError, get_global
    try:
        locale = Locale.parse(language, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return language.replace("-", "_")
    territory = locale.territory
    if not territory:
        likely = get_global("likely_subtags")
        full = (locale.script and likely.get(f"{locale.language}_{locale.script}")) or likely.get(locale.language)
        territory = Locale.parse(full).territory if full else None
    return f"{locale.language}_{territory}" if territory else locale.language


def rtl(tag: str) -> str:
    """"rtl" for a language written right to left, else "": a dir attribute that is only given when needed."""
    return "rtl" if direction(tag) == "rtl" else ""


def edition_of(tag: str, languages: tuple[str, ...]) -> str:
    """Which of the site's editions (their language tags, besides the site's own) a story in
    `tag` belongs to: the one with that tag, else the one with its language ('hi-IN' -> 'hi'),
    else "" (the site's first edition, the root: an Arabic story in the English edition)."""
    if not tag or not languages:
        return ""
    lower = tag.lower()
    for language in languages:
        if language.lower() == lower:
            return language
    primary = lower.split("-")[0]
    for language in languages:
        if language.lower().split("-")[0] == primary:
            return language
    return ""


@lru_cache(maxsize=256)
def native_name(tag: str) -> str:
    """A language's name in itself, as a link to a translation shows it: 'hi' -> 'हिन्दी',
    'ar' -> 'العربية', 'en' -> 'English' (CLDR, through Babel); the tag itself if unknown."""
    from babel.core import Locale, UnknownLocaleError
    try:
        locale = Locale.parse(tag, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return tag
    name = locale.language_name or locale.display_name or tag
    return name[:1].upper() + name[1:] if name[:1].islower() else name
