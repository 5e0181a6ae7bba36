"""The words the theme prints, in each edition's language (issue 17): gettext catalogues read
with Babel, through Jinja's i18n extension (`{% trans %}`, `_()`), and by the presenter for the
words it makes (breadcrumbs, titles, sign-offs).

Catalogues are Babel's usual layout, `locales/<language>/LC_MESSAGES/messages.po`, looked for in
the site's folder, then its theme's, then the bundled default theme's: a site overrides any
string of its theme by giving that msgid in its own catalogue (a catalogue of a few entries is
fine; the theme's gives the rest). The msgids are English, so English needs none. Catalogues are
read from their .po files (compiled in memory), so there are no .mo files to keep in step.

One Jinja environment renders every page; the page's language is the one in effect while it
renders (speaking()), in a context variable, so that macros imported without context (the ones
`cached()` makes once per build) translate too; MacroCache keys each output by it.
"""
from __future__ import annotations

import gettext as _gettext
from contextlib import contextmanager
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .problems import BuildError, Problem

DOMAIN = "messages"
_NULL = _gettext.NullTranslations()
CURRENT: ContextVar[_gettext.NullTranslations] = ContextVar("broadsheet_translations", default=_NULL)
SHELF: ContextVar[Mapping[str, _gettext.NullTranslations]] = ContextVar("broadsheet_catalogues", default={})


def locale_folders(site: Path, theme: Path) -> list[Path]:
    """Where catalogues are looked for, first first: the site's, its theme's, the default theme's."""
    from .theme import bundled_themes
    return list(dict.fromkeys([site / "locales", theme / "locales", bundled_themes() / "default" / "locales"]))


def source_language(language: str) -> bool:
    """Whether the theme's own words (its msgids) are already in this language: English."""
    return language.split("-")[0].lower() == "en"


def _candidates(language: str) -> list[str]:
    """Catalogue folder names for a BCP 47 tag, most specific first: 'pt-BR' -> pt_BR, pt-BR, pt."""
    parts = language.replace("_", "-").split("-")
    names = ["_".join(parts), "-".join(parts)] if len(parts) > 1 else []
    return list(dict.fromkeys([*names, parts[0]]))


def catalogue_files(language: str, folders: list[Path]) -> list[Path]:
    """The .po files that hold the language's words, in the order they are asked (first wins)."""
    found = []
    for folder in folders:
        for name in _candidates(language):
            path = folder / name / "LC_MESSAGES" / f"{DOMAIN}.po"
            if path.is_file():
                found.append(path)
                break
    return found


def catalogued(folders: list[Path]) -> list[str]:
    """Every language a catalogue is found for in these folders, as a BCP 47 tag (pt_BR -> pt-BR)."""
    found = {path.parent.parent.name.replace("_", "-") for folder in folders if folder.is_dir()
             for path in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found)


def _read(path: Path, shown: str) -> _gettext.GNUTranslations:
    """One .po file as gettext translations; BuildError naming the file and line if it is not one."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po
    try:
        with path.open("rb") as fp:
            catalog = read_po(fp, abort_invalid=True)
    except PoFileError as exc:
        raise BuildError([Problem(shown, getattr(exc, "lineno", None), "", f"not a valid gettext catalogue: {exc}")]) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BuildError([Problem(shown, None, "", f"cannot be read as a gettext catalogue: {exc}")]) from None
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return _gettext.GNUTranslations(mo)


def load(language: str, folders: list[Path], site: Path, field: str = "language") -> _gettext.NullTranslations | None:
    """The language's words: its catalogues chained, the first found first. English needs none
    (None: the theme's own words); any other language with none is an error naming site.toml's
    field that asks for it."""
    files = catalogue_files(language, folders)
    if not files:
        if source_language(language):
            return None
        looked = ", ".join(_shown(f / _candidates(language)[-1] / "LC_MESSAGES" / f"{DOMAIN}.po", site) for f in folders[:2])
        raise BuildError([Problem("site.toml", None, field, f"the theme has no message catalogue for {language!r}, so its "
                                  f"pages would be half in English: add one ({looked}; see docs/languages.md)")])
    first, *rest = (_read(path, _shown(path, site)) for path in files)
    for more in rest:
        first.add_fallback(more)
    return first


def _shown(path: Path, site: Path) -> str:
    try:
        return path.relative_to(site).as_posix()
    except ValueError:
        return str(path)


@contextmanager
def speaking(translations: _gettext.NullTranslations | None,
             shelf: Mapping[str, _gettext.NullTranslations] | None = None) -> Iterator[None]:
    """Pages rendered in this block are in these translations' language; `shelf`: the site's
    catalogues (language -> translations), for the parts of a page in another language (speak())."""
    token = CURRENT.set(translations or _NULL)
    kept = SHELF.set(shelf) if shelf is not None else None
    try:
        yield
    finally:
        CURRENT.reset(token)
        if kept is not None:
            SHELF.reset(kept)


def voice(language: str, shelf: Mapping[str, _gettext.NullTranslations]) -> _gettext.NullTranslations | None:
    """The words of a story in `language` among the site's catalogues: its own where there are
    some (English: the theme's own), else None (the page's)."""
    if not language:
        return None
    found = shelf.get(language) or shelf.get(language.split("-")[0])
    return found if found is not None else (_NULL if source_language(language) else None)


def speak(language: str, caller: Callable[[], str]) -> str:
    """`{% call speak(c.language) %}…{% endcall %}`: that part of the page in the story's
    language, if the site has its words (else in the page's)."""
    words = voice(language, SHELF.get())
    if words is None:
        return caller()
    with speaking(words):
        return caller()


def gettext(message: str) -> str:
    return CURRENT.get().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return CURRENT.get().ngettext(singular, plural, n)


def current() -> _gettext.NullTranslations:
    return CURRENT.get()


# ---- the theme's catalogues, kept in step with what it prints (scripts/messages) ----

def extract(templates: Path, code: list[Path]) -> Any:
    """Every message the templates and the presenter's code ask for, as a Babel Catalog (the .pot)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file
    catalog = Catalog(project="Broadsheet", msgid_bugs_address="", charset="utf-8")
    options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    found = [(path, "jinja2", options) for path in sorted(templates.rglob("*.html"))]
    found += [(path, "python", {}) for path in code]
    for path, method, opts in found:
        for line, message, comments, context in extract_from_file(method, str(path), options=opts):
            catalog.add(message, None, [(path.as_posix(), line)], auto_comments=comments, context=context)
    return catalog
