"""Stories that translate each other (issue 17): `translation_of:` names the story a translation
is of, and every story so linked, in whichever direction, is one group. Pure: checked over every
story parsed (drafts too), grouped over the ones published.

A page of a group shows each of its published members as an alternate: `<link rel="alternate"
hreflang>` in its head (itself too, as Google asks), a "Read in हिन्दी" link, and the sitemap's
`xhtml:link` alternates; `x-default` is the member in the site's own language, else the original.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .model import Article
from .problems import Problem

Alternates = tuple[tuple[str, str], ...]     # (hreflang, site-relative URL path), x-default last


def _root(a: Article, by_path: dict[str, Article]) -> str:
    """The story at the start of a's chain of translation_of (a itself if it translates none)."""
    seen = {a.path}
    while a.translation_of and a.translation_of in by_path:
        a = by_path[a.translation_of]
        if a.path in seen:
            break
        seen.add(a.path)
    return a.path


def translation_problems(articles: Sequence[Article], site_language: str) -> list[Problem]:
    """What is wrong with the stories' translation_of: a story that is not there (naming both
    files), a story translating itself or a chain that comes back on itself, a translation in
    its original's language, two stories of one group in one language (naming both)."""
    by_path = {a.path: a for a in articles}
    problems: list[Problem] = []
    groups: dict[str, list[Article]] = {}
    for a in sorted(articles, key=lambda a: a.path):
        if not a.translation_of:
            groups.setdefault(a.path, []).append(a)
            continue
        line = a.lines.get("translation_of")
        target = by_path.get(a.translation_of)
        if a.translation_of == a.path:
            problems.append(Problem(a.path, line, "translation_of", "names this story itself: give the file of the story it translates"))
        elif target is None:
            problems.append(Problem(a.path, line, "translation_of",
                                    f"names {a.translation_of}, but there is no story there: {a.path} says it translates "
                                    f"{a.translation_of}, which does not exist (moved or renamed?)"))
        elif _root(a, by_path) == a.path or _cycle(a, by_path):
            problems.append(Problem(a.path, line, "translation_of",
                                    f"goes round in a circle ({a.path} -> {a.translation_of} -> … -> {a.path}): "
                                    "the original story must have no translation_of"))
        elif _language(target, site_language) == _language(a, site_language):
            problems.append(Problem(a.path, line, "translation_of",
                                    f"names {target.path}, which is in the same language ({_language(a, site_language)}): "
                                    "a translation is in another language; set 'language:'"))
        else:
            groups.setdefault(_root(a, by_path), []).append(a)
    for members in groups.values():
        seen: dict[str, Article] = {}
        for a in members:
            language = _language(a, site_language).lower()
            first = seen.setdefault(language, a)
            if first is not a:
                problems.append(Problem(a.path, a.lines.get("translation_of") or a.lines.get("language"), "translation_of",
                                        f"{a.path} and {first.path} are both translations in {language} of one story "
                                        f"({_root(a, by_path)}): one story per language"))
    return problems


def _cycle(a: Article, by_path: dict[str, Article]) -> bool:
    seen = {a.path}
    while a.translation_of in by_path:
        a = by_path[a.translation_of]
        if a.path in seen:
            return True
        seen.add(a.path)
    return False


def _language(a: Article, site_language: str) -> str:
    return a.language or site_language


def alternates(published: Iterable[Article], site_language: str) -> dict[str, Alternates]:
    """Each published story that has a published translation -> its group's alternates (every
    member, by language, then x-default). Assumes translation_problems() found none."""
    by_path = {a.path: a for a in published}
    groups: dict[str, list[Article]] = {}
    for a in by_path.values():
        if a.translation_of:
            groups.setdefault(_root(a, by_path), []).append(a)
    out: dict[str, Alternates] = {}
    for root, members in groups.items():
        original = by_path.get(root)
        if original is not None and original.translation_of == "":
            members.append(original)
        if len(members) < 2:
            continue
        members.sort(key=lambda a: _language(a, site_language).lower())
        default = next((a for a in members if _language(a, site_language) == site_language), original or members[0])
        links = tuple((_language(a, site_language), a.url_path) for a in members) + (("x-default", default.url_path),)
        for a in members:
            out[a.path] = links
    return out
