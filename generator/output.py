"""Where built files go: every write passes through a sink.

The disk sink builds into a fresh staging folder beside the output and swaps it in only when
the whole build succeeded, so a failed build leaves the previous output exactly as it was and a
successful one leaves nothing stale. A file whose bytes did not change is hard-linked from the
previous output, so it keeps its modification time and sync tools skip it.
"""
from __future__ import annotations

import functools
from bisect import bisect_left
import os
import shutil
import stat
import threading
from pathlib import Path
from typing import Callable, NamedTuple

from .content import RACY_NS
from .problems import BuildError, Problem
from .urls import is_safe_relative

MARKER = ".broadsheet-output"
MARKER_TEXT = b"This folder is written by 'broadsheet build' and replaced on every build.\n"


class MemorySink:
    """Collects files in a dict: for tests and for the dev server."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, rel: str, data: bytes) -> None:
        _check(rel)
        if rel in self.files:
            raise BuildError([Problem(rel, None, "", "two outputs would be written to the same file")])
        self.files[rel] = data

    def commit(self, expected: set[str] | None = None) -> None:
        pass

    def abort(self) -> None:
        self.files.clear()


def _check(rel: str) -> None:
    if not is_safe_relative(rel):
        raise BuildError([Problem(rel, None, "", "refusing to write outside the output folder")])


def check_output_target(output: Path, site: Path) -> None:
    """Refuse an output folder that broadsheet did not create, before anything is written."""
    output, site = output.resolve(), site.resolve()
    if output == site or output in site.parents:
        raise BuildError([Problem(str(output), None, "--output", "is the site folder or contains it; choose a folder of its own, e.g. SITE/output")])
    if output == Path.home().resolve():
        raise BuildError([Problem(str(output), None, "--output", "is your home folder; refusing to replace it")])
    if output.exists():
        if not output.is_dir():
            raise BuildError([Problem(str(output), None, "--output", "exists and is not a folder")])
        if any(output.iterdir()) and not (output / MARKER).is_file():
            raise BuildError([Problem(str(output), None, "--output",
                                      f"is a non-empty folder that broadsheet did not create (no {MARKER} in it); "
                                      "refusing to replace it. Empty it or choose another folder")])


class Written(NamedTuple):
    """A file that went through DiskSink.write(): what its output file will be after commit()."""
    size: int
    mtime_ns: int
    staged: bool        # False: the output already held these bytes, and keeps its file


class DiskSink:
    """Writes what changed into a staging folder beside OUTPUT; commit() makes it the output.

    A small change is applied in place: a journal is written first, then each staged file
    replaces its old version with one atomic rename, and stale files go; a build killed half-way
    through that is finished by the next build from the journal. A large change (or a first
    build) swaps in a whole new folder, with unchanged files hard-linked from the old one.
    Either way a build that fails before commit() leaves the output exactly as it was.
    """

    PATCH_SHARE = 0.2     # patch in place when at most this share of the files change

    def __init__(self, output: Path, existing: Callable[[], set[str]] | None = None,
                 touched: Callable[[], set[str]] | None = None, durable: bool = True,
                 folders: Callable[[], dict[str, FolderStamp]] | None = None):
        """`existing()` lists the files in OUTPUT (default: files_in(), when commit() asks);
        `touched()` names those of the last build's records that are not as it left them, for
        carry() to answer from (default: carry() looks at each file itself). `durable=False`
        (the dev server's folder, made again on its next start): nothing is synced to the disk.
        `folders()`: the stamps of OUTPUT's folders, if it is as the last build left it (see
        folder_stamps)."""
        self.durable = durable
        self.output = real_output(output)      # a link to the output is written through, never replaced
        self.existing = existing or (lambda: files_in(self.output))
        self.touched = touched
        self.parent = self.output.parent
        self.inside = stages_inside(self.output)
        self.stage = stage_folder(self.output, self.inside)
        self.old = self.parent / f".{self.output.name}.broadsheet-old-{os.getpid()}"
        self.mode = ""            # after commit: "new", "swap" or "patch"
        self.changed: set[str] | None = None   # after commit: files written or deleted (None: all new)
        self.replacing = self.output.is_dir()     # else every file is new: nothing to compare with
        if recover(self.output):    # what was looked at before would not show what recovery changed
            self.existing, self.touched = (lambda: files_in(self.output)), None
        try:
            if not self.inside:
                self.parent.mkdir(parents=True, exist_ok=True)
            self.stage.mkdir()
        except OSError as exc:
            raise BuildError([Problem(str(output), None, "", f"cannot be written: {exc.strerror or exc}; "
                                      "the previous output is unchanged")]) from None
        self.folders: set[str] = {str(self.stage)}
        self.written: dict[str, Written] = {}     # rel -> its output file after commit()
        self.before = folders or dict
        # after commit: the stamp of each folder of the output, each taken where the folder was
        # seen to hold what this build left in it ({}: not known; the next build lists the output)
        self.folder_stamps: dict[str, FolderStamp] = {}
        # after commit_same(): the stamps of the folders it changed (None: commit() ran, or no
        # folder's stamp holds now: see folder_stamps)
        self.folder_changes: dict[str, FolderStamp] | None = None

    def write(self, rel: str, data: bytes) -> None:
        """Stage a file, unless the output already holds exactly these bytes."""
        _check(rel)
        if self.replacing:
            try:
                st = os.lstat(f"{self.output}/{rel}")
                if stat.S_ISREG(st.st_mode) and st.st_size == len(data):
                    with open(f"{self.output}/{rel}", "rb") as old:
                        if old.read() == data:
                            self.written[rel] = Written(st.st_size, st.st_mtime_ns, False)
                            return
            except OSError:
                pass
        target = f"{self.stage}/{rel}"
        folder = target.rpartition("/")[0]
        if folder not in self.folders:      # one mkdir per folder, not one per file
            try:
                os.mkdir(folder)            # its parent is usually there: no stat first, as makedirs() does
            except FileExistsError:
                pass
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            mtime_ns = os.fstat(fd).st_mtime_ns
        finally:
            os.close(fd)
        self.written[rel] = Written(len(data), mtime_ns, True)

    def drain(self) -> dict[str, Written]:
        """What write() did since the last drain (in a worker process: to send to the parent)."""
        written, self.written = self.written, {}
        return written

    def absorb(self, written: dict[str, Written]) -> None:
        """Take in what a worker's copy of this sink wrote."""
        self.written.update(written)

    def stat(self, rel: str) -> Written | None:
        """Size and modification time of output/rel after commit(), if write() handled it."""
        return self.written.get(rel)

    def carry(self, rel: str, size: int, mtime_ns: int) -> bool:
        """Keep the previous build's file if it is still the one that build wrote (same size and
        modification time); False if it is gone or was touched since, so it must be rendered.
        (Only looks: `rel` comes from the last build's records, written through write().)"""
        if self.touched is not None:
            return rel not in self.touched()
        try:
            st = os.lstat(f"{self.output}/{rel}")
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and st.st_size == size and st.st_mtime_ns == mtime_ns

    def commit(self, expected: set[str] | None = None) -> None:
        """Make the output hold exactly `expected` (every file this build produced). Everything
        staged is synced to disk before the change is committed (a power cut after a build that
        said it succeeded must not leave empty files)."""
        staged = {rel for rel, done in self.written.items() if done.staged}
        expected = set(staged) if expected is None else set(expected)
        expected.add(MARKER)
        if not self.output.is_dir():
            if self.replacing:   # the files this build kept as they were went with it
                raise BuildError([Problem(str(self.output), None, "", "the output folder was removed during the "
                                          "build; nothing was written. Build again")])
            (self.stage / MARKER).write_bytes(MARKER_TEXT)
            stamps = self._sync_and_stamp(expected)
            self.stage.rename(self.output)
            self._sync(self.parent, renames=True)
            self.mode = "new"
            self.folder_stamps = self._with_root(stamps, expected)
            return
        old = self.existing()
        stale = sorted(old - expected)
        kept = expected - staged - {MARKER}
        missing = [rel for rel in kept if rel not in old]
        if missing:  # the old output lost files since it was built: write everything anew
            raise BuildError([Problem(str(self.output / missing[0]), None, "", "was removed from the output during "
                                      "the build; nothing was written. Build again")])
        if MARKER not in old:
            (self.stage / MARKER).write_bytes(MARKER_TEXT)
            staged.add(MARKER)
        self.changed = (staged | set(stale)) - {MARKER}
        self.expected = expected
        if self.inside or len(staged) + len(stale) <= self.PATCH_SHARE * len(expected):
            self._patch(sorted(staged), stale)
        else:
            self._swap(kept)

    def commit_same(self, since: int | None) -> None:
        """commit(), for a build that wrote only files the output holds, the output as the last
        build left it (the job graph's build: the same jobs as last time): then the output need
        not be listed, nor its records read, to know what it holds. `since`: the time (ns) from
        which every folder of the output was seen to have its recorded stamp (None: not seen so;
        then commit() runs). After it `folder_changes` holds the stamps of the folders it changed."""
        staged = sorted(rel for rel, done in self.written.items() if done.staged)
        for rel in staged:
            try:
                st = os.lstat(f"{self.output}/{rel}")
            except OSError:
                st = None
            if st is None or not stat.S_ISREG(st.st_mode):
                raise BuildError([Problem(str(self.output / rel), None, "", "was removed from the output during "
                                          "the build; nothing was written. Build again")])
        held = self._holding(staged, since) if since is not None and not self.inside else None
        if held is None:    # (a folder changed lately, or the stage is inside: as any build)
            self.commit(self.existing())
            return
        self.changed, self.expected = set(staged), None
        if not staged:
            self.mode, self.folder_changes = "patch", {}
            return
        self._patch(staged, [], held)

    def _holding(self, staged: list[str], since: int) -> dict[str, set[str]] | None:
        """What each folder the staged files lie in holds (their names), each seen unchanged since
        `since` (its change time earlier, by SETTLED_NS: a folder changed then may have had an
        entry added since without its stamp showing it) and so holding what the last build left
        in it. None if one is not."""
        held = {}
        for folder in {""} | {folder for rel in staged for folder in _folders(rel)}:
            path = _folder_path(self.output, folder)
            stamp = folder_stamp(path)
            if stamp is None or stamp[1] >= since - SETTLED_NS:
                return None
            try:
                names = {entry.name for entry in os.scandir(path)} - NOT_OUTPUT
            except OSError:
                return None
            if folder_stamp(path) != stamp:     # (changed while listed)
                return None
            held[folder] = names
        return held

    def _patch(self, staged: list[str], stale: list[str], held: dict[str, set[str]] | None = None) -> None:
        # deletions first: a file that becomes a folder (or the other way round) must be gone
        # before what replaces it can be put in its place
        journal = "".join(f"delete {rel}\n" for rel in stale) + "".join(f"replace {rel}\n" for rel in staged)
        tmp = self.stage / ".journal.tmp"
        tmp.write_text(journal, encoding="utf-8")
        self._sync(self.stage)
        os.replace(tmp, self.stage / JOURNAL)          # from here on, the change is committed
        self._sync(self.stage, renames=True)
        self.mode = "committing"
        failed = _apply(self.stage, self.output, self.durable)
        self.mode = "patch"
        if held is not None:       # (commit_same(): each folder to hold what it held)
            stamps = {folder: _stamp_if_holding(_folder_path(self.output, folder), names)
                      for folder, names in held.items()}
            self.folder_changes = None if None in stamps.values() else stamps  # type: ignore[assignment]
        elif not failed and not self.inside:      # (a stage inside the output changes its stamp as it goes)
            self.folder_stamps = _restamped(self.output, self.before(), [*staged, *stale], self.expected)
        if failed:   # (a folder made by hand where a page goes, say: the build's own outputs never clash)
            raise BuildError([Problem(str(self.output / failed[0].partition(" ")[2]), None, "",
                                      f"could not be {failed[0].partition(' ')[0]}d in the output "
                                      f"({len(failed)} file{'s' if len(failed) != 1 else ''} in all); build again")])

    def _swap(self, kept: set[str]) -> None:
        for rel in kept:
            target = self.stage / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.output / rel, target)
            except OSError:
                shutil.copy2(self.output / rel, target)
        (self.stage / MARKER).write_bytes(MARKER_TEXT)
        stamps = self._sync_and_stamp(self.expected)
        self.output.rename(self.old)
        self.stage.rename(self.output)
        self._sync(self.parent, renames=True)
        shutil.rmtree(self.old)
        self.mode = "swap"
        self.folder_stamps = self._with_root(stamps, self.expected)

    def _sync_and_stamp(self, expected: set[str]) -> dict[str, FolderStamp]:
        """Sync the stage (in a thread: syncfs() waits for the disk without holding the GIL) while
        stamping each of its folders but the top one, all of whose files are written by now."""
        outcome: list[BaseException] = []

        def sync() -> None:
            try:
                self._sync(self.stage)
            except BaseException as exc:    # raised here, below
                outcome.append(exc)
        worker = threading.Thread(target=sync)
        worker.start()
        try:
            stamps = {}
            root = str(self.stage)
            for folder in {folder for rel in expected for folder in _folders(rel)}:
                stamp = folder_stamp(f"{root}/{folder}")
                if stamp is not None:
                    stamps[folder] = stamp
        finally:
            worker.join()
        if outcome:
            raise outcome[0]
        return stamps

    def _with_root(self, stamps: dict[str, FolderStamp], expected: set[str]) -> dict[str, FolderStamp]:
        """The stamps of the stage's folders, now the output's, with the top folder's: its stamp is
        taken after the rename, and holds only if the folder holds nothing but this build's files."""
        root = _stamp_if_holding(str(self.output), {rel.partition("/")[0] for rel in expected})
        return {**stamps, "": root} if root is not None else {}

    def _sync(self, folder: Path, renames: bool = False) -> None:
        """Before a commit point: the files under `folder` (or, `renames`, what was renamed in it) on the disk."""
        if self.durable:
            (sync_folder if renames else sync_tree)(folder)

    def abort(self) -> None:
        if self.mode == "committing":
            return  # the journal is written: the next build finishes the change, never undoes it
        shutil.rmtree(self.stage, ignore_errors=True)


