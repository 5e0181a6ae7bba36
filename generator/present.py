"""Build the view models templates receive from the content model (pure)."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from markupsafe import Markup

from .config import PromoConfig, SiteConfig
from .listings import Taxonomy, tag_slug
from .model import Article, Image
from .urls import Urls
from .views import (ArticleView, Card, Feed, ImageView, Link, Moment, PageMeta, Promo,
                    SiteView)

RSS, ATOM = "application/rss+xml", "application/atom+xml"


def join_names(names: tuple[str, ...]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def signoff(byline: tuple[str, ...], dateline: str) -> str:
    """The reporter's sign-off: 'Lalit K Jha in Washington, DC'."""
    who = join_names(byline)
    if who and dateline:
        return f"{who} in {dateline}"
    return who or dateline


class Presenter:
    """Turns articles, sections and tags into the plain data templates get."""

    def __init__(self, config: SiteConfig, tax: Taxonomy, newest: datetime | None):
        self.config = config
        self.urls = Urls(config.base_url)
        self.tax = tax
        self.zone = config.zone
        year = (newest or datetime(1970, 1, 1)).astimezone(self.zone).year
        self._site = SiteView(
            title=config.title, description=config.description, language=config.language,
            home_url=self.urls.href(""),
            publisher_name=config.publisher.name or config.title,
            publisher_url=config.publisher.url or config.base_url,
            publisher_logo=self.urls.resource(config.publisher.logo),
            nav=tuple(Link(s.name, self.urls.href(f"{s.slug}/")) for s in tax.sections.values()),
            newsletter=_promo(config.newsletter), app_promo=_promo(config.app_promo),
            feeds=(Feed(f"{config.title} (RSS)", self.urls.href("feed.xml"), RSS),
                   Feed(f"{config.title} (Atom)", self.urls.href("atom.xml"), ATOM)),
            stylesheet=self.urls.href("css/style.css"),
            copyright_year=year,
        )
        self._site_for: dict[str, SiteView] = {}

    def site(self, section: str = "") -> SiteView:
        """The site view, with the current section marked in the navigation."""
        if section not in self._site_for:
            current = self.urls.href(f"{section}/") if section else None
            nav = tuple(dataclasses.replace(l, current=l.url == current) for l in self._site.nav)
            self._site_for[section] = dataclasses.replace(self._site, nav=nav)
        return self._site_for[section]

    def moment(self, when: datetime, date_only: bool = False) -> Moment:
        local = when.astimezone(self.zone)
        fmt = self.config.date_only_format if date_only else self.config.date_format
        return Moment(iso=local.isoformat(), display=local.strftime(fmt))

    def image(self, image: Image | None) -> ImageView | None:
        if image is None:
            return None
        return ImageView(self.urls.resource(image.src), image.alt, image.caption, image.credit)

    def section_link(self, slug: str) -> Link:
        return Link(self.tax.sections[slug].name, self.urls.href(f"{slug}/"))

    def card(self, a: Article) -> Card:
        return Card(title=a.title, url=self.urls.href(a.url_path), summary=a.summary,
                    published=self.moment(a.published, a.date_only), authors=a.byline,
                    section=self.section_link(a.section), image=self.image(a.image))

    def section_feeds(self, slug: str) -> tuple[Feed, ...]:
        name = self.tax.sections[slug].name
        return (Feed(f"{self.config.title}: {name} (RSS)", self.urls.href(f"{slug}/feed.xml"), RSS),)

    def article(self, a: Article, related: list[Article]) -> ArticleView:
        section = self.section_link(a.section)
        url = self.urls.href(a.url_path)
        updated = a.updated if a.updated and a.updated != a.published else None
        return ArticleView(
            title=a.title, url=url, canonical=self.urls.absolute(a.url_path), summary=a.summary,
            published=self.moment(a.published, a.date_only), updated=self.moment(updated) if updated else None,
            authors=a.byline, dateline=a.dateline, signoff=signoff(a.byline, a.dateline),
            source=a.source, copyright=a.copyright, section=section,
            tags=tuple(Link(t, self.urls.href(f"tags/{tag_slug(t)}/")) for t in a.tags if tag_slug(t)),
            image=self.image(a.image), body=Markup(a.body_html),
            breadcrumbs=(Link("Home", self.urls.href("")), section, Link(a.title, url, current=True)),
            related=tuple(self.card(r) for r in related), extra=dict(a.extra),
        )

    def meta(self, kind: str, title: str, url_path: str, description: str = "",
             feeds: tuple[Feed, ...] = (), section: str = "") -> PageMeta:
        return PageMeta(kind=kind, title=title, description=description or self.config.description,
                        url=self.urls.href(url_path), canonical=self.urls.absolute(url_path),
                        feeds=feeds, section=section)


def _promo(p: PromoConfig | None) -> Promo | None:
    return Promo(p.heading, p.text, p.url, p.label) if p is not None else None
