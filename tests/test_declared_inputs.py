"""Every output is a job with declared inputs, and a test guards them (issue 8).

While each job of a plan renders (a page: its context made and its template rendered; a feed,
sitemap or robots.txt: made), every article it reads and every template Jinja loads for it is
traced. A job that reads an article missing from its `inputs`, or loads a template outside the
closure of its own template (deps.template_closures(), what its key is made of), fails, naming
the job and what it read: a forgotten input would otherwise leave the page stale after an edit
of that story, on a rebuild that plans only what changed, with nothing to say so.

How the reads are seen:
- articles: Article.__getattribute__ is patched for the test (every attribute, `modified` — a
  cached_property — and body() included); a read is recorded against the article's `path`;
- templates: the environment caches no template and loads each through a loader that records
  the name, so every job's loads are seen, not only the first job's;
- nothing one job made may hide another's reads: each job comes from a plan of its own (the
  presenter caches each story's card once per plan; the RSS and Atom feeds of a listing share
  one making), and each page gets a fresh cached() (a macro's output is kept per build).
The tracer also checks that it is not blind: a page job must read every story it declares and
load its own template (a context made at plan time, or a cached template, would read nothing
while the job renders, and every check would pass).

Site-wide facts. Some of what a page shows is drawn from stories it does not show: a section's
and an author's name (the first spelling met, build_taxonomy()), the copyright year (the newest
change, Site.newest), a tag listing's heading, the archive's counts of stories per month. None
of these is read from an article while a job renders: they are worked out before the pages are
planned and reach the job as plain values — the presenter (the part every page shares) has
the first two from the Site, and they are in Site.key (build.site_key()), which every page's and
feed's key starts with; the last two are in their pages' own keys, and change only when a story's
shape() does, which plans every page again. So the tracer allows no read outside a job's inputs
at all, and checks instead that making the presenter reads no article: a site-wide fact worked
out from the stories there would be in no key.

What a rebuild that plans only what changed makes is chosen by the same inputs: the last test
holds plan(site, touching) to the jobs that declare a changed story.
"""
from __future__ import annotations

import dataclasses
import pickle
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import jinja2
import jinja2.meta
import lxml.html
import pytest

from generator import deps
from generator import plan as planner
from generator.build import BuildOptions, build_site
from generator.model import Article
from generator.render import MacroCache, make_environment, render
from generator.theme import find_theme
from conftest import NOW, REPO, SITE_TOML, article, write_site

