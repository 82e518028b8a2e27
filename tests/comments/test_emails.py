"""The mail the comment system sends: to moderators, and to commenters who asked."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comments.emails import unsubscribe_token
from comments.models import Comment, Subscriber
from tests.factories import comment_data, make_comment, make_staff
from tests.tasks import run_queued_tasks


def post(client, article, **overrides):
    """Post through the form, then let the task worker send what the post queued."""
    response = client.post(
        reverse("comments:post", args=[article.slug]), comment_data(article, **overrides)
    )
    run_queued_tasks()
    return response


def approve(staff_client, comment):
    """A moderator approves through the link in the moderation mail; the worker runs."""
    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"])
    assert staff_client.post(url).status_code == 302
    run_queued_tasks()


def _link(message, path_part):
    return re.search(rf"https?://\S+{path_part}\S+", message.body).group(0)


def test_the_articles_author_hears_of_a_new_comment_with_moderation_links(client, article):
    post(client, article)

    (message,) = mail.outbox
    comment = Comment.objects.get()
    assert message.to == ["author@example.com"]
    assert "New comment awaiting moderation on “Heat”" in message.subject
    assert "The diner scene is the best thing Mann ever shot." in message.body
    assert f"/admin/comments/comment/{comment.pk}/moderate/approve/" in message.body
    assert f"/admin/comments/comment/{comment.pk}/moderate/spam/" in message.body


def test_every_link_in_a_held_comments_mail_works_for_the_moderator(article):
    post(Client(), article)
    staff_client = Client()
    staff_client.force_login(make_staff())
    (message,) = mail.outbox
    comment = Comment.objects.get()
    links = re.findall(r"http://127\.0\.0\.1:8000(/\S+)", message.body)

    answers = {link: staff_client.get(link) for link in links}

    assert f"/admin/comments/comment/{comment.pk}/change/" in links  # "In the admin"
    assert all(answer.status_code == 200 for answer in answers.values()), answers
    assert "On the site" not in message.body  # readers can't see it yet


def test_a_published_comments_mail_leads_to_it_on_the_site_not_to_approving(
    client, article, settings
):
    settings.COMMENTS_FIRST_TIME_HELD = False
    post(client, article)

    body = mail.outbox[0].body
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    assert "is published (no rule held it)" in body
    assert "Approve it" not in body
    assert f"On the site:     http://127.0.0.1:8000{comment.get_absolute_url()}" in body
    assert "/moderate/spam/" in body


def test_managers_hear_of_new_comments_too(client, article, settings):
    settings.MANAGERS = ["editor@example.com"]

    post(client, article)

    assert sorted(mail.outbox[0].to) == ["author@example.com", "editor@example.com"]


def test_an_author_who_is_also_a_manager_gets_one_copy(client, article, settings):
    settings.MANAGERS = ["Ada Author <AUTHOR@example.com>", "editor@example.com"]

    post(client, article)

    assert sorted(mail.outbox[0].to) == ["Ada Author <AUTHOR@example.com>", "editor@example.com"]


def test_with_no_author_address_and_no_managers_the_administrators_hear_of_it(client, heat):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.create_superuser("admin", "admin@example.com", "a-long-test-password")
    User.objects.create_superuser("quiet", "", "a-long-test-password")  # no address: skipped
    User.objects.create_user("editor", "staff@example.com", is_staff=True)  # not an administrator
    assert heat.author.email == ""  # the house author load_heat makes

    post(client, heat)

    assert [m.to for m in mail.outbox] == [["admin@example.com"]]
    assert "New comment awaiting moderation" in mail.outbox[0].subject


def test_administrators_are_not_mailed_when_someone_is_named(client, article, settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("admin", "admin@example.com", "a-long-pw-123")

    post(client, article)

    assert [m.to for m in mail.outbox] == [["author@example.com"]]


def test_nobody_is_mailed_about_spam(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0

    response = post(client, article, contact_by_fax="bot")

    assert response.status_code == 302
    assert Comment.objects.get().status == Comment.Status.SPAM
    assert mail.outbox == []
    post(client, article, text="A real comment.")
    assert [m.to for m in mail.outbox] == [["author@example.com"]]  # real ones are mailed


def test_ticking_notify_sends_one_confirmation_without_the_comment_text(client, article):
    assert post(client, article, notify="on").status_code == 302

    assert "diner" in next(m.body for m in mail.outbox if m.to == ["author@example.com"])
    confirmations = [m for m in mail.outbox if m.to == ["vincent@example.com"]]
    assert len(confirmations) == 1
    assert "Confirm reply notifications" in confirmations[0].subject
    assert "diner" not in confirmations[0].body
    assert "/comments/confirm/" in confirmations[0].body


def test_ticking_notify_says_a_link_is_on_its_way_under_the_discussion(client, article):
    response = post(client, article, notify="on")

    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    said = "Replies by email: unless this address gets them already, we have sent it a link"
    assert said in html
    assert html.index('id="comments"') < html.index(said)  # where the reader lands
    # Not said when the box was left alone.
    reader = Client(REMOTE_ADDR="192.0.2.77")
    other = post(reader, article, text="No mail for me.")
    shown = reader.get(other["Location"], follow=True).content.decode()
    assert "No mail for me." in shown
    assert said not in shown


def test_at_most_one_confirmation_a_day_per_address(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    for n in range(3):
        post(client, article, notify="on", text=f"Take {n}")

    assert len([m for m in mail.outbox if m.to == ["vincent@example.com"]]) == 1


def test_the_form_cannot_mail_a_stranger_anything_but_one_confirmation(article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    for n in range(5):
        post(
            Client(), article,
            email="victim@example.com", notify="on", text=f"Spam wave {n}",
        )  # fmt: skip

    to_victim = [m for m in mail.outbox if "victim@example.com" in m.to]
    assert len(to_victim) == 1
    assert "Spam wave" not in to_victim[0].body
    moderators = [m for m in mail.outbox if m.to == ["author@example.com"]]
    assert "Spam wave 0" in moderators[0].body  # the words go to the moderator


def _confirm(client, article):
    post(client, article, notify="on")
    link = _link(mail.outbox[-1], "/comments/confirm/").replace("http://127.0.0.1:8000", "")
    return client.get(link), client.post(link)


def test_the_confirmation_link_asks_then_confirms_the_address(client, article):
    asked, confirmed = _confirm(client, article)

    assert "Get an email when someone replies?" in asked.content.decode()
    assert confirmed.status_code == 200
    assert "it’s confirmed" in confirmed.content.decode()
    assert Subscriber.objects.get(email="vincent@example.com").wants_replies


def test_opening_the_confirmation_link_alone_confirms_nothing(client, article):
    post(client, article, notify="on")
    link = _link(mail.outbox[-1], "/comments/confirm/").replace("http://127.0.0.1:8000", "")

    Client().get(link)  # a mail scanner following the link

    assert not Subscriber.objects.get(email="vincent@example.com").wants_replies


def test_a_spam_comment_sends_no_confirmation(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    response = post(
        client, article,
        notify="on", contact_by_fax="bot", email="botvictim@example.com",
    )  # fmt: skip

    assert response.status_code == 302
    assert not [m for m in mail.outbox if "botvictim@example.com" in m.to]
    post(client, article, notify="on", email="botvictim@example.com", text="Not a bot.")
    assert [m for m in mail.outbox if "botvictim@example.com" in m.to]  # a real one is


def test_one_connection_can_trigger_only_three_confirmation_mails_a_day(article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_CONFIRMATIONS_PER_DAY = 3
    for n in range(6):
        post(
            Client(), article,
            email=f"victim+{n}@example.com", notify="on", text=f"Wave {n}",
        )  # fmt: skip

    assert len([m for m in mail.outbox if m.to[0].startswith("victim+")]) == 3


def test_a_title_with_a_line_break_still_reaches_the_moderators_on_one_subject_line(
    client, article
):
    article.title = "Heat\r\nBcc: everyone@example.com"
    article.save()

    post(client, article, text="A comment to moderate.")

    assert len(mail.outbox) == 1
    message = mail.outbox[0].message()
    assert "Heat Bcc: everyone@example.com" in message["Subject"]
    assert message["Bcc"] is None


def test_moderator_mail_quotes_the_comment_below_the_real_links(client, article):
    post(
        client, article,
        text="Nice\n\nApprove it:      https://evil.example/steal",
    )  # fmt: skip

    body = mail.outbox[0].body
    assert "> Approve it:      https://evil.example/steal" in body
    assert body.index("/moderate/approve/") < body.index("evil.example")


def test_a_confirmed_address_whose_comment_a_moderator_approved_makes_a_returning_commenter(
    client, article, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    _confirm(client, article)
    Comment.objects.all().set_status(Comment.Status.APPROVED)  # the moderator's decision

    post(client, article, text="Now I'm trusted.")

    assert Comment.objects.get(text="Now I'm trusted.").status == Comment.Status.APPROVED


def test_a_confirmed_mailbox_alone_never_makes_a_stranger_trusted(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    _, confirmed = _confirm(client, article)
    assert "it’s confirmed" in confirmed.content.decode()

    post(client, article, text="Trust me.")

    assert Comment.objects.get(text="Trust me.").status == Comment.Status.PENDING


def test_a_forged_confirmation_link_confirms_nothing(client, article):
    Subscriber.objects.create(email="vincent@example.com")

    response = client.get("/comments/confirm/dmluY2VudEBleGFtcGxlLmNvbQ:forged/")

    assert response.status_code == 400
    assert not Subscriber.objects.get().wants_replies


def test_an_approved_reply_mails_a_confirmed_commenter_with_an_unsubscribe_link(
    article, staff_client
):
    Subscriber.objects.create(email="neil@example.com", confirmed_at="2026-01-01T00:00Z")
    parent = make_comment(article=article, email="neil@example.com", notify=True)
    reply = make_comment(article=article, parent=parent, name="Vincent", status="pending")
    mail.outbox.clear()

    approve(staff_client, reply)

    (message,) = mail.outbox
    assert message.to == ["neil@example.com"]
    assert message.subject.endswith("A reply to your comment on “Heat”")
    assert "Vincent" not in message.subject + message.body  # strangers' words stay on the site
    page = Client().get(article.get_absolute_url())
    assert page.status_code == 200
    assert "Vincent" in page.content.decode()  # ...where they are shown
    assert f"/articles/{article.slug}/comments/{reply.pk}/" in message.body
    assert "/comments/unsubscribe/" in message.body
    headers = message.message().as_string()
    assert "List-Unsubscribe: <http://127.0.0.1:8000/comments/unsubscribe/" in headers
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers


def test_a_reply_approved_again_is_not_mailed_again(article, staff_client):
    from comments.admin import moderate

    Subscriber.objects.create(email="neil@example.com", confirmed_at="2026-01-01T00:00Z")
    parent = make_comment(article=article, email="neil@example.com", notify=True)
    reply = make_comment(article=article, parent=parent, status="pending")
    second = make_comment(article=article, parent=parent, status="pending")
    approve(staff_client, reply)

    for _ in range(2):  # a moderator unapproves it, then approves it again: twice
        moderate(Comment.objects.filter(pk=reply.pk), Comment.Status.PENDING)
        approve(staff_client, reply)
    approve(staff_client, second)  # another reply is news: mailed

    assert [m.to for m in mail.outbox] == [["neil@example.com"]] * 2
    assert f"/comments/{reply.pk}/" in mail.outbox[0].body
    assert f"/comments/{second.pk}/" in mail.outbox[1].body


def test_the_migration_counts_replies_approved_before_it_as_told(article):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("comments.migrations.0014_reply_told_once")
    parent = make_comment(article=article)
    approved = make_comment(article=article, parent=parent)
    held = make_comment(article=article, parent=parent, status="pending")
    Comment.objects.update(parent_told_at=None)

    migration.approved_replies_were_told(apps, None)

    told = dict(Comment.objects.values_list("pk", "parent_told_at"))
    assert told[approved.pk] == approved.created_at
    assert told[held.pk] is None  # told when a moderator approves it
    assert told[parent.pk] is None  # no reply: nobody to tell


@pytest.mark.parametrize(
    ("confirmed_at", "notify"),
    [(None, True), ("2026-01-01T00:00Z", False)],
    ids=["address-not-confirmed", "comment-did-not-ask"],
)
def test_no_reply_mail_unless_confirmed_and_asked_for(article, staff_client, confirmed_at, notify):
    Subscriber.objects.create(email="neil@example.com", confirmed_at=confirmed_at)
    parent = make_comment(article=article, email="neil@example.com", notify=notify)
    reply = make_comment(article=article, parent=parent, status="pending")

    approve(staff_client, reply)

    assert mail.outbox == []
    Subscriber.objects.update(confirmed_at="2026-01-01T00:00Z")
    Comment.objects.filter(pk=parent.pk).update(notify=True)
    another = make_comment(article=article, parent=parent, status="pending")
    approve(staff_client, another)
    assert [m.to for m in mail.outbox] == [["neil@example.com"]]  # confirmed and asked: mailed


def test_unsubscribing_asks_once_then_stops_the_mail(client, db):
    Subscriber.objects.create(email="neil@example.com", confirmed_at="2026-01-01T00:00Z")
    url = reverse("comments:unsubscribe", args=[unsubscribe_token("neil@example.com")])

    assert "Stop reply notifications?" in client.get(url).content.decode()
    assert Subscriber.objects.get().wants_replies

    response = Client(enforce_csrf_checks=True).post(url)

    assert "You are unsubscribed" in response.content.decode()
    assert not Subscriber.objects.get().wants_replies


def test_a_forged_unsubscribe_link_does_nothing(client, db):
    Subscriber.objects.create(email="neil@example.com", confirmed_at="2026-01-01T00:00Z")

    response = client.post("/comments/unsubscribe/bmVpbEBleGFtcGxlLmNvbQ:xyz/")

    assert response.status_code == 400
    assert Subscriber.objects.get().wants_replies