JOURNAL = ".journal"
SETTLED_NS = RACY_NS    # a folder changed this long before the output was looked at is as the look saw it
STAGE_INSIDE = ".broadsheet-stage-"     # a stage kept inside the output folder (see stages_inside())
LOCK_NAME = ".broadsheet-lock"          # the output's lock, when it cannot lie beside the output


def _folder_path(output: Path, folder: str) -> str:
    """The path of a folder of the output, by its relative path ("": the output itself)."""
    return f"{output}/{folder}" if folder else str(output)


def _folders(rel: str):
    """The folders a path lies in, innermost first: 'a/b/c.html' -> 'a/b', 'a'."""
    while "/" in rel:
        rel = rel.rpartition("/")[0]
        yield rel


NOT_OUTPUT = frozenset((JOURNAL, JOURNAL + ".tmp", LOCK_NAME))   # kept in the output's top folder, none of its files
KEPT_NAMES = NOT_OUTPUT | {MARKER}


def clashes(paths: list[str]) -> list[tuple[str, str]]:
    """The outputs among `paths` that cannot all be written to one folder, as (path, other):
    (p, p) for a file written twice; (p, q) where p is a file and q lies inside it, as if p were
    a folder; (p, '') for a name the output folder keeps for itself (its marker, journal, lock
    and inner stages). Pure; linear in the number of paths."""
    files: set[str] = set()
    twice = []
    for rel in paths:
        if rel in files:
            twice.append((rel, rel))
        files.add(rel)
    folders: dict[str, str] = {}        # folder -> a file inside it
    for rel in files:
        for folder in _folders(rel):
            if folder in folders:
                break
            folders[folder] = rel
    found = dict.fromkeys(twice)
    found.update(dict.fromkeys((rel, folders[rel]) for rel in files & folders.keys()))
    for rel in files:
        top = rel.partition("/")[0]
        if top in KEPT_NAMES or top.startswith(STAGE_INSIDE):
            found[(rel, "")] = None
    return list(found)


