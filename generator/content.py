"""Find and read the sources: the only module that reads content files.

The walk is defensive: a file over the size limit is refused without being read, every real
folder and file is read at most once (so a symbolic-link loop cannot hang the build), and a
link that leads outside the site folder is refused rather than followed.
"""
from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from contextlib import contextmanager
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from .config import DEFAULT_MAX_FILE_MB, MB
from .problems import BuildError, Problem

CONTENT_DIR = "content"
DEFAULT_MAX_BYTES = DEFAULT_MAX_FILE_MB * MB


class Stamp(NamedTuple):
    """What stat says about a file: if all of it is unchanged, so are the bytes. The change time
    cannot be set back by a user (touch -d sets only the modification time), and the inode
    changes when an editor saves by writing a new file and renaming it over the old one."""
    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, info: os.stat_result) -> "Stamp":
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)

    def settled(self, before_ns: int) -> bool:
        """A file changed within RACY_NS of a build's read may change again inside one tick of
        the file system's clock without its stamp changing: such a stamp is not trusted later."""
        return max(self.mtime_ns, self.ctime_ns) < before_ns - RACY_NS


RACY_NS = 2_000_000_000
KEEP_BYTES = 64 * MB    # the bytes a walk keeps of the stories it reads; the others' are read again where
                        # they are parsed (a first build of 100,000 rich stories would hold ~800 MB of them)
_name, _path = attrgetter("name"), attrgetter("path")
Stamps = dict[str, tuple[tuple[int, int, int, int], str]]   # site path -> (stamp, digest) of bytes known unchanged


class Source(NamedTuple):
    """One source file. (A NamedTuple, not a dataclass: a walk makes 100,000 of them at 100,000
    stories, and a frozen dataclass takes ~1 µs more to make each.)"""
    path: str        # relative to the site, POSIX separators, e.g. content/world/x.md
    data: bytes | None   # None: not read, because its stamp says it is unchanged since the last build,
                         # or read and hashed but not kept (see KEEP_BYTES)
    digest: str
    stamp: Stamp | None = None
    file: str = ""       # where it was read from (a real path)
    read: bool = False   # its bytes were read (and hashed) by this walk

    def bytes(self) -> bytes:
        """The file's bytes, read now if the walk skipped them."""
        if self.data is not None:
            return self.data
        with open(self.file, "rb") as handle:
            return handle.read()


def read_anew(sources: list[Source]) -> list[Source]:
    """The sources this walk read (or found no stamp for): every other one has the stamp and the
    digest the last build recorded."""
    return [s for s in sources if s.read or s.stamp is None]


def megabytes(size: int) -> str:
    """6_300_000 -> '6.3 MB', 5_000_000 -> '5 MB', 2_500 -> '0.0025 MB'."""
    amount = size / MB
    return (f"{amount:.1f}".removesuffix(".0") if amount >= 1 else f"{amount:.2g}") + " MB"


def _garbling(name: str) -> bool:
    """True if the name holds a control character, a line or paragraph separator, or bytes that
    are not UTF-8 (which Python reads as lone surrogates, and no page can be written with)."""
    if name.isascii() and name.isprintable():
        return False    # the common case, decided without looking at each character
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") for c in name)


def printable(path: str) -> str:
    """A path with its control characters and line separators written as \\xNN / \\uNNNN escapes,
    and each byte that is not UTF-8 as \\xNN."""
    return "".join(c if not _garbling(c) else f"\\x{ord(c):02x}" if ord(c) < 0x100
                   else f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else f"\\u{ord(c):04x}"
                   for c in path)


