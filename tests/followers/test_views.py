"""Following by email from the site: the form, the confirmation, unsubscribing."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from followers.models import Follower
from tests.factories import make_article, make_follower
from tests.tasks import run_queued_tasks


def follow(client, email="vincent@example.com", **extra):
    return client.post("/follow/", {"email": email, "contact_by_fax": "", **extra},
                       REMOTE_ADDR=extra.pop("ip", "192.0.2.1"))  # fmt: skip


def _confirm_path():
    (message,) = [m for m in mail.outbox if "Confirm you want" in m.subject]
    return re.search(r"http://127\.0\.0\.1:8000(/follow/confirm/\S+/)", message.body).group(1)


def test_the_follow_form_is_under_the_article_or_in_the_footer_and_pages_stay_shared(
    client, db, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # both rendered: no cached copy can hide a difference
    article = make_article()
    with time_machine.travel(timezone.now(), tick=False):  # one stamp: same 10 s window
        first = client.get(article.get_absolute_url())
        second = Client().get(article.get_absolute_url())
    html = first.content.decode()
    assert first.status_code == 200
    assert first.content == second.content  # one page for every reader
    assert first["Cache-Control"].startswith("public")
    assert 'id="follow-article-email"' in html
    assert 'id="follow-footer-email"' not in html  # one form a page, not the same one twice
    assert "<footer" in html
    # Under the article, before the discussion and its form.
    assert (
        html.index("</article>") < html.index("follow-article-title") < html.index('id="respond"')
    )
    assert "csrfmiddlewaretoken" not in html
    home = client.get("/").content.decode()
    assert 'id="follow-footer-email"' in home
    assert 'action="/follow/"' in home
    # It promises what the mails do: a link to a page with one button, no sign-in.
    for page in (html, home, client.get("/follow/").content.decode()):
        assert "one button, no sign-in" in page
        assert "one click" not in page.lower()


def test_following_sends_one_confirmation_and_nothing_else_until_confirmed(client, db):
    response = follow(client, "Vincent@EXAMPLE.com")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert mail.outbox == []  # the worker sends, never the request
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [["vincent@example.com"]]  # the canonical address
    follower = Follower.objects.get()
    assert (follower.email, follower.gets_articles) == ("vincent@example.com", False)

    follow(client, "vincent@example.com", ip="192.0.2.2")
    run_queued_tasks()
    assert len(mail.outbox) == 1  # one confirmation a day at most


def test_the_link_asks_on_get_and_confirms_on_post(client, db):
    follow(client)
    run_queued_tasks()
    path = _confirm_path()
    page = client.get(path)
    assert page.status_code == 200
    assert "Yes, follow by email" in page.content.decode()
    assert not Follower.objects.get().gets_articles  # a mail scanner's GET confirms nothing
    done = client.post(path)
    assert done.status_code == 200
    assert "you follow" in done.content.decode()
    assert Follower.objects.get().gets_articles
    assert done.content.decode().count('name="email"') == 0  # no "Follow by email" form under it

    again = client.get(path)  # the link in the mail, followed once more

    assert again.status_code == 200
    assert "You already follow heatblog" in again.content.decode()
    assert "Yes, follow by email" not in again.content.decode()


@pytest.mark.parametrize("token", ["garbage", "a" * 300, "%00", "eyJ9:1:2"])
def test_a_forged_confirmation_link_is_refused(client, db, token):
    make_follower("vincent@example.com", confirmed=False)
    response = client.post(f"/follow/confirm/{token}/")
    assert response.status_code in (400, 404)
    assert not Follower.objects.get().gets_articles


def test_a_confirmation_link_older_than_a_week_is_refused(client, db):
    follow(client)
    run_queued_tasks()
    path = _confirm_path()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(path)
    assert response.status_code == 400
    assert "doesn’t work" in response.content.decode()
    assert not Follower.objects.get().gets_articles


def test_a_confirmed_follower_gets_no_new_confirmation(client, db):
    make_follower("vincent@example.com")
    follow(client)
    run_queued_tasks()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Please enter your email address."),
        ("not an address", "Please enter a valid email address"),
        ("a\x00b@example.com", "control characters"),
        ("<script>alert(1)</script>@example.com", "Please enter a valid email address"),
        ("x" * 300 + "@example.com", "Please enter a valid email address"),
        ("x" * 5000 + "@example.com", "Please enter a valid email address"),
        ("rené@example.com", "only plain letters"),
        ("a@" + "b" * 70 + ".com", "Please enter a valid email address"),
    ],
)
def test_bad_input_gets_a_message_and_sends_nothing(client, db, email, message):
    response = follow(client, email)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "<script>alert" not in html
    run_queued_tasks()
    assert mail.outbox == []
    assert not Follower.objects.exists()


def test_wrong_types_and_a_get_with_data_are_harmless(client, db):
    response = client.post("/follow/", {"email": ["a@example.com", "b@example.com"]})
    assert response.status_code == 200
    assert client.get("/follow/?email=a@example.com").status_code == 200
    assert client.put("/follow/").status_code == 405
    run_queued_tasks()
    assert len(mail.outbox) <= 1


def test_the_bot_trap_is_told_the_same_and_sends_nothing(client, db):
    response = follow(client, contact_by_fax="http://spam.example")
    assert "Check your inbox" in response.content.decode()
    run_queued_tasks()
    assert mail.outbox == []


def test_confirmation_mails_are_capped_per_network_per_day(client, db, settings):
    settings.COMMENTS_CONFIRMATIONS_PER_DAY = 3
    statuses = [follow(client, f"r{n}@example.com", ip="2001:db8::1").status_code for n in range(3)]
    assert statuses == [200, 200, 200]
    # Another address in the same IPv6 /64 is the same network.
    refused = follow(client, "r4@example.com", ip="2001:db8::ffff")
    assert refused.status_code == 429
    assert "Please try again tomorrow" in refused.content.decode()
    seconds_left_today = 86400 - int(time.time()) % 86400
    assert abs(int(refused["Retry-After"]) - seconds_left_today) <= 2
    assert follow(client, "r5@example.com", ip="2001:db8:1::1").status_code == 200


def test_confirmation_mails_are_capped_per_recipient_from_any_network(client, db, settings):
    for n in range(3):
        assert follow(client, "victim@example.com", ip=f"192.0.2.{n + 10}").status_code == 200
    assert follow(client, "VICTIM@example.com", ip="192.0.2.50").status_code == 429


def test_quoted_spellings_of_an_address_do_not_add_mails_to_its_inbox(client, db):
    """'"victim"@example.com' is delivered to victim@example.com; each quoted spelling
    counted as an address of its own would let strangers on many networks flood it."""
    for n in range(3):
        assert follow(client, "victim@example.com", ip=f"192.0.2.{n + 10}").status_code == 200
    spellings = ['"victim"@example.com', '"\\victim"@example.com', '"v\\ictim"@example.com']
    for n, spelling in enumerate(spellings):
        response = follow(client, spelling, ip=f"198.51.100.{n + 10}")
        assert response.status_code == 200
        assert "without quotation marks" in response.content.decode()
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [["victim@example.com"]]
    assert list(Follower.objects.values_list("email", flat=True)) == ["victim@example.com"]


@pytest.mark.parametrize(
    "address",
    ["victim@[192.0.2.1]", "victim@[2001:db8::1]", "root@localhost", "victim@１９２.０.２.１０"],
)
def test_addresses_at_an_ip_or_a_bare_host_name_are_refused_and_nothing_is_mailed(
    client, db, address
):
    response = follow(client, address)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please use an address at a domain name, like name@example.com." in page
    assert f'value="{escape(address)}"' in page  # kept in the form, to correct it
    run_queued_tasks()
    assert mail.outbox == []
    assert not Follower.objects.exists()
    assert follow(client, "victim@example.com").status_code == 200  # a real one is taken
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [["victim@example.com"]]


def test_subaddresses_and_gmail_dots_count_against_the_inbox_they_reach(client, db):
    """ann+1@ and a.n.n@gmail.com land in ann@'s inbox: the daily cap is that inbox's."""
    spellings = ["victim@gmail.com", "victim+1@gmail.com", "v.i.c.t.i.m@gmail.com",
                 "vic.tim+news@googlemail.com", "victim+2@gmail.com"]  # fmt: skip
    statuses = [follow(client, s, ip=f"192.0.2.{n + 10}").status_code
                for n, s in enumerate(spellings)]  # fmt: skip
    assert statuses == [200, 200, 200, 200, 429]
    # Dots are Gmail's rule, not everyone's: another provider's inbox is another count.
    assert follow(client, "v.ictim@example.com", ip="192.0.2.60").status_code == 200
    run_queued_tasks()
    gmail = [m for m in mail.outbox if m.to[0].endswith("@gmail.com")]
    assert len(gmail) == 3


def test_a_flood_of_attempts_is_throttled(client, db, settings):
    settings.COMMENTS_ATTEMPTS_PER_MINUTE = 5
    statuses = [follow(client, "bad").status_code for _ in range(6)]
    assert statuses[-1] == 429


def test_a_post_from_another_site_is_refused(client, db):
    response = client.post("/follow/", {"email": "vincent@example.com"},
                           headers={"Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert response.status_code == 403
    run_queued_tasks()
    assert not Follower.objects.exists()


def test_unsubscribe_asks_on_get_and_unsubscribes_on_post(client, db):
    from followers.emails import unsubscribe_url

    follower = make_follower("vincent@example.com")
    path = unsubscribe_url(follower.email).replace("http://127.0.0.1:8000", "")
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop new articles by email?" in page.content.decode()
    assert Follower.objects.get().gets_articles
    done = client.post(path)
    assert "You are unsubscribed" in done.content.decode()
    assert not Follower.objects.get().gets_articles
    # One form: "Follow again", not the footer's "Follow by email" as well.
    assert done.content.decode().count('action="/follow/"') == 1
    assert '<p><button type="submit">Follow again</button></p>' in done.content.decode()
    assert client.post("/follow/unsubscribe/forged/").status_code == 400


def test_following_again_after_unsubscribing_needs_a_new_confirmation(client, db):
    make_follower("vincent@example.com", unsubscribed_at=timezone.now())
    follow(client)
    run_queued_tasks()
    client.post(_confirm_path())
    follower = Follower.objects.get()
    assert follower.gets_articles
    assert follower.unsubscribed_because == ""


def test_follow_confirm_unsubscribe_and_follow_again_the_same_day_sends_a_new_link(client, db):
    from followers.emails import unsubscribe_url

    follow(client)
    run_queued_tasks()
    client.post(_confirm_path())
    done = client.post(unsubscribe_url("vincent@example.com").replace("http://127.0.0.1:8000", ""))
    assert '<button type="submit">Follow again</button>' in done.content.decode()
    again = client.get(unsubscribe_url("vincent@example.com").replace("http://127.0.0.1:8000", ""))
    assert again.status_code == 200
    assert "You are unsubscribed" in again.content.decode()  # the link again: done, not asked
    mail.outbox.clear()

    follow(client, ip="192.0.2.2")  # the page's "Follow again" button sends this form
    run_queued_tasks()
    client.post(_confirm_path())  # the one new mail, with its link

    assert len(mail.outbox) == 1
    assert Follower.objects.get().gets_articles


def test_the_follow_pages_ask_the_database_a_fixed_number_of_times(
    client, db, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        assert client.get("/follow/").status_code == 200
    with django_assert_max_num_queries(4):
        assert follow(client).status_code == 200
