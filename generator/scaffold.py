"""`broadsheet init` and `broadsheet new`: make a site, start a story. Never overwrites."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import frontmatter

from .config import CONFIG_NAME, load_config
from .content import CONTENT_DIR
from .problems import BuildError, Problem
from .urls import slugify

SITE_TOML = '''# Broadsheet site settings: see the README for every key.
title = "{title}"
base_url = "https://example.com/"
language = "en"
timezone = "UTC"
description = "News from {title}."

[publisher]
name = "{title}"
url = "https://example.com/"
'''

SAMPLE = """---
title: Welcome to your new news site
published: {published}
byline: The Newsroom
dateline: Here
source: Staff
summary: This sample story shows the front matter every article can carry.
tags: [welcome]
---

Edit or delete this file, then write your first story with
`broadsheet new news "Your headline"`.

> "A quotation looks like this."

Build the site with `broadsheet build` and open `output/index.html`.
"""


def init_site(target: Path, now: datetime) -> list[Path]:
    """Create a new site in target (which may exist but must not already be a site)."""
    if (target / CONFIG_NAME).exists():
        raise BuildError([Problem(str(target / CONFIG_NAME), None, "", "already exists: this folder is already a site; nothing was changed")])
    title = target.absolute().name.replace("-", " ").replace("_", " ").title() or "My News Site"
    title = title.replace("\\", "").replace('"', "")
    files = {
        target / CONFIG_NAME: SITE_TOML.format(title=title),
        target / CONTENT_DIR / "news" / "welcome.md": SAMPLE.format(published=now.strftime("%Y-%m-%d %H:%M:%S")),
        target / ".gitignore": "output/\n.output.broadsheet-*\n.broadsheet/\n",   # the output, its lock and stages, the cache
    }
    made = []
    for path, text in files.items():
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        made.append(path)
    return made


def new_theme(site: Path, name: str) -> Path:
    """Copy the bundled default theme into SITE/themes/NAME for full customisation."""
    from .render import bundled_themes
    slug = slugify(name)
    if not slug or slug != name:
        raise BuildError([Problem(name, None, "theme", f"use a plain lower-case name such as {slug or 'my-theme'!r}")])
    if not (site / "site.toml").is_file():
        raise BuildError([Problem(str(site), None, "", "no site.toml here: run this in a site folder (or pass --site)")])
    target = site / "themes" / name
    if target.exists():
        raise BuildError([Problem(str(target), None, "", "already exists; not overwritten")])
    shutil.copytree(bundled_themes() / "default", target)
    return target


def new_article(site: Path, section: str, title: str, now: datetime | None = None) -> Path:
    """Write content/SECTION/<slug>.md with front matter filled in; refuse to overwrite."""
    config = load_config(site)
    section_slug, slug = slugify(section), slugify(title)
    if not section_slug:
        raise BuildError([Problem(section, None, "section", "gives an empty URL; use letters or digits")])
    if not slug:
        raise BuildError([Problem(title, None, "title", "gives an empty URL; use letters or digits")])
    published = (now or datetime.now(config.zone)).astimezone(config.zone).replace(microsecond=0)
    post = frontmatter.Post("\nWrite the story here.\n", title=title, published=published,
                            byline=[], dateline="", source="", summary="", tags=[], draft=True)
    path = site / CONTENT_DIR / section_slug / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:
            f.write(frontmatter.dumps(post, allow_unicode=True, sort_keys=False) + "\n")
    except FileExistsError:
        raise BuildError([Problem(str(path), None, "", "already exists; not overwritten (choose another title, or edit that file)")]) from None
    return path
