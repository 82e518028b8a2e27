"""The signed stamp in every comment form: which article, when it was shown, and a
random value only the server mints.

It stops bots that post faster than a person reads (COMMENTS_MIN_SECONDS), forms
kept open for days (COMMENTS_FORM_MAX_AGE), a form moved to another article, and,
with what the reader wrote, a form sent twice (``form_nonce``).

A shared page is one copy for every reader: kept for up to PAGE_CACHE_SECONDS here,
then up to PAGE_SHARED_SECONDS more at a proxy, and opened at any moment of that. So
its stamp's time is set ahead of the page's making by that long: no copy can be posted
from at once, and a person posts at the earliest that long, plus up to STAMP_SECONDS,
after the page was made (20-30 s by default; a reader who took less is asked to check
and send again; with JavaScript, touching the form fetches a stamp of the reader's own
(comments.views.fresh_stamp), and a sending sooner than its stamp allows waits,
"Posting…", instead: see ``ready_at``; without JavaScript, the form's <noscript>
image gives the browser a cookie saying when it was shown the form, and a sending
COMMENTS_MIN_SECONDS after that is not too quick: see ``seen_cookie``). A page made for
one reader (one with saved details, a reply link, a form shown again after a refusal)
counts from the moment it was made. A form shown again gets a new stamp of that kind:
sending it at once is too quick again. Only a form refused for being a day old comes
back ready at once. A CDN serving stale copies (stale-while-revalidate) can hand out a
copy older than this allows: the trap then counts from when the page was made.
"""

import hashlib
import time

from django import forms
from django.conf import settings
from django.core import signing

FORM_SALT = "comments.form"


STAMP_SECONDS = 10  # stamps of one article within these seconds are the same bytes
SEEN_COOKIE = "form_seen"  # when this browser was shown an article's comment form


def new_stamp(article_pk: int, *, ago: int = 0, shared: bool = False) -> str:
    """A stamp for a form about ``article_pk``, as if shown ``ago`` seconds ago.

    On a ``shared`` page its time is the moment from which the form may be sent, less
    COMMENTS_MIN_SECONDS: after every shared copy of the page has gone, rounded up to
    STAMP_SECONDS. Nothing else varies: such pages made in the same few seconds are
    the same bytes, whoever asked.
    """
    shown = int(time.time()) - ago
    if shared:
        ahead = shown + _shared_seconds() - settings.COMMENTS_MIN_SECONDS
        shown = ahead - ahead % STAMP_SECONDS + STAMP_SECONDS
    return signing.dumps({"a": article_pk, "t": shown}, salt=FORM_SALT)


def ready_stamp(article_pk: int) -> str:
    """A stamp that can be sent at once (a form refused for being a day old)."""
    return new_stamp(article_pk, ago=settings.COMMENTS_MIN_SECONDS)


def ready_at(value: str) -> int | None:
    """When a form with this stamp may be sent (seconds since the epoch), or None if at
    once. On the form as data-ready-at: a browser with JavaScript holds a sending that
    is too early until then ("Posting…") rather than have it refused. It tells a bot
    nothing the stamp doesn't: its time is signed, not secret."""
    try:
        stamp = signing.loads(value or "", salt=FORM_SALT)
    except (signing.BadSignature, ValueError):
        return None
    if not settings.COMMENTS_MIN_SECONDS or not isinstance(stamp, dict):
        return None
    shown = stamp.get("t")
    return shown + settings.COMMENTS_MIN_SECONDS if isinstance(shown, int) else None


def _shared_seconds() -> int:
    """How long after it was made a shared copy of a page may still be served."""
    return max(settings.PAGE_CACHE_SECONDS, 0) + max(settings.PAGE_SHARED_SECONDS, 0)


def seen_cookie(article_pk: int, raw: str | None) -> str | None:
    """A new SEEN_COOKIE value for a browser just shown the form of ``article_pk`` (its
    <noscript> image came), or None to keep the one it has (``raw``): the first time
    counts, renewed once it is half a form's life old. Set for the article's comment
    addresses only (their path), so the shared page itself is still asked without it.
    A browser with JavaScript never loads the image: it asks for a stamp of its own."""
    seen = seen_at(article_pk, raw)
    if seen is not None and time.time() - seen < settings.COMMENTS_FORM_MAX_AGE / 2:
        return None
    return signing.dumps({"a": article_pk, "t": int(time.time())}, salt=SEEN_COOKIE)


def seen_at(article_pk: int, raw: str | None) -> int | None:
    """When this browser was shown the form of ``article_pk`` (its SEEN_COOKIE), if it
    says so within a form's life."""
    try:
        seen = signing.loads(raw or "", salt=SEEN_COOKIE, max_age=settings.COMMENTS_FORM_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(seen, dict) or seen.get("a") != article_pk:
        return None
    return seen["t"] if isinstance(seen.get("t"), int) else None


def check_stamp(value: str, article_pk: int, seen: int | None = None) -> dict:
    """The stamp's content, or a ValidationError a reader can act on. Sent sooner than
    the stamp allows, it still passes if the browser was ``seen`` (``seen_at``) to be
    shown the form long enough ago: a person without JavaScript on a shared page."""
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
            "Your comment is still here: please send it again.",
            code="expired",
        )
    quick = settings.COMMENTS_MIN_SECONDS and age < settings.COMMENTS_MIN_SECONDS
    if quick and not (seen is not None and time.time() - seen >= settings.COMMENTS_MIN_SECONDS):
        raise forms.ValidationError(
            "That was quick! Please take a moment to check your comment, then send it again.",
            code="quick",
        )
    return stamp


def form_nonce(stamp: str, *parts: str) -> str:
    """What makes one sending of a form different from every other.

    Pages are shared: every reader of an article gets the same bytes, the same stamp
    included, so the stamp alone can't tell two readers apart. It is combined with
    the reader's network and what they sent (their canonical address, the comment
    they answer, their words): two readers of one page post two comments, while the
    same request sent again, a double click, the back button or a replay with any
    cookies and headers, makes the same nonce, unique in the database, and posts
    nothing. A replay with other words is just another comment, under the same flood
    limits as any. The network is in it so that "this was sent before" answers only
    the network that sent it: a stranger elsewhere, replaying a public comment's words
    and the public stamp under guessed addresses, learns nothing of who wrote it.
    """
    seed = "\x1f".join((stamp, *parts))
    return hashlib.sha256(seed.encode()).hexdigest()[:32]
