"""Build the view models templates receive from the content model (pure)."""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from . import structured
from .config import PromoConfig, SiteConfig
from .images import IMG_TAG, MIME, img_attributes
from .localdates import formatter
from .languages import direction, native_name, og_locale, rtl
from .listings import Taxonomy, author_slug, tag_slug
from .model import Article, Author, Image
from .urls import Urls, site_path
from .views import (ArticleView, AuthorView, Card, CorrectionView, Feed, ImageView, Link, Moment,
                    PageMeta, Promo, SiteView, Translation)

if TYPE_CHECKING:
    from .cards import SiteCard
    from .pictures import PhotoJob

RSS, ATOM, JSON_FEED = "application/rss+xml", "application/atom+xml", "application/feed+json"
BODY_SIZES = "(min-width: 36rem) 34rem, calc(100vw - 2rem)"   # (a story's column: .story's max-width, or the screen less .wrap's padding)


def join_names(names: tuple[str, ...], words: Any = None) -> str:
    """'A', 'A and B', 'A, B and C' (in the language of `words`, gettext translations)."""
    if len(names) <= 1:
        return "".join(names)
    gettext = words.gettext if words is not None else str
    return gettext("%(names)s and %(last)s") % {"names": gettext(", ").join(names[:-1]), "last": names[-1]}


def signoff(byline: tuple[str, ...], dateline: str, words: Any = None) -> str:
    """The reporter's sign-off: 'Lalit K Jha in Washington, DC'."""
    who = join_names(byline, words)
    if who and dateline:
        gettext = words.gettext if words is not None else str
        return gettext("%(byline)s in %(dateline)s") % {"byline": who, "dateline": dateline}
    return who or dateline


def kicker(a: Article) -> str:
    """Front matter's `kicker:` ("Analysis"), if it is a line of text."""
    value = a.extra.get("kicker")
    return " ".join(value.split()) if isinstance(value, str) else ""


def preview_status(a: Article, now: datetime | None) -> str:
    """"draft", "scheduled" (published after now) or "": what the dev server's banner says."""
    if a.draft:
        return "draft"
    return "scheduled" if now is not None and a.published > now else ""


