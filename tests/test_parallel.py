"""Work spread over processes gives what one process gives; the parent's own work runs meanwhile."""
import os

import pytest

from generator.build import BuildOptions, build_site
from generator.parallel import run_chunks
from conftest import NOW, article, snapshot, leftovers


def _ranges(shared, start, stop):
    return [(os.getpid(), shared * i) for i in range(start, stop)]


def _slow_ranges(shared, start, stop):
    import time
    time.sleep(0.02)    # (each chunk takes a while: every process gets some)
    return _ranges(shared, start, stop)


@pytest.mark.parametrize("workers", [2, 3])
def test_chunks_come_back_in_order_and_the_parent_works_meanwhile_and_takes_chunks_too(workers):
    parent, seen = os.getpid(), []
    chunks = run_chunks(_slow_ranges, 3, 1000, workers=workers, meanwhile=lambda: seen.append(os.getpid()))
    values = [value for chunk in chunks for _, value in chunk]
    assert values == [3 * i for i in range(1000)]
    pids = {pid for chunk in chunks for pid, _ in chunk}
    assert pids - {parent}, "no worker process did any of it"
    assert parent in pids and len(pids) <= workers        # (it forks one fewer than `workers`)
    assert seen == [parent]


@pytest.mark.parametrize("collecting", [True, False])
def test_the_collector_is_left_as_it_was_and_nothing_stays_frozen(collecting):
    import gc
    (gc.enable if collecting else gc.disable)()
    try:
        run_chunks(_slow_ranges, 3, 1000, workers=2)
        assert gc.isenabled() == collecting and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_an_error_in_a_chunk_the_parent_takes_is_raised():
    def failing(shared, start, stop):
        if os.getpid() == parent:
            raise ValueError("in the parent")
        return _slow_ranges(shared, start, stop)
    parent = os.getpid()
    with pytest.raises(ValueError, match="in the parent"):
        run_chunks(failing, 1, 1000, workers=2)


def test_small_work_stays_in_this_process_and_still_runs_meanwhile():
    seen = []
    chunks = run_chunks(_ranges, 1, 10, workers=2, meanwhile=lambda: seen.append("done"))
    assert [pid for chunk in chunks for pid, _ in chunk] == [os.getpid()] * 10 and seen == ["done"]


def test_a_build_over_two_workers_equals_a_build_in_one(make_site, tmp_path):
    tags = ["Rain", "Floods", "Courts", "Markets", "Cup"]
    files = {f"content/{('world', 'sport', 'business')[i % 3]}/story-{i:03d}.md":
             article(f"Story {i}", f"2024-01-{1 + i % 28:02d} {i % 24:02d}:00:00",
                     body=f"Paragraph {i} with a [link](/world/) and *emphasis*.",
                     tags=f"[{tags[i % 5]}, {tags[(i * 3 + 1) % 5]}]", author=f"Writer {i % 7}")
             for i in range(400)}
    site = make_site(files)
    one, two = tmp_path / "one", tmp_path / "two"
    build_site(site, BuildOptions(now=NOW, output=one, workers=1, cache=False))
    result = build_site(site, BuildOptions(now=NOW, output=two, workers=2))
    assert result.pages > 400        # enough for the pool to be used
    files_one, files_two = snapshot(one), snapshot(two)
    assert files_one.keys() == files_two.keys()
    assert "feed.xml" in files_two and "sitemap.xml" in files_two and "world/feed.xml" in files_two
    assert all((one / rel).read_bytes() == (two / rel).read_bytes() for rel in files_one)
    # what the sink recorded of the files the workers and the parent wrote is what is on disk:
    # the next build finds nothing changed and renders nothing
    again = build_site(site, BuildOptions(now=NOW, output=two, workers=2))
    assert again.rendered == 0 and snapshot(two) == files_two


def test_a_background_process_returns_its_value_or_raises_its_error():
    from generator.parallel import Background
    parent = os.getpid()
    assert Background(lambda: (os.getpid() != parent, [1, 2, 3])).result() == (True, [1, 2, 3])
    failing = Background(lambda: 1 / 0)
    try:
        failing.result()
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("the child's error did not reach the parent")
    class Local(Exception):       # defined here: it cannot be pickled back to the parent
        pass

    def unsendable():
        raise Local("the feed for /world/ broke")
    try:
        Background(unsendable).result()
    except RuntimeError as exc:
        assert str(exc) == "Local: the feed for /world/ broke"
    else:
        raise AssertionError("an error that does not pickle was lost")
    slow = Background(lambda: __import__("time").sleep(60))
    slow.cancel()      # returns at once: the child is gone
    assert slow._pid == 0


