"""A build the job graph answers writes only files the output holds (output.DiskSink.commit_same):
it reads none of the last build's records nor all of its folder stamps, and writes only the
records and stamps it changed, as changes laid over pages.pickle (cache._Layered.add). Whatever
happens in the output meanwhile, the build after it must find what a clean build makes, and every
folder stamp it keeps must be the folder's."""
import os

import pytest

import generator.cache as cache_module
import generator.output as output_module
from generator.build import BuildOptions, build_site
from generator.cache import BuildCache
from generator.config import load_config
from generator.incremental.keys import parse_key
from generator.incremental.outputs import _as_recorded
from generator.problems import BuildError
from conftest import NOW
from test_cache import EDITS, clean_build, contents, corpus

STORY_PAGE = "world/s00/index.html"      # the page of the story EDITS[0] edits


@pytest.fixture
def settled(monkeypatch):
    """Folders the last build changed count as settled at once (else, within SETTLED_NS of it,
    the build tells what they hold from all the recorded stamps, as any build)."""
    monkeypatch.setattr(output_module, "SETTLED_NS", 0)


@pytest.fixture
def whole_reads(monkeypatch):
    """The layered cache files this process read whole."""
    names = []
    real = cache_module._load_whole

    def reading(path):
        names.append(path.name)
        return real(path)
    monkeypatch.setattr(cache_module, "_load_whole", reading)
    return names


def recorded(site):
    cache = BuildCache.open(site, True, parse_key(load_config(site)))
    output = site / "output"
    return cache.previous_pages(output.absolute()), cache.previous_folders(output.absolute())


def assert_stamps_hold(site):
    """Every folder of the output has a recorded stamp, and each is the folder's own."""
    records, folders = recorded(site)
    output = site / "output"
    assert folders and _as_recorded(str(output.resolve()), folders.items())
    every = {""} | {str(p.relative_to(output)) for p in output.rglob("*") if p.is_dir()}
    assert set(folders) == every


