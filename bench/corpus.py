"""Generate a deterministic, realistic news corpus for benchmarks.

N articles of ~720 words, 8 sections, 200 tags, 60 authors; as a Broadsheet site, and
optionally the same stories as a Pelican or a Hugo site. Plain prose by default (paragraphs, a
quote, a subheading); with --rich, most bodies also hold a list of links, emphasis, an image with
a caption and a numbered list, so Markdown and the sanitiser run on them. With --editions, every
other story (not the newest) is in Hindi, and the site has a Hindi edition ([languages.hi]).

    python bench/corpus.py N DIR [--rich] [--editions] [--pelican DIR] [--hugo DIR]
"""
from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

SECTIONS = ["world", "business", "sport", "technology", "politics", "science", "culture", "opinion"]
WORDS = ("the minister said on tuesday that government officials would review trade figures after a "
         "sharp fall in exports while analysts warned markets could react to the decision investors "
         "expect growth in the coming quarter despite weather delays at the port and rising costs for "
         "farmers who depend on monsoon rains the league confirmed new fixtures for the season as "
         "players returned from injury engineers tested a satellite link for remote villages").split()
START = datetime(2020, 1, 1, 6, 0, tzinfo=timezone.utc)
LATEST = datetime(2025, 1, 1, 6, 0, tzinfo=timezone.utc)   # no story may be in the future: tools hold those back
STEP = 47   # minutes between stories (plus up to 40)


def story(i: int, rng: random.Random, start: datetime = START, rich: bool = False) -> dict:
    words = lambda n: " ".join(rng.choice(WORDS) for _ in range(n))
    paragraphs = [words(rng.randint(50, 70)).capitalize() + "." for _ in range(11)]
    paragraphs.insert(3, "> \"" + words(25).capitalize() + ",\" an official said.")
    paragraphs.insert(6, "## " + words(4).capitalize())
    if rich and rng.random() < 0.9:     # most stories, not all: some still plain prose
        paragraphs.insert(2, f"Read [the report](https://example.com/report-{i}) and *{words(3)}* "
                             f"in **{words(2)}**, as [our earlier story](/world/story-{max(0, i - 1):06d}/) said.")
        paragraphs.insert(5, "\n".join(f"- {words(6).capitalize()} ([source](https://example.org/{i}/{k}))"
                                        for k in range(3)))
        paragraphs.insert(8, f"![{words(4).capitalize()}](https://images.example/photo-{i}.jpg "
                             f"\"{words(6).capitalize()}\")")
        paragraphs.insert(10, "\n".join(f"{k}. {words(8).capitalize()}" for k in range(1, 4)))
        paragraphs.insert(12, "### " + words(3).capitalize())
    return {
        "i": i,
        "title": f"{words(rng.randint(5, 9)).capitalize()} {i}",
        "section": SECTIONS[i % len(SECTIONS)],
        "published": start + timedelta(minutes=STEP * i + rng.randint(0, 40)),
        "authors": sorted({f"Reporter {rng.randint(1, 60)}" for _ in range(rng.choice([1, 1, 1, 2]))}),
        "tags": sorted({f"topic-{rng.randint(1, 200)}" for _ in range(rng.randint(2, 5))}),
        "summary": words(25).capitalize() + ".",
        "body": "\n\n".join(paragraphs),
    }


def stories(n: int, rich: bool = False, editions: bool = False) -> list[dict]:
    rng = random.Random(20240203)
    start = min(START, LATEST - timedelta(minutes=STEP * n))   # earlier only for corpora too big to fit from START
    items = [story(i, rng, start, rich) for i in range(n)]
    if editions:        # (the newest, which the benchmark edits, stays in the first edition)
        for s in items[:-1]:
            if s["i"] % 2:
                s["language"] = "hi"
    return items


SITE_TOML = """title = "Bench Times"
base_url = "https://bench.example/"
timezone = "UTC"
description = "A benchmark corpus."
per_page = 20
feed_size = 50

[publisher]
name = "Bench Media"
"""
EDITION_TOML = """
[languages.hi]
title = "बेंच टाइम्स"
date_format = "%d %B %Y, %H:%M %Z"
"""


