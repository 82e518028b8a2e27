"""A hostile stranger against identity and trust: each test is an attack that once worked.

Identity is an email address in one canonical form (comments/identity.py), and trust
rises only through a moderator's decision (Comment.objects.vouch_for).
"""

import re

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from comments.identity import canonical_email
from comments.models import Comment, Subscriber
from comments.privacy import SALT
from tests.factories import comment_data, make_comment
from tests.tasks import run_queued_tasks

VICTIM, LOOKALIKE = "victim@gmail.com", "victim@gmaıl.com"  # a dotless ı


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0


def post(client, article, **overrides):
    url = reverse("comments:post", args=[article.slug])
    return client.post(url, comment_data(article, **overrides), **_from("192.0.2.10"))


def _from(ip: str) -> dict:
    return {"REMOTE_ADDR": ip}


# ---- One identity per mailbox ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Rita@GMAIL.com", "rita@gmail.com"),
        (" rita@gmail.com ", "rita@gmail.com"),
        (LOOKALIKE, "victim@xn--gmal-nza.com"),
        ("RİTA@gmail.com", "rİta@gmail.com"),  # only A-Z are lower-cased before the @
        ("rita@bücher.de", "rita@xn--bcher-kva.de"),
        ("not an address", ""),
    ],
)
def test_an_address_has_one_canonical_form(typed, canonical):
    assert canonical_email(typed) == canonical


def test_a_privacy_request_for_a_lookalike_address_reaches_nobody_elses_comments(article):
    make_comment(article=article, email=VICTIM, text="The victim's words", ip_address="192.0.2.7")
    make_comment(article=article, email=LOOKALIKE, text="The attacker's own words")

    Client().post("/privacy/request/", {"email": LOOKALIKE, "action": "export"})
    run_queued_tasks()
    link = re.search(r"https?://\S+/privacy/confirm/\S+/", mail.outbox[-1].body).group(0)
    export = Client().post(link.split("8000", 1)[1])

    assert mail.outbox[-1].to == ["victim@xn--gmal-nza.com"]  # where the attacker reads mail
    assert export.status_code == 200
    body = export.content.decode()
    assert "The attacker's own words" in body  # positive control: the link works
    assert "The victim's words" not in body
    assert "192.0.2.7" not in body


@pytest.mark.parametrize("lookalike", [LOOKALIKE, "VICTIM@GMAſL.COM", "victim@gmaİl.com"])
def test_a_signed_erasure_for_a_lookalike_address_erases_nothing_of_the_victims(article, lookalike):
    victim = make_comment(article=article, email=VICTIM, text="Still here")
    token = signing.dumps({"e": lookalike, "a": "delete"}, salt=SALT)

    response = Client().post(reverse("comments:privacy_confirm", args=[token]))

    assert response.status_code == 200
    victim.refresh_from_db()
    assert (victim.email, victim.text, victim.status) == (VICTIM, "Still here", "approved")


# ---- Trust comes only from moderators --------------------------------------------------


def _regular(client, article, email):
    """A commenter whose first comment, from this browser, a moderator approved."""
    post(client, article, email=email, text="My first comment here.")
    first = Comment.objects.get(text="My first comment here.")
    assert first.status == Comment.Status.PENDING
    Comment.objects.filter(pk=first.pk).set_status(Comment.Status.APPROVED)


def test_a_regular_is_trusted_from_their_own_browser(client, article):
    _regular(client, article, "rita@gmail.com")

    post(client, article, email="Rita@Gmail.com", text="Back again.")

    assert Comment.objects.get(text="Back again.").status == Comment.Status.APPROVED


def test_approval_of_a_lookalike_address_does_not_let_its_author_post_as_the_regular(
    client, article
):
    _regular(client, article, "rita@gmaıl.com")  # the impostor's own, approved comment

    post(client, article, email="rita@gmail.com", text="Rita here, honest.")
    post(client, article, email="rita@gmaıl.com", text="As myself.")

    assert Comment.objects.get(text="Rita here, honest.").status == Comment.Status.PENDING
    assert Comment.objects.get(text="As myself.").status == Comment.Status.APPROVED  # control


def test_an_approval_by_the_rules_vouches_for_nobody(client, article, settings):
    settings.COMMENTS_FIRST_TIME_HELD = False
    post(client, article, email="new@example.com", text="Approved by no one in particular.")
    assert Comment.objects.get().status == Comment.Status.APPROVED
    settings.COMMENTS_FIRST_TIME_HELD = True

    post(client, article, email="new@example.com", text="Now the rules are stricter.")

    assert Comment.objects.get(text="Now the rules are stricter.").status == "pending"


def _confirm_mailbox(client, article):
    post(client, article, notify="on", text="Tell me about replies.")
    run_queued_tasks()
    body = mail.outbox[-1].body
    link = re.search(r"https?://\S+/comments/confirm/\S+/", body).group(0).split("8000", 1)[1]
    assert client.post(link).status_code == 200
    assert Subscriber.objects.get(email="vincent@example.com").wants_replies


def test_confirming_a_mailbox_then_editing_the_held_first_comment_keeps_it_held(client, article):
    _confirm_mailbox(client, article)
    held = Comment.objects.get()

    edited = client.post(reverse("comments:edit", args=[held.pk]), {"text": "Edited."})

    assert edited.status_code == 302
    held.refresh_from_db()
    assert held.text == "Edited."  # the edit itself went through
    assert held.status == Comment.Status.PENDING


def test_a_comment_sent_back_to_moderation_stays_there_after_its_author_edits_it(client, article):
    _regular(client, article, "vincent@example.com")
    post(client, article, text="Approved at once.")
    comment = Comment.objects.get(text="Approved at once.")
    assert comment.status == Comment.Status.APPROVED
    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.PENDING)  # a moderator

    client.post(reverse("comments:edit", args=[comment.pk]), {"text": "Approved at once."})

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.edited_at is not None