AUTHORS_TOML = """\
["Asha Rao"]
name = "Asha R. Rao"
bio = "Asha covers climate and energy."
links = ["https://mastodon.example/@asha"]

["Dev Kumar"]
bio = "Dev reports on markets."
url = "https://news.example/people/dev/"
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"></svg>'


def story(title: str, published: str, tags: str, byline: str, **fields) -> str:
    return article(title, published, body=f"{title}: the body, with [a link](/world/).", tags=tags, byline=byline,
                   summary=f"What to know about {title.lower()}.", **fields)


def rich_site() -> dict[str, str]:
    """Every kind of page: three sections of several pages each (per_page 2), tags shared across
    sections (related stories), authors with and without data/authors.toml, five months in the
    archive, redirects, feeds of 3 (fewer than a section holds), stories in the news window
    (NOW is 2024-06-01 12:00 UTC), a correction, an update, a picture, a draft and a scheduled story."""
    return {
        "data/authors.toml": AUTHORS_TOML,
        "static/images/pic.svg": SVG,
        "content/world/w1.md": story("Monsoon arrives", "2024-01-05 09:00:00", "[Climate, Energy]", "[Asha Rao]"),
        "content/world/w2.md": story("Glacier survey", "2024-02-10 10:00:00", "[Climate]", "[Asha Rao, Dev Kumar]"),
        "content/world/w3.md": story("Pipeline deal", "2024-03-15 11:00:00", "[Energy, Trade]", "[Wire Staff]"),
        "content/world/w4.md": story("Heatwave warning", "2024-05-31 20:00:00", "[Climate]", "[Asha Rao]",
                                     aliases="[/old/heatwave/, /world/heat.html]"),
        "content/world/w5.md": story("Port strike ends", "2024-06-01 09:00:00", "[Trade]", "[Wire Staff]",
                                     corrections='[{date: "2024-06-01 10:00:00", text: "A date was wrong."}]'),
        "content/business/b1.md": story("Tariff review", "2024-01-20 09:30:00", "[Trade]", "[Dev Kumar]"),
        "content/business/b2.md": story("Solar exports", "2024-02-25 14:00:00", "[Trade, Energy]", "[Dev Kumar]",
                                        updated="2024-03-01 08:00:00"),
        "content/business/b3.md": story("Bank results", "2024-04-02 16:00:00", "[Markets]", "[Dev Kumar]",
                                        aliases="[/b/three.html]"),
        "content/business/b4.md": story("Markets rally", "2024-05-31 08:00:00", "[Markets, Trade]", "[Dev Kumar, Wire Staff]"),
        "content/sport/s1.md": story("Test series", "2024-02-01 09:00:00", "[Cricket]", "[Ravi Menon]"),
        "content/sport/s2.md": story("Cup draw", "2024-03-03 12:00:00", "[Cricket, Football]", "[Ravi Menon]"),
        "content/sport/s3.md": story("Derby day", "2024-04-18 18:00:00", "[Football]", "[Ravi Menon]"),
        "content/sport/s4.md": story("Record chase", "2024-05-05 15:00:00", "[Cricket]", "[Ravi Menon]",
                                     image="{src: /images/pic.svg, alt: A batter}"),
        "content/world/draft.md": story("Not yet", "2024-04-01 09:00:00", "[Climate]", "[Asha Rao]", draft="true"),
        "content/sport/later.md": story("Final preview", "2024-07-01 09:00:00", "[Football]", "[Ravi Menon]"),
    }


RICH_TOML = "per_page = 2\nfeed_size = 3\n" + SITE_TOML
EXAMPLE_NOW = datetime(2024, 3, 26, 6, 0, tzinfo=timezone.utc)   # 36 hours after its newest story: in the news sitemap


@dataclass
class Reads:
    """What one job read while it ran."""
    articles: dict[str, set[str]] = field(default_factory=dict)    # source path -> attributes read
    templates: list[str] = field(default_factory=list)              # names loaded, in order


class Tracer:
    """Records the reads made while tracing() is on: each Article attribute, each template loaded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.reads: Reads | None = None
        tracer = self

        def getattribute(a: Article, name: str):
            if tracer.reads is not None and not name.startswith("__"):
                tracer.reads.articles.setdefault(object.__getattribute__(a, "path"), set()).add(name)
            return object.__getattribute__(a, name)

        monkeypatch.setattr(Article, "__getattribute__", getattribute)

    @contextmanager
    def tracing(self):
        self.reads = Reads()
        try:
            yield self.reads
        finally:
            self.reads = None


class TracingLoader(jinja2.BaseLoader):
    """The build's loader (site, theme, default theme), recording each template it is asked for."""

    def __init__(self, inner: jinja2.BaseLoader, tracer: Tracer):
        self.inner, self.tracer = inner, tracer

    def get_source(self, environment, name):
        if self.tracer.reads is not None:
            self.tracer.reads.templates.append(name)
        return self.inner.get_source(environment, name)

    def list_templates(self):
        return self.inner.list_templates()


@dataclass
class Built:
    """A site as its build modelled it, with an environment like the build's."""
    site: planner.Site
    env: jinja2.Environment
    closures: dict[str, frozenset[str]]


def built(site_dir: Path, compiled: Path, **options) -> Built:
    result = build_site(site_dir, BuildOptions(cache=False, workers=1, **options))
    site = result.site
    env = make_environment(site_dir, find_theme(site_dir, site.config.theme), compiled)
    return Built(site, env, deps.template_closures(env, planner.PAGE_TEMPLATES))


def data_jobs(site: planner.Site) -> list[planner.DataJob]:
    """The feeds, sitemaps and robots.txt of a full build (as build.py plans them)."""
    entries = [(job.url_path, job.modified) for job in planner.plan(site) if job.in_sitemap]
    return planner.feed_jobs(site) + planner.site_files(site, entries, site.now)


