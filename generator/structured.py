"""schema.org JSON-LD (pure): built as dicts, serialised with json.dumps, safe inside <script>."""
from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))   # json.dumps() would make one per call


def script_json(obj: Any) -> Markup:
    """JSON that cannot end its <script> element: '<', '>' and '&' are written as \\u escapes,
    which every JSON parser reads back as the same characters."""
    text = _ENCODER.encode(obj)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)


def organization(name: str, url: str = "", logo: str = "") -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": name}
    if url:
        org["url"] = url
    if logo:
        org["logo"] = {"@type": "ImageObject", "url": logo}
    return org


def person(name: str, url: str, same_as: tuple[str, ...] = ()) -> dict[str, Any]:
    p: dict[str, Any] = {"@type": "Person", "name": name, "url": url}
    if same_as:
        p["sameAs"] = list(same_as)
    return p


def breadcrumb_list(crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    """(name, absolute URL) pairs, in order, as a BreadcrumbList."""
    return {
        "@context": "https://schema.org", "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": i, "name": name, "item": url}
                            for i, (name, url) in enumerate(crumbs, start=1)],
    }


def website(name: str, url: str, description: str, language: str, publisher: dict[str, Any]) -> dict[str, Any]:
    site: dict[str, Any] = {"@context": "https://schema.org", "@type": "WebSite", "name": name, "url": url,
                            "inLanguage": language, "publisher": publisher}
    if description:
        site["description"] = description
    return site


def news_article(*, headline: str, url: str, description: str, images: list[str], published: str,
                 modified: str, authors: list[dict[str, Any]], publisher: dict[str, Any], section: str,
                 keywords: list[str], language: str, copyright_notice: str, source: str, dateline: str = "",
                 corrections: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """A schema.org NewsArticle; optional properties are left out when empty. `corrections`:
    (ISO 8601 time, text) of each, oldest first: schema.org `correction`, a CorrectionComment each."""
    article: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": headline, "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": published, "dateModified": modified,
        "author": authors, "publisher": publisher,
        "articleSection": section, "inLanguage": language,
    }
    optional = {"description": description, "image": images, "keywords": keywords,
                "copyrightNotice": copyright_notice, "dateline": dateline,
                "sourceOrganization": organization(source) if source else None,
                "correction": [{"@type": "CorrectionComment", "text": text, "datePublished": when}
                               for when, text in corrections or ()]}
    article.update({k: v for k, v in optional.items() if v})
    return article
