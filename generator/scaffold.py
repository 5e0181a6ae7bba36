"""`broadsheet init` and `broadsheet new`: make a site, start a story. Never overwrites."""
from __future__ import annotations

import os
import secrets
import shutil
from datetime import datetime
from pathlib import Path

import frontmatter

from .config import CONFIG_NAME, load_config
from .content import CONTENT_DIR, printable
from .problems import BuildError, Problem
from .urls import slugify
from .yamlread import show

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
    # the folder's name, as far as it is printable text (a name may hold bytes that are not UTF-8)
    name = "".join(c if c.isprintable() else " " for c in target.absolute().name)
    title = " ".join(name.replace("-", " ").replace("_", " ").replace("\\", "").replace('"', "").split()).title() or "My News Site"
    files = {   # site.toml last: a folder that holds it is a site, so it is written once the rest is there
        target / CONTENT_DIR / "news" / "welcome.md": SAMPLE.format(published=now.strftime("%Y-%m-%d %H:%M:%S")),
        target / ".gitignore": "output/\n.output.broadsheet-*\n.broadsheet/\n",   # the output, its lock and stages, the cache
        target / CONFIG_NAME: SITE_TOML.format(title=title),
    }
    made = []
    for path, text in files.items():
        if path.exists():
            continue
        create_file(path, text.encode("utf-8"))
        made.append(path)
    return made


def create_file(path: Path, data: bytes) -> None:
    """Write a new file whole or not at all, and never over one that exists (the problem then
    says so). Written to a temporary name, then linked to its own: a file that is there is
    complete, and os.link() refuses a name that is taken."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError([Problem(str(path.parent), None, "", f"cannot be made a folder: {exc.strerror or exc}")]) from None
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise
        except OSError:     # a file system without hard links: create it exclusively, then fill it
            with open(path, "xb") as f:
                try:
                    f.write(data)
                except OSError:
                    path.unlink()
                    raise
    except FileExistsError:
        raise BuildError([Problem(str(path), None, "", "already exists; not overwritten (choose another title, or edit that file)")]) from None
    except OSError as exc:
        raise BuildError([Problem(str(path), None, "", f"cannot be written: {exc.strerror or exc}")]) from None
    finally:
        try:
            tmp.unlink()
        except OSError:
            pass


def _argument(field: str, value: str) -> Problem | None:
    """A problem with text given on the command line, which a file name and front matter are made
    of: a control character, or bytes that are not UTF-8 (which Python passes on as surrogates)."""
    if value.isprintable():
        return None
    return Problem(field, None, "", f"'{printable(value)}' must be one line of printable text, in UTF-8")


def new_theme(site: Path, name: str) -> Path:
    """Copy the bundled default theme into SITE/themes/NAME for full customisation."""
    from .theme import bundled_themes
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
    problems = [p for p in (_argument("section", section), _argument("title", title)) if p]
    if problems:
        raise BuildError(problems)
    config = load_config(site)
    section_slug, slug = slugify(section), slugify(title)
    if "/" in section or "\\" in section:
        problems.append(Problem("section", None, "", f"{show(section)} must be one folder name, like 'world'"))
    elif not section_slug:
        problems.append(Problem("section", None, "", f"{show(section)} gives an empty folder name: use letters or digits"))
    if not slug:
        problems.append(Problem("title", None, "", f"{show(title)} gives an empty file name: use letters or digits"))
    if problems:
        raise BuildError(problems)
    published = (now or datetime.now(config.zone)).astimezone(config.zone).replace(microsecond=0)
    post = frontmatter.Post("\nWrite the story here.\n", title=title, published=published,
                            byline=[], dateline="", source="", summary="", tags=[], draft=True)
    path = site / CONTENT_DIR / section_slug / f"{slug}.md"
    create_file(path, (frontmatter.dumps(post, allow_unicode=True, sort_keys=False) + "\n").encode("utf-8"))
    return path
