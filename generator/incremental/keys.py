"""Keys of a build's inputs: equal keys, equal output (see cache.fingerprint())."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import AbstractSet, Any, Iterable

from ..cache import code_key, files_fingerprint, fingerprint, zone_key
from ..config import SiteConfig
from ..content import Source
from ..theme import template_folders


def made_with(config: SiteConfig) -> tuple[str, str, str]:
    """What shapes every output besides the site's files: the settings, Broadsheet's code and the
    libraries it runs on (code_key()), and the rules of the site's time zone."""
    return repr(config), code_key(), zone_key(config.timezone)


def parse_key(config: SiteConfig) -> str:
    """Everything besides a file's bytes that shapes its parsed article: the settings and
    Broadsheet's own code, so a cache from another version is never trusted."""
    return fingerprint(*made_with(config))


def templates_key(site_dir: Path, theme: Path) -> str:
    """Every template a page may be rendered from: the site's, the theme's, the default theme's;
    and the message catalogues of the words they print (locales_key())."""
    return fingerprint(files_fingerprint(*template_folders(site_dir, theme)), locales_key(site_dir, theme))


def locales_key(site_dir: Path, theme: Path) -> str:
    """Every message catalogue a page's words may come from, folder by folder (the first found wins)."""
    from ..i18n import locale_folders
    return fingerprint(*map(files_fingerprint, locale_folders(site_dir, theme)))


def settings_key(config: SiteConfig, templates: str, flags: tuple[bool, ...], authors: dict,
                 static: list[tuple[str, str]]) -> str:
    """Everything a build is made from besides its stories: settings, templates, data, static files
    (by their bytes: BuildCache.digests()), and the build's flags (drafts, future, preview)."""
    return fingerprint(*made_with(config), templates, repr(sorted(authors.items())), static, *flags)


def sources_key(settings: str, sources: list[Source]) -> str:
    """Everything a build is made from, as known before parsing: with the same settings_key() and
    sources (bytes, by their stamps), only the clock can change the output."""
    # (each path and digest hashed as they come: a repr() of 100,000 pairs, as fingerprint() makes, takes ~40 ms)
    h = hashlib.sha256(fingerprint(settings).encode())
    for source in sources:
        h.update(f"{source.path}\0{source.digest}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def published_key(published: Iterable[str]) -> str:
    """Which stories are published: their source paths, newest first."""
    return fingerprint(list(published))


def inputs_key(sources: str, published: str, marks: AbstractSet[str]) -> str:
    """Everything a build's output is made from, except the clock's effect on the news sitemap: its
    sources_key(), which stories are published (published_key(): kept in LastBuild, so a build
    that publishes the same stories need not go over them again) and, in a preview, which of them
    are marked scheduled (drafts are marked by their own bytes)."""
    return fingerprint(sources, published, sorted(marks))


def site_key(config: SiteConfig, authors: dict, tax: Any, newest: datetime | None,
             sizes: dict[str, tuple[int, int]], preview: bool = False, photos: list | None = None,
             editions: dict[str, Any] | None = None, locales: str = "") -> str:
    """Everything site-wide that a page may show: when it changes, every page is rendered again.
    (Templates are not in it: each page's key has the files of its own template; see deps.py.)
    `editions`: each edition's taxonomy, whose names its pages show; `locales`: locales_key(), the
    catalogues of every page's words."""
    named = [(code, list(t.sections.items()), list(t.authors.items())) for code, t in (editions or {}).items()]
    return fingerprint(*made_with(config), repr(sorted(authors.items())), list(tax.sections.items()),
                       list(tax.authors.items()), newest.astimezone(config.zone).year if newest else None,
                       sorted(sizes.items()), preview, photos or [], *([named] if named else []), locales)
