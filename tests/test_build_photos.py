"""Photos in a build (generator/pictures.py): each made once in its widths and formats, pages
showing them as <picture>s, nothing of the camera's metadata published, and a photo that cannot
be read failing the build with its file named and the previous output left as it was."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image, features

from conftest import NOW, SITE_TOML, article, cli, html, snapshot
from generator import photos
from generator.build import BuildOptions, build_site
from generator.problems import BuildError
from test_photos import SERIAL, camera_jpeg

STORY = "content/world/port.md"
PAGE = "world/port/index.html"
LEAD = "\n  src: /images/port.jpg\n  alt: Cranes at dawn\n  credit: 'Photograph: A. Rao'"


def site_files(**more) -> dict[str, str | bytes]:
    return {STORY: article("Port opens", image=LEAD, section="world"),
            "content/world/other.md": article("Other story", published="2024-02-02 09:00:00"),
            "static/images/port.jpg": camera_jpeg((1600, 1200)), **more}


def build_to(site: Path, **options) -> Path:
    options.setdefault("now", NOW)
    build_site(site, BuildOptions(**options))
    return options.get("output") or site / "output"


def published_images(out: Path) -> list[Path]:
    return [p for p in (out / "images").iterdir() if p.suffix in (".jpg", ".webp", ".avif", ".png")]


def srcset_urls(srcset: str) -> list[str]:
    return [part.strip().split()[0] for part in srcset.split(",")]


def test_the_lead_photo_is_a_picture_of_its_widths_and_formats(make_site):
    out = build_to(make_site(site_files()))
    page = html(out / PAGE)
    picture = page.find(".//figure[@class='story__figure']/picture")
    assert picture is not None
    types = [s.get("type") for s in picture.iter("source")]
    assert types == (["image/avif", "image/webp"] if features.check("avif") else ["image/webp"])
    img = next(picture.iter("img"))
    # the phone photo is turned (orientation 6): 1200 wide as shown, so 1200 is its widest file
    assert (img.get("width"), img.get("height")) == ("1200", "1600")
    assert img.get("fetchpriority") == "high" and img.get("loading") is None
    assert img.get("alt") == "Cranes at dawn" and img.get("sizes")
    for srcset in [img.get("srcset"), *(s.get("srcset") for s in picture.iter("source"))]:
        widths = [int(part.split()[1].rstrip("w")) for part in srcset.split(",")]
        assert widths == [320, 640, 960, 1080, 1200]
        for url in srcset_urls(srcset):
            assert (out / url.lstrip("/")).is_file(), url
    assert img.get("src").endswith(".jpg") and (out / img.get("src").lstrip("/")).is_file()
    with Image.open(out / img.get("src").lstrip("/")) as shown:
        assert shown.size == (1200, 1600)
    # listings show it too, lazily where it is not the first picture
    cards = list(html(out / "world" / "index.html").iter("picture"))
    assert cards and all(next(c.iter("img")).get("srcset") for c in cards)


def test_no_published_file_holds_the_cameras_metadata(make_site):
    out = build_to(make_site(site_files()))
    files = published_images(out)
    assert len(files) > 8 and (out / "images" / "port.jpg").is_file()     # (its own path: still there)
    for path in files:
        data = path.read_bytes()
        assert SERIAL.encode() not in data and b"PhoneMaker" not in data, path.name
        with Image.open(path) as image:
            assert not dict(image.getexif()), path.name
            assert "icc_profile" not in image.info and "exif" not in image.info, path.name
    with Image.open(out / "images" / "port.jpg") as own:   # the widest rendition, turned upright
        assert own.size == (1200, 1600)


def test_file_names_change_with_the_photo(make_site):
    site = make_site(site_files())
    first = {p.name for p in published_images(build_to(site))}
    (site / "static/images/port.jpg").write_bytes(camera_jpeg((1600, 1200), orientation=1))
    second = {p.name for p in published_images(build_to(site))}
    assert first & second == {"port.jpg"}      # every other name holds the hash of the bytes it is made from
    page = (site / "output" / PAGE).read_text()
    assert all(name in page for name in second - {"port.jpg"})


def test_unchanged_photos_are_not_made_again(make_site, monkeypatch):
    site = make_site(site_files())
    build_to(site)
    before = snapshot(site / "output")

    def refuse(*args):
        raise AssertionError("a photo was made again")
    monkeypatch.setattr(photos, "make", refuse)
    (site / STORY).write_text(article("Port opens", image=LEAD, section="world", body="New text."))
    build_to(site)                                  # a story changed: its photo is carried over
    shutil.rmtree(site / "output")
    build_to(site)                                  # the output gone: the files come from the cache
    after = snapshot(site / "output")
    assert {k: v[0] for k, v in after.items() if k.startswith("images/")} == {k: v[0] for k, v in before.items() if k.startswith("images/")}


def test_a_cached_build_equals_a_build_without_the_cache(make_site):
    site = make_site(site_files(**{"static/images/chart.png": _png_chart()}))
    build_to(site)
    shutil.rmtree(site / "output")
    cached = snapshot(build_to(site))
    fresh = snapshot(build_to(site, cache=False, output=site / "fresh"))
    assert {k: v[0] for k, v in cached.items()} == {k: v[0] for k, v in fresh.items()}


def test_photos_are_made_in_the_workers_as_alone(make_site):
    extra = {f"static/images/p{n}.jpg": camera_jpeg((700 + n * 10, 500), orientation=1) for n in range(4)}
    site = make_site(site_files(**extra))
    alone = snapshot(build_to(site, cache=False, workers=1, output=site / "alone"))
    together = snapshot(build_to(site, cache=False, workers=2, output=site / "together"))
    assert {k: v[0] for k, v in alone.items()} == {k: v[0] for k, v in together.items()}
    assert sum(".webp" in k for k in alone) == 5 + 4 * 3


def test_a_png_keeps_png_as_its_fallback_and_gifs_and_theme_icons_are_copied(make_site):
    gif = io.BytesIO()
    Image.new("P", (4, 4)).save(gif, "GIF")
    site = make_site(site_files(**{"static/images/chart.png": _png_chart(), "static/images/spin.gif": gif.getvalue()}))
    out = build_to(site)
    names = {p.name for p in (out / "images").iterdir()}
    assert {"chart.png", "spin.gif"} <= names
    assert any(n.startswith("chart-") and n.endswith(".png") for n in names)
    assert not any(n.startswith("chart-") and n.endswith(".jpg") for n in names)    # a chart is not blurred to a JPEG
    assert (out / "images/spin.gif").read_bytes() == gif.getvalue()
    theme = Path(__file__).resolve().parent.parent / "themes/default/static/icon-192.png"
    assert (out / "icon-192.png").read_bytes() == theme.read_bytes()


def _png_chart() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (900, 600), "white")
    image.paste((200, 30, 30), (100, 100, 300, 500))
    image.save(out, "PNG")
    return out.getvalue()


def _cut_short() -> bytes:
    data = camera_jpeg((1600, 1200))
    return data[: len(data) // 2]


@pytest.mark.parametrize("data, says", [
    (b"this is not a photo at all", "is not an image Broadsheet can read"),
    (_cut_short(), "cannot be read: it is corrupt or cut short"),
])
def test_a_bad_photo_fails_the_build_naming_it_and_leaves_the_output(make_site, data, says):
    site = make_site(site_files())
    out = build_to(site)
    before = snapshot(out)
    (site / "static/images/port.jpg").write_bytes(data)
    with pytest.raises(BuildError) as caught:
        build_to(site)
    problem, = caught.value.problems
    assert (problem.path, problem.field) == ("static/images/port.jpg", "image") and says in problem.message
    assert snapshot(out) == before


def test_a_decompression_bomb_is_refused(make_site, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)    # (a 30,000-pixel-wide one, scaled down)
    site = make_site(site_files())
    with pytest.raises(BuildError) as caught:
        build_to(site)
    assert "too large to process safely" in str(caught.value) and "static/images/port.jpg: image:" in str(caught.value)
    assert not (site / "output" / "index.html").exists()


def test_the_command_line_names_the_bad_photo_without_a_traceback(make_site):
    site = make_site(site_files(**{"static/images/port.jpg": _cut_short()}))
    result = cli("build", str(site))
    assert result.returncode != 0
    assert "static/images/port.jpg: image: cannot be read: it is corrupt or cut short" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def json_ld(page, kind: str) -> dict:
    import json
    graph = [json.loads(s) for s in page.xpath('//script[@type="application/ld+json"]/text()')]
    return next(item for item in graph if item.get("@type") == kind)


def published(out: Path, url: str) -> Image.Image:
    assert url.startswith("https://news.example/"), url
    return Image.open(out / url.removeprefix("https://news.example/"))


def test_the_social_card_is_a_1200_px_crop_and_json_ld_lists_three_shapes(make_site):
    out = build_to(make_site(site_files()))
    page = html(out / PAGE)
    og = page.xpath('//meta[@property="og:image"]/@content')
    assert len(og) == 1 and og[0].startswith("https://news.example/images/port-card.") and og[0].endswith(".jpg")
    assert page.xpath('//meta[@property="og:image:width"]/@content') == ["1200"]
    assert page.xpath('//meta[@property="og:image:height"]/@content') == ["628"]
    assert page.xpath('//meta[@name="twitter:image"]/@content') == og
    with published(out, og[0]) as card:
        assert card.format == "JPEG" and card.size == (1200, 628)
    images = json_ld(page, "NewsArticle")["image"]
    # the phone photo is 1200 x 1600 as shown: each shape the widest box of it, never upscaled
    assert [Path(u).name.split(".")[0] for u in images] == ["port-16x9", "port-4x3", "port-1x1"]
    sizes = []
    for url in images:
        with published(out, url) as image:
            assert image.format == "JPEG" and not dict(image.getexif())
            sizes.append(image.size)
    assert sizes == [(1200, 675), (1200, 900), (1200, 1200)]


def mean_colour(image: Image.Image) -> tuple[int, ...]:
    return image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))


@pytest.mark.parametrize("focus, left_red", [("[0, 0.5]", True), ("[1, 0.5]", False)])
def test_the_focus_point_stays_in_frame(make_site, focus, left_red):
    # 1600 x 1200, red on the left and blue on the right: a square of it is mostly one or the other
    lead = LEAD + f"\n  focus: {focus}"
    site = make_site(site_files(**{STORY: article("Port opens", image=lead, section="world"),
                                   "static/images/port.jpg": camera_jpeg((1600, 1200), orientation=1)}))
    out = build_to(site)
    square = json_ld(html(out / PAGE), "NewsArticle")["image"][2]
    with published(out, square) as image:
        assert image.size == (1200, 1200)
        red, _, blue = mean_colour(image)
    assert (red > blue) == left_red and abs(red - blue) > 50     # (two thirds of it: a centred square is half and half)


def test_a_new_focus_makes_its_crops_and_equals_a_build_without_the_cache(make_site):
    site = make_site(site_files(**{"static/images/port.jpg": camera_jpeg((1600, 1200), orientation=1)}))
    build_to(site)
    (site / STORY).write_text(article("Port opens", image=LEAD + "\n  focus: [0.9, 0.5]", section="world"))
    out = build_to(site)
    page = html(out / PAGE)
    for url in [*page.xpath('//meta[@property="og:image"]/@content'), *json_ld(page, "NewsArticle")["image"]]:
        assert (out / url.removeprefix("https://news.example/")).is_file(), url
    fresh = snapshot(build_to(site, cache=False, output=site / "fresh"))
    assert {k: v[0] for k, v in snapshot(out).items()} == {k: v[0] for k, v in fresh.items()}


@pytest.mark.parametrize("focus", ["[0.5]", "[0.5, 2]", "middle", "[true, 0.5]", "{x: 0.5, y: 0.5}"])
def test_a_bad_focus_is_a_problem_naming_the_file_and_field(make_site, focus):
    site = make_site(site_files(**{STORY: article("Port opens", image=LEAD + f"\n  focus: {focus}", section="world")}))
    result = cli("build", str(site))
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert f"{STORY}:" in result.stderr and "image.focus: must be [x, y], two fractions from 0 to 1" in result.stderr


def test_an_authors_photo_is_a_small_picture_of_its_widths(make_site):
    toml = '["Asha Rao"]\nbio = "Reports on ports."\nphoto = "/images/asha.jpg"\n'
    site = make_site(site_files(**{STORY: article("Port opens", image=LEAD, section="world", byline="Asha Rao"),
                                   "data/authors.toml": toml,
                                   "static/images/asha.jpg": camera_jpeg((900, 900), orientation=1)}))
    out = build_to(site)
    picture = html(out / "authors/asha-rao/index.html").find(".//div[@class='profile']/picture")
    assert picture is not None
    img = next(picture.iter("img"))
    assert (img.get("width"), img.get("height"), img.get("sizes")) == ("96", "96", "96px")
    assert srcset_urls(img.get("srcset"))[0].startswith("/images/asha-320w.")     # (a phone at 3x takes 320 px)
    assert [s.get("sizes") for s in picture.iter("source")] == ["96px"] * len(list(picture.iter("source")))
    for url in srcset_urls(img.get("srcset")):
        assert (out / url.lstrip("/")).is_file()


def test_a_raster_logo_is_a_small_picture_in_the_header(make_site):
    from conftest import SITE_TOML
    logo = io.BytesIO()
    Image.new("RGB", (400, 400), (10, 10, 10)).save(logo, "PNG")
    site = make_site(site_files(**{"static/images/logo.png": logo.getvalue()}), SITE_TOML + 'logo = "/images/logo.png"\n')
    out = build_to(site)
    for page in ("index.html", PAGE):
        img = html(out / page).find(".//a[@class='site-title']/picture//img")
        assert img is not None and img.get("sizes") == "40px" and img.get("class") == "site-logo"
        assert all((out / url.lstrip("/")).is_file() for url in srcset_urls(img.get("srcset")))
        assert srcset_urls(img.get("srcset"))[0].startswith("/images/logo-320w.") and img.get("srcset").count(".png") == 2


def test_the_photo_cache_keeps_only_what_the_site_still_shows(make_site):
    site = make_site(site_files())
    build_to(site)
    cache = site / ".broadsheet/cache/photos"
    first = {p.name for p in cache.iterdir()}
    assert any(n.startswith("port-card.") for n in first) and any(n.startswith("port-640w.") for n in first)
    (site / "static/images/port.jpg").write_bytes(camera_jpeg((1600, 1200), orientation=1))
    out = build_to(site)
    second = {p.name for p in cache.iterdir()}
    assert not (first & second) - {"plans.pickle"}      # the old photo's files are gone from the cache
    published = {p.name for p in published_images(out)} - {"port.jpg"}
    assert second - {"plans.pickle"} == published       # and what is kept is what the site publishes
