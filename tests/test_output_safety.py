"""Never lose a working site: clashing outputs, killed and half-applied commits, outputs that are
links or mount points of their own, outputs removed or shared during a build, full and read-only
disks. Each case goes through the real command line and checks the previous output is intact."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import NOW, article, cli, leftovers, mounted, needs_mount, remount, snapshot, write_site

STORY = "content/world/a.md"


def site_files(**fields) -> dict[str, str]:
    """Two stories, a static file, and enough older stories that a one-story edit is patched in
    place through the journal rather than swapped in as a new folder."""
    return {STORY: article("A story", "2024-02-03 09:54:00", **fields),
            "content/sport/b.md": article("Another story", "2024-02-04 09:00:00", tags="[Cricket]"),
            "static/images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            **{f"content/business/old{i:02d}.md": article(f"Older story {i}", f"2023-0{1 + i % 9}-{1 + i:02d} 08:00:00",
                                                          tags=f"[Markets{i}]")
               for i in range(25)}}


def contents(folder: Path) -> dict[str, str]:
    return {rel: digest for rel, (digest, _) in snapshot(folder).items()}


def built(site: Path, *more: str) -> subprocess.CompletedProcess:
    done = cli("build", str(site), *more)
    assert "Traceback" not in done.stderr, done.stderr
    return done


# ---- outputs that cannot all be written ----

@pytest.mark.parametrize("alias", ["/css/style.css", "/robots.txt", "/images/logo.svg", "/feed.xml", "/atom.xml",
                                   "/sitemap.xml", "/news-sitemap.xml", "/.broadsheet-output", "/index.html",
                                   "/sport/", "/world/a/", "/tags/cricket/"])
def test_an_alias_onto_another_output_is_a_problem_before_anything_is_written(tmp_path, alias):
    site = write_site(tmp_path / "site", site_files())
    assert built(site).returncode == 0
    before = snapshot(site / "output")
    write_site(site, {STORY: article("A story", "2024-02-03 09:54:00", aliases=f"[{alias!r}]")}, site_toml=None)
    done = built(site)
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"{STORY}: aliases: ") and alias.rstrip("/") in first, done.stderr
    assert snapshot(site / "output") == before and leftovers(site) == []
    # and once the alias goes, the site builds as before: nothing was left to block it
    write_site(site, {STORY: article("A story", "2024-02-03 09:54:00")}, site_toml=None)
    assert built(site).returncode == 0
    assert contents(site / "output") == {rel: d for rel, (d, _) in before.items()}


def test_a_section_named_like_the_archive_is_a_problem_naming_the_story(tmp_path):
    site = write_site(tmp_path / "site", {**site_files(), STORY: article("A story", section="archive", slug="'2024'")})
    done = built(site)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{STORY}: section: ") and "/archive/index.html" in done.stderr
    assert not (site / "output").exists() and leftovers(site) == []


# ---- what a killed build left ----

def _journal(site: Path, lines: str, files: dict[str, bytes]) -> Path:
    """A committed journal as a build killed inside its commit leaves it."""
    stage = site / f".output.broadsheet-new-{os.getpid() + 1}"
    for rel, data in files.items():
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_bytes(data)
    (stage / ".journal").write_text(lines)
    return stage


def test_a_journal_that_cannot_be_applied_never_blocks_later_builds(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    assert built(site).returncode == 0
    # the journal of a build (of an older version) whose alias clashed with a static file
    _journal(site, "replace images/logo.svg/index.html\nreplace world/a/index.html\n",
             {"images/logo.svg/index.html": b"<p>redirect</p>", "world/a/index.html": b"<p>new page</p>"})
    for _ in range(2):
        done = built(site)
        assert done.returncode == 0, done.stderr
    assert contents(site / "output") == contents(_clean(site, tmp_path))
    assert leftovers(site) == []


def test_a_journal_is_finished_before_a_content_problem_can_stop_the_build(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    assert built(site).returncode == 0
    write_site(site, {STORY: article("A story, edited", "2024-02-03 09:54:00")}, site_toml=None)
    finished = contents(_clean(site, tmp_path, "finished"))
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import os, sys, generator.output as output
        def killed(stage, out, durable=True):
            os._exit(9)          # as a SIGKILL right after the journal was committed
        output._apply = killed
        from generator.cli import run
        sys.argv = ["broadsheet", "build", sys.argv[1]]
        run()
        """), str(site)], capture_output=True, text=True)
    assert killed.returncode == 9 and leftovers(site)      # the journal is there, not applied
    (site / "content/sport/b.md").write_text("---\ntitle: [broken\n---\n")     # and now a content problem
    done = built(site)
    assert done.returncode == 1 and "content/sport/b.md" in done.stderr
    assert contents(site / "output") == finished and leftovers(site) == []


