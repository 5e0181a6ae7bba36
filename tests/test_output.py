"""The output is never half-written: staged, swapped in whole, nothing stale, nothing outside."""
import os

import pytest

from generator.build import BuildOptions, build_site
from generator.output import MARKER, DiskSink, MemorySink
from generator.problems import BuildError
from conftest import NOW, article, snapshot, leftovers


def test_removed_article_leaves_nothing_stale(make_site):
    site = make_site({"content/world/a.md": article("A", "2024-02-01"), "content/world/b.md": article("B", "2024-02-02")})
    build_site(site, BuildOptions(now=NOW))
    assert (site / "output/world/b/index.html").is_file()
    (site / "content/world/b.md").unlink()
    build_site(site, BuildOptions(now=NOW))
    assert not (site / "output/world/b").exists() and (site / "output/world/a/index.html").is_file()
    assert (site / "output" / MARKER).is_file()
    assert leftovers(site) == []


def test_unchanged_files_keep_their_mtime(make_site):
    site = make_site({"content/world/a.md": article("A", "2024-02-01"), "content/sport/b.md": article("B", "2024-02-02")})
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    (site / "content/sport/b.md").write_text(article("B", "2024-02-02", body="Changed body."))
    os.utime(site / "output/world/a/index.html", ns=(1_000_000_000, 1_000_000_000))
    before["world/a/index.html"] = (before["world/a/index.html"][0], 1_000_000_000)
    build_site(site, BuildOptions(now=NOW))
    after = snapshot(site / "output")
    assert after["world/a/index.html"] == before["world/a/index.html"]          # same bytes, same mtime
    assert after["sport/b/index.html"][0] != before["sport/b/index.html"][0]      # changed


