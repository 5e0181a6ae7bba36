"""Spread independent work (parsing articles, rendering pages) over every core; and every other
process trick a build plays (forks, the collector, returning memory), in one place.

Work is forked, not pickled: the parent sets the shared state (sources, jobs, the Jinja
environment, the sink) before starting the pool, and each worker reads its copy-on-write
copy, so nothing large crosses a pipe on the way out. Only results come back.
"""
from __future__ import annotations

import gc
import os
import pickle
import signal
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

R = TypeVar("R")
_shared: Any = None
_task: Callable[[Any, int, int], Any] | None = None
_bounds: list[tuple[int, int]] = []      # the chunks of the work run_chunks() shares out
_next: Any = None                        # the first chunk no process has taken (shared by them)


def worker_count(requested: int | None = None) -> int:
    if requested:
        return max(1, requested)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _start_worker() -> None:
    """A worker collects its own garbage (a build turns collection off in the parent: rendering
    thousands of pages makes cycles), and dies with its parent."""
    gc.enable()
    _die_with_parent()


def _die_with_parent() -> None:
    """A worker must not outlive a build that was killed: it would write into a folder the next
    build is cleaning up. Linux can send it SIGKILL when the parent dies."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
        if os.getppid() == 1:           # the parent died before we got here
            os._exit(1)
    except (OSError, AttributeError):
        pass


@contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection meanwhile (as it was afterwards): a build makes millions of objects
    and few cycles, and scanning the heap for them costs ~15%."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _claim() -> int | None:
    """The next chunk no process has taken yet (None: all are taken)."""
    assert _next is not None
    with _next.get_lock():
        at = _next.value
        if at >= len(_bounds):
            return None
        _next.value = at + 1
    return at


def _claim_and_run(_: int) -> tuple[int, Any] | None:
    assert _task is not None
    at = _claim()
    return None if at is None else (at, _task(_shared, *_bounds[at]))


def run_chunks(task: Callable[[Any, int, int], R], shared: Any, count: int, workers: int,
               min_per_worker: int = 200, meanwhile: Callable[[], None] | None = None,
               bounds: list[tuple[int, int]] | None = None) -> list[R]:
    """task(shared, start, stop) over [0, count) in chunks; in worker processes when it pays off.
    Results come back in order. `meanwhile` runs in this process: while the workers work, or after
    the task when there are none. This process is one of the `workers`: it forks one fewer, and
    takes chunks from the same queue as they do once `meanwhile` is done (a worker holds a
    copy-on-write copy of this process's heap, which fills as it touches the objects there: at
    100,000 stories each grew to ~770 MB while rendering, and this process waited). `bounds`: the
    chunks ([start, stop) each), if not guided_chunks()'; then they go to workers however few."""
    global _shared, _task, _bounds, _next
    if workers <= 1 or (bounds is None and count < min_per_worker * 2):
        return _alone(task, shared, count, meanwhile)
    import multiprocessing      # here: a small rebuild never starts a pool, nor pays for this import
    if "fork" not in multiprocessing.get_all_start_methods():
        return _alone(task, shared, count, meanwhile)
    context = multiprocessing.get_context("fork")
    _shared, _task, _bounds, _next = shared, task, bounds or guided_chunks(count, workers), context.Value("i", 0)
    # objects made before the fork go to the collector's permanent generation: a worker's collector
    # then never walks them, which would write to each one and copy the parent's whole heap into
    # every worker (copy-on-write), doubling the memory of a 10,000-story build
    gc.freeze()
    try:
        with context.Pool(workers - 1, initializer=_start_worker) as pool:
            theirs = pool.map_async(_claim_and_run, range(len(_bounds)), chunksize=1)
            if meanwhile is not None:
                meanwhile()
            done = dict(_claimed_here())
            done.update(result for result in theirs.get() if result is not None)
            return [done[at] for at in range(len(_bounds))]
    finally:
        gc.unfreeze()
        _shared, _task, _bounds, _next = None, None, [], None


