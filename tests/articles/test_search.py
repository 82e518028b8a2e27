"""The search page: ranked, highlighted results of published articles only."""

from datetime import timedelta
from urllib.parse import urlencode

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
    if query.strip() and not shown:  # only NUL bytes: said, not an empty page
        assert "search looks for words, and there were none" in body


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


# ---- At scale: one count-and-rank query, snippets for the shown page only (issue 14) ----


def _filler(words: int) -> str:
    return " ".join(["Quiet words about nothing in particular."] * (words // 6))


def test_a_snippet_quotes_the_passage_of_a_long_article_where_the_word_is(client, db):
    make_article(
        title="A long essay", body=f"{_filler(3000)}\n\nThen Waingro walks in. {_filler(600)}"
    )

    html = _page(client, "/search/?q=waingro")

    assert "1 result for “waingro”" in html
    snippet = html.split("A long essay", 1)[1].split("</article>", 1)[0]
    assert "<mark>Waingro</mark> walks in" in snippet
    assert len(snippet) < 1000


def test_a_phrase_snippet_shows_the_phrase_not_an_earlier_lone_word(client, db):
    body = f"Coffee, first. {_filler(1200)} Then the coffee shop scene. {_filler(300)}"
    make_article(title="Two scenes", body=body)

    html = _page(client, '/search/?q="coffee shop"')

    assert "1 result" in html
    assert "<mark>coffee</mark> <mark>shop</mark> scene" in html


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("coffee pacino", "<mark>Pacino</mark> arrives"),
        ('pacino "coffee shop"', "<mark>Pacino</mark> arrives"),
        ("coffee pacino -vertigo", "<mark>Pacino</mark> arrives"),
        ("shop coffee", "the <mark>coffee</mark> <mark>shop</mark> scene"),
    ],
)
def test_words_far_apart_still_mark_the_passage_where_one_of_them_is(client, db, query, marked):
    body = f"{_filler(120)} Pacino arrives. {_filler(1200)} Then the coffee shop scene."
    make_article(title="Far apart", body=body)

    html = _page(client, f"/search/?{urlencode({'q': query})}")

    assert "1 result" in html
    snippet = html.split("Far apart", 1)[1].split("</article>", 1)[0]
    assert marked in snippet  # not the article's opening with nothing marked


def test_a_word_in_every_article_counts_them_all_and_pages_through_them(client, db):
    for n in range(23):
        make_article(title=f"Essay {n}", body="Mann, again.")

    first = _page(client, "/search/?q=mann")
    third = _page(client, "/search/?q=mann&page=3")

    assert "23 results for “mann”" in first
    assert first.count('class="teaser"') == 10
    assert third.count('class="teaser"') == 3
    assert "23 results" in third


@pytest.mark.parametrize(
    "page", ["99", "999999999999999999999999", "0", "-2", "abc", "1e3", "\x00"]
)
def test_an_odd_page_number_shows_a_page_of_results(client, db, page):
    for n in range(12):
        make_article(title=f"Mann essay {n}")

    response = client.get("/search/", {"q": "mann", "page": page})

    assert response.status_code == 200
    html = response.content.decode()
    assert "12 results" in html
    assert html.count('class="teaser"') in (10, 2)


def test_a_query_of_only_stop_words_finds_nothing_and_says_so(client, heat):
    html = _page(client, "/search/?q=the+and+of")

    assert "Nothing found for “the and of”: words as common as “the” or “and” are left out" in html
    assert 'class="teaser"' not in html
    # A word that is simply nowhere gets the ordinary advice.
    assert "Nothing found for “zzzq”. Try fewer or different words." in _page(
        client, "/search/?q=zzzq"
    )


@pytest.mark.parametrize("query", ["🔥🎬", '"', "\\", "-- !!"])
def test_a_query_without_any_word_says_so(client, heat, query):
    html = _page(client, "/search/?" + urlencode({"q": query}))

    assert "search looks for words, and there are none in it." in html
    assert "as common as" not in html
    assert 'class="teaser"' not in html


def test_a_nul_between_two_words_keeps_them_two_words(client, db):
    make_article(title="Thief", body="The heat of the night.")

    html = _page(client, "/search/?q=heat%00night")

    assert "1 result for “heat night”" in html


@pytest.mark.parametrize("control", ["\u202e", "\u202b", "\u2067", "\u2028", "\x1b"])
def test_a_query_cannot_turn_the_pages_own_words_backwards(client, db, control):
    make_article(title="Thief", body="The heat of the night.")

    html = _page(client, "/search/?" + urlencode({"q": f"{control}evil words here"}))

    assert control not in html
    assert "Nothing found for “evil words here”. Try fewer or different words." in html
    assert "<title>“evil words here” — Search" in html
    assert "1 result for “heat night”" in _page(client, "/search/?q=heat%E2%80%AEnight")


def test_a_quoted_phrase_is_shown_in_one_pair_of_quotation_marks(client, db):
    make_article(title="A", body="the coffee shop scene")

    html = _page(client, '/search/?q="coffee shop"')

    assert "1 result for “coffee shop”" in html
    assert "<title>“coffee shop” — Search" in html
    two = _page(client, '/search/?q="coffee" "shop"')  # phrases inside a query: single marks
    assert "for “‘coffee’ ‘shop’”" in two
    nothing = _page(client, '/search/?q="de niro" -pacino')
    assert "Nothing found for “‘de niro’ -pacino”" in nothing
    assert _page(client, '/search/?q=say+"hello').count("“say &quot;hello”") == 2  # unpaired


def test_an_excluded_phrase_leaves_out_only_articles_with_the_phrase(client, db):
    make_article(title="Diner one", body="the coffee shop scene at the diner")
    make_article(title="Diner two", body="coffee at the diner, then a shop")

    html = _page(client, '/search/?q=diner -"coffee shop"')

    assert "1 result" in html
    assert "Diner two" in html
    assert "Diner one" not in html


def test_search_or_finds_either_word(client, db):
    make_article(title="About Hanna", body="A cop.")
    make_article(title="About McCauley", body="A thief.")
    make_article(title="About Eady", body="A designer.")

    html = _page(client, "/search/?q=hanna or mccauley")

    assert "2 results" in html
    assert "About Eady" not in html


def test_a_search_page_asks_the_database_twice_whatever_it_finds(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            _page(client, url)
        return [q["sql"] for q in captured.captured_queries if "articles_article" in q["sql"]]

    make_article(title="Mann once")
    few = queries("/search/?q=mann")
    for n in range(25):
        make_article(title=f"Mann essay {n}", body='Mann. "Quoted" words.')

    assert len(few) == 2
    assert len(queries("/search/?q=mann")) == 2
    assert len(queries("/search/?q=mann&page=3")) == 2
    assert len(queries('/search/?q="quoted words" -nothing')) == 2
    assert len(queries("/search/?q=zzzz")) == 1  # nothing found: no page to load
    with CaptureQueriesContext(connection) as nothing:
        _page(client, "/search/?q=zzzz")
    # ...and one more question, not about articles: were all the words too common?
    assert len(nothing.captured_queries) == 2


def test_the_search_vectors_stay_in_the_row_and_out_of_the_planner_statistics(db):
    """A migration that adds the search vector again must keep what makes it fast (0008)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage, attstattarget FROM pg_attribute"
            " WHERE attrelid = 'articles_article'::regclass AND attname LIKE '%%_vector'"
        )
        columns = {name: (storage, target) for name, storage, target in cursor.fetchall()}

    assert columns["search_vector"] == ("m", 0)
    assert columns["rank_vector"][0] == "m"