def test_a_write_failure_keeps_the_previous_output(make_site, monkeypatch):
    site = make_site({"content/world/a.md": article("A", "2024-02-01")})
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    (site / "content/world/c.md").write_text(article("C", "2024-02-03"))
    calls = {"n": 0}
    real = DiskSink.write

    def failing(self, rel, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device", str(self.stage / rel))
        return real(self, rel, data)

    monkeypatch.setattr(DiskSink, "write", failing)
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    assert "No space left on device" in str(exc.value) and "previous output is unchanged" in str(exc.value)
    assert snapshot(site / "output") == before
    assert leftovers(site) == []


def test_an_empty_existing_folder_is_accepted(make_site, tmp_path):
    site = make_site({"content/world/a.md": article("A", "2024-02-01")})
    target = tmp_path / "public"
    target.mkdir()
    build_site(site, BuildOptions(now=NOW, output=target))
    assert (target / "world/a/index.html").is_file()


def test_leftovers_of_a_killed_build_are_cleaned_up(make_site):
    site = make_site({"content/world/a.md": article("A", "2024-02-01")})
    build_site(site, BuildOptions(now=NOW))
    stale = site / ".output.broadsheet-new-99999"
    (stale / "junk").mkdir(parents=True)
    # killed between the two renames: the old output is swapped out, the new one not yet in
    (site / "output").rename(site / ".output.broadsheet-old-99998")
    DiskSink(site / "output").abort()
    assert (site / "output/world/a/index.html").is_file() and not stale.exists()


@pytest.mark.parametrize("rel", ["../escape.html", "/etc/passwd", "a/../../b", ""])
def test_sinks_refuse_paths_outside_the_output(rel, tmp_path):
    for sink in (MemorySink(), DiskSink(tmp_path / "out")):
        with pytest.raises(BuildError):
            sink.write(rel, b"x")
        sink.abort()
    assert not (tmp_path / "escape.html").exists()


def test_two_builds_of_one_site_never_run_at_once(make_site):
    from generator.lock import site_lock
    site = make_site({"content/world/a.md": article("A", "2024-02-01")})
    build_site(site, BuildOptions(now=NOW))
    before = snapshot(site / "output")
    with site_lock(site):   # as if another build were running
        with pytest.raises(BuildError) as exc:
            build_site(site, BuildOptions(now=NOW))
    assert "another build of this site is running" in str(exc.value)
    assert snapshot(site / "output") == before
    build_site(site, BuildOptions(now=NOW))   # and once it is done, building works again


def test_building_twice_gives_identical_bytes(make_site, tmp_path):
    files = {f"content/{s}/x{i}.md": article(f"Story {i}", f"2024-02-0{1 + i}", tags="[b, a, c]", byline="[Z, A]")
             for i, s in enumerate(["world", "sport", "business", "world", "sport"])}
    site = make_site(files)
    build_site(site, BuildOptions(output=tmp_path / "one", cache=False))
    build_site(site, BuildOptions(output=tmp_path / "two", cache=False))
    one = {k: v[0] for k, v in snapshot(tmp_path / "one").items()}
    two = {k: v[0] for k, v in snapshot(tmp_path / "two").items()}
    assert one == two and len(one) > 20


@pytest.mark.parametrize("changes", [0, 1, 5])      # a first build, then a patch (one file), then a swap (most files)
def test_the_sink_knows_the_size_and_mtime_of_every_file_it_leaves(tmp_path, changes):
    out = tmp_path / "out"
    first = {f"s{i}/p{j}/index.html": f"page {i} {j}".encode() for i in range(3) for j in range(3)}
    sink = DiskSink(out)
    for rel, data in first.items():
        sink.write(rel, data)
    sink.commit()
    files = dict(first)
    if changes:
        for rel in list(files)[:changes]:
            files[rel] = files[rel] + b" changed"
        os.utime(out / "s2/p2/index.html", ns=(5_000_000_000, 5_000_000_000))   # same bytes, older mtime
        sink = DiskSink(out)
        for rel, data in files.items():
            sink.write(rel, data)
        sink.commit(set(files))
        assert sink.mode == ("patch" if changes == 1 else "swap")
    for rel, data in files.items():
        st = os.stat(out / rel)
        assert (out / rel).read_bytes() == data
        assert sink.stat(rel)[:2] == (st.st_size, st.st_mtime_ns), rel
    if changes:
        assert sink.stat("s2/p2/index.html").mtime_ns == 5_000_000_000 and not sink.stat("s2/p2/index.html").staged


@pytest.mark.parametrize("rel", ["../x", "a/../../x", "/etc/passwd", "//x", "a\\..\\x", "a\x00b", "", "a/..", ".."])
def test_a_sink_refuses_paths_that_leave_the_output(tmp_path, rel):
    sink = DiskSink(tmp_path / "out")
    with pytest.raises(BuildError, match="outside the output folder"):
        sink.write(rel, b"x")
    sink.abort()


def test_the_safe_path_check_agrees_with_pathlib():
    from pathlib import PurePosixPath
    from hypothesis import given, strategies as st
    from generator.urls import is_safe_relative

    def by_pathlib(path):
        p = PurePosixPath(path)
        return bool(path) and not p.is_absolute() and ".." not in p.parts and "\\" not in path and "\x00" not in path

    @given(st.lists(st.sampled_from(["a", "..", ".", "", "/", "b.html", "\\", "\x00", "...", "..a"]), max_size=8).map("".join))
    def agree(path):
        assert is_safe_relative(path) == by_pathlib(path)
    agree()


def test_a_name_that_is_already_a_slug_is_its_own_slug_as_python_slugify_says():
    from hypothesis import given, settings, strategies as st
    from slugify import slugify as python_slugify
    from generator.urls import slugify

    @settings(max_examples=500, derandomize=True, database=None)
    @given(st.text(alphabet="ab0-9z", max_size=130) | st.sampled_from(["story-009999", "a" * 120, "a" * 121, "-a", "a--b", "0"]))
    def agree(text):
        slugify.cache_clear()
        assert slugify(text) == python_slugify(text, max_length=120, word_boundary=True)
    agree()


def test_a_listing_made_before_recovery_is_not_trusted_after_it(tmp_path):
    from generator.output import files_in
    out = tmp_path / "out"
    sink = DiskSink(out)
    sink.write("a.html", b"a")
    sink.commit()
    listed_early = {"a.html", MARKER}
    stage = tmp_path / ".out.broadsheet-new-1"      # a killed build's committed journal: b.html replaces nothing
    stage.mkdir()
    (stage / "b.html").write_bytes(b"b")
    (stage / ".journal").write_text("replace b.html\ndelete a.html\n")
    sink = DiskSink(out, existing=lambda: set(listed_early))
    assert sink.existing() == files_in(out) == {"b.html", MARKER}
    sink.abort()
    untouched = DiskSink(out, existing=lambda: set(listed_early))      # nothing to recover: the listing stands
    assert untouched.existing() == listed_early
    untouched.abort()
