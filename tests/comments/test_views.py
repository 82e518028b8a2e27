"""Posting through the "Leave a Comment" form, as a browser without JavaScript does."""

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.rendering import paragraph_text
from comments.forms import CommentForm
from comments.models import Comment
from comments.stamps import FORM_SALT, STAMP_SECONDS
from comments.visitors import COMMENTER_COOKIE, DETAILS_COOKIE
from tests.factories import comment_data, make_article, make_comment, make_staff
from tests.factories import post_comment as post


def _page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


@pytest.fixture
def no_flood_limit(settings):
    """For tests that post twice from one address on purpose."""
    settings.COMMENTS_FLOOD_SECONDS = 0


def test_a_first_time_commenter_is_sent_back_to_their_comment_held_for_moderation(client, article):
    response = post(client, article)

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.slug}/comments/{comment.pk}/"
    landing = client.get(response["Location"])
    assert landing["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reason.startswith("a person reads the first comment")


def test_a_held_comment_is_shown_to_its_author_marked_awaiting_moderation(client, article):
    post(client, article)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "The diner scene is the best thing Mann ever shot." in html
    assert "Your comment is awaiting moderation." in html
    assert "Held for review: a person reads the first comment from each address" in html
    assert '<h2 id="comments-title">Comments</h2>' in html  # not "No comments yet" above it


def test_a_comment_a_moderator_takes_back_tells_its_author_so(client, article):
    post(client, article)
    comment = Comment.objects.get()
    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.APPROVED)
    assert "Your comment is awaiting moderation." not in _page(client, article.get_absolute_url())

    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.PENDING)

    html = _page(client, article.get_absolute_url())
    assert "Your comment is awaiting moderation." in html
    assert "Held for review: a moderator took it back to look at it again." in html
    assert "a person reads the first comment" not in html


def test_a_held_comment_is_shown_to_nobody_else(client, article):
    post(client, article)

    html = _page(Client(), article.get_absolute_url())

    assert "The diner scene" not in html
    assert "No comments yet" in html
    assert "The diner scene" in _page(client, article.get_absolute_url())  # its author sees it


def test_an_approved_comment_shows_at_once_with_its_count(client, article):
    make_comment(article=article, text="First!")
    make_comment(article=article, text="Second.")
    make_comment(article=article, text="Third, and spam.", status=Comment.Status.SPAM)

    html = _page(client, article.get_absolute_url())

    assert "2 comments" in html
    assert "First!" in html
    assert "Third, and spam." not in html
    Comment.objects.filter(text="Third, and spam.").set_status(Comment.Status.APPROVED)
    assert "Third, and spam." in _page(client, article.get_absolute_url())


def test_one_comment_is_counted_in_the_singular(client, article):
    make_comment(article=article)

    assert ">1 comment<" in client.get(article.get_absolute_url()).content.decode()


def test_a_returning_commenter_with_the_signed_cookie_is_published_at_once(
    client, article, no_flood_limit
):
    post(client, article)
    Comment.objects.all().set_status(Comment.Status.APPROVED)

    post(client, article, text="Back again: Waingro deserved worse.")

    assert Comment.objects.get(text__startswith="Back again").status == Comment.Status.APPROVED


def test_a_stranger_typing_a_regulars_email_is_still_held(client, article):
    make_comment(article=article, email="vincent@example.com")

    post(Client(), article, text="I am definitely Vincent.")

    assert Comment.objects.get(text__startswith="I am definitely").status == "pending"


def test_a_forged_commenter_cookie_proves_nothing(client, article):
    regular = make_comment(article=article, email="vincent@example.com")
    client.cookies[COMMENTER_COOKIE] = f'{{"c": [{regular.pk}]}}'

    post(client, article, text="Forged.")

    assert Comment.objects.get(text="Forged.").status == Comment.Status.PENDING


def test_staff_comments_are_published_and_marked_author(client, article):
    client.force_login(make_staff(first_name="Michael", last_name="Mann"))

    post(client, article, name="", email="", text="Thanks for reading.")

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    assert comment.name == "Michael Mann"
    html = Client().get(article.get_absolute_url()).content.decode()
    assert '<span class="badge">Author</span>' in html