def real_output(output: Path) -> Path:
    """The folder the output really is: a symbolic link (`output -> /srv/www`, a common deploy
    set-up) is followed, so the build writes into its target and the link stays as it is."""
    output = output.absolute()
    return Path(os.path.realpath(output)) if output.is_symlink() else output


def stages_inside(output: Path) -> bool:
    """Whether a build must stage its files inside the output folder and patch it in place,
    because the folder cannot be swapped: it is a mount point of its own, its parent is on
    another file system, or its parent cannot be written (a read-only bind mount around it)."""
    if not output.is_dir():
        return False
    try:
        return (os.path.ismount(output) or os.stat(output.parent).st_dev != os.stat(output).st_dev
                or not _parent_writable(output))
    except OSError:
        return True


def _parent_writable(output: Path) -> bool:
    return os.access(output.parent, os.W_OK | os.X_OK)


def stage_folder(output: Path, inside: bool) -> Path:
    if inside:
        return output / f"{STAGE_INSIDE}{os.getpid()}"
    return output.parent / f".{output.name}.broadsheet-new-{os.getpid()}"


FolderStamp = tuple[int, int, int]     # a folder's (mtime_ns, ctime_ns, inode): an entry added, removed
                                        # or renamed in it changes it, and no one can set the ctime back


