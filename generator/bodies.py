"""Article bodies kept in files of the build cache, and read back only where a page needs one.

A parsed story's HTML body is most of its size (~4.5 KB of ~5 KB), so it is not part of the
Article: the build keeps it beside the article, as a `Body`. Parse workers write the bodies they
make into a file of their own under the cache and send back only where each one is: a `Ref`,
(file, offset, length in bytes). So the parent does not read 45 MB of bodies back through a pipe
at 10,000 stories, the cache's rows hold only the small part of each story, and an edit build
reads back only the bodies of the pages it renders again: rendering gets them through `Bodies`,
a mapping source path -> HTML that reads a body when it is asked for. (Without a cache, or one
kept in memory or that cannot be written, a Body is the HTML itself.)

Files are written whole and then renamed into place; each story's row in the cache (store.py)
names the file its body is in and how long that file must be, and a row whose file is missing or
short is no cache (see usable()).
The cache drops files no story needs any more, and merges them (compact()) before they pile up.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Mapping

Ref = tuple[str, int, int]      # (absolute path of the file, offset, length in bytes)
Body = str | Ref                # the HTML, or where it is

_fds: dict[str, int] = {}
_fds_pid = 0


def is_ref(body: object) -> bool:
    return type(body) is tuple


def read(ref: Ref) -> str:
    """The body a Ref points at (each file is opened once per process)."""
    global _fds_pid
    path, offset, length = ref
    if not hasattr(os, "pread"):        # Windows
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(length).decode("utf-8", "surrogatepass")
    if _fds_pid != os.getpid():          # a forked worker: its parent's descriptors are not its own to close
        _fds.clear()
        _fds_pid = os.getpid()
    fd = _fds.get(path)
    if fd is None:
        fd = _fds[path] = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    data = os.pread(fd, length, offset)
    if len(data) != length:
        raise OSError(f"{path} is shorter than the build cache recorded: delete .broadsheet/cache")
    return data.decode("utf-8", "surrogatepass")


def text(body: Body) -> str:
    """The HTML of a Body."""
    return body if type(body) is str else read(body)


class Bodies(Mapping[str, str]):
    """Source path -> the body HTML of its article, read from the cache's files when asked for
    (again each time: a page or feed asks once), never before. Read-only: a forked worker reads
    through its copy-on-write copy (read() opens the files anew there)."""

    def __init__(self, kept: Mapping[str, Body]):
        self._kept = kept

    def __getitem__(self, path: str) -> str:
        return text(self._kept[path])

    def __contains__(self, path: object) -> bool:     # (Mapping's would read the body)
        return path in self._kept

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)


def forget() -> None:
    """Close the files read() opened (at the end of a build: the cache may delete them later)."""
    if _fds_pid == os.getpid():
        for fd in _fds.values():
            os.close(fd)
    _fds.clear()


class Writer:
    """Bodies into one new file of `folder`: add() says where each will be, close() writes them."""

    def __init__(self, folder: Path, name: str):
        self.path = str(folder / f"{name}.html")
        self.folder = folder
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, html: str) -> Ref:
        data = html.encode("utf-8", "surrogatepass")
        ref = (self.path, self.size, len(data))
        self.parts.append(data)
        self.size += len(data)
        return ref

    def close(self) -> bool:
        """Write the file; False if it cannot be written (the bodies are then still here: recall())."""
        if not self.parts:
            return True
        tmp = f"{self.path}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(b"".join(self.parts))
            os.replace(tmp, self.path)
        except OSError:     # a cache that cannot be written never fails a build
            try:
                os.remove(tmp)
            except OSError:
                pass
            return False
        self.parts = []
        return True

    def recall(self, ref: Ref) -> str:
        """A body add()ed to a file that close() could not write."""
        data = b"".join(self.parts)
        return data[ref[1]:ref[1] + ref[2]].decode("utf-8", "surrogatepass")


def new_name(prefix: str = "") -> str:
    """A file name no other build uses. (os.urandom, not secrets: importing secrets costs ~10 ms,
    and every build imports this module, one that finds nothing changed too.)"""
    return f"{prefix}{os.urandom(8).hex()}"


def needs(refs: Iterable[Ref]) -> dict[str, int]:
    """file -> the length it must have at least, for these refs."""
    out: dict[str, int] = {}
    for path, offset, length in refs:
        end = offset + length
        if out.get(path, -1) < end:
            out[path] = end
    return out


def usable(files: dict[str, int], sizes: dict[str, int] | None = None) -> bool:
    """Every file is there and at least as long as the refs into it need. `sizes` remembers the
    size of each file looked at (-1: not there), for the next call."""
    sizes = {} if sizes is None else sizes
    try:
        for path, size in files.items():
            if path not in sizes:
                try:
                    sizes[path] = os.stat(path).st_size
                except OSError:
                    sizes[path] = -1
            if sizes[path] < size:
                return False
    except (TypeError, ValueError):     # a row of another shape
        return False
    return True


def stored_files(folder: Path) -> dict[str, int]:
    """The body files in `folder` (not those half-written): path -> size."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return {}
    return {e.path: e.stat().st_size for e in entries if e.name.endswith(".html") and e.is_file()}
