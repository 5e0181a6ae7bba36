"""Raw HTML in article bodies is sanitised by default; [markdown] in site.toml tunes it."""
import json

import lxml.html
import pytest
from lxml import etree

from generator.build import BuildOptions, build_site
from generator.config import DEFAULT_EMBED_HOSTS, MarkdownSettings, parse_config
from generator.frontmatter import parse_article
from generator.markup import render_markdown
from generator.problems import BuildError
from conftest import NOW, SITE_TOML, article, html

NASTY = """\
Intro with <script>alert("body")</script> a script.

<img src="/images/x.png" onerror="alert('img')" alt="An image">
<a href="javascript:alert('link')">a javascript: link</a>
[a Markdown javascript: link](javascript:alert('md'))
<a href=" JaVaScRiPt:alert('mixed case')">mixed case</a>
<img src="data:image/png;base64,iVBORw0KGgo=" alt="A data image">

<iframe src="https://evil.example/phish" width="560">fallback</iframe>

<p onclick="alert('p')" style="position:fixed">Styled</p>
<svg onload="alert('svg')"><circle r="1"/></svg>
<form action="https://evil.example/"><input name="q"></form>
<style>body { display: none }</style>
"""

EMBED = '<iframe src="https://www.youtube-nocookie.com/embed/xyz" width="560" height="315" allowfullscreen></iframe>'


def assert_clean(fragment: str) -> None:
    """Nothing in the fragment can run code: no scripts, handlers, javascript:/data: URLs, foreign frames."""
    doc = lxml.html.fragment_fromstring(fragment, create_parent="div")
    assert not doc.xpath("//script | //style | //svg | //form | //input")
    for el in doc.iter():
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (el.tag, name)
            assert name != "style" or el.tag in ("th", "td"), (el.tag, name)
            assert not value.strip().lower().startswith(("javascript:", "data:")), (el.tag, name, value)
    assert not doc.xpath("//iframe[not(starts-with(@src, 'https://www.youtube-nocookie.com/'))]")
    assert "alert" not in doc.text_content()


def parse(body: str, settings: MarkdownSettings = MarkdownSettings()) -> str:
    """The body's HTML."""
    a, problems, html = parse_article("content/world/x.md", article(body=body).encode(), NOW.tzinfo, markdown=settings)
    assert problems == [] and a is not None
    return html


def settings_from(toml_table: dict) -> MarkdownSettings:
    return parse_config({"title": "T", "base_url": "https://news.example/", "markdown": toml_table}).markdown


def test_scripts_handlers_and_dangerous_urls_are_removed():
    body = parse(NASTY)
    assert_clean(body)
    doc = lxml.html.fragment_fromstring(body, create_parent="div")
    assert doc.xpath('//img[@src="/images/x.png"][@alt="An image"]')      # the safe parts stay
    assert "a javascript: link" in doc.text_content() and "Styled" in doc.text_content()
    assert not doc.xpath("//iframe")                                       # not an empty box either


def test_a_built_page_and_its_feeds_are_clean(build):
    out = build({"content/world/x.md": article(body=NASTY + "\n" + EMBED + "\n")})
    page = html(out / "world/x/index.html")
    [body] = page.xpath('//*[@class="story__body"]')
    assert_clean(lxml.html.tostring(body, encoding="unicode"))
    assert body.xpath('//iframe[@src="https://www.youtube-nocookie.com/embed/xyz"]')
    assert not page.xpath("//body//script[not(@type='application/ld+json')]")
    # the feed as written (feedparser would sanitise it again on reading, hiding a failure)
    [content] = etree.fromstring((out / "feed.xml").read_bytes()).xpath("//item/*[local-name()='encoded']")
    assert_clean(content.text)
    assert 'src="https://www.youtube-nocookie.com/embed/xyz"' in content.text
    [item] = json.loads((out / "feed.json").read_text())["items"]
    assert_clean(item["content_html"])


def test_an_allowed_embed_survives():
    body = parse(f"Watch:\n\n{EMBED}\n")
    [frame] = lxml.html.fragment_fromstring(body, create_parent="div").xpath("//iframe")
    assert frame.get("src") == "https://www.youtube-nocookie.com/embed/xyz"
    assert frame.get("width") == "560" and frame.get("allowfullscreen") is not None


@pytest.mark.parametrize("src", ["http://www.youtube-nocookie.com/embed/xyz",          # not over https
                                 "https://www.youtube-nocookie.com.evil.example/x",     # a look-alike host
                                 "https://evil.example/?u=https://player.vimeo.com/",
                                 "https://evil.example\\@player.vimeo.com/",        # browsers read '\\' as '/'
                                 "https://player.vimeo.com@evil.example/",             # user info, then the real host
                                 "https://player.vimeo.com:8443/x",
                                 "javascript:alert(1)", "/embed/local"])
def test_an_embed_from_anywhere_else_is_removed(src):
    body = parse(f'<iframe src="{src}"></iframe>\n\nText.')
    assert "<iframe" not in body and "Text." in body


def test_urls_nh3_does_not_check_are_checked_or_dropped():
    body = parse('<img src="/a.png" alt="a" srcset="javascript:alert(1) 1x, data:image/svg+xml,x 2x">\n\n'
                 '<blockquote cite="javascript:alert(1)">Q</blockquote>\n\n<q cite="https://ok.example/">A</q>')
    assert "srcset" not in body and "javascript" not in body
    assert 'cite="https://ok.example/"' in body


