"""Bodies and front matter an attacker would write: each builds, or fails in bounded time with
problems naming the file and the field, never a traceback (issue 22)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import lxml.html

import pytest

import failing_markdown
from failing_markdown import NESTS, RAISES
from generator.build import BuildOptions, build_site
from generator.problems import BuildError
from conftest import NOW, SITE_TOML, article, cli, write_site

FRONT = "---\ntitle: A story\npublished: 2024-02-03 09:54:00\n---\n\n"   # the body starts on line 6
# the command line, its converters failing on failing_markdown's words
FAILING_CLI = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import failing_markdown; "
               "failing_markdown.install(); from generator.cli import run; run()")


def build_cli(site, *, failing: bool = False) -> tuple[int, list[str], float]:
    """Build through the command line: (exit code, stderr lines, seconds); never a traceback."""
    started = time.perf_counter()
    if failing:
        result = subprocess.run([sys.executable, "-c", FAILING_CLI, "build", str(site)],
                                capture_output=True, text=True, timeout=120)
    else:
        result = cli("build", str(site))
    seconds = time.perf_counter() - started
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.returncode, result.stderr.splitlines(), seconds


def problems_in(lines: list[str], path: str) -> list[str]:
    return [line for line in lines if line.startswith(path + ":")]


def test_long_runs_of_emphasis_marks_build(tmp_path):
    """2,000 '*' around an 'x' nest emphasis deeper than Python's recursion limit."""
    site = write_site(tmp_path / "site", {
        "content/world/stars.md": FRONT + "*" * 2000 + "x" + "*" * 2000 + "\n",
        "content/world/unders.md": FRONT + "_" * 2500 + "x" + "_" * 2500 + "\n",
    })
    code, err, _ = build_cli(site)
    assert code == 0, err
    assert (site / "output/world/stars/index.html").is_file()


@pytest.mark.parametrize("body, message", [
    # Python-Markdown's own recursion, as lists nested 300 deep gave before 3.11.4
    (f"A list that {NESTS}.\n", "nested too deeply"),
    # an IndexError inside Markdown, as md_in_html's on '<div markdown="1">\n<ul></ul>\n- item\n</div>'
    (f"A bug that {RAISES}.\n", "cannot be converted from Markdown (IndexError"),
])
def test_a_body_markdown_fails_on_is_a_problem_of_its_file(tmp_path, body, message):
    """Whatever body the installed Markdown fails on (see failing_markdown.py)."""
    site = write_site(tmp_path / "site", {"content/world/bad.md": FRONT + body, "content/world/ok.md": article()})
    code, err, _ = build_cli(site, failing=True)
    assert code == 1
    [problem] = problems_in(err, "content/world/bad.md")
    assert problem.startswith("content/world/bad.md:6: body: ") and message in problem


SLOW = {    # each of these took Python-Markdown minutes (or a recursion error) at 100 KB
    "brackets": "[" * 50_000 + "x" + "]" * 50_000,
    "unclosed-links": "[x](" * 25_000,
    "tags": "<a " * 33_000,
    "underlines": "a\n-\n" * 25_000,
    "definitions": "a\n: b\n" * 16_000,
    "footnotes": "".join(f"x[^{i}] " for i in range(5000)) + "\n\n" + "".join(f"[^{i}]: n\n" for i in range(5000)),
    "abbreviations": "".join(f"*[A{i}]: a\n" for i in range(4000)) + "\n" + " ".join(f"A{i}" for i in range(4000)),
    "nested-emphasis": "*_" * 25_000 + "x" + "_*" * 25_000,
    "one-long-paragraph": "*a* & " * 100_000,
    "unclosed-fences": "```_\n\n" * 16_000,
    "headings-in-one-block": "^\n#*|" * 20_000,
    "comments-among-open-tags": "<http://a>><!---~~~-->" * 4500,
    "line-breaks": "\n-~~~\t" * 14_000,
}


def test_bodies_markdown_would_take_minutes_over_are_refused_by_name(tmp_path):
    files = {f"content/world/{name}.md": FRONT + "Intro.\n\n" + body for name, body in SLOW.items()}
    site = write_site(tmp_path / "site", {**files, "content/world/ok.md": article()})
    code, err, seconds = build_cli(site)
    assert code == 1 and seconds < 60
    for name in SLOW:
        [problem] = problems_in(err, f"content/world/{name}.md")
        assert ": body: too complex to convert: " in problem and "markdown.max_work" in problem
    assert not problems_in(err, "content/world/ok.md")


