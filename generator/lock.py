"""One build of a site at a time: a lock file in SITE/.broadsheet/ held for the whole build."""
from __future__ import annotations

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


@contextmanager
def site_lock(site: Path) -> Iterator[None]:
    """Hold the site's build lock, or fail at once with a clear message if another build has it.
    The operating system drops the lock when a process dies, so a killed build never blocks the next."""
    if fcntl is None:
        yield
        return
    path = site / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            raise BuildError([Problem(str(path), None, "", f"another build of this site is running (pid {holder}); "
                                      "wait for it to finish, then build again")]) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)   # releases the lock
