"""Sending one article to every follower exactly once, at any size, by the task worker.

How "exactly once" holds:

- ``start`` turns a due mailing into one Delivery row per confirmed follower, in one
  ``INSERT … SELECT … ON CONFLICT DO NOTHING`` under a lock on the mailing, and stamps
  ``started_at``. A mailing is due only while ``started_at`` is empty, so saving,
  unpublishing or republishing the article later starts nothing; the unique
  (mailing, follower) constraint stops a second row even if two starts raced.
- ``send_batch`` claims one queued delivery at a time (``FOR UPDATE SKIP LOCKED``,
  committed as ``sending`` before the mail goes out), sends it, and marks it ``sent``.
  Two workers never claim the same row; a worker that dies leaves every row it had
  not claimed ``queued``, and the next batch (the periodic check restarts a stalled
  mailing) sends those: nobody is skipped.
- The one window left is between the mail server taking the message (the end of
  DATA) and the commit of ``sent``: a worker killed there, or a connection that
  times out or drops before the server's "250 accepted" reaches us, leaves one row
  ``sending``. Whether that mail arrived is unknowable from here, and a second copy
  is worse than asking, so such a row is never resent by itself: after STALE_AFTER
  the admin reports it as "interrupted" and an editor may resend it knowingly. Only
  failures known to come before the message was handed over (BEFORE_HANDOVER: the
  server refusing our connection, greeting or sender) put the row back in the queue;
  a timeout or a dropped connection could be either, and counts as the window. At
  most one row per dead worker or lost connection can be in it.

Memory stays flat: the article is rendered once per batch, followers are read one
claimed row at a time, and no list of everyone is ever built in Python.
"""

import logging
import re
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.utils import timezone

from articles.models import Article
from followers.emails import ArticleMail
from followers.models import Delivery, Follower, Mailing

logger = logging.getLogger(__name__)

BATCH_SIZE = 200  # mails per task: one SMTP connection, one rendering of the article
MAX_ATTEMPTS = 5  # tries of one delivery when the reader's server says "try later"
HARD_BOUNCES_TO_UNSUBSCRIBE = 3  # permanent refusals in a row
STALE_AFTER = timedelta(minutes=5)  # no progress this long: the worker is gone
# Seconds before each new try of a delivery refused for now (4xx).
RETRY_DELAYS = (5 * 60, 30 * 60, 2 * 60 * 60, 12 * 60 * 60)
# Failures of the mail server known to come before the message is handed over (DATA):
# nothing can have been accepted, so the delivery in hand goes back in line.
BEFORE_HANDOVER = (
    smtplib.SMTPConnectError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPHeloError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPNotSupportedError,
    ConnectionRefusedError,
)
# An enhanced status code (RFC 3463) opening a reply's text: class.subject.detail.
_ENHANCED_STATUS = re.compile(r"([245])\.(\d{1,3})\.(\d{1,3})\b")
# Words of a reply without an enhanced status that say the mailbox does not exist.
_NO_SUCH_MAILBOX = re.compile(
    r"\b(no such|unknown|invalid) (user|mailbox|recipient|address)\b"
    r"|\b(user|mailbox|recipient|address) (unknown|not found|does ?n[o']t exist)\b",
    re.IGNORECASE,
)

_DELIVERY = Delivery._meta.db_table
_FOLLOWER = Follower._meta.db_table
_MAILING = Mailing._meta.db_table
_QUEUE_EVERYONE = f"""
    INSERT INTO {_DELIVERY} (mailing_id, follower_id, status, attempts, error)
    SELECT %s, id, 'queued', 0, '' FROM {_FOLLOWER}
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL
    ON CONFLICT (mailing_id, follower_id) DO NOTHING
"""  # noqa: S608 - our own tables
# Claim the next queued delivery (skipping rows another worker is claiming), mark the
# mailing as making progress (so it is never taken for stalled while a batch runs),
# and say who the delivery is for, in one round trip; committed before the mail is sent.
_CLAIM_NEXT = f"""
    WITH next AS (
        SELECT id FROM {_DELIVERY}
        WHERE mailing_id = %(mailing)s AND status = 'queued'
          AND (retry_after IS NULL OR retry_after <= %(now)s)
        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE {_DELIVERY} AS d SET status = 'sending', claimed_at = %(now)s,
               attempts = d.attempts + 1
        FROM next WHERE d.id = next.id
        RETURNING d.id, d.follower_id, d.attempts
    ), touched AS (
        UPDATE {_MAILING} SET progress_at = %(now)s
        WHERE id = %(mailing)s AND EXISTS (SELECT 1 FROM claimed)
    )
    SELECT claimed.id, claimed.attempts, f.id, f.email, f.hard_bounces,
           f.confirmed_at IS NOT NULL AND f.unsubscribed_at IS NULL
    FROM claimed JOIN {_FOLLOWER} AS f ON f.id = claimed.follower_id
"""  # noqa: S608 - our own tables


