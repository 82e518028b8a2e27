from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import Article
from tests.factories import make_article

HEAT_TEXT = Path(__file__).resolve().parents[2] / "articles" / "content" / "heat-1995.md"
HEADINGS = [
    "The Story Behind Heat – From TV Pilot to Classic Film",
    "The Legendary Cast – De Niro, Pacino, and More",
    "Themes That Hit Hard – Loneliness, Honor, and Obsession",
    "The Heat Shootout – Hollywood’s Most Realistic Gun Battle",
    "Michael Mann’s Style – Grit, Atmosphere, and Precision",
    "Why Heat Still Matters Today",
    "Conclusion",
]
SOURCE = Path("/work/shared/content/heat-1995.txt")


def _paragraphs():
    lines = [line for line in HEAT_TEXT.read_text().splitlines() if line and line[0] != "#"]
    return lines[0], lines[-1]


def test_article_page_shows_the_title_every_heading_and_the_essay_verbatim(client, heat):
    response = client.get(heat.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Heat (1995): The Crime Epic That Changed Cinema Forever</h1>" in html
    for heading in HEADINGS:
        assert f">{heading}</h2>" in html
    first, last = _paragraphs()
    assert first.startswith("There are crime thrillers… and then there’s Heat.")
    assert last.startswith("Heat (1995) isn’t just a film, it’s a masterclass.")
    assert f'>{first} <a class="quote-link"' in html
    assert f'>{last} <a class="quote-link"' in html


@pytest.mark.skipif(not SOURCE.exists(), reason="the shared source text is outside this checkout")
def test_the_project_copy_of_the_essay_matches_the_shared_source_paragraph_for_paragraph():
    source = [line for line in SOURCE.read_text().splitlines() if line.strip()]
    assert source[-1] == "Leave a Comment"
    ours = [line.lstrip("# ") for line in HEAT_TEXT.read_text().splitlines() if line.strip()]
    assert ours == source[:-1]


def test_home_page_links_to_the_article_with_its_summary(client, heat):
    response = client.get("/")

    assert response.status_code == 200
    assert f'href="{heat.get_absolute_url()}"' in response.content.decode()
    assert "There are crime thrillers" in response.content.decode()


def test_home_page_lists_newest_articles_first(client, db):
    make_article(title="Older essay", published_at=timezone.now() - timedelta(days=9))
    make_article(title="Newer essay", published_at=timezone.now() - timedelta(days=1))

    html = client.get("/").content.decode()

    assert html.index("Newer essay") < html.index("Older essay")


def test_home_page_is_paginated_by_ten(client, db):
    for n in range(12):
        make_article(title=f"Essay {n:02d}", published_at=timezone.now() - timedelta(hours=n + 1))

    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()

    assert "Essay 00" in first
    assert "Essay 10" not in first
    assert "Essay 10" in second
    assert "Essay 11" in second
    assert client.get("/?page=abc").status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Article.Status.DRAFT, "published_at": None},
        {"published_at": timezone.now() + timedelta(days=3)},
    ],
    ids=["draft", "scheduled"],
)
def test_unpublished_articles_are_404_for_readers_and_absent_from_home(client, db, overrides):
    article = make_article(title="Not yet", **overrides)

    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Not yet" not in client.get("/").content.decode()


def test_unknown_slug_is_404(client, db):
    assert client.get("/articles/no-such-article/").status_code == 404


def test_staff_can_preview_a_draft_marked_as_such(staff_client):
    article = make_article(title="Work in progress", status=Article.Status.DRAFT, published_at=None)

    response = staff_client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Draft — only staff can see this preview." in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_scheduled_article_appears_once_its_time_has_come(client, db):
    article = make_article(published_at=timezone.now() + timedelta(seconds=60))
    assert client.get(article.get_absolute_url()).status_code == 404

    Article.objects.filter(pk=article.pk).update(published_at=timezone.now())

    assert client.get(article.get_absolute_url()).status_code == 200


def test_article_page_query_count_is_fixed(client, heat, django_assert_num_queries):
    # The article, its tags, its neighbours, its comment tree.
    with django_assert_num_queries(4):
        assert client.get(heat.get_absolute_url()).status_code == 200


def test_home_page_query_count_does_not_grow_with_articles(client, db, django_assert_num_queries):
    for _ in range(8):
        make_article()
    with django_assert_num_queries(2):
        assert client.get("/").status_code == 200


def test_missing_page_is_a_styled_404_with_a_way_back(client, db):
    response = client.get("/nothing/here/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert 'href="/"' in response.content.decode()
