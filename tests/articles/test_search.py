"""The search page: ranked, highlighted results of published articles only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from articles.models import Article
from tests.factories import make_article


def _page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


def test_search_finds_pacino_in_the_heat_article_with_the_word_highlighted(client, heat):
    html = client.get("/search/?q=Pacino").content.decode()

    assert "1 result for “Pacino”" in html
    assert heat.title in html
    assert "<mark>Pacino</mark>" in html


def test_search_snippets_show_the_body_as_prose_not_markdown(client, db):
    make_article(
        title="On Heat",
        body="Pacino is **superb** here, see [the interview](https://example.com/x).",
    )

    html = _page(client, "/search/?q=superb")

    assert "1 result for “superb”" in html
    assert "On Heat" in html
    assert "<p>Pacino is <mark>superb</mark> here, see the interview</p>" in html
    snippet = html.split("On Heat", 1)[1]
    assert "**" not in snippet
    assert "](" not in snippet


def test_a_title_match_ranks_above_a_body_match(client, db):
    make_article(title="Notes on cinema", body="Pacino appears once here, in passing.")
    make_article(title="Pacino at eighty", body="A career of shouting and whispering.")

    html = client.get("/search/?q=pacino").content.decode()

    assert html.index("Pacino at eighty") < html.index("Notes on cinema")


def test_search_stems_english_words(client, heat):
    assert "1 result" in client.get("/search/?q=shootouts").content.decode()


def test_search_supports_quoted_phrases_and_exclusions(client, db):
    make_article(title="A", body="the coffee shop scene")
    make_article(title="B", body="coffee, then a shop")

    phrase = client.get('/search/?q="coffee shop"').content.decode()
    excluded = client.get("/search/?q=coffee -scene").content.decode()

    assert "1 result" in phrase
    assert "1 result" in excluded


@pytest.mark.parametrize(
    "query",
    ["", "   ", '"', "'", "\\", "!!!", "(((", "a & | ! :*", "<script>", "%00", "x" * 5000,
     "drop table articles;--", "ünïcödé 漢字", "\x00", "-" * 40, "- " * 40 + "heat",
     "-(" * 40],
)  # fmt: skip
def test_odd_queries_answer_calmly(client, heat, query):
    response = client.get("/search/", {"q": query})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>" not in body.split("</header>", 1)[1]
    # The query is shown back, escaped, in the search box.
    shown = query.replace("\x00", "").strip()[:200]
    assert f'name="q" value="{escape(shown)}"' in body


def test_search_never_finds_drafts_or_scheduled_articles(client, db):
    draft = make_article(title="Secret draft about Pacino", status="draft", published_at=None)
    later = make_article(title="Future Pacino piece", published_at=timezone.now() + timedelta(1))

    assert "Nothing found" in _page(client, "/search/?q=pacino")
    for article in (draft, later):
        article.status, article.published_at = Article.Status.PUBLISHED, timezone.now()
        article.save()
    assert "2 results" in _page(client, "/search/?q=pacino")


def test_search_results_are_paginated_and_keep_the_query(client, db):
    for n in range(12):
        make_article(title=f"Mann essay {n}")

    first = client.get("/search/?q=mann").content.decode()
    second = client.get("/search/?q=mann&page=2").content.decode()

    assert "12 results" in first
    assert 'href="?q=mann&amp;page=2"' in first
    assert second.count('class="teaser"') == 2


def test_the_search_index_follows_edits(client, heat):
    heat.title = "Heat, with Waingro"
    heat.save()

    assert "1 result" in client.get("/search/?q=waingro").content.decode()


def test_stacked_dashes_still_exclude_a_word(client, db):
    make_article(title="Coffee with Vincent", body="The coffee scene.")
    make_article(title="Coffee at the diner", body="Coffee, black.")

    response = client.get("/search/", {"q": "coffee ---- -vincent"})

    assert response.status_code == 200
    assert "1 result" in response.content.decode()
    assert "Coffee at the diner" in response.content.decode()