def folder_stamp(path: str) -> FolderStamp | None:
    try:
        return stamp_of_folder(os.lstat(path))
    except OSError:
        return None


def stamp_of_folder(st: os.stat_result) -> FolderStamp | None:
    """The stamp of the folder lstat() said this of (None: no folder)."""
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if stat.S_ISDIR(st.st_mode) else None


def _stamp_if_holding(path: str, names: set[str]) -> FolderStamp | None:
    """The folder's stamp, if it holds exactly these names (taken before it is listed: a change
    after the listing changes the stamp)."""
    stamp = folder_stamp(path)
    try:
        held = {entry.name for entry in os.scandir(path)} - NOT_OUTPUT
    except OSError:
        return None
    return stamp if stamp is not None and held == names else None


def _restamped(output: Path, before: dict[str, FolderStamp], changed: list[str],
               expected: set[str]) -> dict[str, FolderStamp]:
    """The output's folder stamps after a patch: those valid before it (`before`: {} if none were),
    with the folders the patch changed (those of the `changed` files, and theirs up to the top)
    stamped again, each where it holds only what `expected` puts in it ({} if one holds more)."""
    if not before:
        return {}
    need = {""} | {folder for rel in changed for folder in _folders(rel)}
    # what each folder in need holds: the first part of every expected path under it, found in
    # the sorted paths between "folder/" and "folder0" ("0" follows "/"): not a pass over every
    # path for each folder (~0.2 s at 100,000 stories, where ~50 folders change with a story)
    ordered = sorted(expected)
    names: dict[str, set[str]] = {"": {rel.partition("/")[0] for rel in ordered}}
    for folder in need - {""}:
        prefix = folder + "/"
        start = len(prefix)
        under = ordered[bisect_left(ordered, prefix):bisect_left(ordered, folder + "0")]
        names[folder] = {rel[start:].partition("/")[0] for rel in under}
    after = dict(before)
    for folder in need:
        if not names[folder]:           # gone with the files it held
            after.pop(folder, None)
            continue
        stamp = _stamp_if_holding(_folder_path(output, folder), names[folder])
        if stamp is None:
            return {}
        after[folder] = stamp
    return after