def made_from_plan(job: planner.DataJob) -> bool:
    """The sitemaps list each page with its date (PageJob.modified), worked out when the pages are
    planned: making them reads no story, so they cannot show the tracer their inputs (every
    published story: test_the_files_beside_the_pages_declare_what_they_show checks those)."""
    return job.path.startswith("sitemap")


def undeclared(b: Built, tracer: Tracer) -> list[str]:
    """Render every job of the plan while tracing: what each read that it did not declare."""
    problems = []
    env = b.env.overlay(loader=TracingLoader(b.env.loader, tracer), cache_size=0)
    for job in planner.plan(b.site):
        site = dataclasses.replace(b.site)  # a presenter of its own: no card made for another job
        _indexes(site)
        env.globals["cached"] = MacroCache()
        with tracer.tracing() as reads:
            render(env, job.template, planner.page_context(site, job))
        problems += _article_problems(job, reads, blind_check=True)
        problems += [f"{job.path} ({job.template}) loaded template {name}, which is not in what {job.template} "
                     f"is made of (deps.template_closures()): an edit of it would not render the page again"
                     for name in dict.fromkeys(reads.templates) if name not in b.closures[job.template]]
        if job.template not in reads.templates:
            problems.append(f"{job.path}: the tracer did not see {job.template} load (are templates cached?)")
    for job in data_jobs(b.site):
        site = dataclasses.replace(b.site)  # the RSS and Atom feeds of a listing share one making
        _indexes(site)
        with tracer.tracing() as reads:
            planner.make_data(site, job)
        problems += _article_problems(job, reads, blind_check=not made_from_plan(job))
        problems += [f"{job.path} loaded template {name}: a data job has none" for name in reads.templates]
    return problems


def _indexes(site) -> None:
    """The site's indexes of its stories, made before tracing as a build makes them before it
    renders: by path (it reads every path), and the editions' views (every story's language and
    path; a story's language is in its shape(): a change to it plans every page again)."""
    site.by_path
    for view in site.editions().values():
        view.by_path


def _article_problems(job, reads: Reads, blind_check: bool) -> list[str]:
    declared = set(job.inputs)
    problems = [f"{job.path} read {path} ({', '.join(sorted(attributes))}), which is not among its declared "
                f"inputs: an edit of that story would leave {job.path} stale on a rebuild that plans only what changed"
                for path, attributes in sorted(reads.articles.items()) if path not in declared]
    if blind_check:
        problems += [f"{job.path} declares {path} but never read it while it rendered: the tracer cannot see "
                     f"how it reads it (a context made at plan time?), or it is rendered again for nothing"
                     for path in job.inputs if path not in reads.articles]
    return problems


@pytest.fixture(scope="module")
def rich(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("rich")
    return built(write_site(root / "site", rich_site(), RICH_TOML), root / "compiled", now=NOW)


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> Built:
    """The dev server's build: drafts and scheduled stories shown, with their marks."""
    root = tmp_path_factory.mktemp("preview")
    return built(write_site(root / "site", rich_site(), RICH_TOML), root / "compiled", now=NOW,
                 drafts=True, future=True, preview=True)


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Built:
    root = tmp_path_factory.mktemp("example")
    (root / "site").mkdir()
    for name in ("site.toml", "content", "static", "data"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / "site" / name)
    return built(root / "site", root / "compiled", now=EXAMPLE_NOW)


@pytest.fixture
def tracer(monkeypatch) -> Tracer:
    return Tracer(monkeypatch)


def kinds(b: Built) -> set[str]:
    """Which kinds of output the plan has, to show the fixture exercises them all."""
    jobs = planner.plan(b.site)
    found = {job.template for job in jobs}
    found |= {f"list:{job.url_path.split('/')[0]}" for job in jobs if job.template == "list.html"}
    found |= {"paginated" for job in jobs if "/page/" in job.url_path}
    found |= {"related" for job in jobs if job.template == "article.html" and len(job.inputs) > 1}
    found |= {"profile" for job in jobs if job.template == "list.html"
              and (profile := planner.page_context(b.site, job)["profile"]) is not None and profile.bio}
    data = data_jobs(b.site)
    found |= {d.path.rsplit("/", 1)[-1] for d in data}
    found |= {"news" for d in data if d.clock and d.inputs}
    return found


EVERY_KIND = {"home.html", "list.html", "archive.html", "article.html", "redirect.html", "404.html",
              "list:world", "list:business", "list:sport", "list:tags", "list:authors", "list:archive",
              "paginated", "related", "profile", "feed.xml", "atom.xml", "feed.json", "sitemap.xml",
              "news-sitemap.xml", "robots.txt", "news"}


@pytest.mark.parametrize("name", ["rich", "preview", "example"])
def test_no_job_reads_an_article_or_template_it_did_not_declare(name, request, tracer):
    b: Built = request.getfixturevalue(name)
    assert kinds(b) >= EVERY_KIND, f"the fixture no longer makes {EVERY_KIND - kinds(b)}"
    problems = undeclared(b, tracer)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["rich", "example"])