def _claimed_here() -> list[tuple[int, Any]]:
    """Chunks taken by this process until none is left, its collector on meanwhile (as a worker's).
    What a chunk leaves alive (its results) is frozen after it, as the heap was before the fork:
    the collector then never walks it again (a worker sends its results away; this process keeps
    them, and walking the growing pile would cost as the workers' heaps do not)."""
    assert _task is not None
    collecting = gc.isenabled()
    gc.enable()
    try:
        done = []
        at = _claim()
        while at is not None:
            done.append((at, _task(_shared, *_bounds[at])))
            gc.collect(1)       # (the chunk's young garbage first: what is frozen is never collected)
            gc.freeze()
            at = _claim()
        return done
    finally:
        if not collecting:
            gc.disable()


def guided_chunks(count: int, workers: int) -> list[tuple[int, int]]:
    """[start, stop) bounds over `count` items: each chunk a share of what is left, so the first
    are large (few round trips) and the last small (the workers finish together: with equal
    chunks, one worker could be left rendering the last big chunk alone)."""
    smallest = max(1, count // (workers * 32))
    bounds, start = [], 0
    while start < count:
        size = max(smallest, -(-(count - start) // (workers * 2)))
        bounds.append((start, min(start + size, count)))
        start += size
    return bounds


def _alone(task: Callable[[Any, int, int], R], shared: Any, count: int, meanwhile: Callable[[], None] | None) -> list[R]:
    result = [task(shared, 0, count)]
    if meanwhile is not None:
        meanwhile()
    return result


def release_memory() -> None:
    """Give the memory freed so far back to the system (glibc keeps it otherwise), so processes
    forked later, or a process tree measured now, do not count it."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):     # not glibc
        pass


class Background:
    """fn() in a forked process, started at once; result() waits for what it returns (or raises
    what it raised). For work that needs nothing but what this process holds now, to run on a
    core this process leaves idle meanwhile. A Background that is not waited for must be
    cancel()ed: it must not outlive the work it belongs to."""

    @staticmethod
    def available() -> bool:
        return hasattr(os, "fork")      # not on Windows: the work is then done in this process

    @classmethod
    def start(cls, fn: Callable[[], R]) -> "Background | None":
        """fn() in a process of its own; None where no process can be forked (no fork here, or a
        limit on processes reached): the caller then does the work itself."""
        if not cls.available():
            return None
        try:
            return cls(fn)
        except OSError:
            return None

    def __init__(self, fn: Callable[[], R]):
        self._read, write = os.pipe()
        gc.freeze()     # as for a pool: the child's collector must not copy the whole heap
        try:
            self._pid = os.fork()
        finally:
            gc.unfreeze()
        if self._pid == 0:      # the child
            os.close(self._read)
            code = 0
            try:
                _start_worker()
                outcome: tuple[str, Any] = ("value", fn())
            except BaseException as exc:   # sent to the parent, which raises it
                outcome, code = ("error", exc), 1
            try:
                payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:              # a value or an exception that does not pickle: say what it was
                kind, value = outcome
                payload = pickle.dumps(("error", RuntimeError(f"{type(value).__name__}: {value}" if kind == "error"
                                                              else f"a background result that cannot be sent back: {value!r:.200}")))
            with os.fdopen(write, "wb") as out:
                out.write(payload)
            os._exit(code)
        os.close(write)

    def result(self) -> Any:
        with os.fdopen(self._read, "rb") as incoming:
            payload = incoming.read()
        os.waitpid(self._pid, 0)
        self._pid = 0
        if not payload:
            raise RuntimeError("a background process died without a result")
        kind, value = pickle.loads(payload)
        if kind == "error":
            raise value
        return value

    def cancel(self) -> None:
        if self._pid:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except OSError:
                pass
            os.close(self._read)
            self._pid = 0
