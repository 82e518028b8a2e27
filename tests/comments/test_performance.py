"""The article page costs the same few queries with no comments or hundreds."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from tests.factories import comment_data, make_article, make_comment, post_comment


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _add_thread(article, count):
    roots = [make_comment(article=article) for _ in range(count // 4)]
    for n in range(count - len(roots)):
        make_comment(article=article, parent=roots[n % len(roots)])


@pytest.mark.django_db
def test_article_page_queries_are_the_same_with_0_and_200_comments(client):
    empty, busy = make_article(), make_article()
    _add_thread(busy, 200)
    cache.clear()

    cold_empty = _queries_for(client, empty.get_absolute_url())
    cold_busy = _queries_for(client, busy.get_absolute_url())
    warm_busy = _queries_for(client, busy.get_absolute_url())

    # The article, its tags, its neighbours, then its whole comment tree.
    assert cold_empty == cold_busy == 4
    assert warm_busy == 3  # the tree's HTML comes from the cache


@pytest.mark.django_db
def test_a_new_approved_comment_shows_despite_the_cache(client):
    article = make_article()
    make_comment(article=article, text="Cached comment")
    client.get(article.get_absolute_url())

    make_comment(article=article, text="Brand new comment")

    assert "Brand new comment" in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_readers_own_held_comment_costs_one_more_query(client):
    article = make_article()
    _add_thread(article, 40)
    client.post(reverse("comments:post", args=[article.slug]), comment_data(article))

    assert _queries_for(client, article.get_absolute_url()) == 5


@pytest.mark.django_db
def test_a_comment_post_costs_the_same_whatever_the_article_and_never_reads_its_text(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    short = make_article(body="A short piece.")
    long = make_article(body="\n\n".join(f"Paragraph {n} about the heist." for n in range(2000)))
    _add_thread(long, 40)

    def posting(article, n):
        with CaptureQueriesContext(connection) as captured:
            response = post_comment(Client(), article, email=f"reader{n}@example.com")
        assert response.status_code == 302
        return [q["sql"] for q in captured.captured_queries]

    posting(short, 0)  # the first post also reads the moderation keywords, kept after
    on_short, on_long = posting(short, 1), posting(long, 2)

    assert len(on_short) == len(on_long)
    article_reads = [sql for sql in on_long if sql.startswith('SELECT "articles_article"')]
    assert article_reads  # the article was looked up…
    assert not any('"body' in sql for sql in article_reads)  # …without its long text
    assert Comment.objects.filter(article=long).count() == 41
    assert Comment.objects.filter(article=short).count() == 2


@pytest.mark.django_db
def test_a_refused_comment_shows_the_whole_article_again_with_the_text_kept(client):
    article = make_article(title="Heat at the diner", body="Neil and Vincent meet for coffee.")

    response = post_comment(client, article, text="My thoughts on the diner", email="not-an-email")

    assert response.status_code == 200  # the page again, with the form's message
    page = response.content.decode()
    assert "Please enter a valid email address" in page
    assert "Heat at the diner" in page
    assert "Neil and Vincent meet for coffee." in page
    assert "My thoughts on the diner" in page  # kept in the form


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_are_all_stored_once_and_counted(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_FIRST_TIME_HELD = False
    article = make_article()
    url = reverse("comments:post", args=[article.slug])
    barrier = threading.Barrier(20)
    statuses = []

    def post(n):
        try:
            data = comment_data(article, text=f"Concurrent comment {n}", email=f"c{n}@example.com")
            barrier.wait()
            response = Client().post(url, data, REMOTE_ADDR=f"192.0.2.{n + 1}")
            statuses.append(response.status_code)
        finally:
            connection.close()

    _twenty_at_once(post)

    assert statuses == [302] * 20
    texts = list(Comment.objects.values_list("text", flat=True))
    assert sorted(texts) == sorted(f"Concurrent comment {n}" for n in range(20))
    article.refresh_from_db()
    assert article.comment_count == 20


@pytest.mark.django_db(transaction=True)
def test_the_same_comment_sent_twenty_times_at_once_is_stored_once(settings):
    # One browser's storm of double clicks and retries: one network, one form.
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_ATTEMPTS_PER_MINUTE = 0
    article = make_article()
    url = reverse("comments:post", args=[article.slug])
    data = comment_data(article)
    barrier = threading.Barrier(20)
    statuses = []

    def post(n):
        try:
            barrier.wait()
            statuses.append(Client().post(url, data, REMOTE_ADDR="192.0.2.1").status_code)
        finally:
            connection.close()

    _twenty_at_once(post)

    assert Comment.objects.count() == 1
    assert statuses.count(302) == 1
    assert set(statuses) <= {302, 200, 409}


def _twenty_at_once(post) -> None:
    """Run post(0) … post(19) in twenty threads and wait for all of them."""
    threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