def write_stories(items: list[dict], root: Path, source: Callable[[dict], str]) -> None:
    """Each story as ROOT/content/SECTION/story-NNNNNN.md: the same paths for every tool."""
    for s in items:
        folder = root / "content" / s["section"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{s['i']:06d}.md").write_text(source(s))


def write_broadsheet(items: list[dict], root: Path) -> None:
    write_stories(items, root, lambda s: (
        f"---\ntitle: \"{s['title']}\"\npublished: {s['published']:%Y-%m-%d %H:%M:%S}\n"
        f"byline: [{', '.join(s['authors'])}]\ntags: [{', '.join(s['tags'])}]\n"
        f"summary: \"{s['summary']}\"\n" + (f"language: {s['language']}\n" if "language" in s else "") +
        f"---\n{s['body']}\n"))
    (root / "site.toml").write_text(SITE_TOML + (EDITION_TOML if any("language" in s for s in items) else ""))


def write_pelican(items: list[dict], root: Path) -> None:
    write_stories(items, root, lambda s: (
        f"Title: {s['title']}\nDate: {s['published']:%Y-%m-%d %H:%M}\nCategory: {s['section']}\n"
        f"Authors: {', '.join(s['authors'])}\nTags: {', '.join(s['tags'])}\nSlug: story-{s['i']:06d}\n"
        f"Summary: {s['summary']}\n\n{s['body']}\n"))
    (root / "pelicanconf.py").write_text(
        "SITENAME = 'Bench Times'\nSITEURL = 'https://bench.example'\nPATH = 'content'\nTIMEZONE = 'UTC'\n"
        "DEFAULT_PAGINATION = 20\nFEED_MAX_ITEMS = 50\nFEED_ALL_ATOM = 'feeds/all.atom.xml'\n"
        "CATEGORY_FEED_ATOM = 'feeds/{slug}.atom.xml'\nTAG_FEED_ATOM = 'feeds/tag-{slug}.atom.xml'\n"
        "AUTHOR_FEED_ATOM = 'feeds/author-{slug}.atom.xml'\nAUTHOR_FEED_RSS = None\n"
        "LOAD_CONTENT_CACHE = True\nCACHE_CONTENT = True\nCONTENT_CACHING_LAYER = 'reader'\n"
        "DELETE_OUTPUT_DIRECTORY = False\n"
        # Pelican's default pages 2+ are NAME2.html, so tag topic-5's page 2 would overwrite tag topic-52.
        "PAGINATION_PATTERNS = ((1, '{url}', '{save_as}'),\n"
        "                       (2, '{base_name}/page/{number}/', '{base_name}/page/{number}/index.html'))\n")


def write_hugo(items: list[dict], root: Path) -> None:
    write_stories(items, root, lambda s: (
        f"---\ntitle: \"{s['title']}\"\ndate: {s['published']:%Y-%m-%dT%H:%M:%SZ}\n"
        f"authors: [{', '.join(s['authors'])}]\ntags: [{', '.join(s['tags'])}]\n"
        f"summary: \"{s['summary']}\"\n---\n{s['body']}\n"))
    (root / "hugo.toml").write_text(
        "baseURL = 'https://bench.example/'\ntitle = 'Bench Times'\n[pagination]\npagerSize = 20\n"
        "[services.rss]\nlimit = 50\n[taxonomies]\ntag = 'tags'\nauthor = 'authors'\n")
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True, exist_ok=True)
    (layouts / "single.html").write_text(
        "<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>"
        "<p>{{ delimit .Params.authors \", \" }} {{ .Date.Format \"January 2, 2006 15:04 MST\" }}</p>"
        "{{ .Content }}{{ range .GetTerms \"tags\" }}<a href=\"{{ .RelPermalink }}\">{{ .LinkTitle }}</a>{{ end }}"
        "</body></html>")
    (layouts / "list.html").write_text(
        "<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>"
        "{{ range .Paginator.Pages }}<article><h2><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></h2>"
        "<p>{{ .Summary }}</p></article>{{ end }}</body></html>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--rich", action="store_true", help="links, lists, emphasis and images in most bodies")
    parser.add_argument("--editions", action="store_true", help="every other story in a Hindi edition")
    parser.add_argument("--pelican", type=Path)
    parser.add_argument("--hugo", type=Path)
    args = parser.parse_args()
    items = stories(args.n, args.rich, args.editions)
    write_broadsheet(items, args.dir)
    if args.pelican:
        write_pelican(items, args.pelican)
    if args.hugo:
        write_hugo(items, args.hugo)


if __name__ == "__main__":
    main()
