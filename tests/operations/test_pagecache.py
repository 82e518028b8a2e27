"""Whole pages from memory for anonymous readers, and conditional GETs."""

from datetime import timedelta

import pytest
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import Comment
from operations.logs import current_request_id
from operations.pagecache import SharedPages, _pages
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


def test_the_shared_page_is_the_same_when_the_cache_in_memory_is_off(heat, settings):
    settings.PAGE_CACHE_SECONDS = 0
    # Time held still after the article was published: the form's stamp changes every 10 s.
    with time_machine.travel(timezone.now(), tick=False):
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


def test_a_commenter_whose_client_asks_only_if_modified_since_sees_their_held_comment(heat):
    reader = Client()
    shared = reader.get(heat.get_absolute_url())  # before writing: the shared page
    reader.post(f"/articles/{heat.slug}/comment/", comment_data(heat, text="Mine, held."))

    again = reader.get(
        heat.get_absolute_url(), headers={"If-Modified-Since": shared["Last-Modified"]}
    )

    assert again.status_code == 200
    assert "Mine, held." in again.content.decode()
    # Their page: its ETag alone decides (a digest of the page, whose form carries a
    # stamp of the second it was made, so no repeat is promised a 304 here).
    assert "Last-Modified" not in again
    assert again["ETag"].startswith('W/"')


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


class _Django:
    """Django's own WSGI application, counting the requests that reach it."""

    def __init__(self):
        self.application, self.calls = WSGIHandler(), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.application(environ, start_response)


@pytest.fixture
def front():
    """SharedPages in front of Django, as heatblog/wsgi.py puts it (one worker's)."""
    # Django closes the database connection around each request; the test's
    # transaction must survive it, as the test client arranges for itself.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    django = _Django()
    yield SharedPages(django), django
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _get(application, path, script_name=None, **headers):
    """GET through a WSGI application as gunicorn would: (status, headers, body)."""
    environ = RequestFactory().get(path, headers=headers).environ
    if script_name is not None:  # gunicorn takes it from a forwarder's SCRIPT_NAME header
        environ["SCRIPT_NAME"], environ["PATH_INFO"] = script_name, path[len(script_name) :]
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    result = application(environ, start_response)
    body = b"".join(result)
    if hasattr(result, "close"):
        result.close()
    return int(answer["status"][:3]), answer["headers"], body


def test_a_kept_page_is_answered_before_django_runs(heat, front):
    application, django = front
    first = _get(application, heat.get_absolute_url())

    with CaptureQueriesContext(connection) as queries:
        again = [_get(application, heat.get_absolute_url()) for _ in range(3)]

    assert first[0] == 200
    assert heat.title in first[2].decode()
    assert django.calls == 1  # the three others never reached Django
    assert len(queries) == 0
    assert all(body == first[2] for _, _, body in again)
    status, headers, _ = again[0]
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY"  # every header Django gave, kept
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"].startswith("public")
    assert headers["ETag"] == first[1]["ETag"]
    assert "Set-Cookie" not in headers
    request_ids = {h["X-Request-ID"] for _, h, _ in [first, *again]}
    assert len(request_ids) == 4  # each request its own id
    # What is logged of the last one (an access log line) carries its id, not the first's.
    assert current_request_id.get() == again[-1][1]["X-Request-ID"]


def test_a_reader_with_personal_state_or_a_refused_host_still_reaches_django(heat, front):
    application, django = front
    _get(application, heat.get_absolute_url())

    own = _get(application, heat.get_absolute_url(), Cookie="sessionid=abc")
    foreign = _get(application, heat.get_absolute_url(), Host="evil.example")

    assert own[0] == 200
    assert heat.title in own[2].decode()
    assert own[1]["Cache-Control"].startswith("private")
    assert foreign[0] == 400
    assert django.calls == 3


