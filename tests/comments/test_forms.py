"""Findings of a hostile sweep of the comment form, each kept as a test."""

from datetime import timedelta
from itertools import pairwise

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.forms import CommentForm
from comments.models import Comment, refresh_discussion
from comments.visitors import COMMENTER_COOKIE, DETAILS_COOKIE
from tests.factories import comment_data, make_comment
from tests.factories import post_comment as post


def _field(response, name: str) -> str:
    import re

    return re.search(rf'name="{name}" value="([^"]*)"', response.content.decode()).group(1)


def test_sent_again_once_its_page_grew_too_old_a_comment_that_arrived_is_not_doubled(
    article, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    url = reverse("comments:post", args=[article.slug])
    data = comment_data(
        article, text="Nearly a day old.", stamp=CommentForm(article).new_stamp(ago=86390)
    )
    assert Client().post(url, data).status_code == 302  # arrived, its answer lost

    with time_machine.travel(timezone.now() + timedelta(seconds=30)):  # the stamp expires
        again = Client().post(url, data)

    assert again.status_code == 409
    assert "We already have this comment" in again.content.decode()
    assert "opened too long ago" not in again.content.decode()
    assert Comment.objects.filter(text="Nearly a day old.").count() == 1


def test_a_stranger_cannot_learn_which_address_wrote_a_public_comment(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    make_comment(article=article, email="secret@example.com", text="Public words.")

    right = post(client, article, text="Public words.", email="secret@example.com")
    wrong = post(Client(), article, text="Public words.", email="guess@example.com")

    assert right.status_code == wrong.status_code == 302
    assert Comment.objects.filter(text="Public words.").count() == 3


def test_the_same_browser_repeating_itself_is_told_it_is_a_duplicate(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(client, article)

    response = post(client, article, stamp=CommentForm(article).new_stamp(ago=30))  # a new form

    assert response.status_code == 200
    assert "Duplicate comment detected" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_double_click_takes_the_reader_to_the_comment_it_posted(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 15
    data = comment_data(article, text="Clicked twice.")
    url = reverse("comments:post", args=[article.slug])

    first = client.post(url, data)
    second = client.post(url, data)  # the same form again, the first answer's cookies in hand

    comment = Comment.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == comment.get_absolute_url()
    page = client.get(second["Location"], follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="comment-{comment.pk}"' in html
    assert "Clicked twice." in html
    assert "This comment was posted already: here it is. To change it, use Edit" in html


def test_a_form_sent_again_after_the_edit_window_does_not_offer_edit(client, article):
    data = comment_data(article, text="Sent, then sent again much later.")
    url = reverse("comments:post", args=[article.slug])
    client.post(url, data)

    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        page = client.post(url, data, follow=True)

    html = page.content.decode()
    assert page.status_code == 200
    assert "This comment was posted already: here it is." in html
    assert "To change it, use Edit" not in html
    assert Comment.objects.count() == 1


def test_told_to_wait_the_same_form_sent_again_is_not_posted_twice(article, settings):
    """Two copies of one form at once (a double send): the second is told to wait, as
    the first was not in yet. Sent again as told, it must not become a second comment."""
    settings.COMMENTS_FLOOD_SECONDS = 15
    url = reverse("comments:post", args=[article.slug])
    data = comment_data(article, text="Sent twice at once.")
    from comments.limits import flood_message

    flood_message("127.0.0.1")  # the first copy took the slot, and is not saved yet
    waiting = Client().post(url, data)
    assert waiting.status_code == 429
    settings.COMMENTS_FLOOD_SECONDS = 0
    assert Client().post(url, data).status_code == 302  # now the first copy is in
    settings.COMMENTS_FLOOD_SECONDS = 15
    with time_machine.travel(timezone.now() + timedelta(seconds=16)):  # waited, as told
        resent = Client().post(url, {**data, "stamp": _field(waiting, "stamp")})

    assert resent.status_code == 409
    assert "We already have this comment" in resent.content.decode()
    assert Comment.objects.filter(text="Sent twice at once.").count() == 1


def test_a_machine_probing_with_invalid_posts_is_stopped(client, article, settings):
    settings.COMMENTS_ATTEMPTS_PER_MINUTE = 5
    for _ in range(5):
        assert post(client, article, email="bad").status_code == 200

    response = post(client, article)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert response["Retry-After"] == "60"  # "a minute", not when a neighbour first tried
    assert "The diner scene" in response.content.decode()
    # Told to wait a minute, not also to send again at once: the form is ready by then.
    quick = post(client, article, stamp=CommentForm(article).new_stamp())
    assert quick.status_code == 429
    assert "Too many attempts" in quick.content.decode()
    assert "That was quick!" not in quick.content.decode()


@pytest.mark.parametrize("value", ["²", "①", "١٢", "٣"])
def test_digit_like_characters_are_not_numbers(client, article, value):
    comment = make_comment(article=article)

    page = client.get(f"{article.get_absolute_url()}?replytocom={value}")
    response = post(client, article, parent=value)

    assert comment.pk
    assert page.status_code == 200
    assert response.status_code == 200
    assert "not available any more" in response.content.decode()


@pytest.mark.parametrize("year", ["0", "10000", "99999999999999999999"])
def test_impossible_archive_years_are_404(client, db, year):
    assert client.get(f"/archive/{year}/").status_code == 404


@pytest.mark.parametrize("debug", [False, True], ids=["production", "make-run"])
@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "cp1252"])
def test_a_form_in_another_charset_gets_a_400_page_not_a_crash(article, charset, debug, settings):
    settings.DEBUG = debug  # Django's debug page read the body again, and crashed: a 500
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    assert browser.get(article.get_absolute_url()).status_code == 200

    response = browser.post(
        reverse("comments:post", args=[article.slug]),
        "text=hello",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        headers={"Sec-Fetch-Site": "same-origin"},
    )

    assert response.status_code == 400
    if not debug:  # in development, Django's page for the error, which says it
        assert "couldn’t read that request" in response.content.decode()
    else:
        assert "This site reads requests in UTF-8, not" in response.content.decode()


def test_a_nul_in_the_browser_name_is_dropped_not_a_crash(client, article):
    response = client.post(
        reverse("comments:post", args=[article.slug]),
        comment_data(article),
        HTTP_USER_AGENT="Evil\x00Agent",
    )

    assert response.status_code == 302
    assert Comment.objects.get().user_agent == "EvilAgent"


def test_a_scoped_ipv6_address_from_a_proxy_is_ignored(client, article, settings):
    settings.TRUSTED_PROXY_HOPS = 1

    response = client.post(
        reverse("comments:post", args=[article.slug]),
        comment_data(article),
        HTTP_X_FORWARDED_FOR="fe80::1%" + "x" * 300,
        REMOTE_ADDR="192.0.2.8",
    )

    assert response.status_code == 302
    assert Comment.objects.get().ip_address == "192.0.2.8"


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "bad \uffff char"},
        {"name": "Nam\ufffe"},
        {"text": "x\ufdd0"},
        {"text": "\U0010ffff"},
    ],
)
def test_characters_no_feed_can_carry_are_refused_and_the_feed_stays_whole(client, article, fields):
    from defusedxml import ElementTree

    response = post(client, article, **fields)

    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert Comment.objects.count() == 0
    make_comment(article=article, text="A fine comment.")
    feed = client.get(f"/articles/{article.slug}/comments/feed/")
    assert ElementTree.fromstring(feed.content).find("channel/item/title") is not None


