"""URLs from data and settings: authors' url, photo and links, [[menu]], promos, publisher,
a story's image, and base_url. Each is a site path or an http(s) URL, else a problem that
names the file and the field; a wrong type is a problem too, never a traceback."""
import json

import lxml.html
import pytest

from generator.build import BuildOptions, build_site
from generator.problems import BuildError
from conftest import NOW, SITE_TOML, article, cli, html, write_site

# Each is refused wherever a URL comes from data or settings.
ATTACKS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "\x01javascript:alert(1)", "javascript\n:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x.png", "../../etc/passwd",
    "/a/../../etc/passwd", "/a/%2e%2e/b", "/\\evil.example/", "/a\\b", "https://[x", "https://", "http:///x",
    "https:evil.example", "https://user:pass@evil.example/", "https://a.example:99999/",
    "https://a.example/ x", " https://a.example/", "https://a.example/\u200b", "mailto:x@example.org",
]
STORY = article("A story", byline="Asha Rao")


def toml_string(text: str) -> str:
    """A TOML basic string holding text exactly (control characters escaped)."""
    return json.dumps(text)     # JSON's escapes are TOML's, for a string


def with_publisher(key: str, value: str) -> str:
    return SITE_TOML.replace('name = "Test Media"', f'name = "Test Media"\n{key} = {toml_string(value)}', 1) \
        if key == "logo" else SITE_TOML.replace('name = "Test Media"\nurl = "https://news.example/"',
                                                f'name = "Test Media"\nurl = {toml_string(value)}')


def promo(table: str, url: str) -> str:
    return SITE_TOML + f'\n[{table}]\nheading = "H"\ntext = "T"\nlabel = "Go"\nurl = {toml_string(url)}\n'


def image_story(src: str) -> str:
    return article("Pictured", image="\n  src: " + json.dumps(src) + "\n  alt: A picture")


# field -> (site files, site.toml, file named, field named) for one URL value
FIELDS = {
    "authors url": lambda u: ({"data/authors.toml": f'["Asha Rao"]\nurl = {toml_string(u)}\n'}, SITE_TOML,
                              "data/authors.toml", "Asha Rao.url"),
    "authors photo": lambda u: ({"data/authors.toml": f'["Asha Rao"]\nphoto = {toml_string(u)}\n'}, SITE_TOML,
                                "data/authors.toml", "Asha Rao.photo"),
    "authors links": lambda u: ({"data/authors.toml": f'["Asha Rao"]\nlinks = ["https://ok.example/", {toml_string(u)}]\n'},
                                SITE_TOML, "data/authors.toml", "Asha Rao.links[2]"),
    "menu url": lambda u: ({}, SITE_TOML + f'\n[[menu]]\nname = "World"\nurl = "/world/"\n\n[[menu]]\nname = "X"\nurl = {toml_string(u)}\n',
                           "site.toml", "menu[2].url"),
    "newsletter url": lambda u: ({}, promo("newsletter", u), "site.toml", "newsletter.url"),
    "app_promo url": lambda u: ({}, promo("app_promo", u), "site.toml", "app_promo.url"),
    "publisher url": lambda u: ({}, with_publisher("url", u), "site.toml", "publisher.url"),
    "publisher logo": lambda u: ({}, with_publisher("logo", u), "site.toml", "publisher.logo"),
    "image src": lambda u: ({"content/world/pictured.md": image_story(u)}, SITE_TOML,
                            "content/world/pictured.md:4", "image.src"),
}


def problems_of(site) -> list[str]:
    with pytest.raises(BuildError) as exc:
        build_site(site, BuildOptions(now=NOW))
    return [str(p) for p in exc.value.problems]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("url", ATTACKS, ids=repr)
def test_a_refused_url_is_a_problem_naming_file_and_field(make_site, field, url):
    files, toml, where, name = FIELDS[field](url)
    site = make_site({"content/world/a.md": STORY, **files}, toml)
    problems = problems_of(site)
    assert any(p.startswith(f"{where}: {name}: ") for p in problems), problems
    assert not (site / "output").exists()


@pytest.mark.parametrize("field", FIELDS)
def test_through_the_cli_a_script_url_fails_the_build_with_one_line(make_site, field):
    files, toml, where, name = FIELDS[field]("javascript:alert(1)")
    site = make_site({"content/world/a.md": STORY, **files}, toml)
    result = cli("build", str(site))
    assert result.returncode == 1
    assert f"{where}: {name}: " in result.stderr and "javascript" in result.stderr
    assert "Traceback" not in result.stderr and not (site / "output").exists()


