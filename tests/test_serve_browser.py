"""`broadsheet serve` end to end in headless Chromium: an edit shows up without a manual reload,
broken front matter shows the error page, the fix brings the page back, a CSS edit swaps the
stylesheet without reloading.

Needs Debian's chromium and Python playwright (skips without them, fails under
BROADSHEET_BROWSER_TESTS=1, which .ci/run sets once it has installed them).
"""
from __future__ import annotations

import subprocess
import sys
import time

import pytest

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, free_port, require_chromium
from conftest import article, write_site

SITE_TOML = 'title = "Live Times"\nbase_url = "https://live.example/"\ntimezone = "UTC"\n'
TIMEOUT_MS = 15_000


@pytest.fixture
def serving(tmp_path):
    """`broadsheet serve` on a free loopback port, as a writer runs it; yields (site, base URL)."""
    require_chromium()
    site = write_site(tmp_path / "site", {
        "content/world/harbour.md": article("Harbour reopens after the storm", "2024-02-03 09:54:00",
                                            body="Ferries sailed again on Monday."),
        "content/world/bridge.md": article("Bridge repairs begin", "2024-02-01 08:00:00"),
        "static/css/extra.css": "body { letter-spacing: normal; }\n",
    }, SITE_TOML)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "generator", "serve", str(site), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        while not any(line.startswith("Serving") for line in output):
            line = process.stdout.readline()
            assert line, "".join(output)
            output.append(line)
        yield site, f"http://127.0.0.1:{port}/"
    finally:
        process.send_signal(2)   # Ctrl-C
        try:
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()


@pytest.fixture
def page():
    require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_an_edit_reloads_the_page_and_an_error_shows_until_fixed(serving, page):
    site, base = serving
    story = site / "content/world/harbour.md"
    page.goto(base + "world/harbour/", wait_until="load")
    assert page.inner_text("h1") == "Harbour reopens after the storm"
    time.sleep(0.3)   # let the page's EventSource connect (it would catch up anyway: events are numbered)

    story.write_text(story.read_text().replace("Harbour reopens after the storm", "Harbour reopens to cheers"))
    page.wait_for_function("() => document.querySelector('h1')?.textContent === 'Harbour reopens to cheers'",
                           timeout=TIMEOUT_MS)

    good = story.read_text()
    story.write_text(good.replace("title: 'Harbour reopens to cheers'", "title: [unclosed"))
    page.wait_for_selector("pre.problems", timeout=TIMEOUT_MS)
    assert "content/world/harbour.md:" in page.inner_text("pre.problems")
    assert page.inner_text("h1").startswith("Build failed")

    story.write_text(good.replace("Harbour reopens to cheers", "Harbour fixed and reopened"))
    page.wait_for_function("() => document.querySelector('h1')?.textContent === 'Harbour fixed and reopened'",
                           timeout=TIMEOUT_MS)


def test_a_css_edit_swaps_the_stylesheet_without_a_reload(serving, page):
    site, base = serving
    page.goto(base + "world/bridge/", wait_until="load")
    time.sleep(0.3)
    page.evaluate("window.notReloaded = true")
    style = site / "static/css/style.css"
    theme_css = page.evaluate("fetch('/css/style.css').then(r => r.text())")
    style.parent.mkdir(parents=True, exist_ok=True)
    style.write_text(theme_css + "\nbody { letter-spacing: 3px; }\n")
    page.wait_for_function("() => getComputedStyle(document.body).letterSpacing === '3px'", timeout=TIMEOUT_MS)
    assert page.evaluate("window.notReloaded === true")