def _clean(site: Path, tmp_path: Path, name: str = "clean") -> Path:
    out = tmp_path / name
    assert cli("build", str(site), "--no-cache", "--output", str(out), "-q").returncode == 0
    return out


# ---- outputs shared or removed during a build ----

def _in_a_build(site: Path, hook: str, *args: str) -> subprocess.CompletedProcess:
    """`broadsheet build SITE ARGS` with `hook(sink)` run just before the sink commits."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import sys, shutil, generator.output as output
        real = output.DiskSink.commit
        def commit(self, expected=None):
            {hook}
            return real(self, expected)
        output.DiskSink.commit = commit
        from generator.cli import run
        sys.argv = ["broadsheet", "build", *sys.argv[1:]]
        run()
        """), str(site), *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("change", ["none", "edit"])
def test_an_output_removed_during_the_build_fails_the_build(tmp_path, change):
    site = write_site(tmp_path / "site", site_files())
    assert built(site).returncode == 0
    if change == "edit":
        write_site(site, {STORY: article("A story, edited", "2024-02-03 09:54:00")}, site_toml=None)
    else:
        (site / "templates").mkdir()        # every page renders again, and is the same
        (site / "templates/note.txt").write_text("not a template")
        (site / "content/sport/c.md").write_text(article("A third story", "2024-02-05 09:00:00"))
    done = _in_a_build(site, "shutil.rmtree(self.output)")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert "the output folder was removed during the build" in done.stderr
    assert built(site).returncode == 0      # the next build makes it whole
    assert contents(site / "output") == contents(_clean(site, tmp_path))


