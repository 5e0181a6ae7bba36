"""The Jinja environment: `cached()` makes each distinct macro call once, with the same output."""
from __future__ import annotations

import jinja2
from markupsafe import Markup, escape

from generator import speedups
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


VALUES = ["plain", "<b> & 'q' \"dq\"", "", "&amp; already", "\u201cé\u201d", 0, 3.5, None, True, Markup("<i>safe</i>"),
          Link("<L>", "/a?b=1&c=2")]
EVERY_CONSTRUCT = {
    "page.html": """{% extends "base.html" %}{% from "m.html" import box %}{% import "m.html" as m %}
{% block body %}{{ super() }}|{% for v in values %}{{ v }}.{{ v | string }}.{{ box(v) }}.{{ m.box(v) }}.{% endfor %}
{% set held %}<{{ values[1] }}>{% endset %}{{ held }}{{ held | upper }}
{% filter upper %}{{ values[1] }}{% endfilter %}{% call box_caller() %}{{ values[1] }}{% endcall %}
{% include "inc.html" %}{% autoescape false %}{{ values[1] }}{% endautoescape %}{{ self.extra() }}{{ values[1] ~ "&" }}
{{ values[1] | e }}{{ values[1] | safe }}{{ "%s" | format(values[1]) }}{{ values | join(", ") }}{{ values[-1].name }}
{% endblock %}{% block extra %}<{{ values[1] }}>{% endblock %}
{% macro box_caller() %}[{{ caller() }}]{% endmacro %}""",
    "base.html": "<{{ values[1] }}>{% block body %}base {{ values[0] }}{% endblock %}",
    "m.html": "{% macro box(v) %}<{{ v }}>{% endmacro %}",
    "inc.html": "{{ values[1] }}{% for v in values %}{{ loop.index }}{{ v }}{% endfor %}",
}


def test_values_print_exactly_as_markupsafe_escapes_them(tmp_path):
    from generator.render import _Environment
    env = _Environment()    # (made whether or not a build would use it: its escaping is what is tested)
    for value in VALUES:
        assert env.escape_output(value) == str(escape(value))
    for code in range(0x250):
        text = f"a{chr(code) * 2}b"
        assert env.escape_output(text) == env.escape_text(text) == str(escape(text))


def test_the_build_environment_renders_every_construct_as_stock_jinja_does(tmp_path):
    (tmp_path / "templates").mkdir()
    for name, text in EVERY_CONSTRUCT.items():
        (tmp_path / "templates" / name).write_text(text)
    ours = make_environment(tmp_path, tmp_path)
    stock = jinja2.Environment(loader=ours.loader, autoescape=ours.autoescape, undefined=ours.undefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    assert (type(ours) is not jinja2.Environment) == speedups.enabled("jinja_codegen")
    page = ours.get_template("page.html").render(values=VALUES)
    assert page == stock.get_template("page.html").render(values=VALUES)
    assert "&lt;b&gt; &amp; &#39;q&#39; &#34;dq&#34;" in page and "<i>safe</i>" in page


def test_a_cached_call_with_the_very_same_arguments_is_not_made_again_and_keeps_them_alive():
    made: list = []
    cache = MacroCache()

    def macro(*args, **kwargs):
        made.append((args, kwargs))
        return Markup(f"<{len(made)}>")

    link = Link("A", "/a/")
    assert cache(macro, link, "x", lazy=True) == cache(macro, link, "x", lazy=True) == "<1>"
    assert cache(macro, Link("A", "/a/"), "x", lazy=True) == "<1>"      # an equal copy: found by value
    assert cache(macro, link, "x", True) == "<2>"                       # positional, not keyword: another call
    assert cache(macro, link, lazy=True) == "<3>"
    del link    # the cache holds its arguments, so another object cannot take its id and be mistaken for it
    assert cache(macro, Link("B", "/b/"), "x", lazy=True) == "<4>"
    assert len(made) == 4


def test_calls_that_want_the_context_still_get_it(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '{{ who() }} {{ d.get("k") }} {{ d.get("missing", "-") }} {{ "a-b".split("-") | join("+") }}')
    env = make_environment(tmp_path, tmp_path)
    env.globals["who"] = jinja2.pass_context(lambda context: context["name"])
    assert env.get_template("page.html").render(name="<me>", d={"k": "<v>"}) == "&lt;me&gt; &lt;v&gt; - a+b"


def test_the_cache_keeps_at_most_its_limit_and_starts_afresh_with_the_same_outputs(monkeypatch):
    made: list = []
    monkeypatch.setattr(MacroCache, "MAX_MADE", 3)
    cache = MacroCache()

    def macro(link):
        made.append(link)
        return Markup(f"<{link.url}>")

    links = [Link(str(n), f"/{n}/") for n in range(10)]
    outputs = [cache(macro, link) for link in links]
    assert outputs == [f"</{n}/>" for n in range(10)]
    assert len(cache._made) <= 3 and len(cache._by_identity) <= 3
    assert cache(macro, links[9]) == "</9/>" and len(made) == 10    # still kept: not made again
    assert cache(macro, links[0]) == "</0/>" and len(made) == 11    # let go when the cache started afresh


def test_a_site_built_with_the_smallest_caches_is_byte_for_byte_the_same(tmp_path, monkeypatch):
    """The per-build caches of cards and macro outputs are only a saving: with room for one entry
    each (starting afresh on nearly every call), the example site comes out the same."""
    import shutil
    from conftest import REPO
    from generator.build import BuildOptions, build_site
    from generator.present import Presenter
    from test_engine_equivalence import files_of

    site = tmp_path / "site"
    site.mkdir()
    for name in ("site.toml", "content", "static", "data"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, site / name)
    build_site(site, BuildOptions(output=tmp_path / "roomy", cache=False, workers=1))
    monkeypatch.setattr(MacroCache, "MAX_MADE", 1)
    monkeypatch.setattr(Presenter, "MAX_CARDS", 1)
    build_site(site, BuildOptions(output=tmp_path / "tight", cache=False, workers=1))
    roomy, tight = files_of(tmp_path / "roomy"), files_of(tmp_path / "tight")
    assert len(roomy) > 40 and roomy == tight
