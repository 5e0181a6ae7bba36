"""The dev server's edited pages, rendered before the build looks at anything else.

A build whose cache is kept in memory (the dev server's) leaves there what it made its pages
from: the Site, the Jinja environment, the related stories it chose and the settings (Warm).
The next build asked to render some stories' pages first renders them from that Site, with only
those stories read and parsed again, before the load phase stats every source: ~25 ms after the
save at 10,000 stories instead of ~300. Only if each story is where it was and filed under the
same things (plan.shape(), so its related stories, section and byline links are as chosen), and
the settings, templates and author data are as they were; otherwise the build's own first
pages are the first shown.

What such a page cannot know (another file changed in the same moment, a static image's size)
the build that follows puts right: it renders the same pages again, as it always does, and hands
them to shown() once more, so the page it ends with is the one served.
"""
from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, AbstractSet, Any, Callable, Mapping

from ..config import SiteConfig
from ..content import read_source
from ..data import load_authors
from ..model import Article
from ..problems import BuildError
from ..urls import Urls
from . import layered
from .keys import templates_key

if TYPE_CHECKING:
    from ..build import BuildOptions
    from ..plan import Site


@dataclass(frozen=True)
class Warm:
    """What a dev server's build made its pages from, for the next build's first pages."""
    site: Site
    env: Any                                # the jinja2.Environment
    related: dict[str, tuple[str, ...]]     # each story's related stories (plan.related_of())
    flags: tuple[bool, bool, bool]          # the build's drafts, future, preview
    theme: Path
    templates: str                          # keys.templates_key()
    authors: dict


def flags_of(options: BuildOptions) -> tuple[bool, bool, bool]:
    return options.drafts, options.future, options.preview


def keep(site: Site, env: Any, related: dict[str, tuple[str, ...]] | None, options: BuildOptions, theme: Path,
         templates: str, authors: dict) -> Warm | None:
    """What the next build's first pages are rendered from (None: the related stories are not known)."""
    from .. import frontmatter  # noqa: F401 - (~0.1 s of imports: paid now, not after the next save)
    from ..render import MacroCache
    if related is None:
        return None
    env.globals["cached"] = MacroCache()    # (what the build's pages made there is not kept alive)
    return Warm(site, env, related, flags_of(options), theme, templates, authors)


def show_first(warm: Warm | None, site_dir: Path, config: SiteConfig, theme: Path, options: BuildOptions,
               now: datetime, first: AbstractSet[str], shown: Callable[[str, bytes], None]) -> set[str]:
    """Render the pages of the stories at the source paths `first` from the last build's Site
    with these stories as they are now, each handed to shown(); their output paths. None is
    rendered unless everything else their pages show is as it was (see the module's docstring)."""
    if warm is None or not _same_settings(warm, site_dir, config, theme, options):
        return set()
    site = warm.site
    edited = {path: story for path in sorted(first) if (story := _edited(site, site_dir, config, path)) is not None}
    if not edited:
        return set()
    from ..phases import render_first
    from ..plan import article_pages
    site = _with(site, {path: article for path, (article, _, _) in edited.items()}, now,
                 ChainMap({path: body for path, (_, body, _) in edited.items()}, site.bodies),
                 {**site.digests, **{path: digest for path, (_, _, digest) in edited.items()}})
    return render_first(warm.env, site, article_pages(site, edited.keys(), warm.related), set(edited), None, shown)


def updated(warm: Warm | None, site: Site, changed: AbstractSet[str]) -> Warm | None:
    """What the next build's first pages are rendered from after a build that made only the pages
    showing the stories at `changed` (build._Build.from_graph(): its Site holds only the stories
    those pages show): the last Site with these stories as they are now."""
    if warm is None or not all(path in warm.site.by_path and path in site.by_path for path in changed):
        return None
    bodies = layered({path: site.bodies[path] for path in changed}, warm.site.bodies)
    return replace(warm, site=_with(warm.site, {path: site.by_path[path] for path in changed}, site.now, bodies,
                                    {**warm.site.digests, **{path: site.digests[path] for path in changed}}))


def _with(site: Site, articles: dict[str, Article], now: datetime, bodies: Mapping[str, str],
          digests: dict[str, str]) -> Site:
    """The Site with these articles in place of those at their paths (in site.articles only: the
    taxonomy's lists are not what an article's page reads), at `now`."""
    from ..plan import newest_change
    published = list(site.articles)
    ids = list(map(id, published))
    newest = site.newest
    for path, article in articles.items():
        old = site.by_path[path]
        published[ids.index(id(old))] = article
        if newest is not None and (old.modified >= newest or article.modified > newest):
            newest = None       # (worked out again below: the newest story may be another now)
    newest = newest or newest_change(published)
    return replace(site, articles=published, now=now, newest=newest, bodies=bodies, digests=digests)


def _same_settings(warm: Warm, site_dir: Path, config: SiteConfig, theme: Path, options: BuildOptions) -> bool:
    """The same settings, flags, theme, templates (by their bytes) and author data as the last build's."""
    if warm.site.config != config or warm.flags != flags_of(options) or warm.theme != theme:
        return False
    try:
        return templates_key(site_dir, theme) == warm.templates and load_authors(site_dir) == warm.authors
    except (BuildError, OSError):       # the build says what is wrong
        return False


def _edited(site: Site, site_dir: Path, config: SiteConfig, path: str) -> tuple[Article, str, str] | None:
    """The story at `path` as it is now (its article, body and digest), if the last build published
    it and it parses without a problem into the same shape()."""
    from ..frontmatter import parse_article
    from ..plan import shape
    old = site.by_path.get(path)
    if old is None:
        return None
    source = read_source(site_dir, path, config.markdown.max_file_size)
    if source is None:
        return None
    article, problems, body = parse_article(path, source.bytes(), config.zone, Urls(config.base_url).base_path,
                                            config.permalink, markdown=config.markdown, editions=config.edition_prefixes)
    if article is None or problems or shape(article) != shape(old):
        return None
    return article, body, source.digest
