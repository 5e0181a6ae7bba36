"""Related stories: the most shared tags first, newest first among equals, then the section's newest."""
import random
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

import pytest

from generator.listings import Related, build_taxonomy, newest_first, tag_slug


class Story(NamedTuple):        # what Related and build_taxonomy read of an Article
    path: str
    section: str
    section_name: str
    tags: tuple[str, ...]
    byline: tuple[str, ...]
    published: datetime


def by_definition(article, articles, section_articles, limit=4):
    """The rule, spelled out: every other story sharing a tag, by (-tags shared, newest), then
    the newest of the same section."""
    mine = {tag_slug(t) for t in article.tags} - {""}
    shared = {a.path: len(mine & {tag_slug(t) for t in a.tags}) for a in articles if a.path != article.path}
    order = {a.path: i for i, a in enumerate(articles)}
    chosen = sorted((p for p, n in shared.items() if n), key=lambda p: (-shared[p], order[p]))[:limit]
    for other in section_articles.get(article.section, ()):
        if len(chosen) == limit:
            break
        if other.path != article.path and other.path not in chosen:
            chosen.append(other.path)
    return chosen


@pytest.mark.parametrize("seed", range(6))
def test_related_stories_follow_the_rule(seed):
    rng = random.Random(seed)
    tags = [f"Tag {i}" for i in range(rng.choice([3, 8, 30]))]
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    stories = [Story(f"content/s{i % 3}/story-{i}.md", f"s{i % 3}", f"S{i % 3}",
                     tuple(rng.sample(tags, rng.randint(0, min(4, len(tags))))), ("A. Writer",),
                     start + timedelta(hours=rng.randint(0, 500)))
               for i in range(rng.choice([5, 60, 300]))]
    published = newest_first(stories)
    tax = build_taxonomy(published)
    related = Related(published, tax)
    for story in published:
        assert [a.path for a in related(story)] == by_definition(story, published, tax.section_articles), story.path


def test_a_story_not_in_the_build_still_gets_related_stories():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    stories = newest_first([Story(f"content/w/{i}.md", "w", "W", ("Rain", "Sun") if i % 2 else ("Rain",), (), start + timedelta(days=i))
                            for i in range(6)])
    tax = build_taxonomy(stories)
    new = Story("content/w/new.md", "w", "W", ("Sun", "Rain"), (), start)
    got = [a.path for a in Related(stories, tax)(new)]
    assert got == by_definition(new, stories, tax.section_articles)
    assert got[:3] == ["content/w/5.md", "content/w/3.md", "content/w/1.md"]     # both tags, newest first