@dataclass
class _Claim:
    delivery_id: int
    attempts: int
    follower_id: int
    email: str
    hard_bounces: int
    gets_articles: bool


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    later: int = 0  # refused for now, queued again for later
    skipped: int = 0
    more: bool = False  # the batch ended full: there may be more to send
    errors: list = field(default_factory=list)


def due_mailings():
    """Mailings to start: sending on, article published (its time reached), not started."""
    return Mailing.objects.filter(
        send_to_followers=True, started_at__isnull=True, article__in=Article.objects.published()
    )


def stalled_mailings():
    """Started mailings with deliveries waiting and no claim by a batch for STALE_AFTER."""
    now = timezone.now()
    waiting = Delivery.objects.filter(mailing=OuterRef("pk"), status=Delivery.Status.QUEUED).filter(
        Q(retry_after__isnull=True) | Q(retry_after__lte=now)
    )
    return Mailing.objects.filter(
        started_at__isnull=False, progress_at__lt=now - STALE_AFTER
    ).filter(Exists(waiting))


def start(mailing_id: int) -> int:
    """Queue one delivery per confirmed follower if the mailing is due; return how many."""
    with transaction.atomic():
        mailing = due_mailings().select_for_update().filter(pk=mailing_id).first()
        if mailing is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(_QUEUE_EVERYONE, [mailing.pk])
            queued = cursor.rowcount
        now = timezone.now()
        Mailing.objects.filter(pk=mailing.pk).update(started_at=now, progress_at=now)
    logger.info("mailing %s of article %s: %d deliveries queued", mailing.pk,
                mailing.article_id, queued)  # fmt: skip
    return queued


def send_batch(mailing_id: int, *, limit: int = BATCH_SIZE) -> BatchResult:
    """Send up to ``limit`` queued deliveries of a started mailing, one claim at a time.

    A failure of the mail server itself raises, for the task to try again later: the
    delivery in hand goes back in the queue if the failure came before the message
    was handed over (refusing our greeting or sender), and stays ``sending`` if the
    server may have it (a timeout, a dropped connection). A refusal of one reader's
    address is that delivery's alone.
    """
    result = BatchResult()
    mailing = (
        Mailing.objects.select_related("article__author")
        .filter(pk=mailing_id, started_at__isnull=False)
        .first()
    )
    if mailing is None:
        return result
    Mailing.objects.filter(pk=mailing_id).update(progress_at=timezone.now())
    mail = ArticleMail(mailing.article, full_text=mailing.full_text)
    with mailers.default as mailer:  # one connection for the batch
        for _ in range(limit):
            claim = _claim_next(mailing_id)
            if claim is None:
                return result
            if not claim.gets_articles:  # unsubscribed after the mailing started
                _finish(claim, Delivery.Status.SKIPPED)
                result.skipped += 1
                continue
            _send_one(mailer, mail, claim, result)
    result.more = True
    return result


def next_retry_at(mailing_id: int):
    """When the earliest delivery refused for now may be tried again (None: none waits)."""
    return Delivery.objects.filter(
        mailing_id=mailing_id, status=Delivery.Status.QUEUED, retry_after__gt=timezone.now()
    ).aggregate(at=Min("retry_after"))["at"]


def requeue_failed(mailing: Mailing, *, interrupted: bool = False) -> int:
    """Queue failed deliveries again (and, if asked, interrupted ones); return how many.

    Only for followers who still get articles; an interrupted delivery may have
    arrived already, so only an editor who chose to risk a second copy resends it.
    """
    rows = Delivery.objects.filter(mailing=mailing, follower__in=Follower.objects.confirmed())
    query = Q(status=Delivery.Status.FAILED)
    if interrupted:
        query |= Q(status=Delivery.Status.SENDING, claimed_at__lt=timezone.now() - STALE_AFTER)
    requeued = rows.filter(query).update(
        status=Delivery.Status.QUEUED, attempts=0, retry_after=None, error=""
    )
    Mailing.objects.filter(pk=mailing.pk).update(progress_at=timezone.now())
    return requeued


def progress(mailing: Mailing) -> dict[str, int]:
    """Deliveries by status, with "interrupted" apart from those being sent right now."""
    stale = timezone.now() - STALE_AFTER
    sending = Q(status=Delivery.Status.SENDING)
    return mailing.deliveries.aggregate(
        queued=Count("pk", filter=Q(status=Delivery.Status.QUEUED)),
        sending=Count("pk", filter=sending & Q(claimed_at__gte=stale)),
        interrupted=Count("pk", filter=sending & Q(claimed_at__lt=stale)),
        sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        skipped=Count("pk", filter=Q(status=Delivery.Status.SKIPPED)),
    )


def _claim_next(mailing_id: int) -> _Claim | None:
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_NEXT, {"mailing": mailing_id, "now": timezone.now()})
        row = cursor.fetchone()
    return _Claim(*row) if row else None


