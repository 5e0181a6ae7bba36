"""What the last build left in the output folder, and whether the folder is still as it was left.

Each file a build writes is recorded (PageRecord: the key it was made from, its size and
modification time). The next build of the same output compares: a file changed, removed or
added by hand is made again, never taken for the build's own.

A file added by hand is found by listing the output, ~0.14 s at 10,000 stories. Unless every
folder's stamp is as recorded (output.FolderStamp: a folder's modification and change times
move whenever an entry is added, removed or renamed in it): then it holds what it held, ~0.05 s
to tell. Folder stamps are recorded only where the folder's listing matched what the build
left in it (see output.DiskSink.folder_stamps), so a stamp never vouches for a stray file.
"""
from __future__ import annotations

import os
import time
from functools import partial
from itertools import islice
from pathlib import Path
from stat import S_ISREG
from typing import Any, Callable, Iterable

from ..cache import PageRecord
from ..content import named_from
from ..output import MARKER, DiskSink, FolderStamp, files_in, real_output, stamp_of_folder
from ..parallel import Background

SCAN_OUTPUT_FROM = 2000     # files in the last output: below this, listing them costs less than a fork
SPLIT_SCAN_FROM = 20000     # and from this many, with its folders' stamps recorded, looked at by a process per core


class OutputScan:
    """What the output holds: its files, and which of the last build's files are not as that build
    left them (gone, or of another size or modification time). Looked at in a process of its own
    from the very start of a build when the output is big (~0.15 s at 10,000 stories, on a core
    the build leaves idle until it renders): that process reads the last build's records itself,
    so a build that finds nothing changed never reads them (~0.15 s at 100,000 stories), and
    shares the look out over a process per core once there are SPLIT_SCAN_FROM files. Else, or
    where no process can be forked, looked at when first asked. Read-only: callers do not change
    what it returns. `records()` and `folders()` give the last build's records and folder stamps."""

    def __init__(self, output: Path, records: Callable[[], dict[str, PageRecord]],
                 folders: Callable[[], dict[str, FolderStamp]], fork: bool):
        self.output, self.records, self.recorded_folders = output, records, folders
        self.looked: tuple[set[str], set[str], dict[str, FolderStamp]] | None = None
        self.found: tuple[bool, set[str] | None, set[str], dict[str, FolderStamp] | None, int] | None = None
        self.started_ns = time.time_ns()    # (before any look: see since())
        self.background = Background.start(partial(_look_from_the_start, output, records, folders)) if fork else None

    @classmethod
    def start(cls, output: Path, records: Callable[[], dict[str, PageRecord]],
              folders: Callable[[], dict[str, FolderStamp]], recorded: int) -> "OutputScan":
        """Start looking at the output, in a process of its own if the last build left a big one
        (`recorded`: how many files it recorded)."""
        return cls(output, records, folders, fork=recorded >= SCAN_OUTPUT_FROM and output.is_dir())

    def _found(self) -> tuple[bool, set[str] | None, set[str], dict[str, FolderStamp] | None, int] | None:
        """What the process started with the build found (None: none was)."""
        if self.background is not None:
            self.found, self.background = self.background.result(), None
        return self.found

    def _result(self) -> tuple[set[str], set[str], dict[str, FolderStamp]]:
        if self.looked is None:
            found = self._found()
            if found is not None:
                _, files, touched, stamps, _ = found
                self.looked = (set(self.records()) | {MARKER} if files is None else files, touched,
                               self.recorded_folders() if stamps is None else stamps)
            else:
                self.started_ns = time.time_ns()
                self.looked = look(self.output, self.records(), self.recorded_folders())
        return self.looked

    def folders(self) -> dict[str, FolderStamp]:
        """The output's folder stamps, if it is untouched ({} otherwise: it is listed next time)."""
        return self._result()[2]

    def restamped(self) -> dict[str, FolderStamp] | None:
        """folders(), unless they are the recorded ones (None: then not even those are read)."""
        found = self._found() if self.looked is None else None
        if found is not None:
            return found[3]
        stamps = self.folders()
        return None if stamps is self.recorded_folders() else stamps

    def files(self) -> set[str]:
        return self._result()[0]

    def touched(self) -> set[str]:
        return self._result()[1]

    def untouched(self) -> bool:
        """The output holds exactly the files the last build recorded, each as it was left."""
        found = self._found() if self.looked is None else None
        if found is not None:
            return found[0]
        records = self.records()
        return bool(records) and _untouched(self.files(), self.touched(), records)

    def since(self) -> int | None:
        """The time (time.time_ns()) from which every folder of the output was seen to have the
        stamp the last build recorded, and every file to be as it was left; None if not seen so
        (the output was listed, or is not as left)."""
        found = self._found() if self.looked is None else None
        if found is not None:
            untouched, _, _, stamps, _ = found
            return self.started_ns if untouched and stamps is None else None
        files, touched, stamps = self._result()
        return self.started_ns if stamps and stamps is self.recorded_folders() and self.untouched() else None

    def processes(self) -> int:
        """How many processes looked at the output (0: this one did)."""
        found = self._found()
        return found[4] if found is not None else 0

    def cancel(self) -> None:
        if self.background is not None:
            self.background.cancel()
            self.background = None