def test_a_kept_page_answers_a_repeat_visit_with_304(heat, front):
    application, django = front
    etag = _get(application, heat.get_absolute_url())[1]["ETag"]

    status, headers, body = _get(application, heat.get_absolute_url(), If_None_Match=etag)

    assert (status, body) == (304, b"")
    assert headers["ETag"] == etag
    assert "Content-Type" not in headers
    assert django.calls == 1


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_a_kept_page_is_sent_compressed_to_readers_who_accept_it(heat, front, encoding):
    import gzip

    import brotli

    application, django = front
    plain = _get(application, heat.get_absolute_url())[2]
    accept = {"br": "gzip, deflate, br, zstd", "gzip": "gzip, deflate"}[encoding]

    sent = [_get(application, heat.get_absolute_url(), Accept_Encoding=accept) for _ in range(2)]

    assert [headers["Content-Encoding"] for _, headers, _ in sent] == [encoding, encoding]
    assert sent[0][2] == sent[1][2]
    decompress = brotli.decompress if encoding == "br" else gzip.decompress
    assert decompress(sent[1][2]) == plain
    assert len(sent[1][2]) < len(plain) / 3
    assert django.calls == 2  # once plain, once in this encoding


def test_a_kept_page_gives_way_to_a_newly_approved_comment(heat, front):
    application, django = front
    _get(application, heat.get_absolute_url())

    make_comment(article=heat, name="Nate", text="Brother, you're on your own.")
    status, _, body = _get(application, heat.get_absolute_url())

    assert status == 200
    assert "Brother, you" in body.decode()
    assert django.calls == 2


def test_with_a_shared_cache_every_worker_serves_the_page_one_of_them_rendered(
    heat, front, settings
):
    settings.PAGE_CACHE_SHARED = True  # what REDIS_URL turns on
    application, django = front
    other_worker = SharedPages(django)
    first = _get(application, heat.get_absolute_url())

    status, _, body = _get(other_worker, heat.get_absolute_url())

    assert (status, body) == (200, first[2])
    assert django.calls == 1


def test_a_worker_reads_a_newer_copy_another_worker_kept_once_its_own_is_stale(
    heat, front, settings
):
    settings.PAGE_CACHE_SHARED = True
    application, django = front
    other_worker = SharedPages(django)
    _get(application, heat.get_absolute_url())

    with time_machine.travel(timezone.now() + timedelta(seconds=11)):
        _get(other_worker, heat.get_absolute_url())  # stale everywhere: rendered again
        status, _, body = _get(application, heat.get_absolute_url())

    assert status == 200
    assert heat.title in body.decode()
    assert django.calls == 2  # the first worker took the other's newer copy


class _CacheAway:
    """A shared cache that does not answer (Redis down)."""

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        return refuse


def test_with_the_shared_cache_away_readers_still_get_pages_and_nothing_is_kept(
    heat, front, settings, monkeypatch
):
    settings.PAGE_CACHE_SHARED = True
    application, django = front
    monkeypatch.setattr("operations.pagecache.cache", _CacheAway())

    pages = [_get(application, heat.get_absolute_url()) for _ in range(2)]
    health = _get(application, "/healthz")
    make_comment(article=heat, name="Waingro", text="Saved with the cache away.")
    after = _get(application, heat.get_absolute_url())

    assert [status for status, _, _ in pages] == [200, 200]
    assert heat.title in pages[0][2].decode()
    assert django.calls == 4  # nothing kept: each page made afresh
    assert health[0] == 200
    assert after[0] == 200
    assert "Saved with the cache away." in after[2].decode()
    assert application.answers == {}


def test_a_worker_keeps_its_answers_within_a_byte_budget(heat, front, monkeypatch):
    application, _ = front
    monkeypatch.setattr("operations.pagecache.MAX_ANSWER_BYTES", 150_000)
    for word in ("heat", "pacino", "de niro", "mann", "diner"):
        assert _get(application, f"/search/?q={word}")[0] == 200
    _get(application, heat.get_absolute_url())  # about 95 KB plain: the oldest go

    assert application.kept_bytes <= 150_000
    assert application.kept_bytes == sum(len(a.body) for a in application.answers.values())
    assert any(key[2][1] == heat.get_absolute_url() for key in application.answers)


