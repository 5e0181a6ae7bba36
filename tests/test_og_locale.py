"""og:locale in Open Graph's language_TERRITORY form, the territory taken from CLDR (Babel) when
the site's language tag has none."""
import pytest

from conftest import SITE_TOML, article, html, write_site
from generator.build import BuildOptions, build_site
from generator.languages import og_locale as _locale


@pytest.mark.parametrize("tag, want", [
    ("en", "en_US"), ("en-GB", "en_GB"), ("en-IN", "en_IN"), ("hi", "hi_IN"), ("ta", "ta_IN"),
    ("ar", "ar_EG"), ("pt-BR", "pt_BR"), ("zh-Hant", "zh_TW"), ("zh-Hans", "zh_CN"),
    ("xx-zz", "xx_zz"),         # a tag Babel does not know keeps its own parts
])
def test_a_language_tag_becomes_language_and_territory(tag, want):
    assert _locale(tag) == want


@pytest.mark.parametrize("language, want", [("hi", "hi_IN"), ("en-GB", "en_GB")])
def test_every_page_carries_the_site_language_as_a_locale(tmp_path, language, want):
    site = write_site(tmp_path / "site", {"content/news/a.md": article()},
                      site_toml=SITE_TOML.replace('title = "Test Times"', f'title = "Test Times"\nlanguage = "{language}"'))
    build_site(site, BuildOptions(cache=False))
    for page in ("index.html", "news/a/index.html", "news/index.html"):
        locales = html(site / "output" / page).xpath('//meta[@property="og:locale"]/@content')
        assert locales == [want], page
