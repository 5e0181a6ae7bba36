"""Dates as readers of each language read them (issue 17): a site's strftime formats
(`date_format = "%d %B %Y, %H:%M %Z"`), shown through Babel's CLDR data in the edition's locale:
"03 फ़रवरी 2024, 09:54 IST", "03 فبراير 2024". English keeps Python's own strftime, which gives
the same words (and costs a tenth). `<time datetime>`, feeds and sitemaps keep ISO 8601. Pure.
"""
from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Callable

# strftime directive -> the CLDR pattern Babel formats it with (None: as strftime gives it, the
# same in every language: a number, or the zone's abbreviation as the time zone database has it)
DIRECTIVES: dict[str, str | None] = {
    "a": "EEE", "A": "EEEE", "b": "MMM", "h": "MMM", "B": "MMMM", "p": "a",
    "d": None, "e": None, "m": None, "y": None, "Y": None, "H": None, "I": None, "M": None, "S": None,
    "Z": None, "z": None, "j": None, "%": None,
}
_DIRECTIVE = re.compile(r"%(-?)(.)")


def unsupported(fmt: str) -> str | None:
    """What in a strftime format cannot be shown in every language (None: nothing)."""
    for match in _DIRECTIVE.finditer(fmt):
        if match.group(2) not in DIRECTIVES:
            return (f"%{match.group(2)} is not a directive Broadsheet can show in every language: use "
                    + " ".join(f"%{d}" for d in DIRECTIVES if d != "%"))
    return None


def english(language: str) -> bool:
    return language.split("-")[0].lower() == "en"


@lru_cache(maxsize=64)
def formatter(fmt: str, language: str) -> Callable[[datetime], str]:
    """A function showing a time (aware, in the zone to show it in) in `fmt`, in `language`."""
    if english(language) or not _DIRECTIVE.search(fmt):
        return lambda moment: moment.strftime(fmt)
    from babel.core import Locale, UnknownLocaleError
    from babel.dates import format_datetime
    try:
        locale = Locale.parse(language, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return lambda moment: moment.strftime(fmt)
    parts: list[str | tuple[str, str]] = []     # text, or (directive, flag)
    last = 0
    for match in _DIRECTIVE.finditer(fmt):
        parts.append(fmt[last:match.start()])
        parts.append((match.group(2), match.group(1)))
        last = match.end()
    parts.append(fmt[last:])

    def show(moment: datetime) -> str:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            directive, flag = part
            pattern = DIRECTIVES.get(directive)
            if pattern is None:
                text = moment.strftime(f"%{directive}")
                out.append(text.lstrip("0") or "0" if flag == "-" and text.isdigit() else text)
            else:
                out.append(format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=locale))
        return "".join(out)

    return show
