"""The error pages: "back soon" while the database is away (what was sent handed back,
never a password), and a plain 500 for a bug."""

import re
from html import unescape

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import comment_data, make_article, make_staff


def _database_is_down(execute, sql, params, many, context):
    raise OperationalError("connection to server on socket failed: No such file or directory")


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
        comment = browser.post(reverse("comments:post", args=[article.slug]), comment_data(article))

    assert response.status_code == 503
    page = response.content.decode()
    kept = re.search(r'<pre class="kept-text">(.*?)</pre>', page, re.S)
    assert unescape(kept.group(1)) == body
    assert "Try sending again" not in page
    assert comment.status_code == 503
    assert "Try sending again" in comment.content.decode()  # a comment form can be resent


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bug",
    [IntegrityError("duplicate key value violates unique constraint"), RuntimeError("a bug")],
)
def test_a_bug_answers_500_not_back_soon(browser, monkeypatch, bug):
    def broken(*args, **kwargs):
        raise bug

    monkeypatch.setattr("articles.views.render_article", broken)

    article = make_article()
    response = browser.get(article.get_absolute_url())

    assert response.status_code == 500
    assert "Retry-After" not in response
    assert "Something went wrong" in response.content.decode()
    with connection.execute_wrapper(_database_is_down):
        outage = browser.get(article.get_absolute_url())
    assert (outage.status_code, outage["Retry-After"]) == (503, "30")  # back soon says when


@pytest.mark.django_db
def test_an_admin_form_without_its_csrf_cookie_is_refused_with_the_cookie_explained():
    response = Client(enforce_csrf_checks=True).post(
        reverse("admin:login"), {"username": "ada", "password": "x"}
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert "That form could not be sent" in html
    assert "only work with the cookie this site set" in html
    assert "ada" not in html.split("<main", 1)[1]  # only a comment's text is handed back


@pytest.mark.django_db
def test_an_admin_form_sent_from_another_site_is_refused_for_that_reason():
    response = Client(enforce_csrf_checks=True).post(
        reverse("admin:login"),
        {"username": "ada", "password": "x"},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert "sent from another website" in html
    assert "only work with the cookie this site set" not in html


@pytest.mark.django_db
def test_a_post_too_big_to_read_says_so_and_where_the_text_still_is(browser):
    article = make_article()
    url = reverse("comments:post", args=[article.slug])
    huge = comment_data(article, text="Heat " * 600_000)  # 3 MB: more than any form here takes

    response = browser.post(url, huge)

    assert response.status_code == 413
    html = unescape(response.content.decode())
    assert "That was too long to send" in html
    assert "over 2.5 MB" in html
    assert "what you typed is still in the form there" in html
    assert not article.comments.exists()
    with override_settings(DEBUG=True):  # under `make run`: the same page, not Django's
        assert "That was too long to send" in browser.post(url, huge).content.decode()
    # Just under the limit, the form answers itself and hands the text back.
    long = browser.post(url, comment_data(article, text="Heat " * 400_000))
    assert long.status_code == 200
    assert "it can be at most 65,525 characters" in unescape(long.content.decode())


@pytest.mark.django_db
def test_an_article_too_big_to_read_in_the_admin_gets_the_same_page(settings):
    settings.DEBUG = True  # under `make run`: the admin's CSRF check reads the form first
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    browser.force_login(make_staff())

    response = browser.post(
        reverse("admin:articles_article_add"), {"title": "Huge", "body": "Heat " * 600_000}
    )

    assert response.status_code == 413
    assert "That was too long to send" in response.content.decode()
