"""Find and read the sources: the only module that reads content files."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CONTENT_DIR = "content"


@dataclass(frozen=True)
class Source:
    path: str        # relative to the site, POSIX separators, e.g. content/world/x.md
    data: bytes
    digest: str


def find_sources(site: Path) -> list[Source]:
    """Every Markdown file under SITE/content, in a stable order."""
    root = site / CONTENT_DIR
    if not root.is_dir():
        return []
    sources = []
    for file in sorted(root.rglob("*.md")):
        rel = file.relative_to(site).as_posix()
        if any(part.startswith(".") for part in file.relative_to(root).parts):
            continue  # editor swap files, hidden folders
        if not file.is_file():
            continue
        data = file.read_bytes()
        sources.append(Source(rel, data, hashlib.sha256(data).hexdigest()))
    return sources