def test_the_site_wide_part_of_every_page_reads_no_article(name, request, tracer):
    """The presenter holds what every page shares (navigation, section and author names, the
    copyright year): it must have them from the Site, whose key holds them, not from the stories."""
    b: Built = request.getfixturevalue(name)
    with tracer.tracing() as reads:
        p = dataclasses.replace(b.site).presenter     # (one made afresh)
        p.site(), p.site("world")
    assert reads.articles == {}, f"making the presenter read {sorted(reads.articles)}: a site-wide fact " \
                                 "must be worked out before planning and be in Site.key"
    assert p.site().copyright_year == 2024      # from Site.newest


def test_the_files_beside_the_pages_declare_what_they_show(rich):
    site = rich.site
    published = [a.path for a in site.articles]
    data = {job.path: job for job in data_jobs(site)}
    by_section = {slug: [a.path for a in items] for slug, items in site.tax.section_articles.items()}
    assert data["feed.xml"].inputs == data["atom.xml"].inputs == data["feed.json"].inputs == tuple(published[:3])
    assert data["business/feed.xml"].inputs == tuple(by_section["business"][:3])
    assert data["authors/dev-kumar/feed.xml"].inputs == tuple(
        a.path for a in site.tax.author_articles["dev-kumar"][:3])
    assert data["sitemap.xml"].inputs == tuple(published)
    # the news window: 48 hours up to NOW (2024-06-01 12:00 UTC); the stories are in IST (UTC+5:30)
    assert data["news-sitemap.xml"].inputs == ("content/world/w5.md", "content/world/w4.md", "content/business/b4.md")
    assert data["robots.txt"].inputs == ()
    assert {path for path, job in data.items() if job.clock} == {"news-sitemap.xml"}


PLAIN = (str, int, float, bool, type(None), datetime)


