"""The fast paths over libraries' internals (generator/speedups.py) are on only for the versions
they were verified against; off, the plain library path runs and a build gives the same bytes."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import jinja2
import markdown
import pytest
from markdown.treeprocessors import InlineProcessor

from generator import cache, markup, speedups
from generator.build import BuildOptions, build_site
from generator.output import MemorySink
from generator.render import make_environment
from generator.typography import SmartPunctuation
from conftest import NOW, REPO, article


def forget() -> None:
    """Decide again which fast paths are on (each decision is kept for the process)."""
    speedups.enabled.cache_clear()
    cache.code_key.cache_clear()
    markup._converters.clear()


@pytest.fixture
def fresh(monkeypatch):
    forget()
    yield monkeypatch
    monkeypatch.undo()
    forget()


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("example")
    for name in ("site.toml", "content", "static", "data"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, site / name)
    return site


def built(site: Path) -> dict[str, bytes]:
    sink = MemorySink()
    build_site(site, BuildOptions(now=NOW, cache=False), sink=sink)
    return dict(sink.files)


def test_the_example_site_builds_the_same_bytes_with_every_fast_path_off(example, fresh):
    fast = built(example)
    fresh.setenv("BROADSHEET_SPEEDUPS", "off")
    forget()
    assert not any(speedups.enabled(name) for name in speedups.VERIFIED)
    plain = built(example)
    assert fast.keys() == plain.keys() and len(fast) > 50
    assert [path for path in fast if fast[path] != plain[path]] == []


def by_the_table(monkeypatch) -> None:
    """Decide from speedups.VERIFIED, even where BROADSHEET_SPEEDUPS=verify forces every fast path
    on (as scripts/test-versions does to verify a new release)."""
    monkeypatch.delenv("BROADSHEET_SPEEDUPS", raising=False)
    forget()


def unverified(monkeypatch, distribution: str) -> None:
    """As if the installed `distribution` were a release speedups.VERIFIED does not list."""
    by_the_table(monkeypatch)
    real = speedups.installed
    monkeypatch.setattr(speedups, "installed", lambda dist: "0.0.dev0" if dist == distribution else real(dist))
    forget()


def test_an_unverified_markdown_runs_plain_markdown(example, fresh):
    fast = built(example)
    unverified(fresh, "markdown")
    assert not speedups.enabled("markdown_gates") and not speedups.enabled("prose")
    text = "A *plain* story.\n\n१. पहला\n२. दूसरा"
    stock = markdown.Markdown(extensions=[*markup.extensions(), SmartPunctuation()], output_format="html")
    assert markup.render_markdown(text) == stock.convert(text)
    md = markup._converters["/"]    # made just now, by render_markdown(): no gate in it
    assert type(md.treeprocessors["inline"]) is InlineProcessor and "broadsheet_snapshot" not in md.preprocessors
    assert built(example) == fast


def test_an_unverified_jinja_gets_jinjas_own_environment(example, tmp_path, fresh):
    fast = built(example)
    by_the_table(fresh)
    others = {name: speedups.enabled(name) for name in speedups.VERIFIED if "jinja2" not in speedups.VERIFIED[name]}
    unverified(fresh, "jinja2")
    assert type(make_environment(tmp_path, tmp_path)) is jinja2.Environment
    assert others == {name: speedups.enabled(name) for name in others}   # (other libraries' fast paths stay as they were)
    assert built(example) == fast


def test_an_unverified_sanitiser_sanitises_every_body(fresh):
    unverified(fresh, "nh3")
    calls = []
    real = markup.sanitize
    fresh.setattr(markup, "sanitize", lambda html, hosts: calls.append(html) or real(html, hosts))
    assert markup.render_markdown("Plain prose, *nothing* more.") == "<p>Plain prose, <em>nothing</em> more.</p>"
    assert calls == ["<p>Plain prose, <em>nothing</em> more.</p>"]


def test_a_cache_made_with_the_fast_paths_serves_a_build_without_them(example, tmp_path, fresh):
    """Compiled templates and parsed bodies are kept per library versions and fast paths: a
    template compiled by the fast code generator is never loaded into Jinja's own environment."""
    site = tmp_path / "site"
    shutil.copytree(example, site)
    out = tmp_path / "out"
    build_site(site, BuildOptions(now=NOW, output=out))
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fresh.setenv("BROADSHEET_SPEEDUPS", "off")
    forget()
    (site / "content" / "world" / "zz-new.md").write_text(article("New", "2024-05-01 09:00:00", "A *new* story."), encoding="utf-8")
    build_site(site, BuildOptions(now=NOW, output=out))
    again = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(again) > len(first)
    shutil.rmtree(out)
    build_site(site, BuildOptions(now=NOW, output=out, cache=False))
    assert again == {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_verify_switches_every_fast_path_on(fresh):
    unverified(fresh, "markdown")
    fresh.setenv("BROADSHEET_SPEEDUPS", "verify")
    forget()
    assert all(speedups.enabled(name) for name in speedups.VERIFIED)


@pytest.mark.skipif(bool(os.environ.get("BROADSHEET_ANY_VERSIONS")), reason="scripts/test-versions: the lowest versions")
def test_every_fast_path_is_on_for_the_installed_libraries():
    """A release not in speedups.VERIFIED runs the plain paths, slower: verify it (docs/versions.md)."""
    off = {name: {dist: speedups.installed(dist) for dist in needs} for name, needs in speedups.VERIFIED.items()
           if not speedups.enabled(name)}
    assert off == {}


def test_installed_versions_are_what_importlib_metadata_says():
    from importlib.metadata import distributions, version
    names = {dist.metadata["Name"] for dist in distributions()}
    assert {"markdown", "jinja2", "nh3"} <= {name.lower() for name in names}
    assert {name: speedups.installed(name) for name in names} == {name: version(name) for name in names}
    assert speedups.installed("no-such-distribution") is None
