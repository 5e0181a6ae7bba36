"""`broadsheet new` and `broadsheet init` given what a terminal can send: never a traceback, never
a partial or overwritten file, and the site still builds afterwards (issue 22)."""
from __future__ import annotations

import os

import pytest

from conftest import cli


@pytest.fixture
def site(tmp_path):
    made = cli("init", str(tmp_path / "site"))
    assert made.returncode == 0, made.stderr
    return tmp_path / "site"


def stories(site) -> list[str]:
    return sorted(p.relative_to(site / "content").as_posix() for p in (site / "content").rglob("*") if p.is_file())


def test_a_title_that_is_not_utf8_is_refused_and_leaves_no_file(site):
    title = os.fsdecode(b"\xe9t\xe9")      # what Python makes of Latin-1 bytes on the command line
    result = cli("new", "world", title, "--site", str(site))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "argument title: '\\xe9t\\xe9' is not UTF-8 text" in result.stderr
    assert stories(site) == ["news/welcome.md"]
    assert cli("build", str(site)).returncode == 0


@pytest.mark.parametrize("section, title, message", [
    ("world", "", "title: '' gives an empty file name"),
    ("world", "!!! ???", "title: '!!! ???' gives an empty file name"),
    ("world", "Two\nlines", "title: 'Two\\x0alines' must be one line of printable text"),
    ("../../etc", "Escape", "section: '../../etc' must be one folder name"),
    ("/tmp", "Absolute", "section: '/tmp' must be one folder name"),
    ("world/europe", "Nested", "section: 'world/europe' must be one folder name"),
    ("..", "Up", "section: '..' gives an empty folder name"),
])
def test_a_section_or_title_that_makes_no_file_name_is_refused(site, section, title, message):
    result = cli("new", section, title, "--site", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr
    assert stories(site) == ["news/welcome.md"]


def test_a_very_long_title_gives_a_file_name_the_file_system_takes(site):
    result = cli("new", "world", "Word " * 2000, "--site", str(site))
    assert result.returncode == 0, result.stderr
    [made] = [p for p in stories(site) if p.startswith("world/")]
    assert len(made.rsplit("/", 1)[1].encode()) <= 255
    assert cli("build", str(site), "--drafts").returncode == 0


def test_an_existing_story_is_never_overwritten(site):
    assert cli("new", "world", "Scoop", "--site", str(site)).returncode == 0
    path = site / "content/world/scoop.md"
    path.write_text("mine\n")
    result = cli("new", "world", "Scoop", "--site", str(site))
    assert result.returncode == 1 and "already exists; not overwritten" in result.stderr
    assert path.read_text() == "mine\n"
    assert not [p for p in os.listdir(path.parent) if p.endswith(".tmp")]


def test_a_section_folder_that_is_a_file_is_a_problem_not_a_traceback(site):
    (site / "content/sport").write_text("not a folder")
    result = cli("new", "sport", "Final", "--site", str(site))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/sport: cannot be made a folder: " in result.stderr


def test_init_names_a_site_after_any_folder_name_and_refuses_a_file(tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9\nnews")    # not UTF-8, and a line break
    folder.mkdir()
    result = cli("init", ".", cwd=folder)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert 'title = "Caf News"' in (folder / "site.toml").read_text()
    assert cli("build", ".", "--quiet", cwd=folder).returncode == 0
    (tmp_path / "afile").write_text("x")
    result = cli("init", str(tmp_path / "afile"))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "cannot be made a folder" in result.stderr
    assert (tmp_path / "afile").read_text() == "x"
