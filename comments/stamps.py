"""The signed stamp in every comment form: which article, when it was shown, and a
random value only the server mints.

It stops bots that post faster than a person reads (COMMENTS_MIN_SECONDS), forms
kept open for days (COMMENTS_FORM_MAX_AGE), a form moved to another article, and a
form sent twice (``form_nonce``).
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


def refreshed(stamp: str) -> str:
    """A fresh stamp for the same article as ``stamp`` (the page cache gives each reader
    of a shared page their own): shown now, with a new random value."""
    try:
        article_pk = signing.loads(stamp, salt=FORM_SALT)["a"]
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        return stamp
    return new_stamp(article_pk)


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


def form_nonce(stamp: str) -> str:
    """What makes one rendered form different from every other: its stamp.

    Only the server mints stamps (signed, with a random value; the page cache gives
    each reader of a shared page a fresh one), so nothing a client sends can make an
    old stamp new. A comment is stored with its nonce, unique in the database: a
    double click, the back button or a replayed request, whatever its cookies and
    CSRF token say, posts nothing.
    """
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]
