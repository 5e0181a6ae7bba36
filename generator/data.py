"""The site's data/ folder: optional descriptions of authors (data/authors.toml)."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from .config import CONTROL_CHARS
from .model import Author
from .problems import BuildError, Problem, key_name, show
from .urls import check_url, slugify

AUTHORS_FILE = "data/authors.toml"
AUTHOR_KEYS = {"name": "display name", "bio": "a short biography", "photo": "a photo path or URL",
               "url": "the author's own page", "links": "social profile URLs (JSON-LD sameAs)"}
# How check_url() takes each URL key: the photo is resolved against the site root like an
# image (so "images/a.svg" is fine), the page link reaches <a href> as written.
URL_KEYS = {"url": {}, "photo": {"relative": True}}


def parse_authors(data: dict[str, Any], path: str = AUTHORS_FILE) -> dict[str, Author]:
    """{byline name: table} -> {author slug: Author}. Raises BuildError with every problem."""
    problems: list[Problem] = []
    authors: dict[str, Author] = {}
    for byline, table in data.items():
        name = key_name(byline)
        if not isinstance(table, dict):
            problems.append(Problem(path, None, name, 'must be a table: ["Name"] then bio = "…" lines'))
            continue
        fields: dict[str, Any] = {}
        for key, value in table.items():
            where = f"{name}.{key_name(key)}"
            if key not in AUTHOR_KEYS:
                problems.append(Problem(path, None, where, f"unknown key (known: {', '.join(AUTHOR_KEYS)})"))
            elif key == "links":
                links = _links(path, where, value, problems)
                if links is not None:
                    fields["links"] = links
            elif not isinstance(value, str):
                problems.append(Problem(path, None, where, f"must be a string, not {type(value).__name__}"))
            elif CONTROL_CHARS.search(value):
                problems.append(Problem(path, None, where, "contains a control character; remove it"))
            elif key in URL_KEYS and value.strip() and (reason := check_url(value, **URL_KEYS[key])):
                problems.append(Problem(path, None, where, f"{show(value)} {reason}"))
            else:
                fields["display_name" if key == "name" else key] = value.strip()
        slug = slugify(byline)
        if not slug:
            problems.append(Problem(path, None, name, "gives an empty URL; use letters or digits"))
        elif slug in authors:
            problems.append(Problem(path, None, name, f"is the same author page as {authors[slug].name!r}"))
        else:
            authors[slug] = Author(slug=slug, name=byline, **fields)
    if problems:
        raise BuildError(problems)
    return authors


def _links(path: str, where: str, value: Any, problems: list[Problem]) -> tuple[str, ...] | None:
    """A list of http(s) URLs (JSON-LD sameAs needs them absolute), or None and the problems."""
    if not isinstance(value, list):
        problems.append(Problem(path, None, where, f"must be a list of http(s) URLs, not {type(value).__name__}"))
        return None
    found = len(problems)
    for i, link in enumerate(value):
        if not isinstance(link, str):
            problems.append(Problem(path, None, f"{where}[{i + 1}]", f"must be a string, not {type(link).__name__}"))
        elif reason := check_url(link, paths=False):
            problems.append(Problem(path, None, f"{where}[{i + 1}]", f"{show(link)} {reason}"))
    return tuple(value) if len(problems) == found else None


def load_authors(site: Path) -> dict[str, Author]:
    path = site / AUTHORS_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BuildError([Problem(AUTHORS_FILE, None, "", f"not valid TOML: {exc}")]) from None
    return parse_authors(data)
