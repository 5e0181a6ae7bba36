"""The default theme's speed-ups print exactly what plain templates print: fragments made once
through cached() (the site header and footer, head links, cards, bylines), found again by the
identity of the view models the presenter shares between pages, compared byte for byte over a
whole site build."""
from __future__ import annotations

import re
from pathlib import Path

from generator.build import BuildOptions, build_site
from generator.output import MemorySink
from conftest import NOW, REPO, SITE_TOML, article, write_site

THEME = REPO / "themes" / "default" / "templates"
PROMOS = ('\n[newsletter]\nheading = "Morning brief"\ntext = "Daily <news> & more."\nurl = "/nl/"\nlabel = "Sign up"\n'
          '\n[app_promo]\nheading = "Our app"\ntext = "Read offline."\nurl = "/app/"\nlabel = "Get it"\n')
STORIES = {
    "content/world/a.md": article("Ships & <ports>", "2024-02-01 08:00:00", byline="[Asha Rao, Ben Li]",
                                  tags="[trade, ports]", summary="'\"Quotes\" & more'"),
    "content/world/b.md": article("Second", "2024-02-02 09:00:00", byline="Asha Rao", tags="[trade]",
                                  updated="2024-02-05 10:00:00"),
    "content/sport/c.md": article("Cup final", "2024-02-03", byline="Ben Li", tags="[ports]", dateline="Mumbai"),
    "content/sport/d.md": article("Rain delay", "2024-02-04 18:30:00", tags="[weather]",
                                  image="{src: /images/rain.svg, alt: Rain on a pitch, credit: <Agency>}"),
    "content/business/e.md": article("Markets", "2024-01-15 07:00:00", byline="[Chen Wu]", tags="[trade, weather]"),
}
CACHED_CALL = re.compile(r"cached\((\w+), ")


def pages(site: Path) -> dict[str, bytes]:
    sink = MemorySink()
    build_site(site, BuildOptions(now=NOW), sink=sink)
    return {path: data for path, data in sink.files.items() if path.endswith(".html")}


def site_with(tmp_path: Path, name: str, templates: dict[str, str]) -> Path:
    files = dict(STORIES, **{f"templates/{t}": text for t, text in templates.items()})
    files["static/images/rain.svg"] = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"></svg>'
    return write_site(tmp_path / name, files, "per_page = 2\n" + SITE_TOML + PROMOS)   # pages 2+ of listings too


def test_every_cached_call_prints_what_calling_the_macro_prints(tmp_path):
    # the same theme with each cached(macro, ...) written as macro(...): nothing made once, nothing shared
    uncached = {str(p.relative_to(THEME)): CACHED_CALL.sub(r"\1(", p.read_text(encoding="utf-8"))
                for p in THEME.rglob("*.html") if "cached(" in p.read_text(encoding="utf-8")}
    assert {"base.html", "article.html", "list.html", "partials/card.html"} <= set(uncached)
    fast, plain = pages(site_with(tmp_path, "fast", {})), pages(site_with(tmp_path, "plain", uncached))
    assert fast.keys() == plain.keys() and "tags/trade/page/2/index.html" in fast
    for path in fast:
        assert fast[path] == plain[path], path
    world = fast["world/index.html"].decode()
    assert world.count('aria-current="page"') == 1 and 'href="/world/" aria-current="page"' in world

