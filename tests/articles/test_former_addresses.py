"""An editor changes a published article's slug: every link to the old address still works."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.articles.test_admin import _form as admin_form
from tests.factories import comment_data, make_article, make_comment, make_user

pytestmark = pytest.mark.django_db


def _renamed(article, slug):
    article.slug = slug
    article.save()
    return article


def test_the_old_address_and_everything_under_it_lead_to_the_new_one(client):
    article = make_article(slug="collateral-2004-la-at-night", title="Collateral (2004)")
    comment = make_comment(article=article)
    _renamed(article, "collateral-2004")

    page = client.get("/articles/collateral-2004-la-at-night/?utm_source=mail")
    permalink = client.get(f"/articles/collateral-2004-la-at-night/comments/{comment.pk}/")
    feed = client.get("/articles/collateral-2004-la-at-night/comments/feed/")

    assert page.status_code == 301
    assert page["Location"] == "/articles/collateral-2004/?utm_source=mail"
    assert permalink["Location"] == f"/articles/collateral-2004/comments/{comment.pk}/"
    assert feed["Location"] == "/articles/collateral-2004/comments/feed/"
    followed = client.get(page["Location"])
    assert followed.status_code == 200
    assert "<h1>Collateral (2004)</h1>" in followed.content.decode()


def test_renamed_twice_both_old_addresses_lead_to_the_last(client):
    article = _renamed(_renamed(make_article(slug="first"), "second"), "third")

    assert client.get("/articles/first/")["Location"] == "/articles/third/"
    assert client.get("/articles/second/")["Location"] == "/articles/third/"
    assert client.get(article.get_absolute_url()).status_code == 200


def test_an_article_that_takes_the_old_slug_later_comes_first(client):
    _renamed(make_article(slug="heat", title="Heat (1995)"), "heat-1995")
    make_article(slug="heat", title="Heat (1986)")

    response = client.get("/articles/heat/")

    assert response.status_code == 200
    assert "Heat (1986)" in response.content.decode()


def test_the_old_address_of_an_article_taken_off_the_site_is_not_found(client):
    article = _renamed(make_article(slug="old-address"), "new-address")
    article.status = Article.Status.DRAFT
    article.save()

    response = client.get("/articles/old-address/")

    assert response.status_code == 404
    assert "new-address" not in response.content.decode()
    assert "Page not found" in response.content.decode()


def test_an_address_that_never_was_is_still_the_404_page(client):
    make_article(slug="real")

    for path in ("/articles/never-was/", "/articles/never-was/comments/feed/", "/nowhere/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def test_a_comment_sent_from_a_page_opened_before_the_change_is_posted(settings):
    settings.COMMENTS_MIN_SECONDS = 0
    article = make_article(slug="before")
    data = comment_data(article, text="Written while the editor renamed it.")
    _renamed(article, "after")

    response = Client().post("/articles/before/comment/", data)

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("comments:permalink", args=["after", comment.pk])
    assert comment.article == article


def test_changing_the_slug_in_the_admin_says_the_old_address_still_works(staff_client):
    response = staff_client.get("/admin/articles/article/add/")

    assert "Changed later, links to the old address still lead here." in response.content.decode()


def test_a_slug_another_article_holds_now_is_never_redirected(client):
    a = _renamed(make_article(slug="x2"), "y2")
    b = make_article(slug="x2")
    held = make_comment(article=b, status=Comment.Status.PENDING)

    for path in ("/articles/x2/", f"/articles/x2/comments/{held.pk}/"):
        response = client.get(path)
        assert response.status_code in (200, 404)
        assert "Location" not in response
    assert client.get(a.get_absolute_url()).status_code == 200


def test_a_draft_that_takes_an_old_slug_leaves_it_leading_readers_on_until_published(
    staff_client,
):
    client = Client()  # a reader (staff_client is logged in)
    thief = _renamed(make_article(slug="thief-1981-long", title="Thief (1981)"), "thief-1981")
    change = staff_client.get(reverse("admin:articles_article_add"))
    draft = make_article(slug="thief-1981-long", title="Reuse", status="draft", published_at=None)

    mailed_link = client.get("/articles/thief-1981-long/")
    staff_view = staff_client.get("/articles/thief-1981-long/")

    assert change.status_code == 200
    assert mailed_link.status_code == 301  # not a 404 for everyone who had the link
    assert mailed_link["Location"] == thief.get_absolute_url()
    assert mailed_link["Cache-Control"] == "no-store"  # the draft's, once published
    assert "Reuse" in staff_view.content.decode()  # staff see the draft that holds it
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now()
    draft.save()
    assert "Reuse" in client.get("/articles/thief-1981-long/").content.decode()


def test_the_editor_is_told_when_a_slug_was_another_articles_address(staff_client):
    _renamed(make_article(slug="thief-1981-long", title="Thief (1981)"), "thief-1981")

    response = staff_client.post(
        reverse("admin:articles_article_add"),
        admin_form(make_user(), title="Reuse", slug="thief-1981-long"),
        follow=True,
    )

    assert response.status_code == 200
    said = response.content.decode()
    assert Article.objects.filter(title="Reuse").exists()
    assert "/articles/thief-1981-long/ used to be the address of “Thief (1981)”" in said
    assert "lead there until this article is published, then here" in said


def test_no_such_word_when_the_article_that_had_the_slug_is_off_the_site(staff_client):
    gone = _renamed(make_article(slug="eta-long", title="Eta"), "eta")
    gone.status = Article.Status.DRAFT
    gone.save()

    response = staff_client.post(
        reverse("admin:articles_article_add"),
        admin_form(make_user(), title="Reuse", slug="eta-long"),
        follow=True,
    )

    assert response.status_code == 200
    assert Article.objects.filter(title="Reuse").exists()
    assert "used to be the address of" not in response.content.decode()  # its links lead nowhere


def test_a_draft_renamed_before_publication_leaves_no_old_address(client):
    article = make_article(slug="embargoed-working-title", status="draft", published_at=None)
    _renamed(article, "leadership-news")
    article.status = Article.Status.PUBLISHED
    article.save()

    response = client.get("/articles/embargoed-working-title/")

    assert response.status_code == 404
    assert "leadership-news" not in response.content.decode()
    assert client.get("/articles/leadership-news/").status_code == 200


def test_the_redirect_leads_only_to_the_article_s_own_addresses_and_expires(client):
    _renamed(make_article(slug="old"), "new")

    moved = client.get("/articles/old/")
    escaping = client.get("/articles/old/%252e%252e/%252e%252e/admin/")

    assert moved["Location"] == "/articles/new/"
    assert moved["Cache-Control"] == "max-age=3600"  # a slug changed back can't loop for good
    assert escaping.status_code == 404
    assert "Location" not in escaping


def test_unpublished_renamed_and_published_again_the_first_address_still_works(client):
    article = make_article(slug="x")
    article.status = Article.Status.DRAFT
    article.save()
    _renamed(article, "y")
    article.status = Article.Status.PUBLISHED
    article.save()

    response = client.get("/articles/x/")

    assert response.status_code == 301
    assert response["Location"] == "/articles/y/"


def test_old_addresses_redirect_in_development_too(client, settings):
    settings.DEBUG = True  # Django's own 404 page then, not ours: the views redirect
    article = make_article(slug="before-dev")
    comment = make_comment(article=article)
    _renamed(article, "after-dev")

    for old, new in [
        ("/articles/before-dev/", "/articles/after-dev/"),
        (
            f"/articles/before-dev/comments/{comment.pk}/",
            f"/articles/after-dev/comments/{comment.pk}/",
        ),
        ("/articles/before-dev/comments/feed/", "/articles/after-dev/comments/feed/"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == new