def test_an_edit_may_still_hold_an_approved_comment(client, article, settings):
    settings.COMMENTS_MAX_LINKS = 1
    _regular(client, article, "vincent@example.com")
    post(client, article, text="Plain words.")
    comment = Comment.objects.get(text="Plain words.")

    client.post(reverse("comments:edit", args=[comment.pk]), {"text": "See https://spam.example"})

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reason == "it contains 1 links"


def test_a_typo_can_be_fixed_at_once_but_edits_have_their_own_flood_limit(
    client, article, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 15
    post(client, article, text="Orignal.")
    comment = Comment.objects.get()
    url = reverse("comments:edit", args=[comment.pk])

    first = client.post(url, {"text": "Original."}, **_from("192.0.2.10"))
    second = client.post(url, {"text": "Edit two."}, **_from("192.0.2.10"))

    assert first.status_code == 302  # just after posting: the slot for edits is free
    assert second.status_code == 429
    html = second.content.decode()
    assert "You are changing comments too quickly. Please wait 15 seconds" in html
    assert "Edit two." in html  # kept in the box
    comment.refresh_from_db()
    assert comment.text == "Original."


# ---- One post per form -----------------------------------------------------------------


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_same_comment_sent_again_from_any_browser_posts_nothing(article, settings):
    settings.COMMENTS_MIN_SECONDS = 0
    settings.PAGE_CACHE_SECONDS = 10  # the page comes from memory, shared
    url = reverse("comments:post", args=[article.slug])
    page = Client().get(article.get_absolute_url()).content.decode()
    data = {**comment_data(article, text="Once."), "stamp": _hidden(page, "stamp")}

    answers = []
    for secret in ["A" * 32, "B" * 32, ""]:
        browser = Client(enforce_csrf_checks=True)
        if secret:
            browser.cookies["csrftoken"] = secret
        answers.append(browser.post(url, {**data, "csrfmiddlewaretoken": secret}).status_code)

    assert answers == [302, 409, 409]
    assert Comment.objects.count() == 1


def test_two_readers_of_one_shared_page_both_post_their_own_words(article, settings):
    settings.COMMENTS_MIN_SECONDS = 0
    settings.PAGE_CACHE_SECONDS = 10
    url = reverse("comments:post", args=[article.slug])
    page = Client().get(article.get_absolute_url()).content.decode()
    stamp = _hidden(page, "stamp")

    first = Client().post(url, {**comment_data(article, text="Mine."), "stamp": stamp})
    second = Client().post(
        url, {**comment_data(article, text="Mine too.", email="b@example.com"), "stamp": stamp}
    )

    assert (first.status_code, second.status_code) == (302, 302)
    assert Comment.objects.count() == 2


# ---- Limits count networks, not addresses ----------------------------------------------


def test_the_flood_limit_covers_a_whole_ipv6_slash_64(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 15
    url = reverse("comments:post", args=[article.slug])

    first = client.post(url, comment_data(article, text="One"), **_from("2001:db8:1:2::1"))
    same_64 = Client().post(url, comment_data(article, text="Two"), **_from("2001:db8:1:2:ff::9"))
    other_64 = Client().post(url, comment_data(article, text="Six"), **_from("2001:db8:1:3::1"))

    assert first.status_code == 302
    assert same_64.status_code == 429
    assert other_64.status_code == 302  # a neighbour's network is not punished


def test_privacy_mails_to_one_address_are_capped_whatever_the_connection(article):
    make_comment(article=article, email=VICTIM)

    for n in range(6):
        Client().post(
            "/privacy/request/", {"email": VICTIM, "action": "export"}, **_from(f"198.51.100.{n}")
        )
    run_queued_tasks()

    assert len([m for m in mail.outbox if m.to == [VICTIM]]) == 3


def test_a_privacy_request_costs_the_same_whether_or_not_the_address_commented(
    article, django_assert_num_queries
):
    make_comment(article=article, email=VICTIM)

    def request(email):
        # The attempts limit, the day's mail caps (from the network, to the inbox), the task.
        with django_assert_num_queries(4) as captured:
            response = Client().post("/privacy/request/", {"email": email, "action": "delete"})
        assert response.status_code == 200
        return [re.sub(r"'[^']*'", "?", q["sql"]) for q in captured.captured_queries]

    assert request(VICTIM) == request("nobody@example.com")
    assert mail.outbox == []  # nothing is sent on the request path
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [[VICTIM]]  # the worker sends it


@pytest.mark.parametrize("guess_commented", [True, False], ids=["commented", "did-not"])
def test_the_mail_caps_do_not_tell_whether_an_address_commented(article, guess_commented, settings):
    """A stranger's own addresses around a guess: what reaches the last one must not
    depend on whether the guessed address has comments here."""
    settings.COMMENTS_CONFIRMATIONS_PER_DAY = 3
    for n in (1, 2, 3):
        make_comment(article=article, email=f"mine{n}@example.com")
    if guess_commented:
        make_comment(article=article, email="rita@example.com")

    answers = []
    for email in [
        "mine1@example.com",
        "mine2@example.com",
        "rita@example.com",
        "mine3@example.com",
    ]:
        response = Client().post(
            "/privacy/request/", {"email": email, "action": "export"}, **_from("198.51.100.7")
        )
        answers.append(response.status_code)
    run_queued_tasks()

    assert answers == [200, 200, 200, 429]  # the same answers either way

    reached = [m.to[0] for m in mail.outbox]
    assert reached[:2] == ["mine1@example.com", "mine2@example.com"]  # the requests work
    assert "mine3@example.com" not in reached  # the 4th mail from one network, either way
