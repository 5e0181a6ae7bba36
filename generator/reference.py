"""The template reference: which variables each template receives, generated from the view
models in views.py so the documentation cannot drift from the code."""
from __future__ import annotations

import dataclasses
import inspect
import re

from . import views

# template -> {variable: type}; every template also receives `site` and `page`
TEMPLATES: dict[str, dict[str, str]] = {
    "home.html": {"lead": "Card | None", "latest": "tuple[Card, ...]", "blocks": "tuple[SectionBlock, ...]"},
    "list.html": {"heading": "str", "kind": '"section" | "tag" | "author" | "archive"', "cards": "tuple[Card, ...]",
                  "pagination": "Pagination", "profile": "AuthorView | None (author pages)"},
    "article.html": {"article": "ArticleView"},
    "archive.html": {"heading": "str", "years": "tuple[ArchiveYear, ...]"},
    "redirect.html": {"target": "str (absolute URL)", "title": "str"},
    "404.html": {},
}
_FIELD = re.compile(r"^    (\w+): ([^=#]+?)(?:\s*=\s*[^#]+?)?\s*(?:#\s*(.*))?$")


def _fields(cls: type) -> list[tuple[str, str, str]]:
    """(name, type, comment) for each field, read from the class source so comments come along."""
    out = []
    names = {f.name for f in dataclasses.fields(cls)}
    for line in inspect.getsource(cls).splitlines():
        m = _FIELD.match(line)
        if m and m.group(1) in names:
            out.append((m.group(1), m.group(2).strip(), (m.group(3) or "").strip()))
    return out


def template_reference() -> str:
    """Markdown: the variables of each template, then every view model's fields."""
    lines = ["Every template receives `site` (SiteView) and `page` (PageMeta).", "",
             "| template | variables |", "|---|---|"]
    for name, variables in TEMPLATES.items():
        listed = ", ".join(f"`{v}` ({_cell(t)})" for v, t in variables.items()) or "only `site` and `page`"
        lines.append(f"| `{name}` | {listed} |")
    classes = [c for _, c in inspect.getmembers(views, inspect.isclass)
               if dataclasses.is_dataclass(c) and c.__module__ == views.__name__]
    for cls in sorted(classes, key=lambda c: c.__name__):
        doc = cls.__doc__ or ""
        summary = "" if doc.startswith(cls.__name__ + "(") else " — " + doc.strip().splitlines()[0]
        lines += ["", f"**{cls.__name__}**{summary}", "", "| field | type | meaning |", "|---|---|---|"]
        for field, typ, comment in _fields(cls):
            lines.append(f"| `{field}` | `{_cell(typ)}` | {_cell(comment)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


START, END = "<!-- template-reference:start -->", "<!-- template-reference:end -->"


def update_readme(text: str) -> str:
    """README text with the generated reference between its markers."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{template_reference()}{END}{tail}"


if __name__ == "__main__":  # python -m generator.reference README.md: regenerate the README section
    import sys
    from pathlib import Path
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    readme.write_text(update_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")