class _Walk:
    """One walk of content/: the sources found and the problems met on the way."""

    def __init__(self, site: Path, max_bytes: int, stamps: Stamps | None = None):
        self.site, self.max_bytes, self.stamps = site, max_bytes, stamps or {}
        self.real_site = Path(os.path.realpath(site))
        self.sources: list[Source] = []
        self.problems: list[Problem] = []
        self.kept = 0       # bytes of the stories read, kept in their Sources
        self.seen: dict[str, str] = {}     # real path -> the site path it was first read as
        self.plain: dict[str, tuple[str, list[str]]] = {}   # real folder -> (its site path, the stories read in it by read_plain())
        self.links: list[tuple[str, str]] = []   # (site path of a link, the folder it is in)

    def problem(self, rel: str, message: str) -> None:
        self.problems.append(Problem(rel, None, "", message))

    def walk(self, rel: str, real: str) -> None:
        """Read the real folder `real`, known in the site as `rel`; links wait until every real
        file is read, so a story is always read under its own path, not a link's."""
        if real in self.seen:
            return
        self.seen[real] = rel
        try:
            entries = sorted(os.scandir(real), key=_name)
        except OSError as exc:
            self.problem(rel, f"folder cannot be read: {exc.strerror or exc}")
            return
        read, plain = self.read, []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue  # editor swap files, hidden folders
            if name.endswith(".md") and name.isascii() and name.isprintable() and entry.is_file(follow_symlinks=False):
                plain.append(name)      # (the common case: read below, in one pass for the folder)
                continue
            child = f"{rel}/{name}"
            if not (name.isascii() and name.isprintable()) and _garbling(name) and (name.endswith(".md") or entry.is_dir()):
                # a newline or other control character in a path would garble every message naming it
                self.problem(printable(child), "the name holds a control character or bytes that are not UTF-8 "
                                               "(shown as \\x..): rename it")
                continue
            if entry.is_symlink():
                self.links.append((child, real))
            elif entry.is_dir(follow_symlinks=False):
                self.walk(child, entry.path)
            elif name.endswith(".md"):
                read(child, entry.path)   # the folder is a real path and the entry no link (read() refuses a FIFO)
        if plain:
            self.plain[real] = (rel, plain)
            self.read_plain(rel, real, plain)

    def follow_links(self) -> None:
        while self.links:
            rel, parent = self.links.pop(0)
            self.follow(rel, os.path.join(parent, rel.rsplit("/", 1)[1]))

    def follow(self, rel: str, path: str) -> None:
        is_md = rel.endswith(".md")
        target = os.path.realpath(path)
        if not os.path.exists(target):
            if is_md:
                self.problem(rel, f"symbolic link to {os.readlink(path)}, which does not exist (or is a loop of links)")
            return
        is_dir = os.path.isdir(target)
        if not is_dir and not is_md:
            return  # a link to some other kind of file is none of our business
        if not self.inside_site(target):
            self.problem(rel, f"symbolic link to {target}, outside the site folder: refused (move or copy it into the site)")
        elif target in self.seen or self.read_as(target):
            first = self.seen.get(target) or self.read_as(target)
            if is_dir and rel.startswith(first.rstrip("/") + "/"):
                self.problem(rel, f"symbolic link to {first}, a folder it is inside: a loop, not followed")
            else:
                self.problem(rel, f"symbolic link to {first}, which is already read: a story is read once")
        elif is_dir:
            self.walk(rel, target)
        else:
            self.read(rel, target)

    def inside_site(self, real: str) -> bool:
        return real == str(self.real_site) or real.startswith(str(self.real_site) + os.sep)

    def read_as(self, real: str) -> str:
        """The site path the file at the real path `real` was read as by read_plain() ("" if none)."""
        folder, name = os.path.split(real)
        rel, names = self.plain.get(folder, ("", ()))
        return f"{rel}/{name}" if name in names else ""

    def read_plain(self, rel: str, real: str, names: list[str]) -> None:
        """read() for each of these stories in the real folder `real` (known as `rel`), whose
        entries say they are regular files: stat-ed in one pass, compared with the recorded stamps
        without a call per file (~3 µs a story instead of ~9: 100,000 stories are looked at by every
        build, a no-change one too)."""
        try:
            infos = _stat_all(real, names)
        except OSError:     # (one went between the listing and now: each on its own, to name it)
            for name in names:
                self.read(f"{rel}/{name}", f"{real}/{name}")
            return
        stamps, limit, append, regular, new = self.stamps, self.max_bytes, self.sources.append, stat.S_ISREG, tuple.__new__
        for name, info in zip(names, infos):
            child, path = f"{rel}/{name}", f"{real}/{name}"
            stamp = new(Stamp, (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino))
            recorded = stamps.get(child)
            if recorded is not None and recorded[0] == stamp and regular(info.st_mode) and stamp[0] <= limit:
                append(new(Source, (child, None, recorded[1], stamp, path, False)))
            else:
                self.read(child, path)

    def read(self, rel: str, path: str) -> None:
        """Read the file at the real path `path`, known in the site as `rel`."""
        self.seen[path] = rel
        try:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):   # a FIFO or device would block or never end
                self.problem(rel, "not a regular file")
                return
            if info.st_size > self.max_bytes:
                self.problem(rel, self.too_big(info.st_size))
                return
            stamp = Stamp(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            recorded = self.stamps.get(rel)
            if recorded is not None and recorded[0] == stamp:
                self.sources.append(Source(rel, None, recorded[1], stamp, path))
                return
            data = _read(path, min(info.st_size, self.max_bytes) + 1)
        except OSError as exc:
            self.problem(rel, f"cannot be read: {exc.strerror or exc}")
            return
        if len(data) > self.max_bytes:
            self.problem(rel, self.too_big(len(data)))
            return
        keep = self.kept + len(data) <= KEEP_BYTES
        self.kept += len(data) if keep else 0
        self.sources.append(Source(rel, data if keep else None, hashlib.sha256(data).hexdigest(), stamp, path, True))

    def too_big(self, size: int) -> str:
        return (f"file is {megabytes(size)}, over the {megabytes(self.max_bytes)} limit "
                f"(split the story, or raise max_file_size in site.toml's [markdown] table)")


def _stat_all(folder: str, names: list[str]) -> list[os.stat_result]:
    """stat() of each of these files in the real folder `folder`."""
    with named_from(folder) as stat_of:
        return [stat_of(name) for name in names]


@contextmanager
def named_from(folder: str, follow_symlinks: bool = True) -> Iterator[Callable[[str], os.stat_result]]:
    """stat() (lstat() if not `follow_symlinks`) of paths relative to `folder`, named from it where
    the system can: the kernel then looks up only the path's own parts, not every folder above
    (~15% less at the ~367,000 calls a build of 100,000 stories makes). A folder that cannot be
    opened is named in each path instead (so each call says what is wrong)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)) if _IN_FOLDER else -1
    except OSError:
        fd = -1
    if fd < 0:
        yield lambda rel: os.stat(f"{folder}/{rel}", follow_symlinks=follow_symlinks)
        return
    try:
        yield partial(os.stat, dir_fd=fd, follow_symlinks=follow_symlinks)
    finally:
        os.close(fd)


_IN_FOLDER = os.stat in os.supports_dir_fd and os.stat in os.supports_follow_symlinks and hasattr(os, "O_DIRECTORY")


def _read(path: str, size: int) -> bytes:
    """Up to `size` bytes of the file: what stat says is there, +1 to notice a file growing past
    the limit while we read (asking for max_bytes+1 would allocate a 5 MB buffer per file and,
    kept as its own memory mapping, exhaust the kernel's mapping limit at ~65,000 stories).
    os.open/os.read rather than open(): no buffered file object to make for each story."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        parts, got = [], 0
        while got < size:       # until the end of the file: a read may return less than asked
            part = os.read(fd, size - got)
            if not part:
                break
            parts.append(part)
            got += len(part)
        return b"".join(parts)
    finally:
        os.close(fd)


def read_sources(site: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                 stamps: Stamps | None = None) -> tuple[list[Source], list[Problem]]:
    """Every Markdown file under SITE/content, in path order, and the problems met finding them.
    `stamps`: what the last build recorded; a story whose stamp is the recorded one is not read."""
    root = site / CONTENT_DIR
    walk = _Walk(site, max_bytes, stamps)
    if root.is_symlink():
        walk.follow(CONTENT_DIR, str(root))
    elif root.is_dir():
        walk.walk(CONTENT_DIR, os.path.realpath(root))
    walk.follow_links()
    return sorted(walk.sources, key=_path), walk.problems


def read_source(site: Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Source | None:
    """The one source at the site path `rel`, read as read_sources() reads it; None if it cannot
    be (gone, too big, not a regular file, or a link that leads outside the site)."""
    walk = _Walk(site, max_bytes)
    real = os.path.realpath(site / rel)
    if not walk.inside_site(real):
        return None
    walk.read(rel, real)
    return walk.sources[0] if walk.sources else None


def find_sources(site: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Source]:
    """read_sources() for callers that take a list: raises BuildError with every problem."""
    sources, problems = read_sources(site, max_bytes)
    if problems:
        raise BuildError(problems)
    return sources


def static_files(site: Path, theme: Path) -> dict[str, Path]:
    """Theme's static/ then the site's static/: the site's file wins. A symbolic link that leads
    outside its static/ folder is not followed (a link to ~/.ssh must never be published)."""
    files: dict[str, Path] = {}
    for root in (theme / "static", site / "static"):
        if not root.is_dir():
            continue
        real_root = os.path.realpath(root)
        for folder, dirs, names in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                f = Path(folder) / name
                if name.startswith(".") or not f.is_file():
                    continue
                if f.is_symlink() and os.path.commonpath([real_root, os.path.realpath(f)]) != real_root:
                    continue
                files[f.relative_to(root).as_posix()] = f
    return files