def hrefs_and_srcs(out) -> set[str]:
    return {value for page in out.rglob("*.html") for value in html(page).xpath("//@href | //@src")}


GOOD = {"authors url": "https://asha.example/", "authors photo": "/images/asha.svg", "authors links": "https://x.com/asha",
        "menu url": "https://about.example/", "newsletter url": "/newsletter/", "app_promo url": "https://app.example/get",
        "publisher url": "https://media.example/", "publisher logo": "/images/logo.svg", "image src": "/images/p.svg"}


@pytest.mark.parametrize("field", FIELDS)
def test_a_site_path_or_an_http_url_still_reaches_the_page(build, field):
    files, toml, _, _ = FIELDS[field](GOOD[field])
    out = build({"content/world/a.md": STORY, **files}, toml)
    assert GOOD[field] in hrefs_and_srcs(out)


@pytest.mark.parametrize("field, relative, shown", [
    ("image src", "images/p.svg", "/paper/images/p.svg"),
    ("authors photo", "images/asha.svg", "/paper/images/asha.svg"),
    ("publisher logo", "images/logo.svg", "/paper/images/logo.svg"),
    ("menu url", "world/", "/paper/world/"),
])
def test_a_path_relative_to_the_site_root_is_kept_where_the_site_resolves_it(build, field, relative, shown):
    files, toml, _, _ = FIELDS[field](relative)
    toml = toml.replace('base_url = "https://news.example/"', 'base_url = "https://news.example/paper/"')
    out = build({"content/world/a.md": STORY, **files}, toml)
    assert shown in hrefs_and_srcs(out)


@pytest.mark.parametrize("field", ["authors url", "newsletter url", "app_promo url", "publisher url"])
def test_a_relative_path_is_refused_where_it_would_reach_the_page_as_written(make_site, field):
    files, toml, where, name = FIELDS[field]("world/")       # would resolve against each page's own URL
    site = make_site({"content/world/a.md": STORY, **files}, toml)
    assert f"{where}: {name}: 'world/' must be a site path starting with '/' or an http(s) URL" in problems_of(site)


# --- wrong types ------------------------------------------------------------------------------

MENU = SITE_TOML + "\n[[menu]]\nname = \"World\"\nurl = \"/world/\"\n\n[[menu]]\n{}\n"


@pytest.mark.parametrize("entry, field", [
    ('name = "X"\nurl = 5', "menu[2].url"),
    ('name = 5\nurl = "/x/"', "menu[2].name"),
    ('name = []\nurl = "/x/"', "menu[2].name"),
    ('name = "X"\nurl = {a = 1}', "menu[2].url"),
    ('name = "X"\nurl = true', "menu[2].url"),
    ('name = "X"\nurl = "javascript:alert(1)"', "menu[2].url"),
    ('name = "X\\u0007"\nurl = "/x/"', "menu[2].name"),
])
@pytest.mark.parametrize("command", ["build", "schedule"])
def test_a_menu_entry_of_the_wrong_type_is_a_problem_not_a_traceback(make_site, entry, field, command):
    site = make_site({"content/world/a.md": STORY}, MENU.format(entry))
    result = cli(command, str(site))
    assert result.returncode == 1, result.stdout
    assert f"site.toml: {field}: " in result.stderr
    assert "Traceback" not in result.stderr


def test_every_menu_problem_is_reported_at_once(make_site):
    toml = SITE_TOML + "".join(f"\n[[menu]]\n{entry}\n" for entry in
                               ['name = 5\nurl = 6', 'name = "Ok"\nurl = "/ok/"', 'url = "//evil.example/"', 'name = "N"'])
    site = make_site({"content/world/a.md": STORY}, toml)
    fields = {p.split(": ")[1] for p in problems_of(site)}
    assert fields == {"menu[1].name", "menu[1].url", "menu[3].name", "menu[3].url", "menu[4].url"}


