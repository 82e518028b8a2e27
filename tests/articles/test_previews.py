"""Preview links: an unpublished article shown to someone without an account."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from articles.previews import preview_url
from tests.articles.test_admin import _form
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


def test_once_published_the_link_leads_to_the_article_and_dies_if_taken_back(client):
    draft = _draft()
    link = preview_url(draft)
    draft.status = Article.Status.PUBLISHED
    draft.save()

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()
    draft.status = Article.Status.DRAFT  # taken back: the links given before stay dead
    draft.save()
    assert client.get(link).status_code == 404
    assert client.get(preview_url(draft)).status_code == 200  # a new link works
    # Whatever its date says later: rescheduled, or with no date at all.
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now() + timedelta(1)
    draft.save()
    assert client.get(link).status_code == 404
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.DRAFT, published_at=None)
    assert client.get(link).status_code == 404


def test_a_scheduled_article_taken_back_before_its_time_keeps_its_links(client):
    article = _draft()
    when = timezone.now() + timedelta(hours=1)
    article.status, article.published_at = Article.Status.PUBLISHED, when
    article.save()
    link = preview_url(article)
    article.status = Article.Status.DRAFT  # it never went out
    article.save()

    with time_machine.travel(when + timedelta(hours=1)):
        assert client.get(link).status_code == 200


def test_a_scheduled_article_s_link_survives_its_edits(client):
    article = _draft()
    link = preview_url(article)
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now() + timedelta(days=2)  # scheduled
    article.save()
    article.body = "Dillinger walks out of jail, twice."
    article.save()

    page = client.get(link)

    assert page.status_code == 200
    assert "Dillinger walks out of jail, twice." in page.content.decode()


def test_the_editor_can_stop_the_links_given_so_far(staff_client):
    draft = _draft()
    given = _link_in_admin(staff_client, draft)
    assert Client().get(given).status_code == 200
    data = _form(draft.author, title=draft.title, slug=draft.slug, body=draft.body,
                 stop_previews="on")  # fmt: skip
    if mailing := getattr(draft, "mailing", None):  # the inline row the page shows
        data.update({"mailing-INITIAL_FORMS": "1", "mailing-0-id": str(mailing.pk),
                     "mailing-0-article": str(draft.pk)})  # fmt: skip

    saved = staff_client.post(CHANGE.format(draft.pk), data)

    assert saved.status_code == 302, saved.content.decode()[:2000]
    stopped = Client().get(given)
    assert stopped.status_code == 404
    assert "This preview link doesn’t work" in stopped.content.decode()
    new = _link_in_admin(staff_client, draft)
    assert new != given
    assert Client().get(new).status_code == 200
    # Not in the article's history: restoring an old version can't revive a stopped link.
    versions = Version.objects.get_for_object(draft)
    assert versions.exists()
    assert all("preview_key" not in version.serialized_data for version in versions)


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
    named = json.loads(signing.b64_decode(payload.encode()))
    assert named[0] == first.pk
    preview_url(second)  # the second draft has a key of its own too
    second.refresh_from_db()
    for key in (named[1], second.preview_key):  # with either article's key
        swapped = json.dumps([second.pk, key], separators=(",", ":")).encode()
        forged = signing.b64_encode(swapped).decode() + ":" + rest
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
    assert "Stop the preview links" not in html
    assert "Stop the preview links" in staff_client.get(CHANGE.format(_draft().pk)).content.decode()

    add = staff_client.get("/admin/articles/article/add/")
    assert add.status_code == 200
    assert "Save the article to get a link" in add.content.decode()


def test_a_preview_shows_no_comments_from_an_earlier_publication(client):
    from comments.models import Comment
    from tests.factories import make_comment

    article = make_article(title="Heat", slug="heat-draft")
    make_comment(article=article, name="Eady", text="Published once, then taken back.")
    assert Article.objects.get(pk=article.pk).comment_count == 1
    article.status = Article.Status.DRAFT
    article.save()

    page = client.get(preview_url(article)).content.decode()

    assert "Comments open when the article is published." in page
    assert "Published once, then taken back." not in page
    assert "Eady" not in page
    assert '"commentCount": 0' in page
    assert "1 comment" not in page
    assert Comment.objects.count() == 1  # kept, for when it is published again