def test_a_shared_page_is_compressed_once_for_readers_who_accept_gzip(heat):
    import gzip

    plain = Client().get(heat.get_absolute_url())
    first, second = (
        Client().get(heat.get_absolute_url(), headers={"Accept-Encoding": "gzip, deflate"})
        for _ in range(2)
    )

    assert first["Content-Encoding"] == "gzip"
    assert first.content == second.content  # the same compressed bytes for everyone
    assert gzip.decompress(first.content) == plain.content
    assert first["ETag"] != plain["ETag"]
    assert "Accept-Encoding" in first["Vary"]
    assert "Content-Encoding" not in plain


def test_a_plain_http_reader_is_still_sent_to_https_whatever_another_forwarded(
    heat, front, settings
):
    """Django reads only the first value of X-Forwarded-Proto: "https, http" is https to
    it, and its page must not be kept for readers who came over plain http."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    django = _Django()  # its SecurityMiddleware reads the settings above when made
    application = SharedPages(django)
    assert _get(application, heat.get_absolute_url(), X_Forwarded_Proto="https, http")[0] == 200

    status, headers, body = _get(application, heat.get_absolute_url(), X_Forwarded_Proto="http")

    assert status == 301
    assert headers["Location"].startswith("https://")
    assert body == b""
    assert django.calls == 2
    again = _get(application, heat.get_absolute_url(), X_Forwarded_Proto="https")
    assert again[0] == 200
    assert heat.title in again[2].decode()
    assert django.calls == 2  # the https page was kept, under https


def test_spellings_of_one_host_and_empty_queries_share_one_kept_answer(heat, front, settings):
    """Ports, case, a trailing dot or "?&" change nothing Django answers: kept apart,
    they would let anyone fill the kept answers (and Redis) and push real pages out."""
    settings.ALLOWED_HOSTS = ["localhost"]
    application, django = front
    first = _get(application, heat.get_absolute_url(), Host="localhost")
    spellings = [{"Host": f"localhost:{port}"} for port in range(8000, 8010)]
    spellings += [{"Host": "LOCALHOST."}, {"Host": "LocalHost:1"}]
    answers = [_get(application, heat.get_absolute_url(), **h) for h in spellings]
    answers += [_get(application, heat.get_absolute_url() + q, Host="localhost")
                for q in ("?&", "?&&", "?&&&")]  # fmt: skip

    assert first[0] == 200
    assert all((status, body) == (200, first[2]) for status, _, body in answers)
    assert len(application.answers) == 1
    assert django.calls == 4  # the first, and the three "?&…" (rendered, never kept)


@pytest.mark.parametrize("refused", ["br;q=0.0", "br;q=0.000, gzip;q=0", "br; Q=0.00"])
def test_an_encoding_the_reader_refuses_is_never_sent(heat, front, refused):
    application, _ = front
    plain = _get(application, heat.get_absolute_url())[2]

    status, headers, body = _get(application, heat.get_absolute_url(), Accept_Encoding=refused)

    assert status == 200
    assert "Content-Encoding" not in headers
    assert body == plain
    assert heat.title in body.decode()


def test_a_forwarded_script_name_cannot_put_one_page_in_place_of_another(heat, front):
    """gunicorn takes SCRIPT_NAME from a header sent by FORWARDED_ALLOW_IPS: "/tags/" then
    reaches Django as "/" under the prefix "/tags". That home page is not /tags/."""
    application, _ = front
    prefixed = _get(application, "/tags/", script_name="/tags")
    assert prefixed[0] == 200
    assert "<title>heatblog — long-form writing" in prefixed[2].decode()  # the home page

    status, _, body = _get(application, "/tags/")

    assert status == 200
    assert "<title>Tags" in body.decode()