@pytest.mark.parametrize("name", ["Neil\u2028Subject: hi", "Neil\u0085", "Neil\u2029"])
def test_line_separators_in_a_name_are_refused(client, article, name):
    response = post(client, article, name=name)

    assert "control characters" in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("invisible", ["\u200b", "\u3164\u3164", "\u2800", "\u00ad", "\u180e"])
def test_a_name_or_comment_that_shows_nothing_is_missing(client, article, invisible):
    name_response = post(client, article, name=invisible)
    text_response = post(client, article, text=invisible)

    assert "Please enter your name." in name_response.content.decode()
    assert "Please write a comment." in text_response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("text", "nul\x00"), ("email", "a\x00@example.com"), ("website", "https://x.example/\t")],
)
def test_each_mistake_is_reported_once(client, article, field, value):
    html = post(client, article, **{field: value}).content.decode()

    errors = html.split(f'id="id_{field}_error"')[1].split("</ul>")[0]
    assert errors.count("<li>") == 1


def test_windows_line_endings_do_not_count_twice(client, article):
    text = ("x" * 99 + "\r\n") * 655  # 65,500 characters as the textarea counts them

    assert post(client, article, text=text).status_code == 302


@pytest.mark.parametrize(
    "email", ["\u212aim@example.com", "\u017fam@example.com", "\u0131x@example.com"]
)
def test_lookalike_letters_before_the_at_are_refused(client, article, email):
    response = post(client, article, email=email)

    assert "plain letters" in response.content.decode()