class Presenter:
    """Turns articles, sections, tags and authors into the plain data templates get."""

    def __init__(self, config: SiteConfig, tax: Taxonomy, newest: datetime | None,
                 image_sizes: Mapping[str, tuple[int, int]] | None = None, now: datetime | None = None,
                 bodies: Mapping[str, str] | None = None, photos: Mapping[str, PhotoJob] | None = None,
                 card: SiteCard | None = None, words: Any = None, catalogues: Mapping[str, Any] | None = None):
        """`now` is given only for a preview (the dev server): drafts and scheduled stories are marked.
        `bodies`: source path -> the body HTML of its article (read only for a story's own page).
        `words`: the gettext translations of the config's language (None: the theme's English);
        `catalogues`: every language's the site has (a story in another language speaks its own)."""
        self.config = config
        self.words = words
        self.catalogues = catalogues or {}
        self._voices: dict[str, tuple[Any, tuple[Any, Any]] | None] = {}
        self.gettext = _ = words.gettext if words is not None else str
        self.moments = formatter(config.date_format, config.language), formatter(config.date_only_format, config.language)
        self.bodies = {} if bodies is None else bodies
        self.preview_now = now
        self.image_sizes = image_sizes or {}    # {"images/ship.svg": (w, h)}, from images.image_sizes()
        self.photos = photos or {}              # {"images/ship.jpg": PhotoJob}: see pictures.py
        self.social_card = card                 # the social card of pages with no photo of their own
        self._card_og: tuple[tuple[str, str], ...] | None = None
        self.urls = Urls(config.base_url)
        self.prefix = at = config.prefix      # an edition's pages are under its prefix; the site's files are not
        self.tax = tax
        self.zone = config.zone
        year = (newest or datetime(1970, 1, 1)).astimezone(self.zone).year
        if config.menu:
            nav = tuple(Link(m.name, self.urls.resource(m.url)) for m in config.menu)
        else:
            nav = tuple(Link(s.name, self.urls.href(f"{at}{s.slug}/")) for s in tax.sections.values())
        self.publisher = structured.organization(
            config.publisher.name or config.title, self.urls.resource_absolute(config.publisher.url) or config.base_url,
            self.urls.resource_absolute(config.publisher.logo))
        logo = self.photo(config.publisher.logo)       # (a raster logo: a <picture> of its widths)
        self._site = SiteView(
            title=config.title, description=config.description, language=config.language,
            home_url=self.urls.href(at),
            publisher_name=config.publisher.name or config.title,
            publisher_url=self.urls.resource(config.publisher.url) or config.base_url,
            publisher_logo=self.urls.resource(config.publisher.logo),
            nav=nav, newsletter=self._promo(config.newsletter), app_promo=self._promo(config.app_promo),
            feeds=(Feed(_("%(title)s (RSS)") % {"title": config.title}, self.urls.href(f"{at}feed.xml"), RSS),
                   Feed(_("%(title)s (Atom)") % {"title": config.title}, self.urls.href(f"{at}atom.xml"), ATOM),
                   Feed(_("%(title)s (JSON Feed)") % {"title": config.title}, self.urls.href(f"{at}feed.json"), JSON_FEED)),
            stylesheet=self.urls.href("css/style.css"),
            copyright_year=year,
            logo_picture=self.picture(logo, "") if logo is not None else None,
            dir=rtl(config.language), root_url=self.urls.href(""),
            editions=tuple(Translation(native_name(language), self.urls.href(url_path), language, direction(language))
                           for language, url_path in config.home_alternates()[:-1] if url_path != at),
        )
        self._site_for: dict[str, SiteView] = {}
        self._cards: dict[str, Card] = {}
        # made once per build rather than once per page: tag links, and each byline name's
        # author page and schema.org Person (read-only: json.dumps is all that reads them)
        self._tag_links: dict[str, Link | None] = {}
        self._people: dict[str, tuple[str, dict] | None] = {}
        self._section_feeds: dict[str, tuple[Feed, ...]] = {}
        self._author_links: dict[tuple[str, ...], tuple[Link, ...]] = {}
        self._home_link = Link(_("Home"), self.urls.href(at))

    def site(self, section: str = "") -> SiteView:
        """The site view, with the current section marked in the navigation."""
        if section not in self._site_for:
            current = self.urls.href(f"{self.prefix}{section}/") if section else None
            nav = tuple(dataclasses.replace(l, current=l.url == current) for l in self._site.nav)
            self._site_for[section] = dataclasses.replace(self._site, nav=nav)
        return self._site_for[section]

    def moment(self, when: datetime, date_only: bool = False, language: str = "") -> Moment:
        """A time shown in the site's zone and format, in the page's language or (`language`) a story's."""
        local = when.astimezone(self.zone)
        voice = self.voice(language)
        return Moment(iso=local.isoformat(), display=(voice[1] if voice else self.moments)[date_only](local))

    def _home(self, language: str) -> Link:
        """The breadcrumbs' first link, in the story's language where the site has its words."""
        voice = self.voice(language)
        return self._home_link if voice is None else Link(voice[0].gettext("Home"), self._home_link.url)

    def voice(self, language: str) -> tuple[Any, tuple[Any, Any]] | None:
        """A story in another language than the page's, whose words the site has: those words and
        its date formatters (None: the page's)."""
        if not language or language == self.config.language:
            return None
        if language not in self._voices:
            from .i18n import voice
            words = voice(language, self.catalogues)
            self._voices[language] = None if words is None else (words, (
                formatter(self.config.date_format, language), formatter(self.config.date_only_format, language)))
        return self._voices[language]

    def image(self, image: Image | None) -> ImageView | None:
        if image is None:
            return None
        photo = self.photo(image.src)
        if photo is not None:
            return self.picture(photo, image.alt, image.caption, image.credit)
        width, height = self.image_size(image.src) or (None, None)
        return ImageView(self.urls.resource(image.src), image.alt, image.caption, image.credit, width, height)

    def body_images(self, html: str) -> str:
        """A body's images as a page shows them: a site photo as a <picture> of its files, any
        image whose size is known with its width and height (nothing moves as it loads), all
        loaded lazily (the lead image above them is the page's first picture)."""
        if "<img" not in html:
            return html
        return IMG_TAG.sub(self._body_image, html)

    def _body_image(self, match: re.Match) -> str:
        attrs = img_attributes(match.group())
        src = unescape(attrs.get("src", ""))
        base = self.urls.base_path
        path = "/" + src[len(base):] if src.startswith(base) and not src.startswith("//") else src
        photo = self.photo(path)
        if photo is not None:
            view = self.picture(photo, unescape(attrs.get("alt", "")))
            kept = "".join(f' {k}="{escape(unescape(attrs[k]))}"' for k in ("id", "class", "lang", "title") if k in attrs)
            sources = "".join(f'<source type="{t}" srcset="{escape(srcset)}" sizes="{BODY_SIZES}">' for t, srcset in view.sources)
            return (f'<picture>{sources}<img src="{escape(view.src)}" alt="{escape(view.alt)}"{kept} srcset="{escape(view.srcset)}" '
                    f'sizes="{BODY_SIZES}" width="{view.width}" height="{view.height}" loading="lazy" decoding="async"></picture>')
        tag = match.group().rstrip("/> ")
        size = self.image_size(path)
        if size is not None and "width" not in attrs and "height" not in attrs:
            tag += f' width="{size[0]}" height="{size[1]}"'
        if "loading" not in attrs:
            tag += ' loading="lazy"'
        if "decoding" not in attrs:
            tag += ' decoding="async"'
        return tag + ">"

    def lead_images(self, src: str, focus: tuple[float, float] | None = None) -> tuple[tuple[str, int, int], list[str]] | None:
        """For a site photo: its social card, the 1.91:1 crop about `focus` at 1200 px (a raster,
        as Facebook and X need, at the size they show large), as (absolute URL, width, height); and
        its 16x9, 4x3 and 1x1 crops' absolute URLs, as Google's Article guidance asks NewsArticle's
        image to list."""
        photo = self.photo(src)
        if photo is None:
            return None
        card, *shapes = photo.crops(focus)
        return ((self.urls.absolute(photo.where(card.name)), card.width, card.height),
                [self.urls.absolute(photo.where(c.name)) for c in shapes])

    def photo(self, src: str) -> PhotoJob | None:
        """The photo at a site path ("/images/ship.jpg"), if it is one of the site's photos."""
        path = site_path(src) if self.photos else None
        return self.photos.get(path) if path is not None else None

    def picture(self, photo: PhotoJob, alt: str, caption: str = "", credit: str = "") -> ImageView:
        """A photo as a <picture>: its widest fallback file as the <img>, each format's widths as a srcset."""
        by_format: dict[str, list[str]] = {}
        for r in photo.plan.renditions:
            by_format.setdefault(r.format, []).append(f"{self.urls.href(photo.where(r.name))} {r.width}w")
        *modern, fallback = by_format       # (formats() puts the fallback last)
        widest = photo.plan.widest(fallback)
        return ImageView(self.urls.href(photo.where(widest.name)), alt, caption, credit, widest.width, widest.height,
                         srcset=", ".join(by_format[fallback]),
                         sources=tuple((MIME[kind], ", ".join(by_format[kind])) for kind in modern))

    def image_size(self, src: str) -> tuple[int, int] | None:
        """The intrinsic size of a site image ("/images/ship.svg"); None for remote or unknown images."""
        path = site_path(src)
        return self.image_sizes.get(path) if path is not None else None

    def _promo(self, p: PromoConfig | None) -> Promo | None:
        """A call-out whose link, a site path, is under the site's base path like every other."""
        return Promo(p.heading, p.text, self.urls.resource(p.url), p.label) if p is not None else None

    def section_link(self, slug: str) -> Link:
        return Link(self.tax.sections[slug].name, self.urls.href(f"{self.prefix}{slug}/"))

    def author(self, name: str) -> Author:
        slug = author_slug(name)
        return self.tax.authors.get(slug) or Author(slug, name)

    def tag_link(self, name: str) -> Link | None:
        """A tag's link; None for a name that makes no slug."""
        try:
            return self._tag_links[name]
        except KeyError:
            slug = tag_slug(name)
            link = self._tag_links[name] = Link(name, self.urls.href(f"{self.prefix}tags/{slug}/")) if slug else None
            return link

    def person(self, name: str) -> tuple[str, dict] | None:
        """A byline name's author page (absolute URL) and schema.org Person; None for a name that makes no slug."""
        try:
            return self._people[name]
        except KeyError:
            slug, author = author_slug(name), self.author(name)
            url = self.urls.absolute(f"{self.prefix}authors/{slug}/")
            known = self._people[name] = (url, structured.person(author.shown_name, url, author.links)) if slug else None
            return known

    def author_links(self, names: tuple[str, ...]) -> tuple[Link, ...]:
        """A byline's links: the same tuple for every story with that byline (a cheap key for cached())."""
        links = self._author_links.get(names)
        if links is None:
            links = self._author_links[names] = tuple(
                Link(self.author(n).shown_name, self.urls.href(f"{self.prefix}authors/{author_slug(n)}/"))
                for n in names if author_slug(n))
        return links

    MAX_CARDS = 30_000      # then the cards start afresh: kept whole, they grow with the archive in every process

    def card(self, a: Article) -> Card:
        """The same story shows in many listings: build its card once (as long as at most
        MAX_CARDS others were built since)."""
        card = self._cards.get(a.path)
        if card is None:
            if len(self._cards) >= self.MAX_CARDS:
                self._cards.clear()
            card = self._cards[a.path] = self._card(a)
        return card

    def _card(self, a: Article) -> Card:
        language, turned = "", ""
        if a.language and a.language != self.config.language:     # (a story in another language than the site's)
            language = a.language
            if direction(a.language) != direction(self.config.language):
                turned = direction(a.language)
        return Card(title=a.title, url=self.urls.href(a.url_path), summary=a.summary,
                    published=self.moment(a.published, a.date_only, a.language), authors=self.author_links(a.byline),
                    section=self.section_link(a.section), image=self.image(a.image), status=self.status(a),
                    language=language, dir=turned, kicker=kicker(a))

    def language(self, a: Article) -> str:
        """The story's language: its own, or the site's."""
        return a.language or self.config.language

    def status(self, a: Article) -> str:
        """A preview's draft/scheduled mark; always "" in a real build."""
        return preview_status(a, self.preview_now) if self.preview_now is not None else ""

    def section_feeds(self, slug: str) -> tuple[Feed, ...]:
        """The section's feeds: the same tuple for each of its pages and stories (a cheap key for cached())."""
        feeds = self._section_feeds.get(slug)
        if feeds is None:
            name = self.tax.sections[slug].name
            feeds = self._section_feeds[slug] = (
                Feed(self.gettext("%(title)s: %(name)s (RSS)") % {"title": self.config.title, "name": name},
                     self.urls.href(f"{self.prefix}{slug}/feed.xml"), RSS),)
        return feeds

    def author_feeds(self, slug: str) -> tuple[Feed, ...]:
        name = self.tax.authors[slug].shown_name
        return (Feed(self.gettext("%(title)s: %(name)s (RSS)") % {"title": self.config.title, "name": name},
                     self.urls.href(f"{self.prefix}authors/{slug}/feed.xml"), RSS),)

    def profile(self, slug: str) -> AuthorView:
        a = self.tax.authors[slug]
        photo = self.photo(a.photo) if a.photo else None
        return AuthorView(name=a.shown_name, url=self.urls.href(f"{self.prefix}authors/{slug}/"), bio=a.bio,
                          photo=self.urls.resource(a.photo), website=self.urls.resource(a.url),
                          links=tuple(Link(_site_name(u), u) for u in a.links),
                          feed_url=self.urls.href(f"{self.prefix}authors/{slug}/feed.xml"),
                          picture=self.picture(photo, "") if photo is not None else None)

    def translations(self, a: Article, alternates: tuple[tuple[str, str], ...]) -> tuple[Translation, ...]:
        """Links to the story's other languages (from its alternates: see translations.py)."""
        mine = self.language(a)
        return tuple(Translation(native_name(language), self.urls.href(url_path), language, direction(language))
                     for language, url_path in alternates if language not in ("x-default", mine))

    def alternates(self, alternates: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        """<link rel="alternate" hreflang> of a page: (hreflang, absolute URL) of every version."""
        return tuple((language, self.urls.absolute(url_path)) for language, url_path in alternates)

    def article(self, a: Article, related: list[Article], alternates: tuple[tuple[str, str], ...] = ()) -> ArticleView:
        card = self.card(a)     # the story's own card (made once) has its link, times, byline and picture
        url, section = card.url, card.section
        changed = a.modified if a.modified != a.published else None
        tags = tuple(link for link in map(self.tag_link, a.tags) if link is not None)
        return ArticleView(
            title=a.title, url=url, canonical=self.urls.absolute(a.url_path), summary=a.summary,
            published=card.published, updated=self.moment(changed, language=a.language) if changed else None,
            authors=card.authors, dateline=a.dateline, signoff=signoff(a.byline, a.dateline, (self.voice(a.language) or (self.words,))[0]),
            source=a.source, copyright=a.copyright, section=section, tags=tags,
            image=card.image, body=Markup(self.body_images(self.bodies[a.path])),
            breadcrumbs=(self._home(a.language), section, Link(a.title, url, current=True)),
            related=tuple(map(self.card, related)),
            corrections=tuple(CorrectionView(self.moment(c.date, language=a.language), c.text) for c in a.corrections),
            extra=dict(a.extra), status=card.status, translations=self.translations(a, alternates),
        )

    def meta(self, kind: str, title: str, url_path: str, description: str = "",
             feeds: tuple[Feed, ...] = (), section: str = "") -> PageMeta:
        """Head metadata for any page: canonical URL, description, Open Graph and Twitter card."""
        description = description or self.config.description or self.config.title
        canonical = self.urls.absolute(url_path)
        og = (("og:type", "website"), ("og:title", title), ("og:description", description),
              ("og:url", canonical), ("og:site_name", self.config.title), ("og:locale", og_locale(self.config.language)),
              *self.site_card_og())
        jsonld, alternates = (), ()
        if kind == "home":
            alternates = self.alternates(self.config.home_alternates())
            jsonld = (structured.script_json(structured.website(
                self.config.title, canonical, self.config.description, self.config.language, self.publisher)),)
        return PageMeta(kind=kind, title=title, description=description, url=self.urls.href(url_path),
                        canonical=canonical, feeds=feeds, section=section, og=og,
                        twitter=self.twitter(title, description, self.site_card_og()),
                        jsonld=jsonld, dir=rtl(self.config.language), alternates=alternates)

    def article_meta(self, a: Article, alternates: tuple[tuple[str, str], ...] = ()) -> PageMeta:
        """An article's head: Open Graph article tags, a large Twitter card, NewsArticle JSON-LD."""
        canonical = self.urls.absolute(a.url_path)
        description = a.summary or self.config.description or a.title
        image, size, images = "", None, []
        if a.image:
            lead = self.lead_images(a.image.src, a.image.focus)
            if lead is not None:
                (image, *size), images = lead
            else:
                image = self.urls.resource_absolute(a.image.src)
                images = [image]
        section = self.tax.sections[a.section].name
        published = self.card(a).published.iso
        modified = published if a.modified == a.published else a.modified.astimezone(self.zone).isoformat()
        people = [p for p in map(self.person, a.byline) if p is not None]
        author_urls = [url for url, _ in people]
        language = self.language(a)
        og = [("og:type", "article"), ("og:title", a.title), ("og:description", description), ("og:url", canonical),
              ("og:site_name", self.config.title), ("og:locale", og_locale(language))]
        if size:        # (a site photo's card; else the site's, as social sites show no SVG)
            pictured = [("og:image", image), ("og:image:width", str(size[0])), ("og:image:height", str(size[1])),
                        ("og:image:alt", a.image.alt)]
        elif not image or urlsplit(image).path.lower().endswith((".svg", ".svgz")):
            pictured = list(self.site_card_og())
        else:           # (a remote image, as it is)
            pictured = [("og:image", image), ("og:image:alt", a.image.alt)]
        og += pictured
        og += [("article:published_time", published), ("article:modified_time", modified), ("article:section", section)]
        og += [("article:tag", t) for t in a.tags]
        og += [("article:author", u) for u in author_urls]
        twitter = self.twitter(a.title, description, pictured)
        article = structured.news_article(
            headline=a.title, url=canonical, description=a.summary, images=images,
            published=published, modified=modified, authors=[person for _, person in people], publisher=self.publisher,
            section=section, keywords=list(a.tags), language=language,
            copyright_notice=a.copyright, source=a.source, dateline=a.dateline,
            corrections=[(c.date.astimezone(self.zone).isoformat(), c.text) for c in a.corrections])
        crumbs = structured.breadcrumb_list([(self.gettext("Home"), self.urls.absolute(self.prefix)),
                                             (section, self.urls.absolute(f"{self.prefix}{a.section}/")), (a.title, canonical)])
        return PageMeta(kind="article", title=f"{a.title} | {self.config.title}", description=description,
                        url=self.urls.href(a.url_path), canonical=canonical, feeds=self.section_feeds(a.section),
                        section=a.section, og=tuple(og), twitter=tuple(twitter), language=language,
                        dir=rtl(language), alternates=self.alternates(alternates),
                        jsonld=(structured.script_json(article), structured.script_json(crumbs)))

    def site_card_og(self) -> tuple[tuple[str, str], ...]:
        """The site's social card as Open Graph properties (none without a card): the same on
        every page that shows it, so made once."""
        if self._card_og is None:
            card = self.social_card
            if card is None:
                self._card_og = ()
            else:
                url = self.urls.resource_absolute(card.path)       # (a URL from site.toml stays as it is)
                size = (("og:image:width", str(card.width)), ("og:image:height", str(card.height))) if card.width else ()
                self._card_og = (("og:image", url), *size, ("og:image:alt", card.alt))
        return self._card_og

    @staticmethod
    def twitter(title: str, description: str, og: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """X's card: large with an image (the one Open Graph gives), else a summary."""
        image = dict(og)
        out = [("twitter:card", "summary_large_image" if "og:image" in image else "summary"),
               ("twitter:title", title), ("twitter:description", description)]
        if "og:image" in image:
            out += [("twitter:image", image["og:image"]), ("twitter:image:alt", image["og:image:alt"])]
        return tuple(out)


def _site_name(url: str) -> str:
    """A readable label for a profile link: 'x.com/someone' rather than the whole URL."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return host + parts.path.rstrip("/") if parts.path.strip("/") else host
