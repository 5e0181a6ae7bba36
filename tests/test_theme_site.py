"""The default theme over the whole built example site: links resolve, no scripts, small CSS,
icons and manifest, pictures that reserve their space and load lazily below the fold.

Needs no browser: the site is served on 127.0.0.1 and read with urllib and lxml.
"""
from __future__ import annotations

import inspect
import json
import re
import urllib.error
import urllib.request
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

import generator.build
from browser_helpers import PAGE_KINDS, served  # noqa: F401
from conftest import REPO, html
from generator.images import image_size

THEME = REPO / "themes" / "default"
CSS_BUDGET = 30 * 1024
BASE_URL = "https://example.org/"       # the example site's base_url: where its absolute URLs point

# (XPath, attribute) of every reference a page makes to the site itself. Absolute URLs on base_url
# count only where the generator writes them (canonical, Open Graph, Twitter card): an <a href> to
# base_url comes from site.toml ([publisher], [newsletter]…) and may lead to another service.
REFERENCES = [("//a", "href"), ("//link", "href"), ("//img", "src"), ("//script", "src"), ("//iframe", "src"),
              ("//source", "src")]
ABSOLUTE = ['//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content',
            '//meta[@property="og:image"]/@content', '//meta[@name="twitter:image"]/@content']


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get_content_type(), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_content_type(), e.read()


