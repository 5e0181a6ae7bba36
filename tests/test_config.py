"""site.toml: typed, with every problem reported at once and typos named."""
import pytest

from generator.config import load_config, parse_config
from generator.problems import BuildError


def problems_of(data):
    with pytest.raises(BuildError) as exc:
        parse_config(data)
    return exc.value.problems


def test_defaults():
    c = parse_config({"title": "T", "base_url": "https://x.example"})
    assert c.base_url == "https://x.example/"
    assert (c.language, c.timezone, c.theme, c.per_page, c.feed_size) == ("en", "UTC", "default", 20, 50)
    assert c.newsletter is None and c.app_promo is None


def test_full_config():
    c = parse_config({"title": "T", "base_url": "https://x.example/news/", "timezone": "Asia/Kolkata",
                      "per_page": 5, "publisher": {"name": "P", "logo": "/l.svg"},
                      "newsletter": {"heading": "H", "text": "t", "url": "/n/", "label": "Go"}})
    assert c.zone.key == "Asia/Kolkata" and c.publisher.logo == "/l.svg" and c.newsletter.label == "Go"


def test_unknown_key_names_the_closest_known_key():
    [p] = problems_of({"title": "T", "base_url": "https://x.example", "timezon": "UTC"})
    assert p.field == "timezon" and "did you mean 'timezone'" in p.message


def test_unknown_key_in_a_table():
    [p] = problems_of({"title": "T", "base_url": "https://x.example", "publisher": {"nmae": "P"}})
    assert p.field == "publisher.nmae" and "'name'" in p.message


def test_all_problems_at_once():
    problems = problems_of({"per_page": "ten", "timezone": "Mars/Olympus", "base_url": "x.example"})
    assert {p.field for p in problems} == {"per_page", "timezone", "base_url", "title"}


def test_missing_site_toml_is_a_clear_error(tmp_path):
    with pytest.raises(BuildError) as exc:
        load_config(tmp_path)
    assert "no site.toml" in str(exc.value)


def test_invalid_toml_names_the_file(tmp_path):
    (tmp_path / "site.toml").write_text('title = "x\n')
    with pytest.raises(BuildError) as exc:
        load_config(tmp_path)
    assert "site.toml:1:" in str(exc.value) and "TOML" in str(exc.value)


def test_menu_entries_need_a_name_and_a_url():
    problems = problems_of({"title": "T", "base_url": "https://x.example",
                            "menu": [{"name": "World", "url": "/world/"}, {"name": "About"}, {"nmae": "x", "url": "/x/"}]})
    fields = {p.field for p in problems}
    assert {"menu[2].url", "menu[3].nmae", "menu[3].name"} <= fields
    assert all(p.path == "site.toml" for p in problems)
