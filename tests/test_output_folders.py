"""A build that finds nothing changed tells whether files were added to the output by hand
without listing it: by the stamps of its folders (an entry added, removed or renamed in a folder
changes its modification and change times). A stamp is kept only where the folder was seen to
hold what the build left in it, so a stray file is never vouched for — however it got there."""
import pytest

import generator.incremental.outputs as outputs
import generator.output as output_module
from generator.build import BuildOptions, build_site
from conftest import NOW
from test_cache import EDITS, clean_build, contents, corpus


@pytest.fixture
def listed(monkeypatch):
    """How many times a build listed the output folder in full."""
    calls = []
    real = outputs.files_in

    def counting(root, stamps=None):
        calls.append(root)
        return real(root, stamps)
    monkeypatch.setattr(outputs, "files_in", counting)
    monkeypatch.setattr(outputs, "SCAN_OUTPUT_FROM", 10**9)    # looked at in this process, where it is counted
    return calls


def body_edit(site) -> None:
    EDITS[0][1](site)


@pytest.mark.parametrize("before", ["clean", "edit", "no-change"])
def test_after_any_build_a_build_that_finds_nothing_changed_lists_nothing(make_site, listed, before):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))                 # a new output: the stage's folders stamped
    if before == "edit":
        body_edit(site)
        build_site(site, BuildOptions(now=NOW))             # patched in place: its folders stamped again
    elif before == "no-change":
        build_site(site, BuildOptions(now=NOW))
    listed.clear()
    result = build_site(site, BuildOptions(now=NOW))
    assert result.changed == set() and listed == []


def test_a_build_that_replaces_the_output_stamps_its_folders(make_site, listed, tmp_path):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    (site / "site.toml").write_text((site / "site.toml").read_text().replace("All the news that fits.", "New."))
    build_site(site, BuildOptions(now=NOW))                 # every page: a new folder swapped in
    listed.clear()
    assert build_site(site, BuildOptions(now=NOW)).changed == set() and listed == []


@pytest.mark.parametrize("before", ["clean", "edit", "no-change"])
@pytest.mark.parametrize("where", ["stray.html", "world/notes.txt", "world/s00/notes.txt", "new/folder/file.txt"])
def test_a_file_added_by_hand_after_any_build_goes_at_the_next(make_site, tmp_path, before, where):
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    if before == "edit":
        body_edit(site)
        build_site(site, BuildOptions(now=NOW))
    elif before == "no-change":
        build_site(site, BuildOptions(now=NOW))
    stray = site / "output" / where
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("left here by hand")
    assert build_site(site, BuildOptions(now=NOW)).changed == {where}
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_file_put_into_a_folder_the_build_is_patching_is_not_vouched_for(make_site, tmp_path, monkeypatch):
    """A stray file written into the output while a build patches the very folder it writes: the
    folder is stamped after the patch, but its listing shows the stray, so no stamp is kept."""
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    real = output_module._apply

    def and_a_stray(stage, output, durable=True):
        failed = real(stage, output, durable)
        (output / "world/s00/stray.txt").write_text("written during the build")
        return failed
    monkeypatch.setattr(output_module, "_apply", and_a_stray)
    body_edit(site)
    build_site(site, BuildOptions(now=NOW))
    monkeypatch.setattr(output_module, "_apply", real)
    assert build_site(site, BuildOptions(now=NOW)).changed == {"world/s00/stray.txt"}
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_file_put_into_a_new_output_after_its_folders_were_stamped_is_found(make_site, tmp_path, monkeypatch):
    """The stage's folders are stamped before it becomes the output: a file added after that
    changes a stamp, and the next build lists the output and removes it."""
    site = make_site(corpus())
    real = output_module.DiskSink._sync_and_stamp

    def and_a_stray(self, expected):
        stamps = real(self, expected)
        (self.stage / "world/s00/stray.txt").write_text("written after the stamps")
        return stamps
    monkeypatch.setattr(output_module.DiskSink, "_sync_and_stamp", and_a_stray)
    build_site(site, BuildOptions(now=NOW))
    monkeypatch.setattr(output_module.DiskSink, "_sync_and_stamp", real)
    assert build_site(site, BuildOptions(now=NOW)).changed == {"world/s00/stray.txt"}
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")


def test_a_folder_replaced_by_a_copy_is_listed_again(make_site, tmp_path):
    """cp -a of a folder over itself keeps its times but not its inode: the stamp holds the inode."""
    import shutil
    site = make_site(corpus())
    build_site(site, BuildOptions(now=NOW))
    folder = site / "output/world"
    shutil.copytree(folder, tmp_path / "copy", copy_function=shutil.copy2)
    (tmp_path / "copy/extra.html").write_text("more")
    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "copy", folder, copy_function=shutil.copy2)
    result = build_site(site, BuildOptions(now=NOW))
    assert "world/extra.html" in result.changed
    assert contents(site / "output") == clean_build(site, tmp_path, "clean")
