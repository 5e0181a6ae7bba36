"""Crash safety: a build killed with SIGKILL at any point leaves the previous output intact,
and the next build succeeds and leaves nothing behind."""
import os
import signal
import subprocess
import sys
import time
from contextlib import nullcontext

import pytest

from conftest import article, leftovers, mounted, needs_mount, snapshot, write_site

ARTICLES = 600


def corpus(version: str) -> dict[str, str]:
    return {f"content/{('world', 'sport', 'business')[i % 3]}/s{i:04d}.md":
            article(f"Story {i} {version}", f"2024-0{1 + i % 9}-{1 + i % 28:02d} 10:00:00",
                    tags=f"[t{i % 40}, u{i % 13}]", byline=f"[Reporter {i % 20}]",
                    body=("A paragraph of text for the story. " * 40 + "\n\n") * 8)
            for i in range(ARTICLES)}


def contents(folder, staged_inside_too: bool = True):
    """`staged_inside_too=False`: without what a build killed while staging left in the hidden
    folder it stages in inside an output it cannot swap (the next build removes it)."""
    return {rel: digest for rel, (digest, _) in snapshot(folder).items()
            if staged_inside_too or not rel.startswith(".broadsheet-stage-")}


def journals(output):
    """The committed journals of builds patching `output` in place."""
    return list(output.glob(".broadsheet-stage-*/.journal"))


def start_build(site):
    return subprocess.Popen([sys.executable, "-m", "generator", "build", str(site), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("where", ["beside", pytest.param("own-file-system", marks=needs_mount)])
def test_sigkill_at_many_points_never_damages_the_output(tmp_path, where):
    """`own-file-system`: the output is a mount point (a tmpfs), so it is patched in place."""
    site = write_site(tmp_path / "site", corpus("v1"))
    with (mounted(site / "output", "size=256m") if where == "own-file-system" else nullcontext()):
        _kill_at_many_points(site, tmp_path)


def _kill_at_many_points(site, tmp_path):
    started = time.perf_counter()
    assert subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q", "--no-cache"]).returncode == 0
    duration = time.perf_counter() - started
    before = contents(site / "output")
    write_site(site, corpus("v2"), site_toml=None)     # every page changes
    fresh = tmp_path / "fresh"                         # what a finished build of v2 writes
    assert subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q", "--no-cache",
                           "--output", str(fresh)]).returncode == 0
    after = contents(fresh)
    kills, finished_by_recovery = 0, False
    for share in (0.05, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9):   # kill points spread over a whole build
        delay = share * duration
        process = start_build(site)
        time.sleep(delay)
        if process.poll() is not None:
            break                                          # the build finished before this point
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        # killed before its commit: the previous output, byte for byte; killed after it (while
        # saving the cache): the finished new output. Never a mixture — except, where the output
        # is a file system of its own and is patched in place, while a committed journal is being
        # carried out: then the journal is there, and the next build finishes it before all else.
        now = contents(site / "output", False)
        if now not in (before, after):
            assert journals(site / "output"), f"output damaged by a kill at {delay:.2f} s, with no journal to finish it"
            assert subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q"]).returncode == 0
            assert contents(site / "output") == after
            finished_by_recovery = True
            break
    assert kills >= 4 or finished_by_recovery
    finished = subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q"],
                              capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert leftovers(site) == []
    assert "Story 1 v2" in (site / "output/sport/s0001/index.html").read_text()
    assert contents(site / "output") == after
