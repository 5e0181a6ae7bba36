"""Issue 18's small parts: a story's kicker shows on its cards too (listings and the home page's
lead), and its NewsArticle carries its dateline and its corrections as schema.org
CorrectionComments, read back with a JSON-LD parser (extruct)."""
from __future__ import annotations

import extruct

from conftest import NOW, article, html, text_of

FILES = {
    "content/business/trade.md": article(
        "Exports rise", "2024-05-30 09:00:00", kicker="Analysis", dateline="Mumbai", byline="[Dev Kumar]",
        corrections='[{date: "2024-05-30 12:00:00", text: "The figure was 4.1%, not 4.7%."}, '
                    '{date: "2024-05-31 08:00:00", text: "A name was misspelt."}]'),
    "content/business/plain.md": article("Markets calm", "2024-05-29 09:00:00"),
}


def news_article(out, page: str) -> dict:
    data = extruct.extract((out / page).read_text(), base_url="https://news.example/", syntaxes=["json-ld"])
    return next(d for d in data["json-ld"] if d["@type"] == "NewsArticle")


def test_a_kicker_shows_on_the_storys_cards(build):
    out = build(FILES, now=NOW)
    cards = {text_of(c.find(".//h2")) if c.find(".//h2") is not None else text_of(c.find(".//h3")): c
             for c in html(out / "business/index.html").iter("article")}
    assert text_of(cards["Exports rise"].find(".//span[@class='card__kicker']")) == "Analysis"
    assert cards["Markets calm"].find(".//span[@class='card__kicker']") is None
    lead = html(out / "index.html").find(".//section[@class='lead-story']")
    assert text_of(lead.find(".//span[@class='card__kicker']")) == "Analysis"
    assert text_of(html(out / "business/trade/index.html").find(".//p[@class='kicker']")) == "Analysis"


def test_the_news_article_has_its_dateline_and_corrections(build):
    out = build(FILES, now=NOW)
    got = news_article(out, "business/trade/index.html")
    assert got["dateline"] == "Mumbai"
    assert got["correction"] == [
        {"@type": "CorrectionComment", "text": "The figure was 4.1%, not 4.7%.", "datePublished": "2024-05-30T12:00:00+05:30"},
        {"@type": "CorrectionComment", "text": "A name was misspelt.", "datePublished": "2024-05-31T08:00:00+05:30"}]
    assert got["dateModified"] == "2024-05-31T08:00:00+05:30"     # (the latest correction)
    plain = news_article(out, "business/plain/index.html")
    assert "dateline" not in plain and "correction" not in plain