@pytest.mark.parametrize("forked", [True, False], ids=["looked at in a process of its own", "in this one"])
def test_a_body_edit_reads_no_records_and_keeps_the_stamps_right(make_site, tmp_path, settled, whole_reads, monkeypatch,
                                                                  forked):
    import generator.incremental.outputs as outputs
    monkeypatch.setattr(outputs, "SCAN_OUTPUT_FROM", 0 if forked else 10**9)
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    story = site / "content/world/s00.md"
    for step in range(3):
        EDITS[0][1](site) if step != 1 else story.write_text(story.read_text() + "\nOne more line.\n")
        whole_reads.clear()
        result = build_site(site, BuildOptions(now=NOW))
        assert result.from_graph and STORY_PAGE in result.changed, step
        assert "pages.pickle" not in whole_reads or not forked, step     # (its head and its changes only)
        assert contents(site / "output") == clean_build(site, tmp_path, f"clean{step}"), step
        assert_stamps_hold(site)
        records, _ = recorded(site)
        st = os.lstat(site / "output" / STORY_PAGE)
        assert (records[STORY_PAGE].size, records[STORY_PAGE].mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert build_site(site, BuildOptions(now=NOW)).changed == set()
    (site / "output/world/s00/stray.txt").write_text("left here by hand")     # found by its folder's stamp
    assert build_site(site, BuildOptions(now=NOW)).changed == {"world/s00/stray.txt"}
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_folders_changed_just_before_are_told_from_all_the_recorded_stamps(make_site, tmp_path, monkeypatch):
    """Within SETTLED_NS of the last build its folders' stamps cannot vouch by their times alone:
    the build commits as any build does, and the stamps it keeps are right all the same."""
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    calls = []
    real = output_module.DiskSink.commit
    monkeypatch.setattr(output_module.DiskSink, "commit", lambda self, expected=None: calls.append(1) or real(self, expected))
    EDITS[0][1](site)
    result = build_site(site, BuildOptions(now=NOW))
    assert result.from_graph and calls == [1]
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")
    assert_stamps_hold(site)


@pytest.mark.parametrize("when", ["before it looks at its folders", "as it lists one", "after it patched them"])
def test_a_file_put_into_a_folder_the_build_patches_is_never_vouched_for(make_site, tmp_path, settled, monkeypatch, when):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    folder = site / "output/world/s00"
    stray = folder / "stray.txt"
    if when == "before it looks at its folders":
        real_commit = output_module.DiskSink.commit_same

        def and_a_stray(self, since):
            stray.write_text("written during the build")
            return real_commit(self, since)
        monkeypatch.setattr(output_module.DiskSink, "commit_same", and_a_stray)
    elif when == "as it lists one":
        class Listing:      # os, as output.py sees it, but a stray comes with the folder's listing
            def __getattr__(self, name):
                return getattr(os, name)

            def scandir(self, path="."):
                if os.path.realpath(path) == os.path.realpath(folder) and not stray.exists():
                    stray.write_text("written as the folder is listed, after its stamp was taken")
                return os.scandir(path)
        monkeypatch.setattr(output_module, "os", Listing())
    else:
        real_apply = output_module._apply

        def and_a_stray(stage, output, durable=True):
            failed = real_apply(stage, output, durable)
            stray.write_text("written during the build")
            return failed
        monkeypatch.setattr(output_module, "_apply", and_a_stray)
    EDITS[0][1](site)
    assert build_site(site, BuildOptions(now=NOW)).from_graph
    monkeypatch.undo()
    assert stray.exists()
    assert build_site(site, BuildOptions(now=NOW)).changed == {"world/s00/stray.txt"}
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")
    build_site(site, BuildOptions(now=NOW))     # (the output listed once more, and stamped)
    assert_stamps_hold(site)


def test_a_page_removed_from_the_output_during_the_build_fails_it_naming_the_page(make_site, tmp_path, settled, monkeypatch):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    real_commit = output_module.DiskSink.commit_same

    def removing(self, since):
        (site / "output" / STORY_PAGE).unlink()
        return real_commit(self, since)
    monkeypatch.setattr(output_module.DiskSink, "commit_same", removing)
    EDITS[0][1](site)
    before = contents(site / "output")
    with pytest.raises(BuildError) as failed:
        build_site(site, BuildOptions(now=NOW))
    assert STORY_PAGE in str(failed.value) and "removed from the output during the build" in str(failed.value)
    assert contents(site / "output") == {rel: digest for rel, digest in before.items() if rel != STORY_PAGE}   # nothing written
    monkeypatch.undo()
    build_site(site, BuildOptions(now=NOW))
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_changes_laid_over_a_layered_file_without_reading_it(tmp_path):
    path = tmp_path / "t.pickle"
    tables = {"pages": 2, "folders": 2}
    first = cache_module._Layered(path, tables)
    first.save({"pages": {"o": {"a": (1,), "b": (2,)}}, "folders": {"o": {"": (9,)}}},
               lambda: {"pages": {"o": {"a": (1,), "b": (2,)}}, "folders": {"o": {"": (9,)}}})
    assert cache_module._Layered(path, tables).add({("pages", "o", "b"): (True, (3,)), ("pages", "o", "c"): (True, (4,))})
    assert cache_module._Layered(path, tables).add({("folders", "o"): (True, {})})     # a mapping set whole
    assert cache_module._Layered(path, tables).add({("folders", "o", "x"): (True, (5,))})
    got = cache_module._Layered(path, tables)
    assert got.load() == {"pages": {"o": {"a": (1,), "b": (3,), "c": (4,)}}, "folders": {"o": {"x": (5,)}}}
    assert not got.add({("pages", "o", "a"): (True, (0,))})        # read here: save() is the way
    too_many = {("pages", "o", f"n{i}"): (True, (i,)) for i in range(cache_module._Layered.most(3) + 1)}
    assert not cache_module._Layered(path, tables).add(too_many)
    assert not cache_module._Layered(tmp_path / "none.pickle", tables).add({("pages", "o", "a"): (True, (1,))})