def _send_one(mailer, mail: ArticleMail, claim: _Claim, result: BatchResult) -> None:
    try:
        mailer.send_messages([mail.message_to(claim.email)])
    except smtplib.SMTPRecipientsRefused as refused:
        code, words = _reply(next(iter(refused.recipients.values()), (0, b"")))
        if is_hard_bounce(code, words):
            _hard_bounce(claim, f"{code} {words}")
            result.failed += 1
        elif code >= 500:  # refused for good, but not as an address that does not exist
            _finish(claim, Delivery.Status.FAILED, error=f"{code} {words}")
            result.failed += 1
        elif _try_later(claim, f"{code} {words}"):
            result.later += 1
        else:
            result.failed += 1
    except smtplib.SMTPDataError as refused:  # the message itself, for this reader
        code, words = _reply((refused.smtp_code, refused.smtp_error))
        if code >= 500:
            _finish(claim, Delivery.Status.FAILED, error=f"{code} {words}")
            result.failed += 1
        elif _try_later(claim, f"{code} {words}"):
            result.later += 1
        else:
            result.failed += 1
    except ValueError as refused:  # raised building the copy, before anything was sent
        _finish(claim, Delivery.Status.FAILED, error=f"not sent: {refused}")
        result.failed += 1
    except BEFORE_HANDOVER:
        # The server, not this reader, before the message went: back in line.
        Delivery.objects.filter(pk=claim.delivery_id).update(
            status=Delivery.Status.QUEUED, attempts=F("attempts") - 1
        )
        raise
    except (smtplib.SMTPException, OSError) as lost:
        # A timeout or a dropped connection: the server may have accepted the mail.
        # The delivery stays "sending", reported as interrupted, never resent by itself.
        Delivery.objects.filter(pk=claim.delivery_id).update(
            error=f"connection lost, may have been delivered: {lost!r}"[:300]
        )
        raise
    else:
        _finish(claim, Delivery.Status.SENT)
        if claim.hard_bounces:  # bounces count in a row: a delivery ends the run
            Follower.objects.filter(pk=claim.follower_id).update(hard_bounces=0)
        result.sent += 1


def is_hard_bounce(code: int, words: str) -> bool:
    """Whether a refusal says the reader's address does not exist: a hard bounce.

    Only such refusals count towards unsubscribing: an enhanced status 5.1.x
    ("550 5.1.1 User unknown"; not 5.1.7 and 5.1.8, which are about our sender), or,
    from a server that gives none, 550, 551 or 553 with words that say so ("550 No
    such user"). Any other permanent refusal (policy or relaying, 5.7.x; a local mail
    server of ours misconfigured) fails the delivery alone, for the retry button.
    """
    if enhanced := _ENHANCED_STATUS.match(words):
        status_class, subject, detail = enhanced.groups()
        return code >= 500 and (status_class, subject) == ("5", "1") and detail not in ("7", "8")
    return code in (550, 551, 553) and _NO_SUCH_MAILBOX.search(words) is not None


def _finish(claim: _Claim, status: str, *, error: str = "") -> None:
    now = timezone.now()
    Delivery.objects.filter(pk=claim.delivery_id).update(
        status=status, error=error[:300], sent_at=now if status == Delivery.Status.SENT else None
    )


def _try_later(claim: _Claim, error: str) -> bool:
    """Queue the delivery again after a delay (True); after MAX_ATTEMPTS it failed."""
    if claim.attempts >= MAX_ATTEMPTS:
        _finish(claim, Delivery.Status.FAILED, error=error)
        return False
    delay = RETRY_DELAYS[min(claim.attempts, len(RETRY_DELAYS)) - 1]
    Delivery.objects.filter(pk=claim.delivery_id).update(
        status=Delivery.Status.QUEUED,
        retry_after=timezone.now() + timedelta(seconds=delay),
        error=error[:300],
    )
    return True


def _hard_bounce(claim: _Claim, error: str) -> None:
    """A permanent refusal: this delivery failed, and the follower is one bounce closer
    to being unsubscribed (HARD_BOUNCES_TO_UNSUBSCRIBE in a row)."""
    _finish(claim, Delivery.Status.FAILED, error=error)
    Follower.objects.filter(pk=claim.follower_id).update(
        hard_bounces=F("hard_bounces") + 1, last_bounce=error[:300]
    )
    Follower.objects.filter(
        pk=claim.follower_id,
        hard_bounces__gte=HARD_BOUNCES_TO_UNSUBSCRIBE,
        unsubscribed_at__isnull=True,
    ).update(unsubscribed_at=timezone.now(), unsubscribed_because=Follower.Reason.BOUNCES)


def _reply(pair) -> tuple[int, str]:
    code, words = pair
    if isinstance(words, bytes):
        words = words.decode("utf-8", "replace")
    return int(code or 0), " ".join(str(words).split())