def test_a_staff_member_without_a_name_replies_as_the_site_not_by_login_name(client, article):
    client.force_login(make_staff(username="root-login-42", first_name="", last_name=""))
    form = client.get(article.get_absolute_url()).content.decode()
    assert "Commenting as <b>heatblog</b>" in form
    assert "add your first and last name in the admin" in form

    post(client, article, name="", email="", text="Thanks for reading.")

    assert Comment.objects.get().name == "heatblog"
    html = Client().get(article.get_absolute_url()).content.decode()
    assert "Thanks for reading." in html
    assert "root-login-42" not in html


def test_comment_with_two_links_is_held_saying_why(client, article, settings):
    settings.COMMENTS_FIRST_TIME_HELD = False

    post(client, article, text="See https://a.example and www.b.example")

    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reason == "it contains 2 links"


def test_comment_with_one_link_from_a_regular_is_published(client, article, settings):
    settings.COMMENTS_FIRST_TIME_HELD = False

    post(client, article, text="The score: https://example.com/heat")

    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_bot_filling_the_hidden_field_is_stored_as_spam_and_never_shown(client, article):
    response = post(client, article, contact_by_fax="+1 555 0100")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert comment.status == Comment.Status.SPAM
    assert "The diner scene" not in _page(client, article.get_absolute_url())
    Comment.objects.all().set_status(Comment.Status.APPROVED)  # a moderator overrules the rules
    assert "The diner scene" in _page(client, article.get_absolute_url())


# ---- Saving details: the consent checkbox, both ways -------------------------------------


def test_ticking_save_my_details_remembers_them_and_prefills_the_form(client, article):
    post(client, article, save_details="on", website="https://vincent.example")

    html = client.get(article.get_absolute_url()).content.decode()

    assert DETAILS_COOKIE in client.cookies
    assert 'value="Vincent"' in html
    assert 'value="vincent@example.com"' in html
    assert 'value="https://vincent.example"' in html
    assert 'name="save_details" id="id_save_details" checked' in html


def test_leaving_save_my_details_unticked_remembers_nothing(client, article, no_flood_limit):
    response = post(client, article)

    assert DETAILS_COOKIE not in response.cookies or response.cookies[DETAILS_COOKIE].value == ""
    assert 'value="Vincent"' not in _page(client, article.get_absolute_url())
    assert "vincent@example.com" not in response.cookies[COMMENTER_COOKIE].value
    post(client, article, text="Now remember me.", save_details="on")
    assert 'value="Vincent"' in _page(client, article.get_absolute_url())


def test_unticking_save_my_details_forgets_what_was_saved(client, article, no_flood_limit):
    post(client, article, save_details="on")
    assert 'value="Vincent"' in _page(client, article.get_absolute_url())
    post(client, article, text="Second thought.")

    assert 'value="Vincent"' not in _page(client, article.get_absolute_url())