@pytest.mark.parametrize(
    "payload",
    [{"c": [float("inf")]}, {"c": "x" * 10}, {"c": [[[[[1]]]]]}, ["not", "a", "dict"], 12],
)
def test_odd_but_validly_signed_cookies_are_ignored(client, article, payload):
    client.cookies[COMMENTER_COOKIE] = signing.dumps(payload, salt=COMMENTER_COOKIE)
    client.cookies[DETAILS_COOKIE] = signing.dumps(payload, salt=DETAILS_COOKIE)

    assert client.get(article.get_absolute_url()).status_code == 200
    assert post(client, article).status_code == 302


def test_an_oversized_cookie_is_not_unpacked(client, article):
    client.cookies[COMMENTER_COOKIE] = "x" * 5000

    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("stamp", [{"a": 0, "t": "soon"}, {"a": 0, "t": None}, {"t": 1}])
def test_a_signed_stamp_of_the_wrong_shape_is_a_form_error(client, article, stamp):
    stamp = {**stamp, "a": article.pk} if "a" in stamp else stamp
    signed = signing.dumps(stamp, salt="comments.form")

    response = post(client, article, stamp=signed)

    assert response.status_code == 200
    assert Comment.objects.count() == 0


def test_a_chain_of_two_thousand_replies_renders(client, article):
    chain = Comment.objects.bulk_create(
        Comment(article=article, name=f"R{n}", email="r@example.com", text=f"reply {n}",
                text_html=f"<p>reply {n}</p>", status="approved")
        for n in range(2000)
    )  # fmt: skip
    for parent, reply in pairwise(chain):
        reply.parent_id = parent.pk
    Comment.objects.bulk_update(chain, ["parent"], batch_size=1000)
    refresh_discussion({article.pk})

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "reply 1999" in response.content.decode()


def test_a_deleted_comment_leaves_the_page_at_once(client, article):
    comment = make_comment(article=article, text="Delete me")
    assert "Delete me" in client.get(article.get_absolute_url()).content.decode()

    Comment.objects.filter(pk=comment.pk).delete()

    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete me" not in html
    assert "No comments yet" in html


def test_a_held_comment_shows_its_author_a_neutral_avatar(client, article):
    post(client, article, email="guess@example.com")

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<img src="/static/img/avatar.svg" alt=""' in html


def test_spam_is_acknowledged_without_saying_why(client, article):
    response = post(client, article, contact_by_fax="bot")

    assert response["Location"] == f"{article.get_absolute_url()}#comments"
    page = client.get(response["Location"]).content.decode()
    # Where the browser lands: under the discussion's heading, not at the top of the page.
    section = page[page.index('<section class="comments" id="comments">') :]
    assert "will not appear unless a moderator approves it" in section[:800]


def test_reply_links_still_work_after_a_form_error(client, article):
    comment = make_comment(article=article)

    html = post(client, article, email="bad").content.decode()
    assert f'href="?replytocom={comment.pk}#respond"' in html

    # The error page's address is the form's; following the link from there still works.
    response = client.get(reverse("comments:post", args=[article.slug]), {"replytocom": comment.pk})
    assert response["Location"] == f"{article.get_absolute_url()}?replytocom={comment.pk}#respond"


