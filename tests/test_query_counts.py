"""Every public page costs a fixed number of queries, whatever the number of items."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import Tag
from tests.factories import make_article, make_comment

PAGES = [
    "/",
    "/?page=2",
    "/archive/",
    "/archive/{year}/",
    "/tags/",
    "/tags/crime/",
    "/search/?q=heat",
    "/feed/",
    "/feed/atom/",
    "/sitemap.xml",
    "/robots.txt",
    "{article}",
    "{article}?replytocom={comment}",
    "/articles/{slug}/comments/feed/",
    "/avatars/0123456789abcdef.svg",
]


def _blog(articles: int, comments: int):
    crime, _ = Tag.objects.get_or_create(name="Crime", slug="crime")
    made = []
    for n in range(articles):
        article = make_article(title=f"Heat essay {n}", body=f"Heat, part {n}.")
        article.tags.add(crime)
        made.append(article)
    first = made[0]
    parent = None
    for n in range(comments):
        parent = make_comment(article=first, parent=parent if n % 3 else None)
    return first, parent


def _queries(url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert Client().get(url).status_code == 200, url
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", PAGES)
def test_a_public_page_costs_the_same_queries_for_a_small_and_a_big_blog(db, page):
    def measure(articles, comments):
        article, comment = _blog(articles, comments)
        url = page.format(
            year=article.published_at.year, article=article.get_absolute_url(),
            slug=article.slug, comment=comment.pk,
        )  # fmt: skip
        return _queries(url)

    small = measure(articles=12, comments=3)
    big = measure(articles=30, comments=60)

    assert small == big
    assert big <= 6