def test_srcdoc_cannot_smuggle_a_page_into_an_allowed_embed():
    body = parse('<iframe src="https://player.vimeo.com/video/1" srcdoc="<script>alert(1)</script>"></iframe>')
    assert "srcdoc" not in body and 'src="https://player.vimeo.com/video/1"' in body


def test_embed_hosts_replace_the_default_list():
    settings = settings_from({"embed_hosts": ["Charts.Example.org"]})
    assert settings.embed_hosts == ("charts.example.org",)
    body = parse('<iframe src="https://charts.example.org/c/1"></iframe>\n\n' + EMBED, settings)
    assert "charts.example.org/c/1" in body and "youtube" not in body


def test_markdown_markup_survives_sanitising():
    text = ('He said "it\'s fine"[^1] about *HTML*.\n{: .lead #intro }\n\n'
            "| left | right |\n|:--|--:|\n| a | b |\n\n*[HTML]: HyperText Markup Language\n\n[^1]: A footnote.\n")
    doc = lxml.html.fragment_fromstring(parse(text), create_parent="div")
    assert "He said \u201cit\u2019s fine\u201d" in doc.text_content()
    assert doc.xpath('//p[@class="lead"][@id="intro"]')
    assert doc.xpath('//sup[@id="fnref:1"]/a[@href="#fn:1"]') and doc.xpath('//li[@id="fn:1"]')
    assert [th.get("style") for th in doc.xpath("//th")] == ["text-align:left", "text-align:right"]
    assert doc.xpath('//abbr[@title="HyperText Markup Language"]')


def test_news_markup_is_allowed():
    text = ('<figure><img src="/images/a.svg" alt="A"><figcaption>A <abbr title="t">caption</abbr></figcaption></figure>\n\n'
            '<blockquote cite="https://a.example/">Quoted<sup>1</sup> H<sub>2</sub>O</blockquote>\n\n'
            "<pre><code>x = 1</code></pre>\n\n<hr>\n\n<h2>Sub-head</h2>\n")
    doc = lxml.html.fragment_fromstring(parse(text), create_parent="div")
    for path in ("//figure/img[@alt='A']", "//figcaption/abbr", "//blockquote[@cite]/sup", "//sub", "//pre/code", "//hr", "//h2"):
        assert doc.xpath(path), path


def test_unsafe_html_keeps_raw_html_as_written():
    settings = settings_from({"unsafe_html": True})
    assert settings.unsafe_html
    body = parse('<div class="widget" data-id="7"><script src="/widget.js"></script></div>\n', settings)
    assert '<script src="/widget.js"></script>' in body and 'data-id="7"' in body


def test_render_markdown_is_pure_and_takes_its_settings():
    raw = "<b onclick='x()'>Hi</b>"
    assert render_markdown(raw) == "<p><b>Hi</b></p>"
    assert render_markdown(raw, "/", MarkdownSettings(unsafe_html=True)) == "<p><b onclick='x()'>Hi</b></p>"
    assert render_markdown(raw) == "<p><b>Hi</b></p>"          # no state left behind


def test_defaults():
    settings = parse_config({"title": "T", "base_url": "https://news.example/"}).markdown
    assert settings == MarkdownSettings() and not settings.unsafe_html
    assert "www.youtube-nocookie.com" in DEFAULT_EMBED_HOSTS and "player.vimeo.com" in DEFAULT_EMBED_HOSTS


def test_an_unknown_key_in_markdown_is_an_error_naming_it(make_site):
    site = make_site({"content/world/x.md": article()}, SITE_TOML + "\n[markdown]\nunsafe_htlm = true\n")
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    [p] = exc.value.problems
    assert str(p) == "site.toml: markdown.unsafe_htlm: unknown key (did you mean 'unsafe_html'?)"


@pytest.mark.parametrize("table, field, words", [
    ({"unsafe_html": "yes"}, "markdown.unsafe_html", "true or false"),
    ({"embed_hosts": "player.vimeo.com"}, "markdown.embed_hosts", "list of host names"),
    ({"embed_hosts": ["https://player.vimeo.com/video"]}, "markdown.embed_hosts", "give the host alone"),
    ({"max_file_size": 0}, "markdown.max_file_size", "number of MB"),
    ({"max_file_size": "5 MB"}, "markdown.max_file_size", "number of MB"),
])
def test_bad_markdown_settings_are_reported(table, field, words):
    with pytest.raises(BuildError) as exc:
        settings_from(table)
    [p] = exc.value.problems
    assert p.field == field and words in p.message


@pytest.mark.parametrize("plane", range(17))
def test_strip_controls_removes_exactly_what_the_pattern_names(plane):
    """Its byte-level shortcut never keeps a control character, nor drops anything else."""
    from generator.config import CONTROL_CHARS
    from generator.markup import strip_controls
    for code in range(plane * 0x10000, (plane + 1) * 0x10000):
        text = "story " + chr(code) + " text"
        assert strip_controls(text) == CONTROL_CHARS.sub("", text), hex(code)


@pytest.mark.parametrize("plane", range(17))
def test_feeds_drop_exactly_what_xml_cannot_hold(plane):
    """The feeds' byte-level shortcut never keeps a character XML 1.0 refuses, nor drops another."""
    from generator.feeds import _NOT_XML, _strip_controls
    for code in range(plane * 0x10000, (plane + 1) * 0x10000):
        text = "story " + chr(code) + " text"
        assert _strip_controls(text) == _NOT_XML.sub("", text), hex(code)
