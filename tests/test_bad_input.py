"""Every bad-input rule, through the real command line: a clear `path:line: field: message`,
a non-zero exit, no traceback, and the previous output left exactly as it was."""
import pytest

from conftest import SITE_TOML, article, cli, snapshot, write_site, leftovers

GOOD = {"content/world/good.md": article("Good story", "2024-02-01 10:00:00", tags="[Trade]")}

BAD = [
    # (file text, expected "path:line: field" prefix, words in the message)
    (article(None, "2024-02-01"), "content/world/bad.md:1: title:", "required"),
    (article("", "2024-02-01"), "content/world/bad.md:2: title:", "empty"),
    ("---\ntitle: T\npublished: 2024-02-01\ntags: [a, b\n---\n", "content/world/bad.md:", "not valid YAML"),
    (article("T", "someday"), "content/world/bad.md:3: published:", "not a date"),
    (article("T", "2024-02-05", updated="2024-02-01"), "content/world/bad.md:4: updated:", "before published"),
    (article("T", "2024-02-01", tags="5"), "content/world/bad.md:4: tags:", "list"),
    (article("T", None), "content/world/bad.md:1: published:", "required"),
    ("", "content/world/bad.md:1:", "empty file"),
    ("No front matter here.\n", "content/world/bad.md:1:", "no front matter"),
    (b"---\ntitle: caf\xe9\npublished: 2024-02-01\n---\n", "content/world/bad.md:2:", "not UTF-8"),
    (article("T", "2024-02-01", image="{src: /a.png}"), "content/world/bad.md:4: image.alt:", "required"),
]


@pytest.fixture
def built(tmp_path):
    site = write_site(tmp_path / "site", GOOD)
    result = cli("build", str(site))
    assert result.returncode == 0, result.stderr
    return site, snapshot(site / "output")


@pytest.mark.parametrize("text, where, words", BAD, ids=[b[2] for b in BAD])
def test_bad_article_fails_clearly_and_keeps_the_previous_output(built, text, where, words):
    site, before = built
    path = site / "content/world/bad.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = cli("build", str(site))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    line = next(l for l in result.stderr.splitlines() if "bad.md" in l)
    assert line.startswith(where) and words in line, result.stderr
    assert "previous output is unchanged" in result.stderr
    assert snapshot(site / "output") == before
    assert not leftovers(site)


def test_yaml_error_gives_the_yaml_line(built):
    site, _ = built
    (site / "content/world/bad.md").write_text("---\ntitle: T\npublished: 2024-02-01\nsummary: a: b\n---\n")
    result = cli("build", str(site))
    assert "content/world/bad.md:4:" in result.stderr and "YAML" in result.stderr


def test_two_articles_with_one_url_name_both_files(built):
    site, before = built
    (site / "content/business").mkdir()
    (site / "content/business/other.md").write_text(article("Other", "2024-02-02", section="world", slug="good"))
    result = cli("build", str(site))
    assert result.returncode == 1
    lines = [l for l in result.stderr.splitlines() if "same URL" in l]
    assert len(lines) == 2
    assert any(l.startswith("content/business/other.md:5:") and "content/world/good.md" in l for l in lines)   # (its slug's line)
    assert any(l.startswith("content/world/good.md") and "content/business/other.md" in l for l in lines)
    assert snapshot(site / "output") == before


def test_every_problem_in_every_file_is_reported_together(built):
    site, before = built
    (site / "content/world/a.md").write_text(article("", "2024-02-01"))
    (site / "content/world/b.md").write_text(article("B", "never", tags="5"))
    result = cli("build", str(site))
    assert result.returncode == 1
    assert "a.md:2: title:" in result.stderr and "b.md:3: published:" in result.stderr and "b.md:4: tags:" in result.stderr
    assert "3 problems" in result.stderr
    assert snapshot(site / "output") == before


def test_missing_site_toml(tmp_path):
    result = cli("build", str(tmp_path))
    assert result.returncode == 1 and "no site.toml" in result.stderr and "Traceback" not in result.stderr


def test_unknown_config_key_names_the_key_and_the_closest_one(built):
    site, before = built
    (site / "site.toml").write_text("per_pgae = 10\n" + SITE_TOML)
    result = cli("build", str(site))
    assert result.returncode == 1
    result.stderr = "\n" + result.stderr
    assert "\nsite.toml: per_pgae: unknown key (did you mean 'per_page'?)" in result.stderr
    assert snapshot(site / "output") == before


def test_a_broken_template_names_the_template_and_line(built):
    site, before = built
    (site / "templates").mkdir()
    (site / "templates/article.html").write_text('{% extends "base.html" %}\n{% block content %}\n{{ article.nope }}\n{% endblock %}\n')
    result = cli("build", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "article.html:3: template:" in result.stderr and "nope" in result.stderr
    assert snapshot(site / "output") == before


def test_a_syntax_error_in_a_partial_names_the_partial_and_line(built):
    """Found while working out which templates each page uses, before anything is rendered."""
    site, before = built
    (site / "templates/partials").mkdir(parents=True)
    (site / "templates/partials/card.html").write_text("{% macro card(c) %}\n{% if %}\n{% endmacro %}\n")
    result = cli("build", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "partials/card.html:2: template:" in result.stderr
    assert snapshot(site / "output") == before


def test_foreign_output_folder_is_refused(tmp_path, built):
    site, _ = built
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "notes.txt").write_text("precious")
    result = cli("build", str(site), "--output", str(home))
    assert result.returncode == 1 and "did not create" in result.stderr
    assert (home / "notes.txt").read_text() == "precious" and (home / "Documents").is_dir()


def test_output_may_not_be_the_site_itself(built):
    site, _ = built
    result = cli("build", str(site), "--output", str(site))
    assert result.returncode == 1 and (site / "content/world/good.md").is_file()
