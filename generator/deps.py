"""Which template files each page template is made of, so that a change to one template renders
again only the pages that use it (a new 404.html renders one page, not thirteen thousand)."""
from __future__ import annotations

import hashlib

import jinja2
import jinja2.meta

from .problems import BuildError
from .render import template_problem


def template_keys(env: jinja2.Environment, names: set[str]) -> dict[str, str]:
    """For each page template in `names`: a hash of the source of every template of its
    template_closures(), each as the environment finds it (a site's override first)."""
    closures, sources = _closures(env, names)
    keys = {}
    for name in sorted(names):
        h = hashlib.sha256()
        for used in sorted(closures[name]):
            h.update(f"{used}\0{sources.get(used)}\0".encode("utf-8", "surrogatepass"))
        keys[name] = h.hexdigest()
    return keys


def template_closures(env: jinja2.Environment, names: set[str]) -> dict[str, frozenset[str]]:
    """For each page template in `names`: the names of every template it may load — itself, what
    it extends, includes and imports, followed to the end. A name built at render time
    (`{% include var %}`) could be any template: a page using one may load all of them."""
    return _closures(env, names)[0]


def _closures(env: jinja2.Environment, names: set[str]) -> tuple[dict[str, frozenset[str]], dict[str, str | None]]:
    """template_closures(), and the source of each template met (None: not found)."""
    sources: dict[str, str | None] = {}
    loads: dict[str, set[str | None]] = {}

    def visit(name: str) -> None:
        if name in sources:
            return
        try:
            source, _filename, _uptodate = env.loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            sources[name], loads[name] = None, set()   # rendering will say so, naming the page
            return
        sources[name] = source
        try:
            loads[name] = set(jinja2.meta.find_referenced_templates(env.parse(source, name)))
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError([template_problem(exc, name)]) from None
        for other in loads[name]:
            if other is not None:
                visit(other)

    for name in sorted(names):
        visit(name)
    everything: list[str] | None = None
    closures = {}
    for name in sorted(names):
        closure, todo = set(), [name]
        dynamic = False
        while todo:
            current = todo.pop()
            if current in closure:
                continue
            closure.add(current)
            for other in loads[current]:
                if other is None:
                    dynamic = True
                else:
                    todo.append(other)
        if dynamic:
            if everything is None:
                everything = sorted(env.list_templates())
                for other in everything:
                    visit(other)
            closure |= set(everything)
        closures[name] = frozenset(closure)
    return closures, sources
