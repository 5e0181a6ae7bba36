"""Which template files each page template is made of (generator/deps.py)."""
import jinja2
import pytest

from generator.deps import template_keys
from generator.problems import BuildError

TEMPLATES = {
    "base.html": "<main>{% block content %}{% endblock %}</main>",
    "partials/card.html": "{% macro card(x) %}<p>{{ x }}</p>{% endmacro %}",
    "partials/footer.html": "<footer></footer>",
    "article.html": '{% extends "base.html" %}{% from "partials/card.html" import card %}'
                    '{% block content %}{{ card(1) }}{% include "partials/footer.html" %}{% endblock %}',
    "404.html": '{% extends "base.html" %}{% block content %}Gone{% endblock %}',
    "any.html": "{% include name %}",
}


def keys(**changed):
    env = jinja2.Environment(loader=jinja2.DictLoader({**TEMPLATES, **changed}))
    return template_keys(env, {"article.html", "404.html", "any.html"})


def test_a_page_template_depends_on_what_it_extends_includes_and_imports_and_nothing_else():
    before = keys()
    card = keys(**{"partials/card.html": TEMPLATES["partials/card.html"] + " "})
    assert card["article.html"] != before["article.html"] and card["404.html"] == before["404.html"]
    footer = keys(**{"partials/footer.html": "<footer>new</footer>"})
    assert footer["article.html"] != before["article.html"] and footer["404.html"] == before["404.html"]
    base = keys(**{"base.html": "<div>{% block content %}{% endblock %}</div>"})
    assert all(base[name] != before[name] for name in before)
    # a name known only at render time could be any template
    assert card["any.html"] != before["any.html"] and footer["any.html"] != before["any.html"]


def test_a_template_with_a_syntax_error_is_a_problem_naming_it():
    with pytest.raises(BuildError) as caught:
        keys(**{"partials/footer.html": "{% if %}"})
    [problem] = caught.value.problems
    assert problem.path == "partials/footer.html" and problem.line == 1 and problem.field == "template"
