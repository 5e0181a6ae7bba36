"""Every page has a social card (issue 16): og:image and twitter:image, a raster at least 1200 px
wide. A story's own site photo gives its 1.91:1 crop; every other page (and a story whose image
is an SVG) the site's card: [social] image in site.toml, else one the build makes from the title."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image

from conftest import NOW, SITE_TOML, article, cli, html, snapshot
from generator.build import BuildOptions, build_site
from test_photos import camera_jpeg

HOST = "https://news.example/"
PAGES = ["index.html", "world/index.html", "tags/ports/index.html", "authors/asha-rao/index.html",
         "archive/index.html", "world/plain/index.html", "world/drawn/index.html"]


def site_files(**more) -> dict[str, str | bytes]:
    return {"content/world/plain.md": article("A story without a picture", section="world", tags="[Ports]",
                                              byline="Asha Rao"),
            "content/world/drawn.md": article("A story with a drawing", published="2024-02-02 09:00:00", section="world",
                                              image="\n  src: /images/map.svg\n  alt: A map"),
            "static/images/map.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"/>', **more}


def build_to(site: Path, **options) -> Path:
    options.setdefault("now", NOW)
    build_site(site, BuildOptions(**options))
    return options.get("output") or site / "output"


def og(out: Path, page: str, prop: str = "og:image") -> list[str]:
    return html(out / page).xpath(f'//meta[@property="{prop}"]/@content')


def card_of(out: Path, url: str) -> Image.Image:
    assert url.startswith(HOST), url
    return Image.open(out / url.removeprefix(HOST))


def test_every_page_without_a_photo_gets_the_card_made_from_the_title(make_site):
    out = build_to(make_site(site_files()))
    cards = {page: og(out, page) for page in PAGES}
    urls = {tuple(found) for found in cards.values()}
    assert len(urls) == 1, cards       # one card, on every page
    (url,) = urls.pop()
    assert Path(url).name.startswith("social-card.") and url.endswith(".png")
    with card_of(out, url) as card:
        assert card.format == "PNG" and card.size == (1200, 628)
        assert len(card.convert("RGB").getcolors(1_000_000)) > 20     # (text drawn on it, not a flat colour)
    for page in PAGES:
        assert og(out, page, "og:image:width") == ["1200"] and og(out, page, "og:image:height") == ["628"]
        assert og(out, page, "og:image:alt") == ["Test Times"]
        page_html = html(out / page)
        assert page_html.xpath('//meta[@name="twitter:card"]/@content') == ["summary_large_image"]
        assert page_html.xpath('//meta[@name="twitter:image"]/@content') == [url]


def test_the_made_card_changes_name_with_the_title_and_a_cached_build_equals_a_fresh_one(make_site):
    site = make_site(site_files())
    first = og(build_to(site), "index.html")
    (site / "site.toml").write_text(SITE_TOML.replace("Test Times", "Test Gazette"))
    out = build_to(site)
    second = og(out, "index.html")
    assert first != second and not (out / first[0].removeprefix(HOST)).exists()     # the old card is gone
    shutil.rmtree(out)
    cached = snapshot(build_to(site))
    fresh = snapshot(build_to(site, cache=False, output=site / "fresh"))
    assert {k: v[0] for k, v in cached.items()} == {k: v[0] for k, v in fresh.items()}


def test_a_raster_logo_goes_on_the_made_card(make_site):
    logo = io.BytesIO()
    Image.new("RGB", (300, 90), (0, 200, 0)).save(logo, "PNG")
    toml = SITE_TOML + 'logo = "/images/logo.png"\n'
    out = build_to(make_site(site_files(**{"static/images/logo.png": logo.getvalue()}), toml))
    with card_of(out, og(out, "index.html")[0]) as card:
        r, g, b = card.convert("RGB").getpixel((120, 120))     # (the logo's place: top left, inside the margin)
    assert g > 150 and r < 80 and b < 80


def test_social_image_in_site_toml_is_cropped_to_a_card(make_site):
    toml = SITE_TOML + '\n[social]\nimage = "/images/masthead.jpg"\nalt = "The newsroom at night"\n'
    out = build_to(make_site(site_files(**{"static/images/masthead.jpg": camera_jpeg((1600, 1200), orientation=1)}), toml))
    (url,) = og(out, "index.html")
    assert Path(url).name.startswith("masthead-card.") and url.endswith(".jpg")
    with card_of(out, url) as card:
        assert card.format == "JPEG" and card.size == (1200, 628)
    for page in PAGES:
        assert og(out, page) == [url] and og(out, page, "og:image:alt") == ["The newsroom at night"]
    assert not list(out.glob("social-card.*"))


def test_a_remote_social_image_is_used_as_it_is(make_site):
    toml = SITE_TOML + '\n[social]\nimage = "https://cdn.news.example/card.jpg"\n'
    out = build_to(make_site(site_files(), toml))
    assert og(out, "world/plain/index.html") == ["https://cdn.news.example/card.jpg"]
    assert og(out, "world/plain/index.html", "og:image:width") == []


def test_a_social_image_that_is_not_a_photo_is_a_problem_in_site_toml(make_site):
    toml = SITE_TOML + '\n[social]\nimage = "/images/map.svg"\n'
    site = make_site(site_files(), toml)
    result = cli("build", str(site))
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert "site.toml: social.image: '/images/map.svg' is not one of the site's photos" in result.stderr
    assert not (site / "output").exists()


def test_an_edit_does_not_draw_the_card_again(make_site, monkeypatch):
    from generator import cards
    site = make_site(site_files())
    build_to(site)

    def refuse(*args):
        raise AssertionError("the card was drawn again")
    monkeypatch.setattr(cards, "make_card", refuse)
    (site / "content/world/plain.md").write_text(article("A story without a picture", section="world", tags="[Ports]",
                                                         byline="Asha Rao", body="New text."))
    result = build_site(site, BuildOptions(now=NOW))
    assert result.from_graph and result.rendered >= 1
    out = site / "output"
    assert "New text." in (out / "world/plain/index.html").read_text()
    monkeypatch.undo()
    fresh = snapshot(build_to(site, cache=False, output=site / "fresh"))
    assert {k: v[0] for k, v in snapshot(out).items()} == {k: v[0] for k, v in fresh.items()}
