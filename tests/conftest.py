"""Shared fixtures: fixture sites declared inline as {path: text}, built into tmp_path."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import lxml.html
import pytest

from generator.build import BuildOptions, build_site

# A shell that starts the tests in the background (`pytest &`, nohup) hands them SIGINT ignored, and
# every process they start inherits that: `broadsheet serve` would then never see the tests' Ctrl-C.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)

SITE_TOML = """\
title = "Test Times"
base_url = "https://news.example/"
timezone = "Asia/Kolkata"
description = "All the news that fits."

[publisher]
name = "Test Media"
url = "https://news.example/"
"""


def article(title: str = "A story", published: str = "2024-02-03 09:54:00", body: str = "Body text.", **fields) -> str:
    """Front matter + body, as a reporter would write it."""
    lines = ["---"]
    if title is not None:
        lines.append(f"title: {title!r}")
    if published:
        lines.append(f"published: {published}")
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    lines += ["---", "", textwrap.dedent(body)]
    return "\n".join(lines) + "\n"


def write_site(root: Path, files: dict[str, str | bytes], site_toml: str | None = SITE_TOML) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if site_toml is not None:
        (root / "site.toml").write_text(site_toml, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_site(tmp_path):
    def make(files: dict[str, str | bytes], site_toml: str | None = SITE_TOML, name: str = "site") -> Path:
        return write_site(tmp_path / name, files, site_toml)
    return make


@pytest.fixture
def build(make_site):
    """Build an inline site with a fixed 'now'; return its output folder."""
    def run(files: dict[str, str | bytes], site_toml: str = SITE_TOML, **options) -> Path:
        site = make_site(files, site_toml)
        options.setdefault("now", NOW)
        build_site(site, BuildOptions(**options))
        return site / "output"
    return run


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command line, as a user would."""
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def fails_leaving_output(site: Path, files: dict[str, str | bytes], site_toml: str | None, path: str, field: str,
                         words: list[str], now: datetime = NOW) -> None:
    """Build the site (its output is the one to keep), then write these files (and site.toml) and
    build again with the real command: it fails without a traceback, naming `path` and `field` on
    one line and saying each of `words`, and leaves the output exactly as it was."""
    build_site(site, BuildOptions(now=now))
    before = snapshot(site / "output")
    write_site(site, files, site_toml)
    result = cli("build", str(site))
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert any(line.startswith(path) and field in line for line in result.stderr.splitlines()), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert snapshot(site / "output") == before


def html(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def text_of(el) -> str:
    return " ".join(el.text_content().split())


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under folder: its content hash and mtime."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def replace_keeping_stamp(path: Path, data: str) -> None:
    """Other bytes of the same size, the modification time set back: what cp -p or rsync -t leave."""
    before = path.stat()
    assert len(data.encode()) == before.st_size
    path.write_text(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def fake_distribution(folder: Path, name: str, version: str) -> str:
    """A folder that, first on sys.path, makes importlib.metadata report `name` at `version`
    (the .dist-info an upgrade leaves); the folder, as a sys.path entry."""
    dist = folder / f"{name.lower()}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return str(folder)


@pytest.fixture(params=["scan", "split", "walk"])
def listing(request, monkeypatch):
    """Builds list the output's files in a process of their own from the start ("scan", forced
    on here for small sites; "split": in a process per core once its folders' stamps are known),
    or walk it when they commit ("walk"); the records of the scans made."""
    import generator.incremental.outputs as outputs
    made = []
    if request.param in ("scan", "split"):
        monkeypatch.setattr(outputs, "SCAN_OUTPUT_FROM", 0)
        monkeypatch.setattr(outputs, "SPLIT_SCAN_FROM", 0 if request.param == "split" else 10**9)
        real = outputs.OutputScan

        class Recorded(real):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.background is not None:     # looked at in a process of its own (or one per core)
                    made.append(self)

            @property
            def split(self) -> bool:
                return self.processes() > 1
        monkeypatch.setattr(outputs, "OutputScan", Recorded)
    else:
        monkeypatch.setattr(outputs, "SCAN_OUTPUT_FROM", 10**9)
    return request.param, made


def leftovers(folder: Path) -> list[str]:
    """What builds left beside their output in `folder` besides the output's lock file: the
    stages and swapped-out outputs of killed or failed builds (there must be none)."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(".") and ".broadsheet-" in p.name and not p.name.endswith(".broadsheet-lock"))


def _root_may_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextmanager
def mounted(where: Path, options: str = "size=64m"):
    """A tmpfs of its own at `where` (root only). CI runs as root: there the test must not skip."""
    where.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if made.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a tmpfs in CI: {made.stderr}")
        pytest.skip(f"cannot mount a file system here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


needs_mount = pytest.mark.skipif(not _root_may_mount() and not os.environ.get("CI"),
                                 reason="mounting a file system needs root")