def test_saved_details_cookie_is_signed_and_httponly(client, article):
    response = post(client, article, save_details="on")

    cookie = response.cookies[DETAILS_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "vincent@example.com" not in cookie.value


# ---- Replies without JavaScript ---------------------------------------------------------


def test_reply_link_opens_the_form_replying_to_that_comment(client, article):
    comment = make_comment(article=article, name="Neil")

    html = client.get(f"{article.get_absolute_url()}?replytocom={comment.pk}").content.decode()

    assert f'href="?replytocom={comment.pk}#respond"' in html
    assert "Replying to <a" in html
    assert ">Neil</a>" in html
    assert "Cancel reply" in html
    assert f'name="parent" value="{comment.pk}"' in html


@pytest.mark.parametrize(
    ("cancel", "dropped", "kept"),
    [("reply", "parent", "quote_anchor"), ("quote", "quote_anchor", "parent")],
)
def test_cancelling_a_reply_or_a_quote_keeps_everything_typed(
    client, article, cancel, dropped, kept
):
    comment = make_comment(article=article, name="Neil")
    data = comment_data(
        article, text="Half a thought <b>kept</b>.", name="Nora", email="nora@example.org",
        parent=str(comment.pk), quote="Words of the essay.", quote_anchor="p-0123abcd",
        notify="on", cancel=cancel,
    )  # fmt: skip

    response = client.post(reverse("comments:post", args=[article.slug]), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Half a thought &lt;b&gt;kept&lt;/b&gt;.</textarea>" in html
    assert 'value="Nora"' in html
    assert 'value="nora@example.org"' in html
    assert 'id="id_notify" checked' in html
    assert f'name="{dropped}" value=""' in html
    assert f'name="{kept}" value=""' not in html
    assert ("Replying to <a" in html) is (cancel == "quote")
    assert "Your comment was not posted" not in html  # nothing refused: nothing to fix
    assert Comment.objects.count() == 1  # nothing posted
    # The page's stamp comes back: sending at once is not "too quick".
    assert f'name="stamp" value="{data["stamp"]}"' in html


@pytest.mark.parametrize("cancel", ["reply", "quote"])
def test_cancelling_over_the_attempts_limit_says_why_and_keeps_the_form_as_sent(
    client, article, settings, cancel
):
    settings.COMMENTS_ATTEMPTS_PER_MINUTE = 2
    comment = make_comment(article=article, name="Neil")
    anchor = re.search(r'<p id="(p-[0-9a-f]{8})">', article.body_html).group(1)
    data = comment_data(
        article, text="Half a thought kept.", name="Nora", parent=str(comment.pk),
        quote=paragraph_text(article.body_html, anchor), quote_anchor=anchor, cancel=cancel,
    )  # fmt: skip
    url = reverse("comments:post", args=[article.slug])
    for _ in range(2):
        assert client.post(url, data).status_code == 200

    response = client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Too many attempts from your connection. Please wait a minute" in html
    assert "Half a thought kept.</textarea>" in html
    assert 'value="Nora"' in html
    assert "Replying to <a" in html  # nothing cancelled: the form as it was sent
    assert f'name="quote_anchor" value="{anchor}"' in html
    assert Comment.objects.count() == 1


def test_a_reply_is_stored_under_its_parent_and_shown_nested(client, article, settings):
    settings.COMMENTS_FIRST_TIME_HELD = False
    parent = make_comment(article=article, name="Neil", text="Don't let yourself get attached.")

    post(client, article, parent=str(parent.pk), text="Thirty seconds flat.")

    reply = Comment.objects.get(text="Thirty seconds flat.")
    assert reply.parent == parent
    page = client.get(article.get_absolute_url()).content.decode()
    html = page[page.index('<section class="comments"') :]
    assert html.index("get attached") < html.index('<ol class="children">')
    assert html.index('<ol class="children">') < html.index("Thirty seconds flat.")


def test_replytocom_with_an_unknown_id_shows_the_plain_form(client, article):
    html = _page(client, f"{article.get_absolute_url()}?replytocom=999999")

    assert "Replying to" not in html
    assert '<form class="comment-form"' in html
    comment = make_comment(article=article)
    assert "Replying to" in _page(client, f"{article.get_absolute_url()}?replytocom={comment.pk}")


# ---- Bad input: one field changed from a valid submission, one outcome each --------------


def test_invisible_control_characters_are_shown_back_taken_out(client, article):
    response = post(client, article, text="The diner\x00 scene.\x07", name="Ne\x00il")

    html = response.content.decode()
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert "They are taken out of what is shown here: please check it and send it again." in html
    assert "\x00" not in html
    assert "\x07" not in html
    assert ">\nThe diner scene.</textarea>" in html
    assert 'value="Neil"' in html


def test_bytes_that_are_not_utf8_are_refused_not_stored_as_question_marks(client, article):
    fields = comment_data(article, text="TEXT")
    body = urlencode(fields).replace("TEXT", "The%20diner%FF%FE%20scene")

    response = client.post(
        reverse("comments:post", args=[article.slug]),
        body,
        content_type="application/x-www-form-urlencoded",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert "Part of your comment arrived garbled (shown as \ufffd)" in html
    assert ">\nThe diner\ufffd\ufffd scene</textarea>" in html


@pytest.mark.parametrize("field", ["text", "name", "quote", "parent"])
def test_a_form_in_a_charset_that_makes_lone_surrogates_gets_the_400_page_not_a_500(
    client, article, field
):
    # raw_unicode_escape turns the six characters \\ud800 into a lone surrogate, which
    # no text can encode: showing it back or saving it failed with a 500.
    fields = comment_data(article, **{field: "hello \\ud800 world", "name": ""})
    body = (
        "".join(
            f'--XyZ\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        + "--XyZ--\r\n"
    )

    response = client.post(
        reverse("comments:post", args=[article.slug]),
        body.encode(),
        content_type="multipart/form-data; boundary=XyZ; charset=raw_unicode_escape",
    )

    assert response.status_code == 400
    assert "couldn’t read that request" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_search_declared_in_another_charset_gets_the_400_page_not_a_500(client, article):
    odd = client.get(
        "/search/", {"q": "\\ud800"}, headers={"Content-Type": "text/plain; charset=utf-16"}
    )
    plain = client.get("/search/", {"q": "\\ud800"})

    assert odd.status_code == 400
    assert plain.status_code == 200  # the same words in UTF-8 are only words


def test_no_field_keeps_a_lone_surrogate_whatever_brought_it():
    from comments.fields import NameField, TextField

    for field in (TextField(), NameField()):
        with pytest.raises(ValidationError, match="control characters"):
            field.clean("hello \ud800 world")


def test_the_comment_box_cuts_nothing_a_long_comment_is_kept_whole(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    box = re.search(r"<textarea [^>]*>", page).group()
    assert 'name="text"' in box
    assert "maxlength" not in box  # a browser would cut a long paste without a word
    assert 'data-max-length="65525"' in box

    long_text = "Heat " * 14000
    response = post(client, article, text=long_text)

    assert response.status_code == 200
    assert "it can be at most 65,525 characters" in response.content.decode()
    assert long_text.strip() in response.content.decode()


def test_the_form_says_when_it_may_be_sent_as_its_stamp_does(client, article, settings):
    settings.COMMENTS_MIN_SECONDS = 3
    page = client.get(article.get_absolute_url()).content.decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', page).group(1)
    ready = int(re.search(r'data-ready-at="(\d+)"', page).group(1))
    assert ready == signing.loads(stamp, salt=FORM_SALT)["t"] + 3
    assert ready > time.time()  # a shared page: not at once

    settings.COMMENTS_MIN_SECONDS = 0  # no time trap: nothing to wait for
    cache.clear()
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    assert 'id="comment-form"' in page.content.decode()
    assert "data-ready-at" not in page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": ""}, "text", "Please write a comment."),
        ({"text": "   \n  "}, "text", "Please write a comment."),
        ({"name": ""}, "name", "Please enter your name."),
        ({"email": ""}, "email", "Please enter your email address"),
        ({"email": "not-an-address"}, "email", "Please enter a valid email address"),
        ({"website": "javascript:alert(1)"}, "website", "Please enter a web address"),
        ({"website": "ftp://files.example"}, "website", "Please enter a web address"),
        ({"website": 'https://x.example/"onmouseover=alert(5)'}, "website", "Please enter a web"),
        ({"website": "https://x.example/<b>"}, "website", "Please enter a web address"),
        ({"text": "x" * 65526}, "text", "at most 65,525 characters"),
        ({"name": "n" * 246}, "name", "at most 245 characters"),
        ({"email": "e" * 89 + "@example.com"}, "email", "at most 100 characters"),
        ({"website": "https://example.com/" + "p" * 181}, "website", "at most 200 characters"),
        ({"text": "nul\x00byte"}, "text", "control characters"),
        ({"text": "bell\x07"}, "text", "control characters"),
        ({"name": "Neil\x00"}, "name", "control characters"),
        ({"name": "evil\u202ename"}, "name", "control characters"),
        ({"email": "vin\x01cent@example.com"}, "email", "control characters"),
        ({"email": "vincent@[192.0.2.1]"}, "email", "at a domain name"),
    ],
    ids=[
        "empty-text", "blank-text", "empty-name", "empty-email", "bad-email",
        "javascript-website", "ftp-website", "quote-in-website", "tag-in-website", "huge-text",
        "long-name", "long-email",
        "long-website", "nul-in-text", "bell-in-text", "nul-in-name", "bidi-in-name",
        "control-in-email", "ip-literal-email",
    ],
)  # fmt: skip
def test_bad_input_is_refused_next_to_the_field_and_the_text_is_kept(
    client, article, overrides, field, message
):
    response = post(client, article, **overrides)

    html = response.content.decode()
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    # Said at the top of the form, with a link to the field; the message sits in a
    # <div>: a list of errors inside a <p> would end the paragraph and break the columns.
    assert "Your comment was not posted. Please check: <a" in html
    assert f'href="#id_{field}"' in html
    assert f'<div class="field invalid">\n  <label for="id_{field}">' in html
    if message:
        assert message in html
    if field != "text":
        assert "The diner scene is the best thing Mann ever shot." in html


def test_limits_are_inclusive(client, article):
    response = post(
        client,
        article,
        text="x" * 65525,
        name="n" * 245,
        email="e" * 88 + "@example.com",
        website="https://example.com/" + "p" * 180,
    )

    assert response.status_code == 302
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("parent", ["abc", "-1", "99999999999999999999", "0"])
def test_a_malformed_parent_id_is_refused_with_a_message(client, article, parent):
    response = post(client, article, parent=parent)

    assert response.status_code == 200
    assert "not available any more" in response.content.decode()


def test_a_parent_from_another_article_is_refused(client, article):
    elsewhere = make_comment()

    response = post(client, article, parent=str(elsewhere.pk))

    assert response.status_code == 200
    assert Comment.objects.filter(article=article).count() == 0


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.SPAM, "trash"])
def test_replying_to_a_comment_readers_cannot_see_is_refused(client, article, status):
    hidden = make_comment(article=article, status=status)

    response = post(client, article, parent=str(hidden.pk))

    assert response.status_code == 200
    assert "not available any more" in response.content.decode()


def test_posting_faster_than_three_seconds_after_opening_the_page_is_refused(client, article):
    from comments.forms import CommentForm

    # A page made this very second: the start of a stamp's 10 s window, after the
    # article's publication (which a fixed date in the past would come before).
    now = int(time.time()) // STAMP_SECONDS * STAMP_SECONDS + STAMP_SECONDS
    with time_machine.travel(datetime.fromtimestamp(now, UTC), tick=False):
        response = post(client, article, stamp=CommentForm(article).new_stamp())

    assert response.status_code == 200
    assert "That was quick!" in response.content.decode()
    assert Comment.objects.count() == 0


@pytest.mark.parametrize("into_window", [0, 4, 9])  # when in a stamp's 10 s the page was made
# How long a shared copy had been kept: here (10 s), then at a proxy (10 s more).
@pytest.mark.parametrize("served_after", [0, 5, 10, 15, 20])
def test_no_shared_copy_of_the_page_can_be_posted_from_at_once(
    article, into_window, served_after, settings
):
    settings.PAGE_CACHE_SECONDS = settings.PAGE_SHARED_SECONDS = 10  # as in production
    cache.clear()
    made = (int(time.time()) // STAMP_SECONDS + 1) * STAMP_SECONDS + into_window
    with time_machine.travel(datetime.fromtimestamp(made, UTC), tick=False):
        page = Client().get(article.get_absolute_url()).content.decode()
    stamp = re.search(r'name="stamp" value="([^"]+)"', page).group(1)

    with time_machine.travel(datetime.fromtimestamp(made + served_after, UTC), tick=False):
        at_once = post(Client(), article, stamp=stamp)  # a bot: GET, then POST straight away

    assert at_once.status_code == 200
    assert "That was quick!" in at_once.content.decode()
    # A person, who reads and writes, posts from the same copy: at most 30 s after it was made.
    with time_machine.travel(datetime.fromtimestamp(made + 31, UTC), tick=False):
        assert post(Client(), article, stamp=stamp).status_code == 302


def test_without_javascript_a_reader_of_a_shared_page_posts_seconds_after_it_showed(
    article, settings
):
    settings.PAGE_CACHE_SECONDS = settings.PAGE_SHARED_SECONDS = 10  # as in production
    cache.clear()
    shown = int(time.time())
    reader = Client()
    with time_machine.travel(datetime.fromtimestamp(shown, UTC), tick=False):
        page = reader.get(article.get_absolute_url())
        # The <noscript> image a browser without JavaScript loads with the page.
        seen = re.search(r'<noscript><img src="([^"]+)"', page.content.decode()).group(1)
        image = reader.get(seen)
    stamp = re.search(r'name="stamp" value="([^"]+)"', page.content.decode()).group(1)

    with time_machine.travel(datetime.fromtimestamp(shown + 1, UTC), tick=False):
        at_once = post(reader, article, stamp=stamp)
    with time_machine.travel(datetime.fromtimestamp(shown + 4, UTC), tick=False):
        elsewhere = post(Client(), article, stamp=stamp, text="A bot")  # never shown it
        read = post(reader, article, stamp=stamp)

    assert page.cookies == {}  # the shared page sets nothing
    assert (image.status_code, image["Content-Type"]) == (200, "image/gif")
    assert "no-store" in image["Cache-Control"]
    cookie = image.cookies["form_seen"]
    assert cookie["path"] == f"/articles/{article.slug}/comment/"  # not sent with the page
    assert cookie["httponly"]
    assert "That was quick!" in at_once.content.decode()  # still a machine's speed
    assert "That was quick!" in elsewhere.content.decode()
    assert read.status_code == 302  # 3 s after the form showed, not the shared page's 20-30
    assert Comment.objects.get().text == comment_data(article)["text"]


def test_a_seen_mark_for_another_article_or_forged_is_no_mark(article, settings):
    settings.PAGE_CACHE_SECONDS = settings.PAGE_SHARED_SECONDS = 10
    cache.clear()
    other = make_article()
    shown = int(time.time())
    with time_machine.travel(datetime.fromtimestamp(shown, UTC), tick=False):
        page = Client().get(article.get_absolute_url()).content.decode()
        marked = Client()
        marked.get(reverse("comments:seen", args=[other.slug]))
    stamp = re.search(r'name="stamp" value="([^"]+)"', page).group(1)
    forged = Client()
    forged.cookies["form_seen"] = "eyJhIjoxLCJ0IjoxfQ:forged:sig"

    with time_machine.travel(datetime.fromtimestamp(shown + 4, UTC), tick=False):
        for browser in (marked, forged):
            response = post(browser, article, stamp=stamp)
            assert response.status_code == 200
            assert "That was quick!" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_form_seen_image_is_only_where_a_comment_can_be_posted(client, article):
    closed = make_article(allow_comments=False)
    draft = make_article(status="draft", published_at=None)

    for gone in (closed, draft):
        assert client.get(reverse("comments:seen", args=[gone.slug])).status_code == 404
    assert client.post(reverse("comments:seen", args=[article.slug])).status_code == 405
    assert client.get(reverse("comments:seen", args=[article.slug])).status_code == 200


def test_a_page_made_for_one_reader_counts_from_when_it_was_made(article):
    parent = make_comment(article=article, name="Neil")
    made = int(time.time())
    with time_machine.travel(datetime.fromtimestamp(made, UTC), tick=False):
        page = Client().get(f"{article.get_absolute_url()}?replytocom={parent.pk}")
        assert page["Cache-Control"].startswith("private")
        stamp = re.search(r'name="stamp" value="([^"]+)"', page.content.decode()).group(1)
        assert "That was quick!" in post(Client(), article, stamp=stamp).content.decode()

    with time_machine.travel(datetime.fromtimestamp(made + 4, UTC), tick=False):
        assert post(Client(), article, stamp=stamp).status_code == 302  # 3 s, not 20


def test_a_refused_form_sent_again_at_once_is_too_quick_again(article):
    sent = int(time.time())
    with time_machine.travel(datetime.fromtimestamp(sent, UTC), tick=False):
        refused = post(Client(), article, stamp="junk")  # a bot, skipping the page
        again = re.search(r'name="stamp" value="([^"]+)"', refused.content.decode()).group(1)
        assert "Part of the form was missing" in refused.content.decode()
        at_once = post(Client(), article, stamp=again)

    assert "That was quick!" in at_once.content.decode()
    assert Comment.objects.count() == 0
    with time_machine.travel(datetime.fromtimestamp(sent + 4, UTC), tick=False):
        assert post(Client(), article, stamp=again).status_code == 302  # a person fixing it


def test_a_form_older_than_a_day_is_refused_and_can_be_sent_again_at_once(client, article):
    from comments.forms import CommentForm

    response = post(client, article, stamp=CommentForm(article).new_stamp(ago=2 * 86400))

    html = response.content.decode()
    assert "opened too long ago" in html
    fresh_stamp = html.split('name="stamp" value="')[1].split('"')[0]
    assert post(client, article, stamp=fresh_stamp).status_code == 302


@pytest.mark.parametrize("stamp", ["", "forged", "eyJhIjoxfQ:1abc:forged"])
def test_a_missing_or_forged_form_stamp_is_refused(client, article, stamp):
    response = post(client, article, stamp=stamp)

    assert response.status_code == 200
    assert "Part of the form was missing or changed" in response.content.decode()


def test_a_stamp_from_another_article_is_refused(client, article):
    from comments.forms import CommentForm

    other = make_article()

    response = post(client, article, stamp=CommentForm(other).new_stamp(ago=60))

    assert response.status_code == 200
    assert "belongs to another article" in response.content.decode()


def test_a_second_comment_within_fifteen_seconds_from_the_same_address_is_refused(client, article):
    post(client, article)

    response = post(client, article, text="And another thing.")

    assert response.status_code == 429
    assert (
        "You are posting comments too quickly. Please wait 15 seconds" in response.content.decode()
    )
    assert response["Retry-After"] == "15"  # the same wait, for programs
    assert "And another thing." in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_flood_limit_is_per_address(client, article):
    post(client, article)

    response = client.post(
        reverse("comments:post", args=[article.slug]),
        comment_data(article, text="From elsewhere."),
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302


def test_the_hourly_cap_per_address_holds(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOURLY_LIMIT = 3
    for n in range(3):
        assert post(client, article, text=f"Comment {n}").status_code == 302

    response = post(client, article, text="One too many.")

    assert response.status_code == 429
    assert "in the last hour" in response.content.decode()


def test_the_same_words_from_the_same_email_on_the_same_article_are_a_duplicate(
    client, article, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(client, article)

    again = CommentForm(article).new_stamp(ago=30)  # from the page loaded again, not a resend
    response = post(client, article, email="VINCENT@example.com", stamp=again)

    assert response.status_code == 200
    assert "Duplicate comment detected; it looks as though you’ve already said that!" in (
        response.content.decode()
    )
    assert Comment.objects.count() == 1


def test_the_database_refuses_a_second_comment_from_the_same_form(article):
    from django.db import IntegrityError

    make_comment(article=article, form_nonce="abc123")

    with pytest.raises(IntegrityError):
        make_comment(article=article, form_nonce="abc123", text="Different words.")


def test_comments_closed_on_an_article_refuse_posts_and_keep_the_text(client, db):
    closed = make_article(allow_comments=False)

    page = _page(client, closed.get_absolute_url())
    response = post(client, closed)

    assert "Comments are closed." in page
    assert '<form class="comment-form"' not in page
    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    assert "The diner scene is the best thing Mann ever shot." in response.content.decode()
    assert Comment.objects.count() == 0
    assert '<form class="comment-form"' in _page(client, make_article().get_absolute_url())


def test_comments_close_automatically_after_the_configured_days(client, db, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make_article(published_at=timezone.now() - timedelta(days=31))
    recent = make_article(published_at=timezone.now() - timedelta(days=29))

    assert post(client, old).status_code == 403
    assert post(Client(), recent).status_code == 302


def test_posting_to_a_draft_or_unknown_article_is_404(client, db):
    draft = make_article(status=Article.Status.DRAFT, published_at=None)

    assert post(client, draft).status_code == 404
    response = client.post("/articles/nope/comment/", comment_data(draft))
    assert response.status_code == 404
    assert Comment.objects.count() == 0


def test_a_comment_for_an_article_unpublished_while_it_was_written_is_handed_back(client, article):
    client.get(article.get_absolute_url())  # the reader opens it and starts writing
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)

    response = post(client, article, text="Three paragraphs <b>I</b> care about.")

    html = response.content.decode()
    assert response.status_code == 404
    assert "no longer published here" in html
    assert "Three paragraphs &lt;b&gt;I&lt;/b&gt; care about." in html
    assert Comment.objects.count() == 0


def test_opening_the_comment_url_leads_back_to_the_form(client, article):
    response = client.get(reverse("comments:post", args=[article.slug]))

    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#respond"
    assert client.put(reverse("comments:post", args=[article.slug])).status_code == 405


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
     {"Origin": "https://evil.example"}, {"Origin": "null"}],
    ids=["cross-site", "same-site", "foreign-origin", "opaque-origin"],
)  # fmt: skip
def test_a_post_from_another_site_gets_a_friendly_403_with_the_text_kept(article, headers):
    url = reverse("comments:post", args=[article.slug])

    response = Client(enforce_csrf_checks=True).post(url, comment_data(article), headers=headers)

    html = response.content.decode()
    assert response.status_code == 403
    assert "That form could not be sent" in html
    assert "sent from another website" in html
    assert "cookie" not in html  # the public forms use none: the reason given is the real one
    assert "The diner scene is the best thing Mann ever shot." in html
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}, {}],
    ids=["same-origin", "own-origin", "neither-header"],
)
def test_a_post_from_this_site_or_from_no_browser_needs_no_token(article, headers):
    url = reverse("comments:post", args=[article.slug])

    response = Client(enforce_csrf_checks=True).post(url, comment_data(article), headers=headers)

    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_the_admin_still_asks_for_its_csrf_token(staff_client):
    staff_client.handler.enforce_csrf_checks = True

    response = staff_client.post(
        reverse("admin:articles_tag_add"), {"name": "Noir", "slug": "noir"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )  # fmt: skip

    assert response.status_code == 403
    assert staff_client.get(reverse("admin:articles_tag_add")).status_code == 200


def test_posting_the_same_form_twice_replays_nothing(client, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    data = comment_data(article)
    url = reverse("comments:post", args=[article.slug])

    first = client.post(url, data)
    second = client.post(url, data)
    elsewhere = Client().post(url, data)

    assert first.status_code == 302
    assert second.status_code == 302  # this browser's own: back to the comment it made
    assert elsewhere.status_code == 409  # any other browser: told it arrived, nothing more
    assert Comment.objects.count() == 1


def test_wrong_types_in_every_field_never_cause_a_500(client, article):
    url = reverse("comments:post", args=[article.slug])
    data = comment_data(article)
    weird = {key: ["a", "b"] for key in data}

    assert client.post(url, weird).status_code == 200
    assert client.post(url, {}).status_code == 200
    assert client.post(url, "not a form", content_type="text/plain").status_code == 200
    assert client.post(url, {"text": "é" * 10, "parent": "١٢"}).status_code == 200
    assert Comment.objects.count() == 0


def test_ip_address_and_browser_are_stored_for_moderators_and_never_shown(client, article):
    make_comment(
        article=article, ip_address="198.51.100.7", user_agent="SecretBrowser/1.0",
        email="hidden@example.com",
    )  # fmt: skip

    html = _page(client, article.get_absolute_url())

    assert "198.51.100.7" not in html
    assert "SecretBrowser" not in html
    assert "hidden@example.com" not in html
    client.force_login(make_staff())
    admin = _page(client, f"/admin/comments/comment/{Comment.objects.get().pk}/change/")
    assert "198.51.100.7" in admin
    assert "SecretBrowser" in admin
    assert "hidden@example.com" in admin


def test_the_posters_ip_and_browser_are_recorded(client, article):
    client.post(
        reverse("comments:post", args=[article.slug]),
        comment_data(article),
        REMOTE_ADDR="192.0.2.44",
        HTTP_USER_AGENT="Firefox/140",
    )

    comment = Comment.objects.get()
    assert comment.ip_address == "192.0.2.44"
    assert comment.user_agent == "Firefox/140"


def test_a_link_to_a_comment_removed_since_leads_to_its_discussion(client, article):
    reply = make_comment(article=article, text="A reply, deleted later.")
    Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.TRASH)

    response = client.get(reply.get_absolute_url(), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"{article.get_absolute_url()}#comments"
    html = response.content.decode()
    assert "That comment was removed; here is the discussion it was in." in html
    assert "A reply, deleted later." not in html
    spam = make_comment(article=article, status=Comment.Status.SPAM)
    assert client.get(spam.get_absolute_url()).status_code == 404


def test_a_reader_gets_a_stamp_of_their_own_ready_seconds_from_now(client, article, settings):
    settings.COMMENTS_MIN_SECONDS = 3
    url = reverse("comments:stamp", args=[article.slug])

    response = client.get(url)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    own = response.json()
    assert 2 <= own["ready_in"] <= 3
    assert signing.loads(own["stamp"], salt=FORM_SALT)["a"] == article.pk
    shared = re.search(r'data-ready-at="(\d+)"', _page(client, article.get_absolute_url()))
    assert time.time() + own["ready_in"] < int(shared.group(1))  # sooner than the page's
    with time_machine.travel(time.time() + 4):
        posted = post(client, article, stamp=own["stamp"])
    assert posted.status_code == 302
    assert Comment.objects.count() == 1


def test_no_stamp_where_no_comment_can_be_posted(client, article):
    closed = make_article(slug="closed", allow_comments=False)
    draft = make_article(slug="draft", status="draft", published_at=None)

    for slug in (closed.slug, draft.slug, "no-such-article"):
        assert client.get(reverse("comments:stamp", args=[slug])).status_code == 404
    assert client.post(reverse("comments:stamp", args=[article.slug])).status_code == 405
    assert client.get(reverse("comments:stamp", args=[article.slug])).status_code == 200