def test_the_form_nonce_stops_a_replayed_post(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    data = comment_data(article)
    url = reverse("comments:post", args=[article.slug])
    client.post(url, data)

    replay = Client().post(url, data)  # the same request, from another browser

    assert replay.status_code == 409
    assert "We already have this comment" in replay.content.decode()
    assert Comment.objects.count() == 1


def test_the_same_form_sent_again_at_once_is_told_it_arrived_not_to_wait(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 15
    data = comment_data(article, text="Sent, then the connection dropped.")
    url = reverse("comments:post", args=[article.slug])
    assert client.post(url, data).status_code == 302

    resent = Client().post(url, data)  # the answer was lost: the same form, without cookies
    other = Client().post(url, comment_data(article, text="Something new, too soon."))

    assert resent.status_code == 409
    html = resent.content.decode()
    assert "We already have this comment" in html
    assert "Your comment arrived the first time." in html
    assert html.count("arrived the first time") == 1  # said once
    assert "Your comment was not posted" not in html  # which would invite a third try
    assert "too quickly" not in html
    assert "Sent, then the connection dropped." in html  # still in the box, nothing lost
    assert other.status_code == 429  # a new comment from the same network still waits
    assert Comment.objects.count() == 1
    # Sent once more from that page, later: the same form still, not a second comment.
    assert f'name="stamp" value="{data["stamp"]}"' in html  # its stamp kept: the same nonce
    with time_machine.travel(timezone.now() + timedelta(seconds=20)):
        third = Client().post(url, data)
    assert third.status_code == 409
    assert Comment.objects.count() == 1


def test_a_stranger_replaying_a_comment_under_guessed_addresses_learns_nothing(article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 15
    settings.COMMENTS_FIRST_TIME_HELD = False
    url = reverse("comments:post", args=[article.slug])
    words = comment_data(article, text="Public words.", email="secret.person@example.org")
    assert Client().post(url, words, REMOTE_ADDR="192.0.2.1").status_code == 302
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    stranger.post(url, comment_data(article, text="Junk to start my own wait."))

    answers = {
        email: stranger.post(url, {**words, "email": email}).status_code
        for email in ("alice@example.org", "secret.person@example.org", "Secret.Person@example.org")
    }

    assert set(answers.values()) == {429}  # the right guess answers as the wrong ones do
    settings.COMMENTS_FLOOD_SECONDS = 0
    again = stranger.post(url, words)  # outside the wait: just another comment, held or not
    assert again.status_code == 302
    assert Comment.objects.filter(text="Public words.").count() == 2


def test_two_readers_of_one_cached_page_can_both_post(article, settings):
    settings.PAGE_CACHE_SECONDS = 10
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_MIN_SECONDS = 0
    readers = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = [reader.get(article.get_absolute_url()).content.decode() for reader in readers]

    def field(page, name):
        return page.split(f'name="{name}" value="')[1].split('"')[0]

    assert pages[0] == pages[1]  # one shared page, stamp and all
    for n, (reader, page) in enumerate(zip(readers, pages, strict=True)):
        data = {
            **comment_data(article, text=f"Reader {n}", email=f"r{n}@example.com"),
            "stamp": field(page, "stamp"),
        }
        url = reverse("comments:post", args=[article.slug])
        headers = {"Sec-Fetch-Site": "same-origin"}
        assert reader.post(url, data, headers=headers).status_code == 302

    assert Comment.objects.count() == 2


@pytest.mark.parametrize(
    "value", [None, "", "Vincent Hanna", '"><script>alert(1)</script>', "a & b"]
)
@pytest.mark.parametrize("name", ["text", "name", "email", "website"])
def test_the_form_fields_render_as_djangos_own_widgets_would(heat, name, value):
    """The comment form's inputs are written in Python for speed (comments/fields.py):
    a reader must get exactly the markup, and the escaping, of Django's templates."""
    from django import forms as django_forms

    field = CommentForm(heat).fields[name]
    django_widget = getattr(django_forms, type(field.widget).__name__)(attrs=field.widget.attrs)
    attrs = {"id": f"id_{name}", "required": True, "aria-describedby": f"id_{name}_helptext"}

    ours = field.widget.render(name, value, attrs=attrs)

    assert ours == django_widget.render(name, value, attrs=attrs)
    assert "<script>" not in ours


def test_a_reply_whose_comment_is_deleted_as_it_is_saved_is_told_so_not_that_it_was_sent(
    transactional_db, article, rf
):
    # Committed as the site does (the foreign key is checked at commit, deferred).
    from comments.forms import PARENT_GONE
    from comments.moderation import decide

    parent = make_comment(article=article, text="About to go.")
    request = rf.post("/", headers={"Sec-Fetch-Site": "same-origin"})
    form = CommentForm(article, comment_data(article, parent=str(parent.pk)), request=request)
    assert form.is_valid(), form.errors
    Comment.objects.filter(pk=parent.pk).delete()  # a moderator, in between

    assert form.save(decide(form.candidate())) is None

    assert form.errors["parent"] == [PARENT_GONE]
    assert not form.non_field_errors()  # not "We already have this comment"
    assert not Comment.objects.exists()
