"""The mail followers get: the confirmation, and each new article.

An article's mail has a plain-text part and an HTML part whose CSS is inlined
(css-inline), as mail clients need; images load from the site by absolute address;
links go straight to the site (no tracking pixel, no redirect through us). Every
article mail carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058),
so the reader's mail client offers a one-click unsubscribe that needs no sign-in.

The article is rendered once per batch (``ArticleMail``) and only the reader's own
unsubscribe link differs from one copy to the next.
"""

import re
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from markdownify import markdownify

from articles.rendering import absolute_urls
from comments.emails import (
    LongHeaderLines,
    absolute,
    send_confirmation_once_a_day,
)
from comments.identity import canonical_email
from followers.models import Follower

CONFIRM_SALT = "followers.confirm"
UNSUBSCRIBE_SALT = "followers.unsubscribe"
CONFIRM_LINK_MAX_AGE = 7 * 24 * 60 * 60
# Stands for each reader's own unsubscribe address in the article rendered once.
_UNSUBSCRIBE_SLOT = "heatblog-unsubscribe-slot-7f3a9c"
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def confirm_token(email: str) -> str:
    return signing.dumps(canonical_email(email), salt=CONFIRM_SALT)


def unsubscribe_url(email: str) -> str:
    token = signing.dumps(canonical_email(email), salt=UNSUBSCRIBE_SALT)
    return absolute(reverse("followers:unsubscribe", args=[token]))


def email_from_token(token: str, salt: str, max_age: int | None = None) -> str:
    """The canonical address a signed link was made for, or '' if it is not ours."""
    try:
        email = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return ""
    return canonical_email(email) if isinstance(email, str) else ""


def ask_to_confirm(email: str) -> bool:
    """Send the double opt-in mail unless already following or sent in the last day.

    The caps per network and recipient were counted by the form; the day's one mail
    is claimed as for reply notifications (comments/emails.py).
    """
    address = canonical_email(email)
    if not address:
        return False
    follower, _ = Follower.objects.get_or_create(email=address)
    if follower.gets_articles:
        return False
    return send_confirmation_once_a_day(
        follower,
        subject="Confirm you want new articles by email",
        template="followers/emails/confirm.txt",
        confirm_url=reverse("followers:confirm", args=[confirm_token(address)]),
    )


class ArticleMessage(LongHeaderLines, EmailMultiAlternatives):
    pass


def _plain(html: str) -> str:
    """The article as the mail's text part: paragraphs, "## headings", lists, and links
    and images by their full address (Markdown, written for reading as plain text)."""
    text = markdownify(html, heading_style="ATX", bullets="-")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class ArticleMail:
    """One article as followers get it: rendered once, then addressed to each reader."""

    def __init__(self, article, *, full_text: bool = False, test: bool = False):
        url = absolute(article.get_absolute_url())
        body = absolute_urls(article.body_html, url) if full_text else ""
        context = {
            "article": article,
            "article_url": url,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "full_text": full_text,
            "body_html": body,
            "body_text": _plain(body) if body else "",
            "unsubscribe_url": _UNSUBSCRIBE_SLOT,
            "test": test,
        }
        title = " ".join(article.title.split())  # one header line, whatever was typed
        self.subject = f"[Test] {title}" if test else title
        self.text = render_to_string("followers/emails/article.txt", context)
        self.html = _INLINER.inline(render_to_string("followers/emails/article.html", context))
        self.list_id = f"{settings.SITE_NAME} <followers.{urlsplit(settings.SITE_URL).hostname}>"

    def message_to(self, address: str) -> ArticleMessage:
        """This reader's copy, with their own one-click unsubscribe link."""
        unsubscribe = unsubscribe_url(address)
        message = ArticleMessage(
            self.subject,
            self.text.replace(_UNSUBSCRIBE_SLOT, unsubscribe),
            to=[address],
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": self.list_id,
            },
        )
        message.attach_alternative(
            self.html.replace(_UNSUBSCRIBE_SLOT, escape(unsubscribe)), "text/html"
        )
        return message
