"""What attackers type into the comment form stays text, on the page and in the admin."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from comments.models import Comment
from tests.factories import comment_data, make_comment
from tests.html import assert_inert


def _page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<a href=javascript:alert(1)>x</a>",
    "javascript:alert(1)",
    "<iframe src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "{{ 7*7 }}{% debug %}",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<a href='https://ok.example' onmouseover='alert(1)'>hover</a>",
    'https://x.example/"onmouseover="alert(1)',
    "<object data=javascript:alert(1)>",
    "<base href=//evil.example/>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "\u202e<script>alert(1)</script>",
    "<style>body{display:none}</style>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_text_and_name_is_inert_on_the_page(client, article, payload):
    make_comment(article=article, name=payload[:245], text=f"before {payload} after")

    html = _page(client, article.get_absolute_url())

    assert_inert(html)
    assert "before " in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_as_website_is_inert_on_the_page(client, article, payload):
    # Stored directly, as an import might: the page must not trust the database either.
    comment = make_comment(article=article, website=payload[:200])

    html = _page(client, article.get_absolute_url())
    assert_inert(html)
    assert comment.text in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_in_the_admin(staff_client, article, payload):
    comment = make_comment(article=article, name=payload[:245], text=payload, website=payload[:200])

    changelist = _page(staff_client, "/admin/comments/comment/")
    change = _page(staff_client, reverse("admin:comments_comment_change", args=[comment.pk]))

    assert_inert(changelist)
    assert_inert(change)
    assert reverse("admin:comments_comment_change", args=[comment.pk]) in changelist
    assert escape(payload) in change  # the words are there, as text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_posted_through_the_form_is_stored_as_text_or_refused(
    client, article, settings, payload
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    response = client.post(
        reverse("comments:post", args=[article.slug]),
        comment_data(article, text=payload, name=payload[:245], website=payload[:200]),
    )

    assert response.status_code in {302, 200}
    assert_inert(response.content.decode())
    for comment in Comment.objects.all():
        assert "<script" not in comment.text_html
        html = _page(client, article.get_absolute_url())
        assert_inert(html)
        assert f'id="comment-{comment.pk}"' in html  # its author sees it
