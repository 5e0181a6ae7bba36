"""The Jinja environment: `cached()` makes each distinct macro call once, with the same output."""
from __future__ import annotations

import jinja2

from generator.render import MacroCache, make_environment
from generator.views import Link

MACROS = '{% macro tag(link, lazy=true) %}<a href="{{ link.url }}"{% if lazy %} loading="lazy"{% endif %}>{{ link.name }}</a>{% endmacro %}'


def environment(calls: list) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader({"m.html": MACROS}), autoescape=True)
    env.globals["cached"] = MacroCache()
    env.globals["count"] = lambda x: calls.append(x) or ""
    return env


def test_a_cached_call_is_made_once_per_distinct_arguments():
    calls: list = []
    env = environment(calls)
    env.loader.mapping["m.html"] = MACROS.replace("<a ", "{{ count(link) }}<a ")
    page = env.from_string('{% from "m.html" import tag %}{% for l in links %}{{ cached(tag, l, lazy=loop.index > 1) }}=={{ tag(l, lazy=loop.index > 1) }}\n{% endfor %}')
    a, b = Link("A & B", "/a/"), Link("<C>", "/c/")
    html = page.render(links=[a, b, a, Link("A & B", "/a/")])
    cached, direct = zip(*(line.split("==") for line in html.splitlines()))
    assert cached == direct      # same bytes as calling the macro, escaping included
    assert cached[0] == '<a href="/a/">A &amp; B</a>'
    assert len(calls) == 4 + 3   # 4 direct calls; cached: (a, False), (b, True), (a, True) — the equal copy is a hit


def test_unhashable_arguments_are_rendered_every_time():
    env = environment([])
    page = env.from_string('{% macro show(d) %}{{ d.x }}{% endmacro %}{{ cached(show, {"x": 1}) }}{{ cached(show, {"x": 2}) }}')
    assert page.render() == "12"


def test_the_build_environment_offers_cached_and_does_not_stat_templates(tmp_path):
    env = make_environment(tmp_path, tmp_path)
    assert isinstance(env.globals["cached"], MacroCache)
    assert env.auto_reload is False