def references(url: str, ctype: str, body: bytes, local: str) -> list[tuple[str, str]]:
    """(target URL, what refers to it) for every site-internal reference in one response."""
    refs = []
    if ctype == "text/html":
        doc = lxml.html.fromstring(body)
        for xpath, attr in REFERENCES:
            for el in doc.xpath(xpath):
                for value in _values(el, attr):
                    refs.append((urljoin(url, value), f"<{el.tag} {attr}>"))
        for img in doc.xpath("//img[@srcset]|//source[@srcset]"):
            refs += [(urljoin(url, part.split()[0]), "srcset") for part in img.get("srcset").split(",") if part.strip()]
        for xpath in ABSOLUTE:
            refs += [(local + value.removeprefix(BASE_URL), xpath) for value in doc.xpath(xpath) if value.startswith(BASE_URL)]
    elif ctype == "text/css":
        refs += [(urljoin(url, u), "css url()") for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", body.decode())]
    elif url.endswith(".webmanifest"):
        manifest = json.loads(body)
        refs += [(urljoin(url, i["src"]), "manifest icon") for i in manifest.get("icons", [])]
        refs += [(urljoin(url, manifest[k]), f"manifest {k}") for k in ("start_url", "scope") if k in manifest]
    elif url.endswith(".xml") and b"<urlset" in body[:500]:
        refs += [(local + loc.removeprefix(BASE_URL), "sitemap") for loc in
                 lxml.etree.fromstring(body).xpath("//*[local-name()='loc']/text()") if loc.startswith(BASE_URL)]
    return [(target, why) for target, why in refs if target.startswith(local)]


def _values(el, attr) -> list[str]:
    value = el.get(attr)
    return [value] if value and not value.startswith(("mailto:", "tel:", "javascript:")) else []


def test_every_internal_link_and_image_resolves(served):
    """Crawl from the home page, every HTML file, the sitemap and robots.txt: no reference may 404."""
    local = served.base
    start = [local + p.relative_to(served.out).as_posix().removesuffix("index.html") for p in served.out.rglob("*.html")]
    queue = [(url, "start") for url in [local, local + "sitemap.xml", local + "robots.txt", *start]]
    seen: dict[str, tuple[int, str]] = {}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    broken = []
    while queue:
        target, why = queue.pop()
        page, fragment = urldefrag(target)
        if fragment:
            fragments.append((page, fragment, why))
        if page in seen:
            continue
        status, ctype, body = fetch(page)
        seen[page] = (status, why)
        if status != 200:
            broken.append(f"{status} {urlsplit(page).path} (from {why})")
            continue
        if ctype == "text/html":
            ids[page] = set(lxml.html.fromstring(body).xpath("//@id"))
        queue += [(t, f"{what} in {urlsplit(page).path}") for t, what in references(page, ctype, body, local)]
    broken += [f"#{frag} missing on {urlsplit(page).path} ({why})" for page, frag, why in fragments
               if page in ids and frag not in ids[page]]
    assert len(seen) > 60 and any(u.endswith(".svg") for u in seen) and any(u.endswith(".webmanifest") for u in seen)
    assert broken == [], "\n".join(sorted(set(broken)))


def test_the_crawl_would_see_a_broken_link(served):
    assert fetch(served.base + "no-such-page/")[0] == 404
    refs = references(served.base, "text/html", b'<a href="/gone/">x</a><img src="pic.png" alt="">', served.base)
    assert [t for t, _ in refs] == [served.base + "gone/", served.base + "pic.png"]


def test_no_page_needs_javascript(served):
    for page in served.out.rglob("*.html"):
        scripts = html(page).xpath("//script")
        assert all(s.get("type") == "application/ld+json" and not s.get("src") for s in scripts), page


def test_the_stylesheets_are_small_and_load_nothing_else():
    css = [p for p in THEME.rglob("*.css")]
    assert css and sum(p.stat().st_size for p in css) < CSS_BUDGET
    for p in css:
        text = p.read_text(encoding="utf-8")
        assert "@import" not in text and "@font-face" not in text and not re.search(r"url\(\s*['\"]?(https?:)?//", text), p


def test_the_manifest_and_icons_exist_at_their_stated_sizes(served):
    manifest = json.loads((served.out / "site.webmanifest").read_text(encoding="utf-8"))
    assert manifest["start_url"] == "./" and manifest["display"]
    for icon in manifest["icons"]:
        data = (served.out / icon["src"]).read_bytes()
        if icon["sizes"] != "any":
            assert "%dx%d" % image_size(data) == icon["sizes"], icon
    assert any(i.get("purpose") == "maskable" for i in manifest["icons"])
    assert image_size((served.out / "apple-touch-icon.png").read_bytes()) == (180, 180)
    ico = (served.out / "favicon.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and image_size(ico[22:]) == (32, 32)
    head = html(served.out / "index.html").xpath("//head")[0]
    assert head.xpath('link[@rel="manifest"]/@href') == ["/site.webmanifest"]
    assert {"/favicon.ico", "/favicon.svg"} <= set(head.xpath('link[@rel="icon"]/@href'))


def test_pictures_below_the_fold_load_lazily_and_the_main_picture_first(served):
    home = html(served.out / "index.html")
    [lead] = home.xpath('//*[contains(@class, "lead__media")]//img')
    assert lead.get("loading") is None and lead.get("fetchpriority") == "high"
    grid = home.xpath('//*[contains(@class, "card-grid")]//img')
    assert grid and all(img.get("loading") == "lazy" for img in grid)
    article = html(served.out / PAGE_KINDS["article"] / "index.html")
    [figure] = article.xpath('//figure[contains(@class, "story__figure")]//img')
    assert figure.get("loading") is None and figure.get("fetchpriority") == "high"
    assert all(img.get("loading") == "lazy" for img in article.xpath('//aside//img'))
    listing = html(served.out / PAGE_KINDS["section"] / "index.html").xpath('//ol[contains(@class, "card-list")]/li')
    lazy = [bool(li.xpath('.//img[@loading="lazy"]')) for li in listing if li.xpath(".//img")]
    assert lazy[:1] == [False] and lazy[-1] is True


BUILD_PASSES_SIZES = "image_sizes" in inspect.getsource(generator.build)


@pytest.mark.xfail(not BUILD_PASSES_SIZES, strict=True,
                   reason="generator/build.py does not pass images.image_sizes() to the Presenter yet")
def test_every_site_picture_reserves_its_space(served):
    """width/height on every <img> of a site image, in the picture's own proportions."""
    checked = 0
    for page in [served.out / "index.html", *served.out.glob("*/*/index.html")]:
        for img in html(page).xpath("//img"):
            src = img.get("src")
            assert img.get("width") and img.get("height"), f"{page}: {src} has no width/height"
            if urlsplit(src).scheme or not (served.out / src.lstrip("/")).is_file():
                continue
            w, h = image_size((served.out / src.lstrip("/")).read_bytes())
            assert abs(int(img.get("width")) / int(img.get("height")) - w / h) < 0.02 * w / h, f"{page}: {src}"
            checked += 1
    assert checked > 50