def test_the_work_limit_is_a_setting(tmp_path):
    body = FRONT + "Intro.\n\n" + "[" * 3000 + "x" + "]" * 3000 + "\n"
    site = write_site(tmp_path / "site", {"content/world/a.md": body})
    code, err, _ = build_cli(site)
    assert code == 1 and "content/world/a.md:8: body: too complex" in err[0]
    (site / "site.toml").write_text(SITE_TOML + "\n[markdown]\nmax_work = 10_000_000_000\n")
    code, err, _ = build_cli(site)
    assert code == 0, err
    (site / "site.toml").write_text(SITE_TOML + "\n[markdown]\nmax_work = 'lots'\n")
    code, err, _ = build_cli(site)
    assert code == 1 and any("markdown.max_work: must be a whole number" in line for line in err)


def test_a_failing_body_in_a_worker_process_is_a_problem_and_the_cache_recovers(tmp_path):
    """Enough stories for parsing to run in worker processes (see parallel.run_chunks)."""
    files = {f"content/world/s{i}.md": article(f"Story {i}", body=f"Body [link](/x/) {i}.") for i in range(450)}
    files["content/world/s7.md"] = FRONT + "Intro.\n\n*[A]: b\n" + "[" * 20_000 + "\n"
    files["content/world/s300.md"] = FRONT + f"A bug that {RAISES}.\n"
    site = write_site(tmp_path / "site", files)
    for _ in range(2):      # and again, from the cache
        code, err, _ = build_cli(site, failing=True)
        assert code == 1
        assert [p.split(": body: ")[0] for p in err if ": body: " in p] == ["content/world/s300.md:6", "content/world/s7.md:8"]
    (site / "content/world/s7.md").write_text(article("Fixed"))
    (site / "content/world/s300.md").write_text(article("Fixed too"))
    code, err, _ = build_cli(site, failing=True)
    assert code == 0, err


def test_a_key_given_twice_in_front_matter_is_an_error_naming_both_lines(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/world/a.md": "---\ntitle: First\npublished: 2024-02-03\ntitle: Second\n---\n\nBody.\n",
        "content/world/b.md": "---\ntitle: B\npublished: 2024-02-03\nimage:\n  src: /a.jpg\n  alt: A\n  src: /b.jpg\n"
                              "base: &base {x: 1}\nmerged:\n  <<: *base\n  x: 2\n---\n\nBody.\n",
    })
    code, err, _ = build_cli(site)
    assert code == 1
    assert problems_in(err, "content/world/a.md") == ["content/world/a.md:4: title: duplicate key (also on line 2): give each key once"]
    # a merge key ('<<') may be overridden: that is what it is for
    assert problems_in(err, "content/world/b.md") == ["content/world/b.md:7: image.src: duplicate key (also on line 5): give each key once"]


@pytest.mark.parametrize("toml, line", [
    ('title = "A"\nbase_url = "https://news.example/"\ntitle = "B"\n', 3),
    ('title = "A"\nbase_url = "https://news.example/"\n[markdown]\nunsafe_html = true\n[markdown]\nunsafe_html = false\n', 5),
])
def test_a_key_or_table_given_twice_in_site_toml_is_named_with_its_line(tmp_path, toml, line):
    site = write_site(tmp_path / "site", {"content/world/a.md": article()}, site_toml=toml)
    code, err, _ = build_cli(site)
    assert code == 1 and err[0].startswith(f"site.toml:{line}: not valid TOML: ") and "given twice" in err[0]


LAUGHS = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else 'lol'}]\n" for i in range(10))


def test_front_matter_an_attacker_would_write_builds_or_is_named(tmp_path):
    bad = {
        "deep-yaml.md": ("---\ntitle: A\npublished: 2024-02-03\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n\nB.\n", ""),
        "nul-title.md": ("---\ntitle: \"a\\0b\"\npublished: 2024-02-03\n---\n\nB.\n", "title"),
        "not-utf8.md": (b"---\ntitle: \xe9t\xe9\npublished: 2024-02-03\n---\n\nB.\n", ""),
    }
    good = {
        "laughs.md": "---\ntitle: A\npublished: 2024-02-03\n" + LAUGHS + "---\n\nB.\n",
        "bom-crlf.md": "\ufeff---\r\ntitle: A\r\npublished: 2024-02-03\r\n---\r\n\r\nB.\r\n",
        "long-title.md": article("x" * 100_000),
        "nul-body.md": FRONT + "a\x00b\n",
        "one-line.md": FRONT + "word " * 200_000 + "\n",
        "many-lines.md": FRONT + "line\n" * 100_000,
        "quotes.md": FRONT + ">" * 300 + " deep\n",
    }
    site = write_site(tmp_path / "site", {f"content/world/{k}": v for k, (v, _) in bad.items()}
                      | {f"content/world/{k}": v for k, v in good.items()})
    code, err, seconds = build_cli(site)
    assert code == 1 and seconds < 60
    for name, (_, field) in bad.items():
        [problem] = problems_in(err, f"content/world/{name}")
        assert f": {field}: " in problem if field else True
    assert not [line for line in err if any(name in line for name in good)]
    for name in bad:
        (site / "content/world" / name).unlink()
    code, err, _ = build_cli(site)
    assert code == 0, err