def _look_from_the_start(output: Path, records: Callable[[], dict[str, PageRecord]],
                         folders: Callable[[], dict[str, FolderStamp]]
                         ) -> tuple[bool, set[str] | None, set[str], dict[str, FolderStamp] | None, int]:
    """look(), in a process of its own that reads the records itself: (whether the output is
    untouched, its files, its touched files, its folders' stamps, how many processes looked), less
    what the asking process can tell from the records (None: the files are the recorded ones and
    the marker, the folders' stamps as recorded), so an untouched output of 133,765 files is not
    sent back whole (~0.17 s at 100,000 stories)."""
    records_, folders_ = records(), folders()
    count = min(os.cpu_count() or 1, 4)
    shared = bool(folders_) and len(records_) >= SPLIT_SCAN_FROM and count > 1
    if shared:
        # (~0.8 s for 133,765 files and 134,153 folders at 100,000 stories, on one core)
        others = [Background.start(partial(_look_at_part, output, records_, folders_, part, count)) for part in range(1, count)]
        if None not in others:
            found = [_look_at_part(output, records_, folders_, 0, count)] + [other.result() for other in others if other]
            if all(same for same, _ in found):      # (else the output changed: listed below)
                touched = set().union(*(part for _, part in found))
                return not touched, None, touched, None if not touched else {}, count
        for other in others:
            if other is not None:
                other.cancel()
        shared = None not in others
    files, touched, stamps = look(output, records_, folders_)
    same = stamps is folders_
    return _untouched(files, touched, records_), None if same else files, touched, None if same else stamps, count if shared else 1


def look(output: Path, records: dict[str, PageRecord],
         folders: dict[str, FolderStamp] | None = None) -> tuple[set[str], set[str], dict[str, FolderStamp]]:
    """The files in the output, those of `records` that are not as recorded, and the stamps of
    its folders if it is untouched. Listed only if a folder's stamp is not as in `folders`."""
    output = real_output(output)    # (the folder a link to the output leads to, as the sink writes it)
    root = str(output)
    if folders and _as_recorded(root, folders.items()):
        files, stamps = set(records) | {MARKER}, folders       # (a stamp is kept only for such a listing)
    else:
        stamps = {}
        files = files_in(output, stamps) if output.is_dir() else set()
    touched = _touched(root, records.items())
    return files, touched, stamps if _untouched(files, touched, records) else {}


def _look_at_part(output: Path, records: dict[str, PageRecord], folders: dict[str, FolderStamp], part: int,
                  parts: int) -> tuple[bool, set[str]]:
    """look() at one of `parts` shares of the output, in a process of its own: whether its share
    of the folders has the recorded stamps, and which of its share of the files are not as recorded."""
    root = str(real_output(output))
    share = slice(len(folders) * part // parts, len(folders) * (part + 1) // parts)
    if not _as_recorded(root, islice(folders.items(), share.start, share.stop)):
        return False, set()
    share = slice(len(records) * part // parts, len(records) * (part + 1) // parts)
    return True, _touched(root, islice(records.items(), share.start, share.stop))


def _as_recorded(root: str, folders: Iterable[tuple[str, FolderStamp]]) -> bool:
    """Whether each of these folders (relative to `root`; "" is root) has the recorded stamp."""
    with named_from(root, follow_symlinks=False) as lstat:
        for rel, stamp in folders:
            try:
                if stamp_of_folder(lstat(rel or ".")) != stamp:
                    return False
            except OSError:
                return False
    return True


def _touched(root: str, records: Iterable[tuple[str, PageRecord]]) -> set[str]:
    """Those of the recorded files that are gone, no longer regular files, or of another size or modification time."""
    touched = set()
    with named_from(root, follow_symlinks=False) as lstat:
        for rel, record in records:
            try:
                st = lstat(rel)
            except OSError:
                touched.add(rel)
                continue
            if not S_ISREG(st.st_mode) or st.st_size != record[1] or st.st_mtime_ns != record[2]:   # (size, mtime_ns)
                touched.add(rel)
    return touched




def _untouched(files: set[str], touched: set[str], records: dict[str, PageRecord]) -> bool:
    """The output's files are the recorded ones and the marker, none touched."""
    return not touched and len(files) == len(records) + 1 and files == set(records) | {MARKER}


def carry(sink: Any, path: str, key: str, record: PageRecord | None) -> bool:
    """Carry an unchanged file over from the previous output instead of making it again."""
    if not key or record is None or record[0] != key or not isinstance(sink, DiskSink):     # (key, size, mtime_ns)
        return False
    return sink.carry(path, record[1], record[2])


def carried(sink: Any, jobs: Iterable[Any], previous: dict[str, PageRecord]) -> dict[str, PageRecord]:
    """The previous build's records of the jobs whose files are kept as they are."""
    return {job.path: previous[job.path] for job in jobs if carry(sink, job.path, job.key, previous.get(job.path))}


def records_after(output: Path, keyed: Iterable[tuple[str, str]], kept: dict[str, PageRecord],
                  sink: Any) -> dict[str, PageRecord]:
    """What the output holds after a build: each file's key, size and modification time, for the
    (path, key) pairs it made or copied. A file carried over keeps its record (`kept`); the sink
    knows the files it wrote."""
    records = {}
    root = str(output)
    written = sink.stat if isinstance(sink, DiskSink) else lambda rel: None
    for path, key in keyed:
        if path in kept:
            records[path] = kept[path]
            continue
        done = written(path)
        if done is not None:
            records[path] = PageRecord(key, done.size, done.mtime_ns)
            continue
        try:
            st = os.stat(f"{root}/{path}")
        except OSError:
            continue
        records[path] = PageRecord(key, st.st_size, st.st_mtime_ns)
    return records
