"""Editors: each article's mailing (choices, progress, a test, retries); the followers."""

import csv
import io
import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import Article
from followers import sending
from followers.models import Delivery, Follower, Mailing
from tests.factories import make_article, make_follower
from tests.tasks import run_queued_tasks


def _article_form(**overrides):
    now = timezone.localtime()
    data = {
        "title": "Manhunter", "slug": "manhunter", "dek": "", "body": "Words.",
        "status": "published", "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "tags": [], "allow_comments": "on", "cover_alt": "",
        "mailing-TOTAL_FORMS": "1", "mailing-INITIAL_FORMS": "0",
        "mailing-MIN_NUM_FORMS": "1", "mailing-MAX_NUM_FORMS": "1",
        "mailing-0-send_to_followers": "on",
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_editor_publishing_with_sending_off_sends_nothing(staff_client, mail_server):
    make_follower("vincent@example.com")
    user = staff_client.get("/admin/").wsgi_request.user
    data = _article_form(author=user.pk, **{"mailing-0-send_to_followers": None})
    response = staff_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    run_queued_tasks()
    mailing = Mailing.objects.get(article__slug="manhunter")
    assert mailing.send_to_followers is False
    assert mail_server.messages == []


def test_a_back_dated_article_left_ticked_is_not_mailed_and_the_editor_is_told(
    staff_client, mail_server
):
    make_follower("vincent@example.com")
    user = staff_client.get("/admin/").wsgi_request.user
    two_days_ago = timezone.localtime() - timedelta(days=2)
    data = _article_form(author=user.pk, published_at_0=two_days_ago.strftime("%Y-%m-%d"))

    response = staff_client.post("/admin/articles/article/add/", data, follow=True)

    run_queued_tasks()
    assert response.status_code == 200
    said = response.content.decode()
    assert "Not emailed to followers: it is dated" in said
    assert "tick “Email it to followers” and save again" in said
    assert mail_server.messages == []
    article = Article.objects.get(slug="manhunter")
    assert article.mailing.send_to_followers is False
    # Ticked again and saved, as the message says: it goes out.
    change = f"/admin/articles/article/{article.pk}/change/"
    data |= {"mailing-INITIAL_FORMS": "1", "mailing-0-id": str(article.mailing.pk),
             "mailing-0-article": str(article.pk)}  # fmt: skip
    assert staff_client.post(change, data).status_code == 302
    run_queued_tasks()
    assert len(mail_server.to("vincent@example.com")) == 1


def test_an_editor_publishing_sends_once_and_sees_the_progress(staff_client, mail_server):
    make_follower("vincent@example.com")
    user = staff_client.get("/admin/").wsgi_request.user
    data = _article_form(author=user.pk, **{"mailing-0-full_text": "on"})
    response = staff_client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302
    run_queued_tasks()
    assert len(mail_server.to("vincent@example.com")) == 1
    article = Article.objects.get(slug="manhunter")
    assert article.mailing.full_text
    page = staff_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert re.search(r"<b>0</b> queued.*<b>1</b> sent.*<b>0</b> failed", page)
    assert "Send a test to myself" in page


def test_just_published_the_mailing_says_it_is_starting_not_waiting(staff_client, mail_server):
    make_follower("vincent@example.com")
    user = staff_client.get("/admin/").wsgi_request.user
    staff_client.post("/admin/articles/article/add/", _article_form(author=user.pk))
    article = Article.objects.get(slug="manhunter")

    page = staff_client.get(f"/admin/articles/article/{article.pk}/change/")  # worker not yet run

    assert page.status_code == 200
    html = page.content.decode()
    assert "Starting: the task worker is sending it now" in html
    assert "once the article is published" not in html
    draft = make_article(status=Article.Status.DRAFT, published_at=None)
    waiting = staff_client.get(f"/admin/articles/article/{draft.pk}/change/").content.decode()
    assert "Not sent yet: it goes out once the article is published." in waiting
    soon = timezone.localtime(timezone.now() + timedelta(days=2))
    scheduled = make_article(published_at=soon)
    page = staff_client.get(f"/admin/articles/article/{scheduled.pk}/change/").content.decode()
    when = date_format(soon, "DATETIME_FORMAT")
    assert f"Not sent yet: it goes out when the article is published, {when}." in page


def test_send_a_test_to_myself(staff_client, mail_server):
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    user = staff_client.get("/admin/").wsgi_request.user
    url = f"/admin/followers/mailing/{article.mailing.pk}/test/"
    assert user.email in staff_client.get(url).content.decode()
    assert staff_client.post(url).status_code == 302
    assert mail_server.messages == []  # queued for the worker
    run_queued_tasks()
    (message,) = mail_server.to(user.email)
    assert message["Subject"] == f"[Test] {article.title}"


def test_the_retry_button_sends_failures_again(staff_client, mail_server):
    make_follower("later@example.com")
    mail_server.refuse["later@example.com"] = "550 5.2.2 Mailbox full"
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    article.status = Article.Status.PUBLISHED
    article.save()
    run_queued_tasks()
    assert sending.progress(article.mailing)["failed"] == 1
    page = staff_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Retry failures" in page
    del mail_server.refuse["later@example.com"]
    response = staff_client.post(f"/admin/followers/mailing/{article.mailing.pk}/retry/")
    assert response.status_code == 302
    run_queued_tasks()
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert len(mail_server.to("later@example.com")) == 1


def test_followers_list_counts_searches_and_exports_csv(staff_client):
    make_follower("a@example.com")
    make_follower("b@example.com")
    make_follower("=cmd@example.com")
    make_follower("pending@example.com", confirmed=False)
    make_follower("gone@example.com", unsubscribed_at=timezone.now())
    page = staff_client.get("/admin/followers/follower/").content.decode()
    assert "<b>3</b> confirmed · <b>1</b> pending · <b>1</b> unsubscribed" in page
    found = staff_client.get("/admin/followers/follower/?q=pending").content.decode()
    assert "pending@example.com" in found
    assert "a@example.com" not in found
    response = staff_client.get("/admin/followers/follower/export.csv?status=confirmed")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(r["email"] for r in rows) == [
        "'=cmd@example.com",
        "a@example.com",
        "b@example.com",
    ]
    assert {r["status"] for r in rows} == {"confirmed"}


def test_no_editor_can_subscribe_move_or_resubscribe_an_address(staff_client):
    """Only the reader's own confirmation makes a follower (double opt-in)."""
    pending = make_follower("pending@example.com", confirmed=False)
    gone = make_follower("gone@example.com", unsubscribed_at=timezone.now())
    now = timezone.localtime()
    for follower in (pending, gone):
        url = f"/admin/followers/follower/{follower.pk}/change/"
        page = staff_client.get(url)
        assert page.status_code == 200  # to look at
        assert 'name="email"' not in page.content.decode()
        assert 'name="confirmed_at_0"' not in page.content.decode()
        assert 'name="unsubscribed_at_0"' not in page.content.decode()
        response = staff_client.post(url, {
            "email": "someone-else@example.com", "unsubscribed_at_0": "", "unsubscribed_at_1": "",
            "confirmed_at_0": now.strftime("%Y-%m-%d"), "confirmed_at_1": now.strftime("%H:%M:%S"),
        })  # fmt: skip
        assert response.status_code == 403
    assert sorted(Follower.objects.values_list("email", "confirmed_at", "unsubscribed_at")) == [
        ("gone@example.com", gone.confirmed_at, gone.unsubscribed_at),
        ("pending@example.com", None, None),
    ]
    assert Follower.objects.confirmed().count() == 0


def test_the_followers_pages_ask_a_fixed_number_of_queries(
    staff_client, django_assert_max_num_queries
):
    for n in range(30):
        make_follower(f"r{n}@example.com")
    with django_assert_max_num_queries(12):
        assert staff_client.get("/admin/followers/follower/").status_code == 200
    with django_assert_max_num_queries(12):
        assert staff_client.get("/admin/followers/mailing/").status_code == 200


def test_a_moderator_without_article_rights_cannot_send_tests(client, db, mail_server):
    from django.contrib.auth.models import Permission

    from tests.factories import make_user

    moderator = make_user(is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="view_mailing"))
    client.force_login(moderator)
    article = make_article()
    assert client.post(f"/admin/followers/mailing/{article.mailing.pk}/test/").status_code == 403
    run_queued_tasks()
    assert mail.outbox == []
    assert mail_server.messages == []