def test_an_alias_too_deep_or_too_long_for_a_file_system_is_named_in_its_story(tmp_path):
    site = write_site(tmp_path / "site", {
        "content/world/deep.md": article(aliases="['/" + "a/" * 2100 + "']"),
        "content/world/wide.md": article(aliases="['/old/" + "x" * 240 + "/']"),
        "content/world/fine.md": article(aliases="['/" + "a/" * 50 + "']"),
    })
    code, err, _ = build_cli(site)
    assert code == 1
    [deep] = problems_in(err, "content/world/deep.md")
    assert deep.startswith("content/world/deep.md:4: aliases: item 1 (") and "4,210 bytes long, over the 800" in deep
    [wide] = problems_in(err, "content/world/wide.md")
    assert "aliases: item 1" in wide and "holds a name of 240 bytes, over the 200" in wide
    assert not problems_in(err, "content/world/fine.md") and not [line for line in err if ".broadsheet-new" in line]


@pytest.mark.parametrize("pattern, message", [
    ("/{section}/{slug:>500}/", "placeholders take no format or conversion ({slug:>500})"),
    ("/{slug!r}/", "placeholders take no format or conversion ({slug!r})"),
    ("/" + "n" * 300 + "/{slug}/", "holds a name of 300 bytes"),
    ("/{section}/" + "a/" * 400 + "{slug}/", "over the 800 an output path may have"),
])
def test_a_permalink_pattern_that_makes_paths_too_long_is_named_in_site_toml(tmp_path, pattern, message):
    toml = SITE_TOML + f"\n[permalinks]\narticle = \"{pattern}\"\n"
    site = write_site(tmp_path / "site", {"content/world/a.md": article()}, site_toml=toml)
    code, err, _ = build_cli(site)
    assert code == 1 and err[0].startswith("site.toml: permalinks.article: ") and message in err[0]


def test_a_story_with_thousands_of_tags_or_authors_is_refused_not_built_for_minutes(tmp_path):
    tags = ", ".join(f"t{i}" for i in range(20_000))
    authors = ", ".join(f"Reporter {i}" for i in range(10_000))
    site = write_site(tmp_path / "site", {
        "content/world/tags.md": article(tags=f"[{tags}]"),
        "content/world/authors.md": article(byline=f"[{authors}]"),
        "content/world/fine.md": article(tags="[" + ", ".join(f"t{i}" for i in range(100)) + "]"),
    })
    code, err, seconds = build_cli(site)
    assert code == 1 and seconds < 60
    assert problems_in(err, "content/world/tags.md") == ["content/world/tags.md:4: tags: has 20,000 items; a story may have at most 100"]
    assert problems_in(err, "content/world/authors.md") == ["content/world/authors.md:4: byline: has 10,000 items; a story may have at most 50"]
    assert not problems_in(err, "content/world/fine.md")


def test_a_story_converted_after_one_markdown_failed_on_is_whole(tmp_path, monkeypatch):
    """A converter stopped half-way (RecursionError) is not reused: in a process that builds
    again, as the dev server does, the next story converts as ever."""
    failing_markdown.install(monkeypatch.setattr)
    good = article("Good", body="A [link](/x/) and a note[^1].\n\n[^1]: The note.")
    site = write_site(tmp_path / "site", {"content/world/a.md": FRONT + f"A list that {NESTS}.\n"})
    with pytest.raises(BuildError) as failed:
        build_site(site, BuildOptions(now=NOW, workers=1))
    assert [p.field for p in failed.value.problems] == ["body"]
    (site / "content/world/a.md").write_text(good)
    build_site(site, BuildOptions(now=NOW, workers=1))
    page = lxml.html.fromstring((site / "output/world/a/index.html").read_bytes())
    assert page.xpath("//a[@href='/x/' and text()='link']")
    assert [" ".join(li.text_content().split()) for li in page.xpath("//div[@class='footnote']//li")] == ["The note. ↩"]
