"""One build at a time: of a site (a lock file in SITE/.broadsheet/) and into an output folder (a
lock file beside it), each held for the whole build. Two sites built into one --output must not
interleave their writes any more than two builds of one site."""
from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .problems import BuildError, Problem

LOCK = Path(".broadsheet") / "build.lock"

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; builds are not guarded against each other
    fcntl = None  # type: ignore[assignment]

# the site folder (or its file system) cannot be written: a build of it still runs, without the
# site lock and the cache, as long as its output can be written and locked
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


@contextmanager
def site_lock(site: Path) -> Iterator[bool]:
    """Hold the site's build lock, or fail at once with a clear message if another build has it.
    The operating system drops the lock when a process dies, so a killed build never blocks the
    next. Yields False when the site folder cannot be written (no lock, and no cache, then)."""
    path = site / LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in _READ_ONLY:
            yield False
            return
        raise BuildError([Problem(str(path.parent), None, "", f"cannot be made: {exc.strerror or exc}")]) from None
    with _held(path, "another build of this site is running (pid {holder}); wait for it to finish, then build again",
               optional=True) as held:
        yield held


@contextmanager
def output_lock(path: Path) -> Iterator[None]:
    """Hold the lock of an output folder (`path` is its lock file, see output.lock_path())."""
    with _held(path, "another build is writing into this output folder (pid {holder}); wait for it to "
                     "finish, then build again"):
        yield


@contextmanager
def _held(path: Path, busy: str, optional: bool = False) -> Iterator[bool]:
    if fcntl is None:
        yield True
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if optional and exc.errno in _READ_ONLY:
            yield False
            return
        raise BuildError([Problem(str(path), None, "", f"cannot be made, so the build cannot be locked: "
                                  f"{exc.strerror or exc}")]) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            raise BuildError([Problem(str(path), None, "", busy.format(holder=holder))]) from None
        try:        # who holds it, for the message another build prints (a full disk just leaves it out)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError:
            pass
        yield True
    finally:
        os.close(fd)   # releases the lock
