"""Theming for users: `broadsheet theme new`, strict templates, and a template reference that
cannot drift from the view models."""


from generator.build import BuildOptions, build_site
from generator.output import MemorySink
from generator.reference import TEMPLATES, template_reference, update_readme
from conftest import NOW, REPO, SITE_TOML, article, cli, html, write_site


def test_theme_new_copies_the_default_theme_and_the_site_uses_it(tmp_path):
    site = write_site(tmp_path / "s", {"content/world/a.md": article("A", "2024-02-01")})
    result = cli("theme", "new", "gazette", "--site", str(site))
    assert result.returncode == 0, result.stderr
    assert (site / "themes/gazette/templates/article.html").is_file()
    assert (site / "themes/gazette/static/css/style.css").is_file()
    template = site / "themes/gazette/templates/article.html"
    template.write_text(template.read_text().replace('<h1 class="story__title">', '<h1 class="story__title mine">'))
    (site / "site.toml").write_text('theme = "gazette"\n' + SITE_TOML)
    assert cli("build", str(site)).returncode == 0
    assert html(site / "output/world/a/index.html").xpath('//h1[contains(@class, "mine")]')
    again = cli("theme", "new", "gazette", "--site", str(site))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_every_template_gets_exactly_the_documented_variables(make_site):
    site = make_site({"content/world/a.md": article("A", "2024-02-01", byline="Asha Rao", aliases="[/old/a/]"),
                      "content/world/b.md": article("B", "2024-02-02", tags="[x]")})
    seen = {}
    from generator import plan as build_module      # (build.py takes plan() from it when it plans)
    real_plan = build_module.plan

    def spy(s, touching=None, related=None):
        jobs = real_plan(s, touching, related)
        for job in jobs:
            seen.setdefault(job.template, set(build_module.page_context(s, job)))
        return jobs
    build_module.plan = spy
    try:
        build_site(site, BuildOptions(now=NOW), sink=MemorySink())
    finally:
        build_module.plan = real_plan
    assert set(seen) == set(TEMPLATES)
    for template, variables in seen.items():
        assert variables == {"site", "page"} | set(TEMPLATES[template]), template


def test_the_readme_carries_the_current_template_reference():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert update_readme(readme) == readme, "run: python -m generator.reference README.md"
    assert "ArticleView" in template_reference() and "`signoff`" in template_reference()
