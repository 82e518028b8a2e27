"""Privacy requests: a copy or erasure of one's comments, confirmed through a mailed link."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from comments.models import Comment, Subscriber
from tests.factories import make_comment, make_follower
from tests.tasks import run_queued_tasks


def page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


def comments_html(client, article):
    html = page(client, article.get_absolute_url())
    return html[html.index('<section class="comments"') :]


def _privacy_link(email, action, client=None):
    (client or Client()).post("/privacy/request/", {"email": email, "action": action})
    run_queued_tasks()
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/privacy/confirm/\S+/", body).group(0).split("8000", 1)[1]


def test_the_privacy_page_is_linked_from_every_page(client, db):
    assert 'href="/privacy/">Privacy</a>' in page(client, "/")
    assert "IP addresses and browser names are erased after 90 days" in page(client, "/privacy/")


def test_a_request_sends_a_link_and_the_page_says_the_same_for_any_address(article):
    make_comment(article=article, email="vincent@example.com")

    known = page_post("/privacy/request/", {"email": "vincent@example.com", "action": "export"})
    unknown = page_post("/privacy/request/", {"email": "nobody@example.com", "action": "export"})
    assert mail.outbox == []  # the request only queues; the worker decides and sends
    run_queued_tasks()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["vincent@example.com"]
    assert "If comments were written with" in known

    def anonymous(html):
        return re.sub(r'value="[^"]{64}"', "", html).replace("vincent", "nobody")

    assert anonymous(known) == anonymous(unknown)


def page_post(url, data):
    response = Client().post(url, data)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


@pytest.mark.parametrize("action", ["bogus", "", None])
def test_a_request_without_a_known_action_says_what_to_choose_and_keeps_the_address(
    article, action
):
    data = {"email": "vincent@example.com", "action": action}

    html = page_post("/privacy/request/", {k: v for k, v in data.items() if v is not None})
    run_queued_tasks()

    assert "Choose what we should do: send a copy, or erase." in html
    assert 'value="vincent@example.com"' in html
    assert "If comments were written with" not in html
    assert mail.outbox == []


def test_a_privacy_request_over_the_days_mail_cap_is_told_so_not_promised_a_mail(article, settings):
    settings.COMMENTS_CONFIRMATIONS_PER_DAY = 2
    make_comment(article=article, email="vincent@example.com")
    neighbour = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(2):  # the rest of the household used the day's mails
        neighbour.post("/privacy/request/", {"email": f"n{n}@example.com", "action": "export"})

    refused = neighbour.post(
        "/privacy/request/", {"email": "vincent@example.com", "action": "delete"}
    )

    html = refused.content.decode()
    assert refused.status_code == 429
    assert "Please try again tomorrow" in html
    assert "we have sent that address a link" not in html  # no promise of a mail
    assert 'value="vincent@example.com"' in html  # what was typed stays
    run_queued_tasks()
    assert mail.outbox == []


def test_an_export_confirmed_from_the_link_is_a_json_copy(article):
    make_comment(
        article=article, email="vincent@example.com", text="My words", ip_address="192.0.2.1"
    )
    make_comment(article=article, email="other@example.com", text="Not mine")
    make_comment(article=article, email="vincent@example.com", text="Taken back",
                 status=Comment.Status.TRASH, deleted_by_author=True)  # fmt: skip
    link = _privacy_link("vincent@example.com", "export")

    asked = Client().get(link)
    response = Client().post(link)

    assert "2 comments" in asked.content.decode()
    data = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="my-comments.json"'
    by_text = {c["text"]: c for c in data["comments"]}
    assert set(by_text) == {"My words", "Taken back"}
    assert by_text["My words"]["ip_address"] == "192.0.2.1"
    assert by_text["My words"]["status"] == "Approved"
    assert by_text["Taken back"]["status"] == "Deleted by its author"  # as the admin says


def test_anonymising_keeps_the_words_and_drops_who_wrote_them(article):
    make_comment(article=article, email="vincent@example.com", name="Vincent", text="My words",
                 ip_address="192.0.2.1", website="https://v.example")  # fmt: skip
    link = _privacy_link("vincent@example.com", "anonymise")

    Client().post(link)

    comment = Comment.objects.get()
    assert (comment.name, comment.email, comment.website, comment.ip_address) == (
        "Anonymous", "", "", None,
    )  # fmt: skip
    assert "My words" in comments_html(Client(), article)


def test_erasing_removes_the_words_but_keeps_replies_in_place(article):
    mine = make_comment(article=article, email="vincent@example.com", text="Erase these words")
    make_comment(article=article, parent=mine, text="Someone else's reply")
    link = _privacy_link("vincent@example.com", "delete")
    assert "Erase these words" in comments_html(Client(), article)

    Client().post(link)

    html = comments_html(Client(), article)
    assert "Erase these words" not in html
    assert "This comment was removed." in html
    assert "Someone else's reply" in html
    assert not Comment.objects.filter(email="vincent@example.com").exists()


def test_a_forged_privacy_link_does_nothing(article):
    make_comment(article=article, email="vincent@example.com")

    response = Client().post("/privacy/confirm/eyJlIjoidmluY2VudEBleGFtcGxlLmNvbSJ9:forged/")

    assert response.status_code == 400
    assert Comment.objects.get().email == "vincent@example.com"


def test_old_ip_addresses_and_browsers_are_cleared_by_the_daily_command(article):
    old = make_comment(article=article, ip_address="192.0.2.1", user_agent="Old",
                       created_at=timezone.now() - timedelta(days=91))  # fmt: skip
    recent = make_comment(article=article, ip_address="192.0.2.2", user_agent="New")

    out = StringIO()
    call_command("forget_network_details", stdout=out)

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_address, old.user_agent) == (None, "")
    assert (recent.ip_address, recent.user_agent) == ("192.0.2.2", "New")
    assert "1 comment(s)" in out.getvalue()


def test_pages_that_name_a_readers_address_are_kept_by_no_cache(article):
    from urllib.parse import urlsplit

    from comments import emails as comment_emails
    from followers import emails as follower_emails

    email = "vincent@example.com"
    make_comment(article=article, email=email, text="My words")
    Subscriber.objects.create(email=email)  # asked to hear of replies
    make_follower(email)
    links = [
        _privacy_link(email, "export"),
        f"/comments/confirm/{comment_emails.confirm_token(email)}/",
        f"/comments/unsubscribe/{comment_emails.unsubscribe_token(email)}/",
        f"/follow/confirm/{follower_emails.confirm_token(email)}/",
        urlsplit(follower_emails.unsubscribe_url(email)).path,
    ]

    for link in links:
        response = Client().get(link)
        assert response.status_code == 200, link
        assert "vincent@example.com" in response.content.decode(), link
        assert "no-store" in response["Cache-Control"], link
        assert "private" in response["Cache-Control"], link