def test_two_sites_built_into_one_output_at_once_never_interleave(tmp_path):
    one = write_site(tmp_path / "one", site_files())
    two = write_site(tmp_path / "two", {**site_files(), "content/world/z.md": article("Only on two")})
    out = tmp_path / "public"
    # the second build starts while the first is about to commit
    done = _in_a_build(one, f"import subprocess; second = subprocess.run([sys.executable, '-m', 'generator', "
                            f"'build', {str(two)!r}, '--output', {str(out)!r}], capture_output=True, text=True); "
                            "print(second.returncode, second.stderr, file=sys.stderr)", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 " in done.stderr and "another build is writing into this output folder" in done.stderr
    assert contents(out) == contents(_clean(one, tmp_path, "clean-one"))
    assert built(two, "--output", str(out)).returncode == 0        # one at a time, both work
    assert contents(out) == contents(_clean(two, tmp_path, "clean-two"))


# ---- links, mounts, full and read-only disks ----

def test_an_output_that_is_a_link_is_written_through_and_stays_a_link(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    www = tmp_path / "srv/www"
    www.mkdir(parents=True)
    (site / "output").symlink_to(www, target_is_directory=True)
    for title in ("A story", "A story, edited", "A story, edited again"):
        write_site(site, {STORY: article(title, "2024-02-03 09:54:00")}, site_toml=None)
        assert built(site).returncode == 0
        assert (site / "output").is_symlink() and os.readlink(site / "output") == str(www)
        assert title in (www / "world/a/index.html").read_text()
    (site / "content/sport/b.md").unlink()      # most pages change: a whole new folder is swapped in
    assert built(site).returncode == 0 and (site / "output").is_symlink()
    assert contents(www) == contents(_clean(site, tmp_path)) and leftovers(www.parent) == []


@needs_mount
def test_an_output_on_its_own_file_system_is_patched_in_place(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    with mounted(site / "output") as out:
        for title in ("A story", "A story, edited"):
            write_site(site, {STORY: article(title, "2024-02-03 09:54:00")}, site_toml=None)
            done = built(site)
            assert done.returncode == 0, done.stderr
            assert title in (out / "world/a/index.html").read_text()
        (site / "content/sport/b.md").unlink()      # most pages change
        assert built(site).returncode == 0
        assert os.path.ismount(out)
        assert contents(out) == contents(_clean(site, tmp_path))
        assert [p.name for p in out.iterdir() if p.name.startswith(".broadsheet-stage-")] == []
    assert leftovers(site) == []


@needs_mount
def test_an_output_on_its_own_file_system_survives_a_kill_inside_the_journal(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    with mounted(site / "output") as out:
        assert built(site).returncode == 0
        write_site(site, {STORY: article("A story, edited", "2024-02-03 09:54:00")}, site_toml=None)
        killed = subprocess.run([sys.executable, "-c", textwrap.dedent("""
            import os, sys, generator.output as output
            output._apply = lambda *args: os._exit(9)
            from generator.cli import run
            sys.argv = ["broadsheet", "build", sys.argv[1]]
            run()
            """), str(site)], capture_output=True, text=True)
        assert killed.returncode == 9
        assert [p.name for p in out.iterdir() if p.name.startswith(".broadsheet-stage-")]
        (site / "content/sport/b.md").write_text("---\ntitle: [broken\n---\n")
        assert built(site).returncode == 1
        assert "A story, edited" in (out / "world/a/index.html").read_text()
        assert not [p.name for p in out.iterdir() if p.name.startswith(".broadsheet-stage-")]


@needs_mount
def test_a_read_only_output_is_a_clear_error_and_stays_as_it_was(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    with mounted(site / "output") as out:
        assert built(site).returncode == 0
        before = snapshot(out)
        write_site(site, {STORY: article("A story, edited", "2024-02-03 09:54:00")}, site_toml=None)
        remount(out, "ro")
        done = built(site)
        assert done.returncode == 1 and "Read-only file system" in done.stderr, done.stderr
        assert str(site / "output") in done.stderr
        assert snapshot(out) == before


@needs_mount
def test_a_read_only_site_folder_builds_into_an_output_elsewhere(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    out = tmp_path / "public"
    subprocess.run(["mount", "--bind", str(site), str(site)], check=True)
    try:
        remount(site, "bind,ro")
        done = built(site, "--output", str(out))
        assert done.returncode == 0, done.stderr
        assert not (site / ".broadsheet").exists()
        assert "A story" in (out / "world/a/index.html").read_text()
    finally:
        subprocess.run(["umount", "-l", str(site)], check=False)
    assert contents(out) == contents(_clean(site, tmp_path))


@needs_mount
def test_a_full_disk_under_the_cache_never_fails_the_build(tmp_path):
    site = write_site(tmp_path / "site", site_files())
    with mounted(site / ".broadsheet", "size=1m") as cache:
        _fill(cache / "filler")
        for title in ("A story", "A story, edited"):
            write_site(site, {STORY: article(title, "2024-02-03 09:54:00")}, site_toml=None)
            done = built(site)
            assert done.returncode == 0, done.stderr
            assert "output" not in done.stderr
        assert contents(site / "output") == contents(_clean(site, tmp_path))


def _fill(path: Path) -> None:
    """Fill the file system `path` is on, to the last block."""
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 16, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                pass


# ---- durability ----

@pytest.mark.parametrize("mode", ["new", "patch", "swap"])
def test_staged_files_reach_the_disk_before_the_output_changes(tmp_path, monkeypatch, mode):
    import generator.output as output
    out = tmp_path / "out"
    files = {f"p{i}/index.html": f"page {i}".encode() for i in range(10)}
    if mode != "new":
        first = output.DiskSink(out)
        for rel, data in files.items():
            first.write(rel, data)
        first.commit()
        files = {rel: data + (b" changed" if mode == "swap" or rel == "p0/index.html" else b"")
                 for rel, data in files.items()}
    events: list[tuple[str, str]] = []
    real_rename, real_replace = os.rename, os.replace
    monkeypatch.setattr(output, "sync_tree", lambda folder: events.append(("sync", Path(folder).name)))
    monkeypatch.setattr(os, "rename", lambda a, b: (events.append(("rename", Path(a).name)), real_rename(a, b))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append(("replace", Path(a).name)), real_replace(a, b))[1])
    sink = output.DiskSink(out)
    for rel, data in files.items():
        sink.write(rel, data)
    sink.commit(set(files))
    assert sink.mode == mode
    stage = sink.stage.name
    if mode == "patch":     # the staged files, then the journal that commits them, then what it did
        assert events[:2] == [("sync", stage), ("replace", ".journal.tmp")]
        assert events[-1] == ("sync", "out")
    else:                   # the whole new folder before it takes the output's place
        assert events[0] == ("sync", stage) and events[1][0] == "rename"
    assert {rel: (out / rel).read_bytes() for rel in files} == files


def test_the_dev_servers_folder_is_not_synced(make_site, monkeypatch):
    """It is made again whenever the server starts: syncing it would only slow every rebuild."""
    import generator.output as output
    from generator.build import BuildOptions, build_site
    synced = []
    monkeypatch.setattr(output, "sync_tree", synced.append)
    monkeypatch.setattr(output, "sync_folder", synced.append)
    site = make_site(site_files())
    build_site(site, BuildOptions(now=NOW, output=site / ".broadsheet/serve", preview=True))
    assert synced == [] and (site / ".broadsheet/serve/world/a/index.html").is_file()
    build_site(site, BuildOptions(now=NOW))
    assert synced
