"""What an operator relies on: health checks, request ids, the outage page, admin
login throttling, security headers and how uploads are served."""

import logging
import re
import sys
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.db import IntegrityError, OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from heatblog.logs import ErrorReporter, OneLineFormatter, RequestIdFilter, current_request_id
from tests.factories import comment_data, make_article, make_staff
from tests.servers import manage

# --- health checks -----------------------------------------------------------


def test_liveness_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise

    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_load_balancers_probing_by_address_over_http_get_an_answer(client, settings, path):
    settings.ALLOWED_HOSTS = ["blog.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(path, headers={"host": "10.0.0.7:8000"})

    assert response.status_code == 200


@pytest.mark.django_db
def test_readiness_asks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readiness_fails_when_the_database_does_not_answer(client):
    with connection.execute_wrapper(_database_is_down):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


def _database_is_down(execute, sql, params, many, context):
    raise OperationalError("connection to server on socket failed: No such file or directory")


# --- the outage page ------------------------------------------------------------


@pytest.fixture
def browser():
    """A visitor who sees the error pages (the test client would raise instead)."""
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_a_reader_gets_back_soon_not_a_server_error_while_the_database_is_down(browser):
    article = make_article()

    with connection.execute_wrapper(_database_is_down):
        response = browser.get(article.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "We’ll be back soon" in page
    assert "No such file" not in page  # nothing of the error itself


@pytest.mark.django_db
def test_a_comment_sent_during_an_outage_comes_back_whole_in_a_form_to_send_again(browser):
    article = make_article()
    data = comment_data(article, text="Neil's <em>rule</em>:\n\n30 seconds flat.", name="Chris")
    url = reverse("comments:post", args=[article.slug])

    with connection.execute_wrapper(_database_is_down):
        response = browser.post(url, data)

    assert response.status_code == 503
    page = response.content.decode()
    assert "Nothing you wrote is lost" in page
    form = re.search(r'<form method="post" action="([^"]+)"', page)
    assert form.group(1) == url
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert unescape(textarea.group(1)) == data["text"]
    assert "<em>rule" not in page
    for name in ("name", "email", "stamp", "csrfmiddlewaretoken"):
        assert f'name="{name}" value="{data[name]}"' in page


@pytest.mark.django_db
def test_a_password_sent_during_an_outage_is_never_shown_back(browser):
    make_staff(username="ada", password="S3cret-Passw0rd!")
    article = make_article()
    autofilled = comment_data(article, new_password="S3cret-Passw0rd!")

    with connection.execute_wrapper(_database_is_down):
        login = browser.post(
            reverse("admin:login"), {"username": "ada", "password": "S3cret-Passw0rd!"}
        )
        comment = browser.post(reverse("comments:post", args=[article.slug]), autofilled)

    assert (login.status_code, comment.status_code) == (503, 503)
    assert "S3cret-Passw0rd!" not in login.content.decode()
    assert "S3cret-Passw0rd!" not in comment.content.decode()
    assert autofilled["text"] in comment.content.decode()


@pytest.mark.django_db
def test_an_editor_saving_during_an_outage_gets_the_body_back_to_copy(browser):
    browser.force_login(make_staff())
    article = make_article()
    body = "## The heist\n\nEvery <scene> in *order*."

    with connection.execute_wrapper(_database_is_down):
        response = browser.post(
            reverse("admin:articles_article_change", args=[article.pk]),
            {"title": "Heat", "body": body},
        )

    assert response.status_code == 503
    page = response.content.decode()
    kept = re.search(r'<pre class="kept-text">(.*?)</pre>', page, re.S)
    assert unescape(kept.group(1)) == body
    assert "Try sending again" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bug",
    [IntegrityError("duplicate key value violates unique constraint"), RuntimeError("a bug")],
)
def test_a_bug_answers_500_not_back_soon(browser, monkeypatch, bug):
    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr("articles.views.render_article", broken)

    response = browser.get(make_article().get_absolute_url())

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong" in response.content.decode()


# --- request ids and log lines ------------------------------------------------------


def test_every_response_carries_a_request_id(client):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@override_settings(BEHIND_PROXY=True)
def test_behind_a_proxy_its_request_id_is_kept_and_a_malformed_one_replaced():
    client = Client()
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>\nInjected: yes"})

    assert kept["X-Request-ID"] == "lb-7f3a9c2e-0001"
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


def test_without_a_proxy_clients_cannot_name_their_requests(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_logged_error_is_one_line_with_its_request_id():
    formatter = OneLineFormatter("%(levelname)s request_id=%(request_id)s %(message)s")
    token = current_request_id.set("abc123def456")
    try:
        raise OperationalError("server closed the connection\nunexpectedly")
    except OperationalError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Failed", (), None)
        record.exc_info = sys.exc_info()
    finally:
        RequestIdFilter().filter(record)
        current_request_id.reset(token)

    line = formatter.format(record)

    assert "\n" not in line
    assert line.startswith("ERROR request_id=abc123def456 Failed | Traceback")
    assert "server closed the connection | unexpectedly" in line


@pytest.mark.django_db
def test_an_error_report_during_an_outage_never_asks_the_database_again():
    from articles.models import Article

    articles = Article.objects.all()  # a local variable whose repr would query
    queries = []

    def count_and_fail(execute, sql, params, many, context):
        queries.append(sql)
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(count_and_fail):
        try:
            list(articles)
        except OperationalError:
            queries.clear()
            report = ErrorReporter(None, *sys.exc_info()).get_traceback_text()

    assert queries == []
    assert "OperationalError" in report
    assert "<QuerySet" not in report


# --- admin login throttling -----------------------------------------------------------


def _log_in(client, username, password, ip="203.0.113.9"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_a_guesser_rotating_through_one_ipv6_slash_64_is_locked_out_all_the_same(client):
    make_staff(username="ada", password="the-right-password-1995")
    for n in range(5):
        _log_in(Client(), "ada", "guess", ip=f"2001:db8:77:1::{n + 1:x}")

    same_network = _log_in(client, "ada", "the-right-password-1995", ip="2001:db8:77:1::ffff")
    elsewhere = _log_in(Client(), "ada", "the-right-password-1995", ip="2001:db8:77:2::1")

    assert same_network.status_code == 429
    assert elsewhere.status_code == 302  # positive control: the editor can still sign in


@pytest.mark.django_db
def test_admin_login_locks_out_after_five_wrong_passwords_even_for_the_right_one(client):
    make_staff(username="ada", password="the-right-password-1995")
    for _ in range(4):
        assert _log_in(client, "ada", "guess").status_code == 200  # "Please enter the correct…"

    fifth = _log_in(client, "ada", "guess")
    right_one = _log_in(client, "ada", "the-right-password-1995")

    assert fifth.status_code == 429
    assert right_one.status_code == 429
    assert "Sign-in paused" in right_one.content.decode()
    assert "for 15 minutes" in right_one.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_is_for_that_account_from_that_address_and_ends_after_the_cooloff(client):
    make_staff(username="ada", password="the-right-password-1995")
    make_staff(username="vincent", password="another-right-password")
    for _ in range(5):
        _log_in(client, "ada", "guess")

    other_editor = _log_in(Client(), "vincent", "another-right-password")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        later = _log_in(client, "ada", "the-right-password-1995")

    assert other_editor.status_code == 302
    assert later.status_code == 302
    assert client.session["_auth_user_id"]


def test_the_admin_lives_where_the_operator_says():
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='localhost'); "
        "print(c.get('/editors/login/').status_code, c.get('/admin/login/').status_code, "
        "'Disallow: /editors/' in c.get('/robots.txt').text)"
    )
    result = manage("shell", "-c", script, ADMIN_URL="editors/")

    assert result.stdout.splitlines()[-1].split() == ["200", "404", "True"], result.stderr


# --- headers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_switch_off_browser_features_and_isolate_their_window(client):
    response = client.get(make_article().get_absolute_url())

    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "browsing-topics=()"):
        assert feature in policy
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


# --- uploaded files ------------------------------------------------------------------


@pytest.fixture
def uploads(settings):
    folder = settings.MEDIA_ROOT / "uploads"
    folder.mkdir(parents=True)
    return folder


def test_an_uploaded_image_is_served_as_an_image_that_cannot_be_sniffed(client, uploads):
    (uploads / "still.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    response = client.get("/media/uploads/still.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["page.html", "page.svg", "run.js", "x.htm", "noext", "a.PHP"])
def test_a_file_that_is_not_an_image_is_a_download_never_a_page_or_a_script(client, uploads, name):
    (uploads / name).write_text("<script>alert(document.cookie)</script>")

    response = client.get(f"/media/uploads/{name}")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_media_paths_cannot_leave_the_media_folder(client, uploads):
    response = client.get("/media/../heatblog/settings.py")
    escaped = client.get("/media/uploads/%2e%2e/%2e%2e/manage.py")

    assert response.status_code in {400, 404}
    assert escaped.status_code in {400, 404}
    assert b"SECRET_KEY" not in response.content
    assert b"django" not in escaped.content.lower()