@pytest.mark.parametrize("data, field", [
    ('["Asha Rao"]\nlinks = "https://x.com/asha"', "Asha Rao.links"),
    ('["Asha Rao"]\nlinks = [5]', "Asha Rao.links[1]"),
    ('["Asha Rao"]\nlinks = [["https://x.com/asha"]]', "Asha Rao.links[1]"),
    ('["Asha Rao"]\nlinks = {a = "https://x.com/asha"}', "Asha Rao.links"),
    ('["Asha Rao"]\nphoto = 5', "Asha Rao.photo"),
    ('["Asha Rao"]\nurl = ["https://asha.example/"]', "Asha Rao.url"),
    ('["Asha Rao"]\nname = "A\\u0000R"', "Asha Rao.name"),
])
def test_an_authors_field_of_the_wrong_type_is_a_problem(make_site, data, field):
    site = make_site({"content/world/a.md": STORY, "data/authors.toml": data + "\n"})
    result = cli("build", str(site))
    assert result.returncode == 1 and f"data/authors.toml: {field}: " in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("toml, field", [
    (SITE_TOML.replace('name = "Test Media"', 'name = "Test\\u001bMedia"'), "publisher.name"),
    (SITE_TOML + '\n[newsletter]\nheading = "A\\u001bB"\n', "newsletter.heading"),
    (SITE_TOML + '\n[app_promo]\nlabel = "A\\u0085B"\n', "app_promo.label"),
])
def test_a_control_character_in_a_settings_table_is_a_problem(make_site, toml, field):
    site = make_site({"content/world/a.md": STORY}, toml)
    assert any(p.startswith(f"site.toml: {field}: contains a control character") for p in problems_of(site))


@pytest.mark.parametrize("name", ["{outside}", "../outside", "..", "", "a\\\\b"])
def test_a_theme_is_a_folder_name_not_a_path(tmp_path, name):
    import shutil
    from generator.theme import bundled_themes
    shutil.copytree(bundled_themes() / "default", tmp_path / "outside")    # a theme outside the site
    name = name.format(outside=tmp_path / "outside")
    site = write_site(tmp_path / "site", {"content/world/a.md": STORY}, f"theme = {toml_string(name)}\n" + SITE_TOML)
    result = cli("build", str(site))
    assert result.returncode == 1 and "site.toml: theme: must be a theme's folder name" in result.stderr
    assert "Traceback" not in result.stderr


# --- base_url ---------------------------------------------------------------------------------

BAD_BASE_URLS = [
    "https://news.example/?x=1", "https://news.example/#top", "https://news.example/?",
    "https://news.example/\nDisallow: /", "https://user:pass@news.example/", "https://@news.example/",
    "https://news example/", "https://news.example/ x/", " https://news.example/", "https://news.example/\x01",
    "https://news.example:99999/", "https://[x/", "https://", "https:news.example", "ftp://news.example/",
    "//news.example/", "/paper/", "https://news.example/../x/", "https://news.example\\paper/",
]


@pytest.mark.parametrize("base_url", BAD_BASE_URLS, ids=repr)
def test_a_base_url_with_more_than_scheme_host_port_and_path_is_refused(make_site, base_url):
    site = make_site({"content/world/a.md": STORY},
                     SITE_TOML.replace('base_url = "https://news.example/"', f"base_url = {toml_string(base_url)}"))
    problems = problems_of(site)
    assert any(p.startswith("site.toml: base_url: ") for p in problems), problems


@pytest.mark.parametrize("base_url", ["https://news.example/?x=1", "https://news.example/\nDisallow: /",
                                      "https://user:pass@news.example/", "https://news.example/\x01", "https://[x/"], ids=repr)
def test_a_bad_base_url_on_the_command_line_is_named_as_such(make_site, base_url):
    site = make_site({"content/world/a.md": STORY})
    result = cli("build", str(site), "--base-url", base_url)
    assert result.returncode == 1 and "--base-url: base_url: " in result.stderr
    assert "Traceback" not in result.stderr and not (site / "output").exists()


def test_a_bad_base_url_in_site_toml_fails_through_the_cli(make_site):
    site = make_site({"content/world/a.md": STORY},
                     SITE_TOML.replace('base_url = "https://news.example/"', 'base_url = "https://news.example/?x=1"'))
    result = cli("build", str(site))
    assert result.returncode == 1 and "site.toml: base_url: 'https://news.example/?x=1' must not have a query" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("base_url, home", [("https://news.example:8443/paper", "https://news.example:8443/paper/"),
                                            ("HTTP://News.Example/", "HTTP://News.Example/"),
                                            ("https://[2001:db8::1]/", "https://[2001:db8::1]/")])
