"""The privacy page's copy and erasure cover following by email."""

import json
import re

from django.core import mail
from django.test import Client

from followers.models import Delivery, Follower
from tests.factories import make_article, make_follower
from tests.tasks import run_queued_tasks


def _privacy_link(email, action):
    Client().post("/privacy/request/", {"email": email, "action": action})
    run_queued_tasks()
    body = mail.outbox[-1].body
    return re.search(r"https?://\S+/privacy/confirm/\S+/", body).group(0).split("8000", 1)[1]


def test_the_privacy_page_explains_following_by_email(client, db):
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert "When you follow by email we keep your address" in response.content.decode()


def test_a_follower_without_comments_can_ask_for_a_copy_that_includes_the_follow(client, db):
    follower = make_follower("vincent@example.com")
    article = make_article(title="Heat")
    Delivery.objects.create(mailing=article.mailing, follower=follower, status="sent")
    response = client.post(_privacy_link("Vincent@example.com", "export"))
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["comments"] == []
    following = data["following_by_email"]
    assert following["email"] == "vincent@example.com"
    assert following["status"] == "confirmed"
    assert [m["article"] for m in following["articles_mailed"]] == ["Heat"]


def test_erasure_forgets_the_follow_and_its_deliveries(client, db):
    follower = make_follower("vincent@example.com")
    Delivery.objects.create(mailing=make_article().mailing, follower=follower, status="sent")
    make_follower("other@example.com")
    response = client.post(_privacy_link("vincent@example.com", "delete"))
    assert response.status_code == 200
    assert "We no longer have" in response.content.decode()
    assert list(Follower.objects.values_list("email", flat=True)) == ["other@example.com"]
    assert not Delivery.objects.exists()


def test_an_address_that_neither_comments_nor_follows_gets_no_link(client, db):
    client.post("/privacy/request/", {"email": "nobody@example.com", "action": "export"})
    run_queued_tasks()
    assert mail.outbox == []


def test_a_follower_with_a_long_address_can_still_have_it_erased(client, db):
    """Following takes any address mail can reach (254 characters); so must erasure."""
    long_address = "v" * 64 + "@" + ".".join(["a" * 40] * 3) + ".example.com"
    assert 150 < len(long_address) <= 254
    make_follower(long_address)

    response = client.post(_privacy_link(long_address, "delete"))

    assert response.status_code == 200
    assert "We no longer have" in response.content.decode()
    assert not Follower.objects.exists()
