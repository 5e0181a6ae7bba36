"""The command line: build, init, new — thin commands over the library."""
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import frontmatter
import pytest

from conftest import article, cli, write_site


def test_build_prints_one_summary_line(tmp_path):
    site = write_site(tmp_path / "s", {"content/world/a.md": article("A", "2024-02-01", tags="[x]")})
    result = cli("build", str(site))
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("Built ") and "1 articles" in line and "1 sections" in line and "1 tags" in line and str(site / "output") in line
    assert cli("build", str(site), "-q").stdout == ""
    verbose = cli("build", str(site), "-v", "--no-cache").stdout
    phases = [line.split()[0] for line in verbose.splitlines() if line.startswith("  ") and " ms" in line]
    assert phases == ["load", "parse", "model", "plan", "render", "feeds", "write"]


def test_build_defaults_to_the_current_folder_and_honours_output(tmp_path):
    site = write_site(tmp_path / "s", {"content/world/a.md": article("A", "2024-02-01")})
    assert cli("build", cwd=site).returncode == 0 and (site / "output/index.html").is_file()
    assert cli("build", "--output", str(tmp_path / "pub"), cwd=site).returncode == 0
    assert (tmp_path / "pub/world/a/index.html").is_file()


def test_init_makes_a_site_that_builds_at_once(tmp_path):
    target = tmp_path / "daily-planet"
    result = cli("init", str(target))
    assert result.returncode == 0, result.stderr
    assert (target / "site.toml").is_file() and list((target / "content").rglob("*.md"))
    built = cli("build", str(target))
    assert built.returncode == 0, built.stderr
    assert (target / "output/index.html").is_file() and (target / "output/feed.xml").is_file()
    again = cli("init", str(target))
    assert again.returncode == 1 and "already" in again.stderr


def test_new_writes_front_matter_and_never_overwrites(tmp_path):
    site = write_site(tmp_path / "s", {})
    result = cli("new", "world", "Floods hit the coast: what we know", "--site", str(site))
    assert result.returncode == 0, result.stderr
    path = site / "content/world/floods-hit-the-coast-what-we-know.md"
    post = frontmatter.load(path)
    assert post["title"] == "Floods hit the coast: what we know"
    published = post["published"]
    assert published.utcoffset() == ZoneInfo("Asia/Kolkata").utcoffset(datetime.now())
    assert abs((datetime.now(ZoneInfo("UTC")) - published).total_seconds()) < 120
    path.write_text("my words")
    again = cli("new", "world", "Floods hit the coast: what we know", "--site", str(site))
    assert again.returncode == 1 and "already exists" in again.stderr
    assert path.read_text() == "my words"


def test_new_story_is_a_draft_that_builds(tmp_path):
    site = write_site(tmp_path / "s", {})
    cli("new", "sport", "Cup final tonight", "--site", str(site))
    assert cli("build", str(site), "--drafts").returncode == 0
    assert (site / "output/sport/cup-final-tonight/index.html").is_file()


@pytest.mark.parametrize("command", ["build", "init", "new", "schedule", "clean", "theme", "serve"])
def test_every_command_has_help(command):
    result = cli(command, "--help")
    assert result.returncode == 0 and "usage: broadsheet" in result.stdout and len(result.stdout.splitlines()) > 3


def test_console_script_is_installed():
    import subprocess
    import sys
    from pathlib import Path
    exe = Path(sys.executable).parent / "broadsheet"
    assert exe.is_file(), "the broadsheet console script is not installed beside python"
    assert subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.startswith("broadsheet ")


def test_the_command_flushes_what_it_prints_before_its_quick_exit(make_site):
    import subprocess
    import sys
    from pathlib import Path
    exe = Path(sys.executable).parent / "broadsheet"
    site = make_site({"content/world/a.md": article("A")})
    done = subprocess.run([exe, "build", str(site), "-v"], capture_output=True, text=True)
    assert done.returncode == 0 and "render" in done.stdout and done.stdout.rstrip().splitlines()[-1].startswith("Built ")
    (site / "content/world/b.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    failed = subprocess.run([exe, "build", str(site)], capture_output=True, text=True)
    assert failed.returncode == 1 and "b.md" in failed.stderr and failed.stderr.rstrip().endswith("the previous output is unchanged.")


def test_a_build_with_nothing_to_parse_imports_no_yaml_markdown_or_feed_library(make_site):
    """They take ~70 ms to import (ctypes, for syncing what a build writes, ~9 ms more): a no-change
    build, and the parent of a big build, never use them; a build whose stories are plain prose
    never loads Markdown."""
    import subprocess
    import sys
    site = make_site({"content/world/a.md": article("A")})
    assert subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q"]).returncode == 0
    probe = ("import sys; from pathlib import Path; from generator.cli import main; main(['build', sys.argv[1], '-q']); "
             "print(sorted(m for m in ('yaml', 'markdown', 'nh3', 'lxml.html', 'frontmatter', 'feedgen', 'ctypes') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
    (site / "content/world/a.md").write_text(article("A, edited"))    # something to parse: YAML is imported
    done = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True)
    assert "'yaml'" in done.stdout and "'markdown'" not in done.stdout, done.stderr     # (plain prose: no Markdown)
    (site / "content/world/a.md").write_text(article("A, edited", body="| a | b |\n|---|---|\n| 1 | 2 |\n"))
    done = subprocess.run([sys.executable, "-c", probe, str(site)], capture_output=True, text=True)
    assert "'markdown'" in done.stdout and "'yaml'" in done.stdout, done.stderr     # a table: Markdown makes it


@pytest.mark.parametrize("error", ["RuntimeError('a bug')", "PermissionError(13, 'Permission denied', '/srv/x')"])
def test_an_unexpected_error_is_one_line_and_exit_1_never_a_traceback(tmp_path, error):
    import textwrap
    site = tmp_path / "site"
    (site / "content/world").mkdir(parents=True)
    (site / "site.toml").write_text('title = "T"\nbase_url = "https://news.example/"\n')
    script = textwrap.dedent(f"""
        import sys, generator.cli as cli
        def failing(*args, **kwargs):
            raise {error}
        cli.build_site = failing
        sys.argv = ["broadsheet", "build", sys.argv[1]]
        cli.run()
        """)
    done = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and ("internal error (RuntimeError: a bug)" in done.stderr
                                            or done.stderr == "/srv/x: Permission denied\n")
    shown = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True,
                           env={**os.environ, "BROADSHEET_TRACEBACK": "1"})
    assert shown.returncode != 0 and ("Traceback" in shown.stderr) == error.startswith("RuntimeError")
