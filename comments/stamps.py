"""The signed stamp in every comment form: which article, when it was shown, and a
random value only the server mints.

It stops bots that post faster than a person reads (COMMENTS_MIN_SECONDS), forms
kept open for days (COMMENTS_FORM_MAX_AGE), a form moved to another article, and,
with the browser's CSRF secret, a form sent twice (``form_nonce``).
"""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing

FORM_SALT = "comments.form"


def new_stamp(article_pk: int, *, ago: int = 0) -> str:
    """A fresh stamp for a form about ``article_pk``, as if shown ``ago`` seconds ago."""
    stamp = {"a": article_pk, "t": int(time.time()) - ago, "n": secrets.token_hex(8)}
    return signing.dumps(stamp, salt=FORM_SALT)


def check_stamp(value: str, article_pk: int) -> dict:
    """The stamp's content, or a ValidationError a reader can act on."""
    try:
        stamp = signing.loads(value, salt=FORM_SALT)
    except (signing.BadSignature, ValueError):
        stamp = None
    if not isinstance(stamp, dict) or not isinstance(stamp.get("t"), int):
        raise forms.ValidationError(
            "Part of the form was missing or changed. Please send your comment again."
        )
    if stamp.get("a") != article_pk:
        raise forms.ValidationError(
            "This form belongs to another article. Please send your comment again."
        )
    age = time.time() - stamp["t"]
    if age > settings.COMMENTS_FORM_MAX_AGE:
        raise forms.ValidationError(
            "This page was opened too long ago to post from. "
            "Your comment is still here: please send it again."
        )
    if age < settings.COMMENTS_MIN_SECONDS:
        raise forms.ValidationError(
            "That was quick! Please take a moment to check your comment, then send it again."
        )
    return stamp


def form_nonce(stamp: str, csrf_secret: str) -> str:
    """What makes one rendered form, in one browser, different from every other.

    Both halves are minted by the server and can't be respelled: the signed stamp
    (with its random value) and the browser's CSRF secret, the unmasked value behind
    whatever spelling of the token the form carries (a cached page is shared by
    readers, each with their own secret). A comment is stored with its nonce, unique
    in the database: a double click, the back button, a replayed request with the
    raw secret or a re-masked token all post nothing.
    """
    return hashlib.sha256(f"{stamp}|{csrf_secret}".encode()).hexdigest()[:32]
