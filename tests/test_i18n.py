"""The theme's words in each edition's language (issue 17): gettext catalogues through Babel and
Jinja's i18n extension, Hindi and Arabic shipped, a site overriding any string, dates and month
names from CLDR; a missing or broken catalogue is an error, and the output stays."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import REPO, SITE_TOML, article, fails_leaving_output, html, snapshot, text_of, write_site
from generator.build import BuildOptions, build_site
from generator.i18n import extract
from generator.localdates import formatter, unsupported

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
LOCALES = REPO / "themes/default/locales"
SHIPPED = ("hi", "ar")
HINDI_SITE = SITE_TOML + """
[languages.hi]
title = "टेस्ट टाइम्स"
date_format = "%d %B %Y, %H:%M %Z"
"""
FILES = {
    "content/world/navy.md": article("Navy trial ends", "2024-02-03 09:54:00", byline="[Lalit K Jha, Asha Rao]",
                                     dateline="Washington", source="PTI", tags="[Defence]",
                                     corrections='[{date: "2024-02-04 10:00", text: "A date was wrong."}]'),
    "content/world/navy-hi.md": article("नौसेना का परीक्षण पूरा", "2024-02-03 09:54:00", language="hi",
                                        byline="[Lalit K Jha, Asha Rao, Ravi Kumar]", dateline="वॉशिंगटन", source="PTI",
                                        tags="[Defence]", translation_of="world/navy.md",
                                        corrections='[{date: "2024-02-04 10:00", text: "एक तारीख़ ग़लत थी।"}]'),
    "content/world/older-hi.md": article("पुरानी ख़बर", "2024-01-03 09:54:00", language="hi"),
}


def catalogue(language: str):
    with (LOCALES / language / "LC_MESSAGES/messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))


def test_the_shipped_catalogues_translate_every_message_the_theme_prints():
    wanted = extract(REPO / "themes/default/templates", sorted((REPO / "generator").glob("*.py")))
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in wanted if m.id}
    assert {"By %(names)s", "Published:", "Related stories", "Home", "Page %(current)s of %(total)s"} <= ids
    for language in SHIPPED:
        cat = catalogue(language)
        assert not cat.fuzzy, f"{language}: the header is marked fuzzy, so its plural forms would be dropped"
        for m in wanted:
            if not m.id:
                continue
            got = cat.get(m.id)
            assert got is not None, f"{language}: {m.id!r} is not in the catalogue (run ./scripts/messages)"
            strings = got.string if isinstance(got.string, tuple) else (got.string,)
            assert all(strings) and not got.fuzzy, f"{language}: {m.id!r} is not translated"
            source = m.id if isinstance(m.id, str) else m.id[1]
            for s in strings:
                assert placeholders(s) <= placeholders(source), (language, m.id, s)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("i18n") / "site", FILES, HINDI_SITE)
    build_site(site, BuildOptions(now=NOW))
    return site / "output"


def test_an_english_page_keeps_the_themes_words(out):
    doc = html(out / "world/navy/index.html")
    assert text_of(doc.find(".//p[@class='byline']")) == "By Lalit K Jha and Asha Rao"
    assert text_of(doc.find(".//span[@class='published']")) == "Published: February 03, 2024 09:54 IST"
    assert text_of(doc.find(".//p[@class='signoff']")) == "Lalit K Jha and Asha Rao in Washington"
    assert text_of(doc.find(".//p[@class='source']")) == "Source: PTI"
    assert doc.xpath("//nav[contains(@class, 'breadcrumbs')]//a/text()")[0] == "Home"


def test_a_hindi_page_speaks_hindi(out):
    doc = html(out / "hi/world/navy-hi/index.html")
    assert text_of(doc.find(".//p[@class='byline']")) == "लेखक: Lalit K Jha, Asha Rao और Ravi Kumar"
    assert text_of(doc.find(".//span[@class='published']")) == "प्रकाशित: 03 फ़रवरी 2024, 09:54 IST"
    assert text_of(doc.find(".//span[@class='updated']")).startswith("अंतिम अपडेट: 04 फ़रवरी 2024")
    assert text_of(doc.find(".//p[@class='signoff']")) == "Lalit K Jha, Asha Rao और Ravi Kumar, वॉशिंगटन"
    assert text_of(doc.find(".//p[@class='source']")) == "स्रोत: PTI"
    assert text_of(doc.find(".//section[@class='corrections']//li")) == "सुधार (04 फ़रवरी 2024, 10:00 IST): एक तारीख़ ग़लत थी।"
    assert text_of(doc.find(".//p[@class='story__translations']")) == "English में पढ़ें"
    assert doc.xpath("//nav[contains(@class, 'breadcrumbs')]//a/text()")[0] == "मुखपृष्ठ"
    assert text_of(doc.find(".//a[@class='skip-link']")) == "सीधे मुख्य सामग्री पर जाएँ"
    assert doc.xpath("//nav[@class='site-nav']/@aria-label") == ["खंड"]
    # the machine-readable times stay ISO 8601
    assert doc.xpath("//span[@class='published']/time/@datetime") == ["2024-02-03T09:54:00+05:30"]
    months = [text_of(a) for a in html(out / "hi/archive/index.html").xpath("//ul[@class='archive__months']/li")]
    assert months == ["फ़रवरी 2024 (1 ख़बर)", "जनवरी 2024 (1 ख़बर)"]


def test_an_arabic_site_speaks_arabic_with_its_plural_forms(tmp_path):
    files = {f"content/world/s{i}.md": article(f"خبر {i}", f"2024-0{1 + (i >= 1) + (i >= 3)}-0{i + 1} 09:00:00")
             for i in range(6)}        # January 1, February 2, March 3 stories
    site = write_site(tmp_path / "site", files, SITE_TOML.replace('timezone = "Asia/Kolkata"',
                                                                   'timezone = "Asia/Kolkata"\nlanguage = "ar"'))
    build_site(site, BuildOptions(now=NOW))
    doc = html(site / "output/archive/index.html")
    assert (doc.get("lang"), doc.get("dir")) == ("ar", "rtl")
    counts = [text_of(li) for li in doc.xpath("//ul[@class='archive__months']/li")]
    assert counts == ["مارس 2024 (3 أخبار)", "فبراير 2024 (خبران)", "يناير 2024 (خبر واحد)"]
    assert text_of(doc.find(".//h1")) == "الأرشيف"


def test_a_site_overrides_any_string_and_keeps_the_rest(tmp_path):
    site = write_site(tmp_path / "site", {**FILES, "locales/hi/LC_MESSAGES/messages.po": (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Published:"\nmsgstr "प्रकाशन:"\n')}, HINDI_SITE)
    build_site(site, BuildOptions(now=NOW))
    doc = html(site / "output/hi/world/navy-hi/index.html")
    assert text_of(doc.find(".//span[@class='published']")).startswith("प्रकाशन: 03 फ़रवरी 2024")
    assert text_of(doc.find(".//p[@class='source']")) == "स्रोत: PTI"      # (the theme's, still)
    # English can be overridden too, without a catalogue of its own in the theme
    (site / "locales/en/LC_MESSAGES").mkdir(parents=True)
    (site / "locales/en/LC_MESSAGES/messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Tags"\nmsgstr "Topics"\n')
    build_site(site, BuildOptions(now=NOW))
    got = snapshot(site / "output")
    assert html(site / "output/world/navy/index.html").xpath("//nav[@class='tags']/@aria-label") == ["Topics"]
    assert html(site / "output/hi/world/navy-hi/index.html").xpath("//nav[@class='tags']/@aria-label") == ["टैग"]
    clean = tmp_path / "clean"
    build_site(site, BuildOptions(now=NOW, output=clean, cache=False))
    assert {k: v[0] for k, v in got.items()} == {k: v[0] for k, v in snapshot(clean).items()}


def test_an_edit_to_a_catalogue_renders_every_page_again(tmp_path):
    po = site_po = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Tags"\nmsgstr "विषय"\n'
    site = write_site(tmp_path / "site", {**FILES, "locales/hi/LC_MESSAGES/messages.po": po}, HINDI_SITE)
    build_site(site, BuildOptions(now=NOW))
    (site / "locales/hi/LC_MESSAGES/messages.po").write_text(site_po.replace("विषय", "टैग सूची"))
    result = build_site(site, BuildOptions(now=NOW))
    assert result.rendered >= 1
    assert html(site / "output/hi/world/navy-hi/index.html").xpath("//nav[@class='tags']/@aria-label") == ["टैग सूची"]


BAD = [
    ("an edition with no catalogue", {}, HINDI_SITE + '\n[languages.ur]\ntitle = "ٹیسٹ"\n', "site.toml", "languages.ur",
     ["no message catalogue for 'ur'", "locales/ur/LC_MESSAGES/messages.po"]),
    ("a site in a language with no catalogue", {},
     SITE_TOML.replace('timezone = "Asia/Kolkata"', 'timezone = "Asia/Kolkata"\nlanguage = "fr"'), "site.toml", "language",
     ["no message catalogue for 'fr'"]),
    ("a broken catalogue", {"locales/hi/LC_MESSAGES/messages.po": 'msgid "Tags"\nmsgstr "विषय"\nmsgid\n'}, HINDI_SITE,
     "locales/hi/LC_MESSAGES/messages.po", "", ["not a valid gettext catalogue"]),
    ("a date format no language can show", {}, HINDI_SITE.replace("%d %B %Y, %H:%M %Z", "%c"), "site.toml",
     "languages.hi.date_format", ["%c is not a directive"]),
]


@pytest.mark.parametrize("name, files, toml, path, field, words", BAD, ids=[b[0] for b in BAD])
def test_a_missing_or_broken_catalogue_is_an_error_and_the_output_stays(tmp_path, name, files, toml, path, field, words):
    fails_leaving_output(write_site(tmp_path / "site", FILES, HINDI_SITE), files, toml, path, field, words, NOW)


@pytest.mark.parametrize("language, want", [
    ("en", "Saturday 3 February 2024, 09:54 AM IST"),
    ("hi", "शनिवार 3 फ़रवरी 2024, 09:54 am IST"),
    ("ar", "السبت 3 فبراير 2024, 09:54 ص IST"),
])
def test_dates_are_shown_in_the_editions_language(language, want):
    from zoneinfo import ZoneInfo
    moment = datetime(2024, 2, 3, 9, 54, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert formatter("%A %-d %B %Y, %I:%M %p %Z", language)(moment) == want
    assert unsupported("%A %-d %B %Y") is None and "%x" in unsupported("%x")


def test_the_dev_server_rebuilds_when_a_catalogue_changes(tmp_path):
    from generator.serve import ChangeKind, classify
    from generator.theme import bundled_themes
    site = tmp_path / "site"
    assert classify(site / "locales/hi/LC_MESSAGES/messages.po", site) is ChangeKind.TEMPLATE
    theme = bundled_themes() / "default"
    assert classify(theme / "locales/ar/LC_MESSAGES/messages.po", site, theme) is ChangeKind.TEMPLATE


def test_a_story_in_another_language_than_its_editions_speaks_its_own(tmp_path):
    """An Arabic story on an English site (no Arabic edition): its byline, dates, sign-off and
    breadcrumbs, on its page and on its card, are in Arabic (the theme has the words); the site's
    header, footer and related stories stay English."""
    files = {"content/world/muscat.md": article("محطة تحلية في مسقط", "2024-02-10 09:00:00", language="ar",
                                                byline="[Layla Haddad]", dateline="مسقط", tags="[Water]"),
             "content/world/water.md": article("Water talks", "2024-02-09 09:00:00", byline="[Asha Rao]", tags="[Water]")}
    site = write_site(tmp_path / "site", files, SITE_TOML)
    build_site(site, BuildOptions(now=NOW))
    doc = html(site / "output/world/muscat/index.html")
    assert text_of(doc.find(".//p[@class='byline']")) == "بقلم Layla Haddad"
    assert text_of(doc.find(".//span[@class='published']")) == "نُشر: فبراير 10, 2024 09:00 IST"
    assert text_of(doc.find(".//p[@class='signoff']")) == "Layla Haddad من مسقط"
    assert doc.xpath("//nav[contains(@class, 'breadcrumbs')]//a/text()")[0] == "الرئيسية"
    assert text_of(doc.find(".//aside[@class='related']//h2")) == "Related stories"
    assert text_of(doc.find(".//a[@class='skip-link']")) == "Skip to content"
    [card] = html(site / "output/world/index.html").xpath("//article[@lang='ar']")
    assert text_of(card.find(".//p[@class='card__meta']")) == "بقلم Layla Haddad فبراير 10, 2024 09:00 IST"
    [english] = html(site / "output/world/index.html").xpath("//article[not(@lang)]")
    assert text_of(english.find(".//p[@class='card__meta']")).startswith("By Asha Rao February 09, 2024")
