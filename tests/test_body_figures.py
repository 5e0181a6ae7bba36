"""Images in a story's body: one alone in its paragraph with a title is a news figure (caption |
credit), every image needs alt text (a problem naming the file and line), and site photos in a
body become <picture>s with their sizes, lazily loaded."""
from __future__ import annotations

import pytest

from conftest import NOW, article, cli, html, text_of
from generator.build import BuildOptions, build_site
from generator.markup import BodyError, render_markdown
from generator.problems import BuildError
from test_photos import camera_jpeg

HEAD_LINES = len(article("Story", body="BODY").partition("BODY")[0].splitlines())     # (the lines before the body's first)


def test_an_image_with_a_title_is_a_figure_with_caption_and_credit():
    out = html_of('Text.\n\n![Boats at dawn](/images/b.jpg "Boats return to the harbour | Photograph: A. Rao/PTI")')
    figure = out.find(".//figure")
    assert figure is not None and figure.find("img").get("alt") == "Boats at dawn"
    assert figure.find("img").get("title") is None     # (its caption is shown, not hidden in a tooltip)
    assert text_of(figure.find("figcaption")) == "Boats return to the harbour Photograph: A. Rao/PTI"
    assert text_of(figure.find("figcaption/span[@class='credit']")) == "Photograph: A. Rao/PTI"


@pytest.mark.parametrize("title, caption, credit", [
    ("Just a caption", "Just a caption", None),
    ("| Photograph: PTI", "", "Photograph: PTI"),
    ("A | B | Photograph: X", "A | B", "Photograph: X"),     # (the credit is after the last bar)
])
def test_caption_and_credit_are_split_at_the_last_bar(title, caption, credit):
    figcaption = html_of(f'![Alt](/images/b.jpg "{title}")').find(".//figcaption")
    assert (figcaption.text or "").strip() == caption
    span = figcaption.find("span")
    assert (span.text if span is not None else None) == credit


def test_an_image_inside_text_or_without_a_title_stays_an_image():
    out = html_of('Before ![Inline](/i.svg "t") after.\n\n![Plain](/images/p.jpg)')
    assert out.find(".//figure") is None and len(out.findall(".//img")) == 2


@pytest.mark.parametrize("body, line", [
    ("First paragraph.\n\nSecond.\n\n![](/images/a.jpg)\n", 5),
    ("Text.\n\n<img src=\"/images/raw.png\">\n", 3),
    ("![Good](/images/a.jpg)\n\n![ ](/images/a.jpg)\n", 3),     # (the second image of the same file)
])
def test_an_image_without_alt_text_is_a_problem_at_its_line(make_site, body, line):
    site = make_site({"content/news/story.md": article("Story", body=body)})
    with pytest.raises(BuildError) as caught:
        build_site(site, BuildOptions(now=NOW))
    problem, = caught.value.problems
    assert (problem.path, problem.field) == ("content/news/story.md", "body") and "has no alt text" in problem.message
    assert problem.line == HEAD_LINES + line


@pytest.mark.parametrize("body, line, kind", [
    ("Text.\n\n![Boats at dawn](/images/boats.HEIC)\n", 3, "HEIC"),
    ("Text.\n\nMore.\n\n<img src=\"/images/scan.tif\" alt=\"A scan\">\n", 5, "TIFF"),
])
def test_an_image_browsers_cannot_show_is_a_problem_at_its_line(make_site, body, line, kind):
    site = make_site({"content/news/story.md": article("Story", body=body)})
    with pytest.raises(BuildError) as caught:
        build_site(site, BuildOptions(now=NOW))
    problem, = caught.value.problems
    assert (problem.path, problem.field, problem.line) == ("content/news/story.md", "body", HEAD_LINES + line)
    assert f"is a {kind} file, which browsers do not show: export it as a JPEG" in problem.message


def test_a_lead_image_browsers_cannot_show_is_a_problem_naming_the_field(make_site):
    site = make_site({"content/news/story.md": article("Story", image="{src: /images/boats.heic, alt: Boats}")})
    result = cli("build", str(site))
    assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout
    assert ("content/news/story.md:" in result.stderr and "image.src: '/images/boats.heic' is a HEIC file, which browsers"
            in result.stderr)


def test_markdown_shown_as_code_is_not_an_image():
    assert "<img" not in render_markdown("`![](/x.jpg)`\n\n    ![](/y.jpg)\n")


def test_a_photo_in_the_body_is_a_lazy_picture_and_an_svg_gets_its_size(make_site):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150" viewBox="0 0 300 150"></svg>'
    body = ('Text.\n\n![Dockers at night](/images/dock.jpg "Night shift | Photograph: A. Rao")\n\n'
            'A chart: ![Exports by month](/images/chart.svg)\n')
    site = make_site({"content/news/story.md": article("Story", body=body),
                      "static/images/dock.jpg": camera_jpeg((1000, 800), orientation=1), "static/images/chart.svg": svg})
    build_site(site, BuildOptions(now=NOW))
    page = html(site / "output/news/story/index.html")
    figure = page.find(".//div[@class='story__body']/figure")
    picture = figure.find("picture")
    img = next(picture.iter("img"))
    assert img.get("alt") == "Dockers at night" and img.get("loading") == "lazy"
    assert (img.get("width"), img.get("height")) == ("1000", "800")
    assert [int(p.split()[1][:-1]) for p in img.get("srcset").split(",")] == [320, 640, 960, 1000]
    for url in (p.split()[0] for p in img.get("srcset").split(",")):
        assert (site / "output" / url.lstrip("/")).is_file()
    assert text_of(figure.find("figcaption")) == "Night shift Photograph: A. Rao"
    chart = page.find(".//img[@alt='Exports by month']")
    assert (chart.get("width"), chart.get("height"), chart.get("loading")) == ("300", "150", "lazy")


def test_under_a_base_path_the_problem_still_finds_its_line(make_site):
    from conftest import SITE_TOML
    site = make_site({"content/news/story.md": article("Story", body="One.\n\nTwo.\n\n![](/images/a.jpg)\n")},
                     SITE_TOML.replace('base_url = "https://news.example/"', 'base_url = "https://news.example/paper/"'))
    with pytest.raises(BuildError) as caught:
        build_site(site, BuildOptions(now=NOW))
    problem, = caught.value.problems
    assert problem.line == HEAD_LINES + 5


def html_of(markdown: str):
    import lxml.html
    return lxml.html.fragment_fromstring(render_markdown(markdown), create_parent="div")