def files_in(root: Path, stamps: dict[str, FolderStamp] | None = None) -> set[str]:
    """Every file under root, as POSIX paths relative to it (the journal, an inner stage and the
    lock excluded). `stamps`: filled with each folder's stamp ('' for root), taken just before
    the folder is listed, so a later change to what it holds changes the stamp."""
    found: set[str] = set()

    def walk(folder: str, prefix: str) -> None:
        if stamps is not None:
            stamp = folder_stamp(folder)
            if stamp is None:
                return
            stamps[prefix[:-1]] = stamp
        try:
            entries = list(os.scandir(folder))
        except OSError:     # gone, or unreadable: as os.walk, skip it
            if stamps is not None:
                del stamps[prefix[:-1]]
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if prefix or not entry.name.startswith(STAGE_INSIDE):
                    walk(entry.path, f"{prefix}{entry.name}/")
            else:
                found.add(prefix + entry.name)

    walk(str(root), "")
    found.difference_update(NOT_OUTPUT)
    return found


def _apply(stage: Path, output: Path, durable: bool = True) -> list[str]:
    """Carry out a committed journal; safe to repeat after a crash part-way through. Returns the
    lines that could not be carried out (the rest are done all the same)."""
    failed = []
    for line in (stage / JOURNAL).read_text(encoding="utf-8").splitlines():
        action, _, rel = line.partition(" ")
        if not is_safe_relative(rel):
            failed.append(line)
            continue
        try:
            if action == "replace":
                source = stage / rel
                if source.exists():
                    (output / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(source, output / rel)
            elif action == "delete":
                target = output / rel
                if target.is_symlink() or target.is_file():
                    target.unlink()
                _prune(target.parent, output)
        except OSError:
            failed.append(line)
    if durable:
        sync_tree(output)
    shutil.rmtree(stage, ignore_errors=True)
    return failed


def _prune(folder: Path, root: Path) -> None:
    """Remove folders left empty by deleted pages, up to the output root."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def recover(output: Path) -> bool:
    """Clean up after a build that was killed: finish a committed patch, restore a swapped-out
    output, drop uncommitted stages. True if the output changed. Never fails: a journal that
    cannot be carried out in full is carried out as far as it can be, then dropped (the output
    is then listed and compared afresh, so the build that follows rewrites what is not right)."""
    output = real_output(output)
    parent, prefix = output.parent, f".{output.name}.broadsheet-"
    changed = False
    leftovers = sorted(parent.glob(prefix + "*")) if parent.is_dir() else []
    if output.is_dir():
        leftovers += sorted(output.glob(STAGE_INSIDE + "*"))
    for leftover in leftovers:
        try:
            if leftover.name.startswith(prefix + "old-") and not output.exists():
                leftover.rename(output)
                changed = True
            elif leftover.is_dir() and not leftover.is_symlink() and (leftover / JOURNAL).is_file() and output.is_dir():
                _apply(leftover, output)
                changed = True
            elif leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            shutil.rmtree(leftover, ignore_errors=True)
            changed = True
    return changed


# ---- Durability: what a build says it wrote is on the disk ----

@functools.lru_cache(maxsize=1)
def _syncfs():
    """libc's syncfs(fd) where there is one (Linux): one call writes out a whole file system,
    far cheaper than an fsync() per file. Else None (os.sync() is used). Looked up on first use:
    a build that writes nothing never pays for importing ctypes."""
    if not hasattr(os, "O_DIRECTORY"):
        return None
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).syncfs     # the process's own symbols hold libc's
    except (OSError, AttributeError):
        return None


def sync_tree(folder: Path) -> None:
    """Write every file under `folder` (and all else on its file system) out to the disk."""
    syncfs = _syncfs()
    if syncfs is None:
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make the renames inside `folder` durable."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---- One build of an output at a time ----

def lock_path(output: Path) -> Path:
    """Where the output's lock lives: beside the output, or inside it where its parent cannot be
    written (a read-only bind mount around a writable output)."""
    output = real_output(output)
    if output.is_dir() and not _parent_writable(output):
        return output / LOCK_NAME
    return output.parent / f".{output.name}.broadsheet-lock"