def _plain(value) -> bool:
    """Strings, numbers, times, and tuples or frozen dataclasses of them (views.ArchiveYear): no
    callable, no story, nothing a worker on another machine could not be handed."""
    if isinstance(value, PLAIN):
        return True
    if isinstance(value, tuple):
        return all(map(_plain, value))
    if dataclasses.is_dataclass(value) and not isinstance(value, Article):
        return all(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


@pytest.mark.parametrize("name", ["rich", "preview"])
def test_every_job_is_plain_data(name, request):
    """What a job is made from is in the job (its kind, parameters and inputs) or in the Site: a
    context or a story fixed at plan time cannot be in it, and the job pickles as it is."""
    b: Built = request.getfixturevalue(name)
    for job in [*planner.plan(b.site), *data_jobs(b.site)]:
        assert pickle.loads(pickle.dumps(job)) == job
        assert all(_plain(getattr(job, f.name)) for f in dataclasses.fields(job)), job.path
    for job in planner.plan(b.site):    # and is keyed again from itself alone, as a saved job will be
        assert planner.job_key(b.site, job) == job.key, job.path


# --- the tracer catches what it is there to catch -------------------------------------------

def _reading_one_more(make):
    """A context or data maker that also reads a story its job does not declare (the mistake the
    tracer is for: say, a listing that looks up the next story for a "more" link)."""
    def reading(*args):
        site, job = args[-2], args[-1]
        extra = next(a for a in site.articles if a.path not in job.inputs)
        made = make(*args)
        extra.title     # noqa: B018 (read)
        return made
    return reading


# (not the front page: in this site it shows every published story, so there is none it could read undeclared)
@pytest.mark.parametrize("table, kind", [
    ("CONTEXTS", "article"), ("CONTEXTS", "listing"), ("CONTEXTS", "archive"),
    ("CONTEXTS", "redirect"), ("CONTEXTS", "404"),
    ("MAKERS", "feeds"), ("MAKERS", "json_feed"), ("MAKERS", "news_sitemap"), ("MAKERS", "robots"),
])
def test_a_job_reading_an_undeclared_story_is_reported_naming_the_job_and_the_story(rich, tracer, monkeypatch, table, kind):
    monkeypatch.setitem(getattr(planner, table), kind, _reading_one_more(getattr(planner, table)[kind]))
    jobs = [job for job in [*planner.plan(rich.site), *data_jobs(rich.site)] if job.kind == kind]
    assert jobs
    problems = undeclared(rich, tracer)
    for job in jobs:
        assert any(p.startswith(f"{job.path} read ") and "not among its declared inputs" in p
                   for p in problems), f"{job.path} read an undeclared story, unreported:\n" + "\n".join(problems)
    assert all(p.split(" ")[0] in {job.path for job in jobs} for p in problems), "\n".join(problems)


def test_a_job_declaring_a_story_it_does_not_show_is_reported_as_the_tracer_going_blind(rich, tracer, monkeypatch):
    real = planner._home

    def declaring_more(site):
        job = real(site)
        return dataclasses.replace(job, inputs=(*job.inputs, "content/sport/later.md"))
    monkeypatch.setattr(planner, "_home", declaring_more)
    problems = undeclared(rich, tracer)
    assert any(p.startswith("index.html declares content/sport/later.md") and "never read it" in p for p in problems), problems


INCLUDING = """\
{% extends "base.html" %}
{% block content %}<h1>{{ article.title }}</h1>{% include "partials/box-" ~ article.section.name|lower ~ ".html" %}{% endblock %}
"""


def test_a_template_named_at_render_time_is_seen_and_checked_against_the_closure(tmp_path, tracer, monkeypatch):
    """{% include var %}: deps.py counts every template in a page using one; the tracer sees the
    template actually loaded, and reports it when the closure does not hold it."""
    files = {**rich_site(), "templates/article.html": INCLUDING,
             **{f"templates/partials/box-{s}.html": f'<aside class="box">{s}</aside>' for s in ("world", "business", "sport")}}
    site_dir = write_site(tmp_path / "site", files, RICH_TOML)
    b = built(site_dir, tmp_path / "compiled", now=NOW)
    page = lxml.html.fromstring((site_dir / "output/world/w1/index.html").read_bytes())
    assert page.xpath("string(//aside[@class='box'])") == "world"     # the include was made
    assert undeclared(b, tracer) == []
    # a closure that ignored names built at render time would miss the box: the tracer says so
    real = jinja2.meta.find_referenced_templates
    monkeypatch.setattr(jinja2.meta, "find_referenced_templates", lambda ast: [n for n in real(ast) if n is not None])
    b = dataclasses.replace(b, closures=deps.template_closures(b.env, planner.PAGE_TEMPLATES))
    problems = undeclared(b, tracer)
    assert {p.split(" loaded template ")[1].split(",")[0] for p in problems if " loaded template " in p} == {
        "partials/box-world.html", "partials/box-business.html", "partials/box-sport.html"}, problems
    assert all(p.split(" ")[1] == "(article.html)" for p in problems), problems


def test_a_rebuild_for_one_changed_story_plans_exactly_the_jobs_that_declare_it(rich):
    """The declared inputs are what a rebuild that plans only what changed goes by: with them
    exact (the tests above), no page showing an edited story is left out."""
    site = rich.site
    related = planner.related_of(planner.plan(site))
    everything, feeds = planner.plan(site), planner.feed_jobs(site)
    for a in site.articles:
        planned = {job.path for job in planner.plan(site, {a.path}, related)}
        assert planned == {job.path for job in everything if a.path in job.inputs}, a.path
        made = {job.path for job in planner.feed_jobs(site, {a.path})}
        assert made == {job.path for job in feeds if a.path in job.inputs}, a.path
