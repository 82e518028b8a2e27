"""Whole pages from memory for anonymous readers, and conditional GETs."""

from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from operations.pagecache import _pages
from tests.factories import comment_data, make_article, make_comment


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 10
    _pages.clear()
    yield
    _pages.clear()


def test_a_cached_page_costs_no_query(heat, django_assert_num_queries):
    Client().get(heat.get_absolute_url())

    with django_assert_num_queries(0):
        response = Client().get(heat.get_absolute_url())

    assert response.status_code == 200
    assert heat.title in response.content.decode()


def test_two_readers_one_of_them_returning_get_the_same_bytes_any_cache_may_keep(heat):
    newcomer, regular = Client(), Client()
    regular.get(heat.get_absolute_url())  # a returning reader: whatever the first visit left

    pages = [newcomer.get(heat.get_absolute_url()), regular.get(heat.get_absolute_url())]

    assert [page.status_code for page in pages] == [200, 200]
    assert heat.title in pages[0].content.decode()
    assert pages[0].content == pages[1].content
    assert pages[0]["ETag"] == pages[1]["ETag"]
    assert not pages[0]["ETag"].startswith("W/")
    cache_control = pages[0]["Cache-Control"]
    assert cache_control.startswith("public")
    assert all(
        f in cache_control for f in ("s-maxage=10", "stale-while-revalidate", "stale-if-error")
    )
    assert not pages[0].cookies
    assert not regular.cookies
    assert "'nonce-" not in pages[0]["Content-Security-Policy"]
    assert "csrfmiddlewaretoken" not in pages[0].content.decode()


@time_machine.travel("2026-12-01 12:00:01", tick=False)
def test_the_shared_page_is_the_same_when_the_cache_in_memory_is_off(heat, settings):
    settings.PAGE_CACHE_SECONDS = 0
    first = Client().get(heat.get_absolute_url())

    second = Client().get(heat.get_absolute_url())

    assert first.content == second.content
    assert second["Cache-Control"].startswith("public")


def test_a_new_comment_shows_at_once_despite_the_cached_page(heat):
    Client().get(heat.get_absolute_url())

    make_comment(article=heat, text="Fresh off the press")

    assert "Fresh off the press" in Client().get(heat.get_absolute_url()).content.decode()


def test_an_article_edit_shows_at_once(heat):
    Client().get(heat.get_absolute_url())

    heat.title = "Heat, revised"
    heat.save()

    assert "Heat, revised" in Client().get(heat.get_absolute_url()).content.decode()


def test_readers_with_their_own_cookies_get_their_own_page(heat, settings):
    reader = Client()
    reader.post(f"/articles/{heat.slug}/comment/", comment_data(heat, text="Mine, held."))

    mine = reader.get(heat.get_absolute_url())
    theirs = Client().get(heat.get_absolute_url())

    assert (mine.status_code, theirs.status_code) == (200, 200)
    assert "Mine, held." in mine.content.decode()
    assert mine["Cache-Control"] == "private, no-cache"
    assert heat.title in theirs.content.decode()
    assert "Mine, held." not in theirs.content.decode()


def test_a_repeat_visit_gets_304_with_no_body(heat):
    reader = Client()
    first = reader.get(heat.get_absolute_url())

    repeat = reader.get(heat.get_absolute_url(), headers={"If-None-Match": first["ETag"]})

    assert first["ETag"].startswith('"')  # strong: the same bytes for every reader
    assert "Last-Modified" in first
    assert repeat.status_code == 304
    assert repeat.content == b""


def test_the_etag_changes_when_a_comment_is_approved(heat):
    held = make_comment(article=heat, status="pending")
    reader = Client()
    reader.get(heat.get_absolute_url())
    before = reader.get(heat.get_absolute_url())["ETag"]

    Comment.objects.filter(pk=held.pk).set_status(Comment.Status.APPROVED)

    after = reader.get(heat.get_absolute_url(), headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after["ETag"] != before


def test_the_home_page_is_cached_and_follows_new_articles(client, heat):
    Client().get("/")

    make_article(title="A brand new essay")

    assert "A brand new essay" in Client().get("/").content.decode()


def test_pages_with_a_query_string_are_not_shared(heat, django_assert_max_num_queries):
    Client().get(heat.get_absolute_url())

    with django_assert_max_num_queries(6) as queries:
        Client().get(f"{heat.get_absolute_url()}?replytocom=1")

    assert len(queries.captured_queries) > 0


def test_the_cache_can_be_turned_off(heat, settings, django_assert_max_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    Client().get(heat.get_absolute_url())

    with django_assert_max_num_queries(6) as queries:
        Client().get(heat.get_absolute_url())

    assert len(queries.captured_queries) > 0


def test_search_results_are_shared_per_query_and_follow_edits(heat, django_assert_num_queries):
    Client().get("/search/?q=pacino")

    with django_assert_num_queries(0):
        cached = Client().get("/search/?q=pacino")
    heat.title = "Heat, the Waingro cut"
    heat.save()
    fresh = Client().get("/search/?q=waingro").content.decode()

    assert "1 result" in cached.content.decode()
    assert "Heat, the Waingro cut" in fresh
    assert "Heat, the Waingro cut" in Client().get("/search/?q=pacino").content.decode()


def _database_is_down(execute, sql, params, many, context):
    raise OperationalError("connection to server on socket failed")


def test_while_the_database_is_away_readers_still_get_the_last_good_copy(heat):
    Client().get(heat.get_absolute_url())  # cached a minute ago

    with (
        time_machine.travel(timezone.now() + timedelta(minutes=1)),
        connection.execute_wrapper(_database_is_down),
    ):
        anonymous = Client(raise_request_exception=False).get(heat.get_absolute_url())
        home = Client(raise_request_exception=False).get("/")  # never cached

    assert anonymous.status_code == 200
    assert heat.title in anonymous.content.decode()
    assert home.status_code == 503


def test_a_shared_page_from_memory_skips_sessions_authentication_and_csrf(heat):
    from unittest import mock

    from django.contrib.sessions.middleware import SessionMiddleware

    Client().get(heat.get_absolute_url())  # rendered once, kept in memory
    with mock.patch.object(
        SessionMiddleware, "process_request", autospec=True, side_effect=AssertionError
    ) as session:
        hit = Client().get(heat.get_absolute_url())

    assert hit.status_code == 200
    assert heat.title in hit.content.decode()
    assert session.call_count == 0
    assert hit["X-Frame-Options"] == "DENY"  # the headers above it still apply
    assert "default-src 'self'" in hit["Content-Security-Policy"]


def test_a_shared_page_is_compressed_once_for_readers_who_accept_gzip(heat):
    import gzip

    plain = Client().get(heat.get_absolute_url())
    first, second = (
        Client().get(heat.get_absolute_url(), headers={"Accept-Encoding": "gzip, br"})
        for _ in range(2)
    )

    assert first["Content-Encoding"] == "gzip"
    assert first.content == second.content  # the same compressed bytes for everyone
    assert gzip.decompress(first.content) == plain.content
    assert first["ETag"] != plain["ETag"]
    assert "Accept-Encoding" in first["Vary"]
    assert "Content-Encoding" not in plain
