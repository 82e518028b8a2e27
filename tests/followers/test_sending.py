"""An article reaches every confirmed follower once, as a mail client sees it."""

import re
from datetime import timedelta
from email.utils import parseaddr

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from articles.models import Article
from followers import sending
from followers.emails import ArticleMail
from followers.models import Delivery, Follower, Mailing
from harness.mailserver import MailServer
from tests.factories import make_article, make_follower
from tests.tasks import run_queued_tasks


def publish(**overrides):
    """An article published now, as an editor does: saved as a draft, then published."""
    overrides.setdefault("title", "Thief (1981)")
    overrides.setdefault("dek", "Mann's first feature already has everything.")
    article = make_article(status=Article.Status.DRAFT, published_at=None, **overrides)
    article.status = Article.Status.PUBLISHED
    article.save()
    return article


def test_a_published_article_reaches_every_confirmed_follower_once(db, mail_server):
    followers = [make_follower(f"reader{n}@example.com") for n in range(5)]
    make_follower("pending@example.com", confirmed=False)
    make_follower("gone@example.com", unsubscribed_at=timezone.now())
    publish()
    run_queued_tasks()
    recipients = sorted(m["X-Envelope-To"] for m in mail_server.messages)
    assert recipients == sorted(f.email for f in followers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_the_mail_has_both_parts_the_summary_a_link_and_one_click_unsubscribe(db, mail_server):
    make_follower("vincent@example.com")
    article = publish()
    run_queued_tasks()
    (message,) = mail_server.to("vincent@example.com")
    assert message["Subject"] == "Thief (1981)"
    assert parseaddr(message["From"])[1] == "noreply@localhost"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(http://127\.0\.0\.1:8000/follow/unsubscribe/\S+/)>",
                               message["List-Unsubscribe"]).group(1)  # fmt: skip
    assert "heatblog" in message["List-Id"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    url = f"http://127.0.0.1:8000{article.get_absolute_url()}"
    for part in (text, html):
        assert "Thief (1981)" in part
        assert "Mann’s first feature" in part  # the summary, typographic
        assert url in part
        assert unsubscribe in part
    # What the link does, said as it is: a page with one button (mail scanners follow
    # links), not "one click"; a mail app's own Unsubscribe is the one click.
    assert f"Unsubscribe (one button, no sign-in): {unsubscribe}" in text
    assert "one click" not in text + html
    # CSS inlined for mail clients; only the dark-mode @media rule stays in <style>.
    assert all(
        css.strip().startswith("@media") for css in re.findall(r"<style>(.*?)</style>", html, re.S)
    )
    assert re.search(r'<a href="[^"]+" style="[^"]*background', html)
    assert "First paragraph" not in text  # a summary, not the article


def test_every_link_goes_straight_to_the_site_no_tracking(db, mail_server):
    make_follower("vincent@example.com")
    publish(
        body="Words.\n\n![A still](/media/uploads/still.jpg)\n\n[elsewhere](https://example.org/x)"
    )
    Mailing.objects.update(full_text=True)
    Mailing.objects.update(started_at=None)
    Delivery.objects.all().delete()
    sending.start(Mailing.objects.get().pk)
    sending.send_batch(Mailing.objects.get().pk)
    html = mail_server.to("vincent@example.com")[-1].get_body(("html",)).get_content()
    addresses = re.findall(r'(?:href|src)="([^"]+)"', html)
    assert addresses
    for address in addresses:
        assert re.match(r"(http://127\.0\.0\.1:8000(/|$)|https://example\.org/x$)", address), (
            address
        )
    assert "<img" in html
    assert 'src="http://127.0.0.1:8000/media/' in html


def test_the_whole_article_when_the_editor_chooses(db, mail_server):
    make_follower("vincent@example.com")
    article = make_article(
        status=Article.Status.DRAFT, published_at=None,
        body="The diner scene.\n\n## Coda\n\n- One\n- Two\n\n![The diner](/media/uploads/d.jpg)"
        "\n\nLast words, [on the coffee](/articles/coffee/).",
    )  # fmt: skip
    Mailing.objects.filter(article=article).update(full_text=True)
    article.status = Article.Status.PUBLISHED
    article.save()
    run_queued_tasks()
    (message,) = mail_server.to("vincent@example.com")
    assert "Last words" in message.get_body(("html",)).get_content()
    # The text part reads as the article does: paragraphs, headings, lists, and where
    # its links and pictures are (a mail client without HTML shows only this).
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "The diner scene.\n\n## Coda\n\n- One\n- Two\n\n" in text
    assert "![The diner](http://127.0.0.1:8000/media/uploads/d.jpg)" in text
    assert "Last words, [on the coffee](http://127.0.0.1:8000/articles/coffee/)." in text


def _mailed_follower(mail_server):
    """A follower who got the next article, and the one-click address its mail gave."""
    follower = make_follower("vincent@example.com")
    publish()
    run_queued_tasks()
    (message,) = mail_server.to("vincent@example.com")
    return follower, message["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", "")


def test_one_click_unsubscribe_works_as_a_mail_provider_posts_it(db, mail_server):
    follower, url = _mailed_follower(mail_server)
    client = Client(enforce_csrf_checks=True)  # no cookie, no token, another site
    response = client.post(url, {"List-Unsubscribe": "One-Click"},
                           headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert response.status_code == 200
    follower.refresh_from_db()
    assert follower.unsubscribed_at is not None
    assert follower.unsubscribed_because == Follower.Reason.READER


def test_one_click_unsubscribe_works_whatever_body_the_mail_provider_sends(db, mail_server):
    follower, url = _mailed_follower(mail_server)

    # A multipart type without its boundary: the body can't be read, and needn't be.
    response = Client(enforce_csrf_checks=True).post(
        url, b"List-Unsubscribe=One-Click", content_type="multipart/form-data"
    )

    assert response.status_code == 200
    follower.refresh_from_db()
    assert follower.unsubscribed_at is not None


def test_saving_or_republishing_the_article_sends_nothing_more(db, mail_server):
    make_follower("vincent@example.com")
    article = publish()
    run_queued_tasks()
    article.title = "Thief (1981), revised"
    article.save()
    article.status = Article.Status.DRAFT
    article.save()
    article.status = Article.Status.PUBLISHED
    article.save()
    run_queued_tasks()
    sending.start(article.mailing.pk)
    assert len(mail_server.to("vincent@example.com")) == 1
    assert Delivery.objects.count() == 1


def test_a_draft_is_not_sent_and_a_scheduled_article_is_sent_when_its_time_comes(db, mail_server):
    from followers.tasks import send_due_mailings

    make_follower("vincent@example.com")
    make_article(status=Article.Status.DRAFT, published_at=None)
    later = timezone.now() + timedelta(hours=2)
    make_article(title="Scheduled", published_at=later)
    run_queued_tasks()
    send_due_mailings.call()
    run_queued_tasks()
    assert mail_server.messages == []
    with time_machine.travel(later + timedelta(minutes=1)):
        send_due_mailings.call()
        run_queued_tasks()
    assert [m["Subject"] for m in mail_server.to("vincent@example.com")] == ["Scheduled"]


def test_an_article_saved_as_published_long_ago_is_not_mailed(db, mail_server):
    make_follower("vincent@example.com")
    make_article(published_at=timezone.now() - timedelta(days=400))  # an import, the Heat essay
    run_queued_tasks()
    assert mail_server.messages == []
    assert Mailing.objects.get().send_to_followers is False


def test_an_editor_can_turn_sending_off(db, mail_server):
    make_follower("vincent@example.com")
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    Mailing.objects.filter(article=article).update(send_to_followers=False)
    article.status = Article.Status.PUBLISHED
    article.save()
    run_queued_tasks()
    assert mail_server.messages == []
    assert not Delivery.objects.exists()


def test_a_follower_who_unsubscribes_before_their_turn_is_skipped(db, mail_server):
    first, second = make_follower("a@example.com"), make_follower("b@example.com")
    article = make_article(status=Article.Status.DRAFT, published_at=None)
    article.status = Article.Status.PUBLISHED
    article.save()
    sending.start(article.mailing.pk)
    Follower.objects.filter(pk=second.pk).update(unsubscribed_at=timezone.now())
    sending.send_batch(article.mailing.pk)
    assert [m["X-Envelope-To"] for m in mail_server.messages] == [first.email]
    assert Delivery.objects.get(follower=second).status == Delivery.Status.SKIPPED


def test_a_permanent_refusal_is_a_hard_bounce_and_three_unsubscribe(db, mail_server):
    follower = make_follower("gone@example.com")
    mail_server.refuse["gone@example.com"] = "550 5.1.1 No such user"
    for n in range(3):
        publish(title=f"Article {n}", slug=f"bounce-{n}")
        run_queued_tasks()
        follower.refresh_from_db()
        assert follower.hard_bounces == n + 1
    assert follower.unsubscribed_at is not None
    assert follower.unsubscribed_because == Follower.Reason.BOUNCES
    assert "550 5.1.1 No such user" in follower.last_bounce
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    publish(title="Article 4", slug="bounce-4")
    run_queued_tasks()
    assert Delivery.objects.count() == 3  # no longer mailed


@pytest.mark.parametrize("reply", ["550 5.1.1 No such user", "550 User unknown",
                                   "553 sorry, no such mailbox here"])  # fmt: skip
def test_only_an_address_that_does_not_exist_is_a_hard_bounce(db, mail_server, reply):
    follower = make_follower("gone@example.com")
    mail_server.refuse["gone@example.com"] = reply
    publish()
    run_queued_tasks()
    follower.refresh_from_db()
    assert follower.hard_bounces == 1
    assert Delivery.objects.get().status == Delivery.Status.FAILED


NOT_AN_ADDRESS_ERROR = [
    "550 5.7.1 Relaying denied",  # our own mail server, misconfigured
    "554 5.7.1 Rejected by policy",
    "550 Requested action not taken: mailbox unavailable",  # RFC 5321's text for any 550
    "553 5.1.8 Sender address rejected",  # about us, not the reader
    "552 5.2.2 Mailbox full",
]


@pytest.mark.parametrize("reply", NOT_AN_ADDRESS_ERROR)
def test_any_other_permanent_refusal_fails_the_delivery_and_unsubscribes_nobody(
    db, mail_server, reply
):
    """Our own mail server refusing to relay must not unsubscribe everyone."""
    follower = make_follower("vincent@example.com")
    mail_server.refuse["vincent@example.com"] = reply
    for n in range(3):
        publish(title=f"Article {n}", slug=f"refused-{n}")
        run_queued_tasks()
    follower.refresh_from_db()
    assert (follower.hard_bounces, follower.unsubscribed_at) == (0, None)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"failed"}
    assert reply.split(" ", 1)[1] in Delivery.objects.first().error


def test_a_temporary_refusal_is_tried_again_later(db, mail_server):
    make_follower("busy@example.com")
    mail_server.refuse["busy@example.com"] = "451 4.2.1 Mailbox busy, try later"
    article = publish()
    run_queued_tasks()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.retry_after > timezone.now()
    del mail_server.refuse["busy@example.com"]
    with time_machine.travel(delivery.retry_after + timedelta(seconds=1)):
        sending.send_batch(article.mailing.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert len(mail_server.to("busy@example.com")) == 1


def test_a_mail_server_that_is_down_loses_nobody(db, settings):
    from harness.mailserver import MailServer

    make_follower("vincent@example.com")
    with MailServer() as server:
        port = server.port
    settings.MAILERS = {"default": MailServer().mailer() | {}}
    settings.MAILERS["default"]["OPTIONS"]["port"] = port  # nobody listens there now
    article = publish()
    run_queued_tasks()
    assert Delivery.objects.get().status == Delivery.Status.QUEUED
    with MailServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        sending.send_batch(article.mailing.pk)
        assert len(server.to("vincent@example.com")) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


class RefusesOurSender(MailServer):
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return "451 4.3.0 Try again later"


def test_a_server_refusing_our_sender_sent_nothing_and_the_delivery_waits_in_line(db, settings):
    make_follower("vincent@example.com")
    article = publish()
    with RefusesOurSender() as server:
        settings.MAILERS = {"default": server.mailer()}
        run_queued_tasks()
    assert Delivery.objects.values_list("status", "attempts").get() == ("queued", 0)
    with MailServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        sending.send_batch(article.mailing.pk)
        assert len(server.to("vincent@example.com")) == 1


class DropsAfterData(MailServer):
    """Takes the message, then the connection drops before its "250" reaches us."""

    async def handle_DATA(self, server, session, envelope):
        await super().handle_DATA(server, session, envelope)
        server.transport.close()
        return "250 Message accepted for delivery"


def test_a_connection_lost_after_the_message_went_is_interrupted_not_sent_again(db, settings):
    make_follower("vincent@example.com")
    make_follower("chris@example.com")
    article = publish()
    with DropsAfterData() as server:
        settings.MAILERS = {"default": server.mailer()}
        run_queued_tasks()  # each batch fails on its first copy, and is tried later
        with time_machine.travel(timezone.now() + sending.STALE_AFTER + timedelta(hours=1)):
            run_queued_tasks()  # the later tries find nothing queued
            assert sending.progress(article.mailing)["interrupted"] == 2
            assert sending.requeue_failed(article.mailing) == 0  # only if an editor asks
    copies = sorted(m["X-Envelope-To"] for m in server.messages)
    assert copies == ["chris@example.com", "vincent@example.com"]  # nobody twice
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sending"}
    assert "may have been delivered" in Delivery.objects.first().error


def test_a_mailing_making_progress_is_never_resumed_as_stalled(db, mail_server, monkeypatch):
    """A long batch keeps the mailing fresh: the minutely check adds no second chain."""
    from followers.tasks import send_due_mailings

    for n in range(5):
        make_follower(f"reader{n}@example.com")
    article = publish()
    sending.start(article.mailing.pk)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        build = ArticleMail.message_to

        def slowly(mail, address):  # each copy takes two minutes: a slow mail server
            clock.shift(timedelta(minutes=2))
            return build(mail, address)

        monkeypatch.setattr(ArticleMail, "message_to", slowly)
        assert sending.send_batch(article.mailing.pk, limit=4).more  # eight minutes
        assert send_due_mailings.call()["resumed"] == []
        clock.shift(sending.STALE_AFTER)  # no claim for that long: the worker is gone
        assert send_due_mailings.call()["resumed"] == [article.mailing.pk]


def test_sending_is_in_batches_of_bounded_size(db, mail_server, monkeypatch):
    for n in range(7):
        make_follower(f"reader{n}@example.com")
    article = publish()
    sending.start(article.mailing.pk)
    result = sending.send_batch(article.mailing.pk, limit=3)
    assert (result.sent, result.more) == (3, True)
    assert Delivery.objects.filter(status="queued").count() == 4


def test_a_test_to_myself_is_marked_and_counts_no_delivery(db, mail_server):
    from followers.tasks import send_test

    article = make_article(status=Article.Status.DRAFT, published_at=None)
    send_test.call(article.mailing.pk, "editor@example.com")
    (message,) = mail_server.to("editor@example.com")
    assert message["Subject"].startswith("[Test] ")
    assert "A test" in message.get_body(("plain",)).get_content()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("status", ["sending"])
def test_an_interrupted_delivery_is_reported_not_resent(db, mail_server, status):
    make_follower("vincent@example.com")
    article = publish()
    sending.start(article.mailing.pk)
    Delivery.objects.update(status=status, claimed_at=timezone.now() - timedelta(hours=1))
    sending.send_batch(article.mailing.pk)
    assert mail_server.messages == []
    assert sending.progress(article.mailing)["interrupted"] == 1
    assert sending.requeue_failed(article.mailing) == 0  # not without the editor's choice
    assert sending.requeue_failed(article.mailing, interrupted=True) == 1
    sending.send_batch(article.mailing.pk)
    assert len(mail_server.to("vincent@example.com")) == 1


def test_a_title_with_a_line_break_is_one_subject_line_and_injects_no_header(db, mail_server):
    make_follower("vincent@example.com")
    make_follower("chris@example.com")
    publish(title="Heat\r\nBcc: everyone@example.net")
    run_queued_tasks()
    messages = mail_server.messages
    assert sorted(m["X-Envelope-To"] for m in messages) == ["chris@example.com",
                                                           "vincent@example.com"]  # fmt: skip
    assert {m["Subject"] for m in messages} == {"Heat Bcc: everyone@example.net"}
    assert all(m["Bcc"] is None for m in messages)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_copy_that_cannot_be_built_fails_alone_and_stops_nobody_else(db, mail_server):
    make_follower("vincent@example.com")
    make_follower("broken address@example.com")  # stored before any check, say by an import
    make_follower("chris@example.com")
    publish()
    run_queued_tasks()
    assert sorted(m["X-Envelope-To"] for m in mail_server.messages) == [
        "chris@example.com", "vincent@example.com"]  # fmt: skip
    broken = Delivery.objects.get(follower__email="broken address@example.com")
    assert broken.status == Delivery.Status.FAILED  # nothing was sent: not "interrupted"
    assert "Invalid address" in broken.error
    assert sending.progress(broken.mailing)["interrupted"] == 0
