"""Markdown -> HTML (pure). One converter per process and base path, reset between documents."""
from __future__ import annotations

import markdown
from markdown.treeprocessors import Treeprocessor

EXTENSIONS = ["extra", "sane_lists", "smarty"]


class _SitePaths(Treeprocessor):
    """Root-relative links ('/world/x/') point into the site, which may live under a base path."""

    def __init__(self, md: markdown.Markdown, base_path: str):
        super().__init__(md)
        self.base_path = base_path

    def run(self, root):
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value and value.startswith("/") and not value.startswith("//"):
                    el.set(attr, self.base_path + value[1:])
        return None


_converters: dict[str, markdown.Markdown] = {}


def render_markdown(text: str, base_path: str = "/") -> str:
    md = _converters.get(base_path)
    if md is None:
        md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        if base_path != "/":
            md.treeprocessors.register(_SitePaths(md, base_path), "site_paths", 0)
        _converters[base_path] = md
    md.reset()
    return md.convert(text)