def test_a_feed_that_fails_in_its_own_process_fails_the_build_and_leaves_the_output(make_site, monkeypatch):
    import generator.phases as build
    import generator.plan as planner
    from generator.problems import BuildError
    files = {f"content/world/story-{i:03d}.md": article(f"Story {i}", f"2024-01-{1 + i % 28:02d} 10:00:00")
             for i in range(build.BACKGROUND_FEEDS_FROM)}
    site = make_site(files)
    build_site(site, BuildOptions(now=NOW, workers=2))
    before = snapshot(site / "output")
    (site / "content/world/story-027.md").write_text(article("Story 27, corrected", "2024-01-28 10:00:00"))   # in the feeds

    where = site / "feeds-made-in.txt"

    def broken(*args, **kwargs):
        where.write_text(str(os.getpid()))
        raise OSError(28, "No space left on device", "feed.xml")
    monkeypatch.setattr(planner, "build_feeds", broken)       # the forked process inherits it
    try:
        build_site(site, BuildOptions(now=NOW, workers=2))
    except BuildError as exc:
        assert "No space left on device" in str(exc)
    else:
        raise AssertionError("the build did not fail")
    assert snapshot(site / "output") == before
    assert leftovers(site) == []
    assert int(where.read_text()) != os.getpid(), "the feeds were not made in a process of their own"


@pytest.mark.parametrize("why", ["no fork", "fork fails"])
def test_without_fork_the_feeds_are_made_in_this_process(make_site, tmp_path, monkeypatch, why):
    import generator.phases as build
    import generator.plan as planner
    from generator.parallel import Background
    if why == "no fork":
        monkeypatch.setattr(Background, "available", staticmethod(lambda: False))
    else:       # a limit on processes: the build goes on without one more
        def no_process(self, fn):
            raise BlockingIOError(11, "Resource temporarily unavailable")
        monkeypatch.setattr(Background, "__init__", no_process)
    files = {f"content/world/story-{i:03d}.md": article(f"Story {i}", f"2024-01-{1 + i % 28:02d} 10:00:00")
             for i in range(build.BACKGROUND_FEEDS_FROM)}
    site = make_site(files)
    build_site(site, BuildOptions(now=NOW, workers=2, output=tmp_path / "here"))
    build_site(site, BuildOptions(now=NOW, workers=1, output=tmp_path / "one", cache=False))
    here, one = snapshot(tmp_path / "here"), snapshot(tmp_path / "one")
    assert here.keys() == one.keys() and "world/feed.xml" in here
    assert all((tmp_path / "here" / rel).read_bytes() == (tmp_path / "one" / rel).read_bytes() for rel in here)


@pytest.mark.parametrize("count,workers", [(1, 2), (7, 2), (400, 2), (10_000, 2), (13_502, 2), (13_502, 8), (5, 16)])
def test_chunks_cover_every_item_once_large_first_small_last(count, workers):
    from generator.parallel import guided_chunks
    bounds = guided_chunks(count, workers)
    assert bounds[0][0] == 0 and bounds[-1][1] == count
    assert all(stop == start for (_, stop), (start, _) in zip(bounds, bounds[1:]))   # contiguous, in order
    sizes = [stop - start for start, stop in bounds]
    assert all(size >= 1 for size in sizes) and sizes[:-1] == sorted(sizes[:-1], reverse=True)
    if count >= 1000:
        assert sizes[0] >= 4 * sizes[-2] and len(bounds) <= workers * 32 + 1   # few round trips, a short tail


def test_the_collector_is_paused_for_a_build_and_then_as_it_was():
    import gc
    from generator.parallel import collection_paused
    for before in (True, False):
        (gc.enable if before else gc.disable)()
        try:
            with collection_paused():
                assert not gc.isenabled()
                raise KeyError
        except KeyError:
            assert gc.isenabled() is before
    gc.enable()
