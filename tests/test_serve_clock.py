"""`broadsheet serve` rebuilds by itself when the clock changes the site: a scheduled story that
falls due loses its SCHEDULED banner without any file being saved."""
from __future__ import annotations

import time
import urllib.request
from datetime import datetime, timedelta, timezone

import lxml.html

from conftest import NOW, SITE_TOML, article, text_of, write_site
from generator.build import BuildOptions, build_site
from generator.serve import ChangeKind, DevServer

DUE = datetime(2031, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))   # the site's zone: Asia/Kolkata
FILES = {
    "content/world/today.md": article("Today's story", "2024-05-01 08:00:00", tags="[ships]"),
    "content/world/embargoed.md": article("An embargoed story", "2031-01-01 08:00:00", tags="[ships]"),
}


def page(url: str) -> lxml.html.HtmlElement:
    with urllib.request.urlopen(url, timeout=10) as response:
        return lxml.html.fromstring(response.read())


def banners(url: str) -> list[str]:
    doc = page(url)
    return [text_of(el) for el in doc.find_class("preview-banner") + doc.find_class("preview-label")]


def files_of(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_scheduled_story_loses_its_banner_when_it_falls_due_without_a_save(tmp_path):
    site = write_site(tmp_path / "site", FILES, SITE_TOML)
    clock = [NOW]
    lines: list[str] = []
    server = DevServer(site, port=0, now=lambda: clock[0], log=lines.append, workers=1)
    base = server.start()
    try:
        assert [b.split()[0].rstrip(":") for b in banners(base + "world/embargoed/")] == ["SCHEDULED"]
        assert [b.split()[0] for b in banners(base)] == ["SCHEDULED"]      # its card on the home page too
        assert server.clock is not None and server.clock.when == DUE
        builds = len(server.history)
        clock[0] = DUE + timedelta(seconds=1)      # no file saved: only the time moves on
        deadline = time.monotonic() + 10
        while banners(base + "world/embargoed/") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert banners(base + "world/embargoed/") == [] and banners(base) == []
        assert server.wait_idle()
        assert [c.kind for c in server.history[builds].changes] == [ChangeKind.CLOCK]
        assert any(line.startswith("clock: content/world/embargoed.md is due") for line in lines), lines
        fresh = tmp_path / "fresh"
        build_site(site, BuildOptions(output=fresh, drafts=True, future=True, preview=True, now=clock[0], cache=False,
                                      workers=1))
        assert files_of(server.output) == files_of(fresh)
        time.sleep(1.5)     # and once rebuilt, it waits for the next change: no rebuild again and again
        assert len(server.history) == builds + 1
    finally:
        server.stop()


def test_the_loop_waits_no_longer_than_until_the_clock_changes_the_site(tmp_path):
    site = write_site(tmp_path / "site", FILES, SITE_TOML)
    clock = [DUE - timedelta(seconds=0.2)]
    server = DevServer(site, now=lambda: clock[0], log=lambda line: None, workers=1)
    assert server.rebuild().ok
    assert 0 < server.wait_seconds() <= 0.2 and server.clock_changes() == []
    clock[0] = DUE
    assert [(c.kind, c.path, c.action) for c in server.clock_changes()] == [(ChangeKind.CLOCK, "content/world/embargoed.md", "is due")]


def test_a_cached_preview_build_after_the_due_time_equals_a_clean_one(tmp_path):
    site = write_site(tmp_path / "site", FILES, SITE_TOML)

    def preview(now: datetime, **options) -> None:
        build_site(site, BuildOptions(drafts=True, future=True, preview=True, now=now, workers=1, **options))

    preview(NOW)
    later = DUE + timedelta(seconds=1)
    preview(later)      # nothing but the clock changed: the mark of the story that fell due did
    preview(later, output=tmp_path / "clean", cache=False)
    assert files_of(site / "output") == files_of(tmp_path / "clean")
