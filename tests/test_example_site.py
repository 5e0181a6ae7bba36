"""The repository root is itself a buildable news site, and it exercises every feature."""
import shutil
from collections import Counter

import feedparser
import frontmatter
import pytest

from generator.build import BuildOptions, build_site
from generator.frontmatter import KNOWN
from conftest import REPO, html, text_of


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    site = tmp_path_factory.mktemp("example")
    for name in ("site.toml", "content", "static", "data"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, site / name)
    result = build_site(site, BuildOptions())
    return site, site / "output", result


def posts():
    return {p.relative_to(REPO).as_posix(): frontmatter.load(p) for p in sorted((REPO / "content").rglob("*.md"))}


def test_the_example_content_uses_every_feature():
    all_posts = posts()
    assert len(all_posts) >= 12
    assert len({p.split("/")[1] for p in all_posts}) >= 4
    used = Counter(key for post in all_posts.values() for key in post.keys())
    assert set(KNOWN) <= set(used), f"fields never used: {set(KNOWN) - set(used)}"
    assert any(any("\u0900" <= ch <= "\u097f" for ch in post["title"]) for post in all_posts.values())
    assert sum(1 for post in all_posts.values() if post.get("draft")) == 1
    assert any(isinstance(post.get("byline"), list) and len(post["byline"]) > 1 for post in all_posts.values())


def test_the_example_site_builds(example):
    site, out, result = example
    assert result.articles >= 10 and result.sections >= 4
    assert (out / "index.html").is_file() and (out / "feed.xml").is_file() and (out / "404.html").is_file()
    assert not feedparser.parse((out / "feed.xml").read_bytes()).bozo


def test_drafts_and_scheduled_stories_are_not_published(example):
    site, out, result = example
    held = [path for path, post in posts().items() if post.get("draft")
            or str(post["published"]) > "2030"]
    assert len(held) >= 2
    published = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    for path in held:
        slug_page = [p for p in published if p.endswith(f"/{frontmatter.load(REPO / path).get('slug', path.rsplit('/', 1)[1][:-3])}/index.html")]
        assert slug_page == [], path


def test_every_article_page_has_a_headline_and_every_image_exists(example):
    site, out, _ = example
    articles = [p for p in out.rglob("index.html") if len(p.relative_to(out).parts) == 3
                and p.relative_to(out).parts[0] not in ("tags", "page")]
    assert len(articles) >= 10
    for page in articles:
        doc = html(page)
        assert len(doc.xpath("//h1")) == 1 and text_of(doc.xpath("//h1")[0])
        for src in doc.xpath("//img/@src"):
            assert (out / src.lstrip("/")).is_file(), f"{page}: missing image {src}"


def test_the_pti_story_reads_like_a_news_page(example):
    site, out, _ = example
    pages = [p for p in sorted(out.rglob("index.html")) if "Lalit K Jha" in p.read_text()
             and "Source: PTI" in text_of(html(p)) and html(p).get("lang") == "en"]
    assert pages
    text = text_of(html(pages[0]))
    assert "Last updated on: February 03, 2024 09:54 IST" in text
    assert "Image used for representational purpose only." in text
    assert "Lalit K Jha in Washington, DC" in text
    assert "© Copyright 2024 PTI" in text


def test_the_example_site_carries_news_metadata(example):
    import json
    site, out, _ = example
    doc = html(out / "world/navy-unmanned-vessel-trial/index.html")
    data = {d["@type"]: d for d in (json.loads(s.text) for s in doc.xpath('//script[@type="application/ld+json"]'))}
    news = data["NewsArticle"]
    assert news["headline"].startswith("US Navy") and news["sourceOrganization"]["name"] == "PTI"
    assert news["dateModified"] == "2024-02-03T09:54:00+05:30"
    assert news["author"][0]["sameAs"] and news["author"][0]["url"] == "https://example.org/authors/lalit-k-jha/"
    assert news["publisher"]["logo"]["url"] == "https://example.org/images/logo.svg"
    assert [i["name"] for i in data["BreadcrumbList"]["itemListElement"]][:2] == ["Home", "World"]
    (card,) = doc.xpath('//meta[@property="og:image"]/@content')
    assert card.startswith("https://example.org/images/navy-vessel-card.") and card.endswith(".jpg")
    assert [u.rpartition("/")[2].split(".")[0] for u in news["image"]] == ["navy-vessel-16x9", "navy-vessel-4x3", "navy-vessel-1x1"]
    for url in (card, *news["image"]):
        assert (out / url.removeprefix("https://example.org/")).is_file(), url
    for old in ("2024/02/03/navy-drone-ship-trial/index.html", "world/usv-trial.html"):
        assert html(out / old).xpath('//link[@rel="canonical"]/@href') == ["https://example.org/world/navy-unmanned-vessel-trial/"]
    port = text_of(html(out / "business/eastern-port-terminal-expansion/index.html"))
    assert "Correction (January 13, 2024 10:15 IST)" in port and "Last updated on: January 14, 2024 09:00 IST" in port
    assert (out / "authors/asha-rao/index.html").is_file() and (out / "archive/2024/02/index.html").is_file()
    assert json.loads((out / "feed.json").read_text())["items"]


def test_the_example_sites_photos_go_through_the_pipeline(example):
    """The example's photos carry a camera's EXIF (GPS, a serial number; marathon.jpg on its side,
    orientation 6): none of it is published, and the turned photo is shown the right way up."""
    from PIL import Image
    site, out, _ = example
    with Image.open(site / "static/images/marathon.jpg") as source:
        assert source.getexif().get(0x0112) == 6 and source.getexif().get_ifd(0x8825)
        assert source.height > source.width         # (stored on its side)
    published = [p for p in (out / "images").iterdir() if p.suffix in (".jpg", ".png", ".webp", ".avif")]
    assert len(published) > 100
    for path in published:
        with Image.open(path) as image:
            assert not dict(image.getexif()) and "icc_profile" not in image.info, path.name
    page = html(out / "sport/konkan-marathon-course-record/index.html")
    img = page.find(".//figure[@class='story__figure']//img")
    assert int(img.get("width")) > int(img.get("height"))      # turned back the way it was taken
    assert page.xpath(".//figure[@class='story__figure']//source[@type='image/webp']")


def test_every_page_has_a_social_card_an_open_graph_parser_reads(example):
    """extruct (the Open Graph and JSON-LD parser of Scrapinghub) finds og:image on every page:
    a raster file of the build, at least 1200 px wide, of the size og:image:width and height say."""
    import extruct
    from PIL import Image
    site, out, _ = example
    pages = [p for p in out.rglob("*.html") if b'http-equiv="refresh"' not in p.read_bytes()]
    assert len(pages) > 40
    seen = set()
    for path in pages:
        url = "https://example.org/" + path.relative_to(out).as_posix().removesuffix("index.html")
        found = extruct.extract(path.read_text(encoding="utf-8"), base_url=url, syntaxes=["opengraph"], uniform=True)
        (og,) = found["opengraph"]
        image = og["og:image"]
        assert image.startswith("https://example.org/"), (path, image)
        with Image.open(out / image.removeprefix("https://example.org/")) as card:
            assert card.format in ("JPEG", "PNG") and card.width >= 1200, (path, image)
            assert (str(card.width), str(card.height)) == (og["og:image:width"], og["og:image:height"]), path
        assert og["og:image:alt"], path
        seen.add(image)
    assert any("social-card." in s for s in seen) and any("-card." in s and "social" not in s for s in seen)