def test_a_started_mailing_keeps_its_choices_in_the_mailings_admin_too(staff_client, mail_server):
    """Half the followers must not get the summary and half the whole article, nor the
    record say "not sent" of a mailing that went out."""
    make_follower("vincent@example.com")
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    article.status = Article.Status.PUBLISHED
    article.save()
    sending.start(article.mailing.pk)
    url = f"/admin/followers/mailing/{article.mailing.pk}/change/"

    page = staff_client.get(url)
    response = staff_client.post(url, {"full_text": "on"})  # and send_to_followers off

    assert page.status_code == 200
    assert 'name="full_text"' not in page.content.decode()
    assert response.status_code == 302
    article.mailing.refresh_from_db()
    assert (article.mailing.send_to_followers, article.mailing.full_text) == (True, False)


def test_an_editor_deletes_an_article_and_its_mailing_goes_with_it(staff_client):
    one, two, three = (make_article(title=f"Doomed {n}") for n in range(3))
    assert Mailing.objects.count() == 3

    asked = staff_client.get(f"/admin/articles/article/{one.pk}/delete/").content.decode()
    staff_client.post(f"/admin/articles/article/{one.pk}/delete/", {"post": "yes"})
    bulk = staff_client.post(
        "/admin/articles/article/",
        {"action": "delete_selected", "_selected_action": [two.pk, three.pk], "post": "yes"},
        follow=True,
    )

    assert "Are you sure" in asked
    assert "permission" not in asked
    assert "Successfully deleted 2 articles." in bulk.content.decode()
    assert not Article.objects.exists()
    assert not Mailing.objects.exists()


