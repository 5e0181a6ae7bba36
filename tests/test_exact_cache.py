"""A cached build equals a --no-cache build even where a file's stat stamp or Broadsheet's own
code does not change: a library upgrade, new time zone rules, a static file replaced by other
bytes of the same size and modification time (cp -p, rsync -t, tar x)."""
import importlib.metadata
import importlib.resources
import os
import subprocess
import sys
import textwrap
import zoneinfo

from generator import cache, content
from generator.build import BuildOptions, build_site, parse_key
from generator.config import load_config
from conftest import NOW, article, cli, fake_distribution, html, replace_keeping_stamp, snapshot

TABLE = "| a | b |\n|---|---|\n| 1 | 2 |\n"     # Markdown itself converts it (no fast path)


def svg(width: int, height: int) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"><rect/></svg>\n'


def site_files() -> dict[str, str]:
    return {
        "content/world/ship.md": article("Ship", "2024-02-03 09:54:00", body=TABLE,
                                         image="{src: /images/lead.svg, alt: A ship}"),
        "content/world/other.md": article("Other", "2024-02-04 09:54:00"),
        "static/css/extra.css": "p{color:red}\n",
        "static/images/lead.svg": svg(120, 80),
    }


def contents(folder) -> dict[str, str]:
    return {rel: digest for rel, (digest, _mtime) in snapshot(folder).items()}


def test_a_static_file_replaced_with_the_same_size_and_mtime_reaches_a_cached_build(make_site, tmp_path):
    site = make_site(site_files())
    assert cli("build", str(site), "-q").returncode == 0
    page = site / "output/world/ship/index.html"
    assert [(img.get("width"), img.get("height")) for img in html(page).iter("img")] == [("120", "80")]
    replace_keeping_stamp(site / "static/css/extra.css", "p{color:tan}\n")
    replace_keeping_stamp(site / "static/images/lead.svg", svg(300, 20))
    assert cli("build", str(site), "-q").returncode == 0
    clean = tmp_path / "clean"
    assert cli("build", str(site), "-q", "--no-cache", "-o", str(clean)).returncode == 0
    assert contents(site / "output") == contents(clean)
    assert (site / "output/css/extra.css").read_text() == "p{color:tan}\n"
    assert [(img.get("width"), img.get("height")) for img in html(page).iter("img")] == [("300", "20")]


def test_a_settled_static_file_replaced_in_place_is_known_by_its_change_time(make_site, tmp_path, monkeypatch):
    monkeypatch.setattr(content, "RACY_NS", 0)     # trust a stamp however recent (files here are seconds old)
    site = make_site(site_files())
    build_site(site, BuildOptions(now=NOW))
    build_site(site, BuildOptions(now=NOW))     # the stamps recorded, and trusted
    css = site / "static/css/extra.css"
    stamps = cache.BuildCache.open(site, True, parse_key(load_config(site))).files
    assert str(css) in stamps      # so its bytes are not read again: its stamp must tell
    replace_keeping_stamp(css, "p{color:tan}\n")
    build_site(site, BuildOptions(now=NOW))
    clean = tmp_path / "clean"
    build_site(site, BuildOptions(now=NOW, output=clean, cache=False))
    assert contents(site / "output") == contents(clean)
    assert (site / "output/css/extra.css").read_text() == "p{color:tan}\n"


# Runs the real command line with Markdown reported as 99.0 (a .dist-info first on sys.path, as
# an upgrade leaves it) and converting tables another way, as a new Markdown might.
UPGRADED = textwrap.dedent("""\
    import sys
    sys.path.insert(0, sys.argv.pop(1))
    import markdown
    convert = markdown.Markdown.convert
    markdown.Markdown.convert = lambda self, text: convert(self, text).replace("<td>", "<td>v99 ")
    sys.argv[0] = "broadsheet"
    from generator.cli import run
    run()
""")


def test_a_library_upgrade_reaches_a_cached_build(make_site, tmp_path):
    site = make_site(site_files())
    assert cli("build", str(site), "-q").returncode == 0
    page = site / "output/world/ship/index.html"
    assert "v99" not in page.read_text()
    fake = fake_distribution(tmp_path / "upgraded", "Markdown", "99.0")

    def upgraded(*args: str) -> None:
        done = subprocess.run([sys.executable, "-c", UPGRADED, fake, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    upgraded("build", str(site), "-q")
    cells = [td.text_content() for td in html(page).iter("td")]
    assert cells == ["v99 1", "v99 2"]
    clean = tmp_path / "clean"
    upgraded("build", str(site), "-q", "--no-cache", "-o", str(clean))
    assert contents(site / "output") == contents(clean)


def test_library_versions_are_those_importlib_metadata_gives(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(fake_distribution(tmp_path / "upgraded", "Markdown", "99.0"))
    importlib.invalidate_caches()
    versions = dict(cache.library_versions())
    assert versions == {name: version_of(name) for name in cache.OUTPUT_LIBRARIES}
    assert versions["Markdown"] == "99.0" and versions["nh3"]


def version_of(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


def test_an_egg_info_first_on_sys_path_is_asked_about(tmp_path, monkeypatch):
    egg = tmp_path / "old-style" / "nh3.egg-info"
    egg.mkdir(parents=True)
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: nh3\nVersion: 0.0.1\n")
    monkeypatch.syspath_prepend(str(tmp_path / "old-style"))
    importlib.invalidate_caches()
    assert dict(cache.library_versions())["nh3"] == version_of("nh3") == "0.0.1"


def test_new_rules_for_the_sites_time_zone_reach_a_cached_build(make_site, tmp_path):
    """The zone's data (the system's, or the tzdata package's) changed: stories' dates move."""
    site = make_site(site_files())
    build_site(site, BuildOptions(now=NOW))
    rules = tmp_path / "zoneinfo"
    (rules / "Asia").mkdir(parents=True)
    (rules / "Asia/Kolkata").write_bytes(zone_file("Asia/Tokyo"))    # Kolkata, as if its offset were +09:00
    try:
        zoneinfo.reset_tzpath([str(rules)])
        zoneinfo.ZoneInfo.clear_cache()
        cache.zone_key.cache_clear()
        build_site(site, BuildOptions(now=NOW))
        build_site(site, BuildOptions(now=NOW, output=tmp_path / "clean", cache=False))
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()
        cache.zone_key.cache_clear()
    times = [t.get("datetime") for t in html(site / "output/world/ship/index.html").iter("time")]
    assert times and all(t.endswith("+09:00") for t in times), times
    assert contents(site / "output") == contents(tmp_path / "clean")


def zone_file(name: str) -> bytes:
    for folder in zoneinfo.TZPATH:
        if os.path.isfile(os.path.join(folder, name)):
            with open(os.path.join(folder, name), "rb") as f:
                return f.read()
    return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_bytes()


def test_the_code_key_covers_every_module_of_the_package_subpackages_included(tmp_path):
    """A change to the incremental engine (generator/incremental/) decides what is stale: an old
    cache must not be trusted by new engine code, as by any other module of Broadsheet."""
    import shutil
    package = os.path.dirname(cache.__file__)
    copy = tmp_path / "pkg"
    shutil.copytree(package, copy / "generator", ignore=shutil.ignore_patterns("__pycache__", "themes"))

    def key() -> str:
        env = {**os.environ, "PYTHONPATH": str(copy)}
        return subprocess.run([sys.executable, "-c", "from generator.cache import code_key; print(code_key())"],
                              env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()

    before = key()
    with open(copy / "generator/incremental/last.py", "a") as f:
        f.write("\n# a change to the engine\n")
    assert key() != before
