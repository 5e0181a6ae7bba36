"""Where built files go: every write passes through a sink.

The disk sink builds into a fresh staging folder beside the output and swaps it in only when
the whole build succeeded, so a failed build leaves the previous output exactly as it was and a
successful one leaves nothing stale. A file whose bytes did not change is hard-linked from the
previous output, so it keeps its modification time and sync tools skip it.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

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

    def commit(self) -> None:
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


class DiskSink:
    """Writes into OUTPUT's staging folder; commit() swaps it in, abort() throws it away."""

    def __init__(self, output: Path):
        self.output = output.absolute()
        self.parent = self.output.parent
        self.stage = self.parent / f".{self.output.name}.broadsheet-new-{os.getpid()}"
        self.old = self.parent / f".{self.output.name}.broadsheet-old-{os.getpid()}"
        self.written: set[str] = set()
        self.parent.mkdir(parents=True, exist_ok=True)
        self._recover()
        self.stage.mkdir()

    def _recover(self) -> None:
        """Clean up after a build that was killed: restore a swapped-out output, drop stale stages."""
        prefix = f".{self.output.name}.broadsheet-"
        for leftover in sorted(self.parent.glob(prefix + "*")):
            if leftover.name.startswith(prefix + "old-") and not self.output.exists():
                leftover.rename(self.output)
            elif leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)

    def write(self, rel: str, data: bytes) -> None:
        _check(rel)
        if rel in self.written:
            raise BuildError([Problem(rel, None, "", "two outputs would be written to the same file")])
        self.written.add(rel)
        target = self.stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        previous = self.output / rel
        try:
            if previous.is_file() and not previous.is_symlink() and previous.stat().st_size == len(data) \
                    and previous.read_bytes() == data:
                os.link(previous, target)
                return
        except OSError:
            pass  # a file system without hard links: just write
        target.write_bytes(data)

    def commit(self) -> None:
        (self.stage / MARKER).write_bytes(MARKER_TEXT)
        if self.output.exists():
            self.output.rename(self.old)
            self.stage.rename(self.output)
            shutil.rmtree(self.old)
        else:
            self.stage.rename(self.output)

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