def _delete_and_recover(staff_client, article, data):
    """Delete an article in the admin, then recover it (Articles → Recover deleted)."""
    from reversion.models import Version

    staff_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    version = Version.objects.get_deleted(Article).get(object_id=str(article.pk))
    recover = f"/admin/articles/article/recover/{version.pk}/"
    page = staff_client.get(recover).content.decode()
    response = staff_client.post(recover, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return page


def test_a_recovered_article_is_not_mailed_to_its_followers_again(staff_client, mail_server):
    make_follower("vincent@example.com")
    user = staff_client.get("/admin/").wsgi_request.user
    data = _article_form(author=user.pk)
    assert staff_client.post("/admin/articles/article/add/", data).status_code == 302
    run_queued_tasks()
    assert len(mail_server.to("vincent@example.com")) == 1

    page = _delete_and_recover(staff_client, Article.objects.get(slug="manhunter"), data)
    run_queued_tasks()

    assert "Recover deleted" in page
    assert "Email it to followers" not in page  # its record of who got it went with it
    assert Article.objects.get(slug="manhunter").is_published()
    assert Article.objects.get(slug="manhunter").mailing.send_to_followers is False
    assert len(mail_server.to("vincent@example.com")) == 1


def test_a_recovered_draft_is_mailed_once_when_it_is_published(staff_client, mail_server):
    make_follower("vincent@example.com")
    user = staff_client.get("/admin/").wsgi_request.user
    draft = _article_form(author=user.pk, status="draft", published_at_0="", published_at_1="")
    assert staff_client.post("/admin/articles/article/add/", draft).status_code == 302

    _delete_and_recover(staff_client, Article.objects.get(slug="manhunter"), draft)
    article = Article.objects.get(slug="manhunter")
    published = _article_form(author=user.pk, **{"mailing-INITIAL_FORMS": "1",
        "mailing-0-id": str(article.mailing.pk), "mailing-0-article": str(article.pk)})  # fmt: skip
    change = staff_client.post(f"/admin/articles/article/{article.pk}/change/", published)
    run_queued_tasks()

    assert change.status_code == 302
    assert len(mail_server.to("vincent@example.com")) == 1


def test_a_mailing_alone_cannot_be_deleted(staff_client):
    mailing = make_article().mailing

    page = staff_client.get(f"/admin/followers/mailing/{mailing.pk}/change/").content.decode()
    answer = staff_client.post(f"/admin/followers/mailing/{mailing.pk}/delete/", {"post": "yes"})

    assert f"/admin/followers/mailing/{mailing.pk}/delete/" not in page
    assert answer.status_code == 403
    assert Mailing.objects.filter(pk=mailing.pk).exists()
