"""Preview links: an unpublished article shown to someone without an account."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from articles.models import Article
from articles.previews import preview_url
from tests.factories import make_article

pytestmark = pytest.mark.django_db
CHANGE = "/admin/articles/article/{}/change/"


def _draft(**overrides):
    fields = {"title": "Public Enemies", "slug": "public-enemies",
              "body": "Dillinger walks out of jail.", "status": Article.Status.DRAFT,
              "published_at": None}  # fmt: skip
    return make_article(**{**fields, **overrides})


def _link_in_admin(staff_client, article) -> str:
    html = staff_client.get(CHANGE.format(article.pk)).content.decode()
    return re.search(r'<a href="(http[^"]+)" class="preview-link">', html).group(1)


def test_the_editor_copies_a_link_that_shows_the_draft_to_anyone(staff_client):
    draft = _draft()
    link = _link_in_admin(staff_client, draft)
    client = Client()  # someone without an account
    assert client.get(draft.get_absolute_url()).status_code == 404  # not public

    response = client.get(link)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Dillinger walks out of jail." in page
    assert "Draft — a preview of an article not yet published." in page
    # Nobody's search engine or shared cache keeps it; no comment form that can't post.
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex">' in page
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "Comments open when the article is published." in page
    assert 'id="comment-form"' not in page
    assert "Comment on this passage" not in page


def test_a_scheduled_article_s_preview_says_when_it_appears(client):
    when = timezone.now() + timedelta(days=2)
    article = _draft()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED, published_at=when)
    article.refresh_from_db()

    page = client.get(preview_url(article)).content.decode()

    assert f"Scheduled for {timezone.localtime(when):%-d %B %Y, %H:%M}" in page


def test_once_published_the_link_leads_to_the_article(client):
    draft = _draft()
    link = preview_url(draft)
    draft.status = Article.Status.PUBLISHED
    draft.save()

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda link: link[:-5] + "/",  # cut short when copied
        lambda link: link.replace("/preview/", "/preview/x"),
        lambda link: "/preview/%00/",
        lambda link: "/preview/" + "A" * 5000 + "/",
    ],
)
def test_a_forged_or_mangled_link_shows_nothing_and_says_why(client, mangle):
    _draft()
    link = mangle(preview_url(_draft(slug="heat-2")).removeprefix("http://testserver"))

    response = client.get(link)

    assert response.status_code == 404
    page = response.content.decode()
    assert "This preview link doesn’t work" in page
    assert "Dillinger" not in page


def test_a_link_for_one_article_cannot_be_pointed_at_another(client):
    first, second = _draft(), _draft(slug="second", title="Second draft")
    token = preview_url(first).rstrip("/").rsplit("/", 1)[1]
    payload, rest = token.split(":", 1)
    assert signing.b64_decode(payload.encode()) == str(first.pk).encode()
    forged = signing.b64_encode(str(second.pk).encode()).decode() + ":" + rest

    assert client.get(f"/preview/{forged}/").status_code == 404


def test_a_link_expires_after_seven_days(client):
    draft = _draft()
    link = preview_url(draft)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert client.get(link).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(link)
    assert response.status_code == 404
    assert "work for 7 days" in response.content.decode()


def test_the_admin_offers_a_link_only_while_the_article_is_unpublished(staff_client):
    published = make_article(title="Miami Vice", slug="miami-vice")
    html = staff_client.get(CHANGE.format(published.pk)).content.decode()
    assert "Published: its own address is public." in html
    assert 'class="preview-link"' not in html

    add = staff_client.get("/admin/articles/article/add/")
    assert add.status_code == 200
    assert "Save the article to get a link" in add.content.decode()