def test_a_base_url_with_port_path_or_ip_still_builds(build, base_url, home):
    out = build({"content/world/a.md": STORY},
                SITE_TOML.replace('base_url = "https://news.example/"', f"base_url = {toml_string(base_url)}"))
    assert html(out / "index.html").xpath('//link[@rel="canonical"]/@href') == [home]


# --- the dev server ---------------------------------------------------------------------------

def wait_for(condition, seconds: float = 15) -> None:
    import time
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_serve_shows_a_bad_menu_entry_and_rebuilds_once_it_is_fixed(tmp_path):
    from generator.serve import DevServer
    from test_serve import get
    site = write_site(tmp_path / "site", {"content/world/a.md": STORY})
    server = DevServer(site, port=0, now=NOW, log=lambda line: None, workers=1)
    base = server.start()
    try:
        for entry, problem in [('url = 5', "site.toml: menu[1].url: must be a string, not int"),
                               ('url = "javascript:alert(1)"', "site.toml: menu[1].url: 'javascript:alert(1)' must be a site path")]:
            (site / "site.toml").write_text(SITE_TOML + f'\n[[menu]]\nname = "World"\n{entry}\n')
            wait_for(lambda: any(str(p).startswith(problem) for p in server.problems))
            status, page = get(base + "world/a/")
            shown = lxml.html.fromstring(page).findtext(".//pre")
            assert status == 500 and shown.startswith(problem), shown
        (site / "site.toml").write_text(SITE_TOML + '\n[[menu]]\nname = "World"\nurl = "/world/"\n')
        wait_for(lambda: not server.problems)
        status, page = get(base + "world/a/")
        assert status == 200 and lxml.html.fromstring(page).xpath('//nav[@aria-label="Sections"]//a/@href') == ["/world/"]
    finally:
        server.stop()


def test_site_paths_from_settings_and_data_are_under_the_base_path(tmp_path):
    """A site served under a sub-path: a promo's, an author's and the publisher's site paths get
    the base path, as menu links and pages do (else they point at another site on the host)."""
    toml = (SITE_TOML.replace('base_url = "https://news.example/"', 'base_url = "https://news.example/paper/"')
            .replace('url = "https://news.example/"', 'url = "/about/"')
            + '\n[newsletter]\nheading = "Morning brief"\ntext = "Daily."\nurl = "/nl/"\nlabel = "Sign up"\n')
    site = write_site(tmp_path / "site", {
        "content/world/a.md": article("A", "2024-02-01", byline="Asha Rao"),
        "data/authors.toml": '["Asha Rao"]\nbio = "Reporter."\nurl = "/about/asha/"\n'}, site_toml=toml)
    done = cli("build", str(site))
    assert done.returncode == 0, done.stderr
    story = lxml.html.fromstring((site / "output/world/a/index.html").read_bytes())
    assert "/paper/nl/" in story.xpath("//a/@href") and "/nl/" not in story.xpath("//a/@href")
    profile = lxml.html.fromstring((site / "output/authors/asha-rao/index.html").read_bytes())
    assert "/paper/about/asha/" in profile.xpath("//a/@href")
    ld = [json.loads(s) for s in story.xpath("//script[@type='application/ld+json']/text()")]
    publishers = [item["publisher"] for item in ld if "publisher" in item]
    assert publishers and all(p["url"] == "https://news.example/paper/about/" for p in publishers)


def test_a_host_labels_characters_are_letters_digits_underscore_and_all_past_ascii():
    """urls._LABEL spells its character class by what it refuses; it is the plain one."""
    import re
    from generator import urls
    plain = re.compile("[A-Za-z0-9_\u0080-\U0010ffff](?:[A-Za-z0-9_\u0080-\U0010ffff-]*[A-Za-z0-9_\u0080-\U0010ffff])?")
    probes = [chr(c) for c in range(0x100)] + ["\ud800", "\U0010ffff", "\u0915", "\u200b", "\uffff"]
    for a in probes:
        for b in ["", "-", "a", a]:
            for text in (a, a + b, b + a, a + b + a, "x" + a + "y", a + "-" + a):
                assert bool(urls._LABEL.fullmatch(text)) == bool(plain.fullmatch(text)), repr(text)
