"""Follow-by-email work for the task worker: confirmations, starting mailings, batches.

Nothing here runs while a reader or an editor waits. A mailing starts when its
article is published (``article_saved`` queues ``start_mailing``) or, for a scheduled
article, when the periodic ``send_due_mailings`` finds its time has come; it is then
sent in batches (``send_batch``), each queuing the next, see followers/sending.py.
"""

import logging
from datetime import timedelta

from django.db.models.functions import Coalesce
from django.tasks import task
from django.utils import timezone

from articles.models import recovering
from comments.tasks import retrying
from followers import emails, sending
from followers.models import Follower, Mailing
from operations.periodic import queue_next_run

logger = logging.getLogger(__name__)

# Batches of one mailing that may run at once (on as many workers as there are).
PARALLEL_BATCHES = 2
# A new article published within this long of being saved is new writing, mailed by
# default; one saved as published long ago (an import, a back-dated entry) is not.
NEW_WITHIN = timedelta(hours=1)


def article_saved(article) -> None:
    """Give a newly saved article its mailing, and start it if the article is out now.

    Connected to Article's post_save (followers/apps.py).
    """
    # Brought back after it was deleted, a published article was read (or mailed, with no
    # record left of whom to): not sent again unless an editor ticks the box.
    new_writing = _is_new_writing(article) and not (recovering.get() and article.is_published())
    mailing, _ = Mailing.objects.get_or_create(
        article=article, defaults={"send_to_followers": new_writing}
    )
    start_if_due(mailing)


def start_if_due(mailing: Mailing) -> None:
    """Queue the start of this mailing if its article is out and it was never sent.

    Starting twice does no harm (the second start finds it started), so callers need
    not know whether someone else queued it already.
    """
    if sending.due_mailings().filter(pk=mailing.pk).exists():
        start_mailing.enqueue(mailing.pk)


def _is_new_writing(article) -> bool:
    if article.published_at is None or not article.is_published():
        return True  # a draft or a scheduled article: followers hear of it when it is out
    return article.published_at >= timezone.now() - NEW_WITHIN


@task
def ask_to_confirm(email: str, attempt: int = 1) -> None:
    with retrying(ask_to_confirm, [email], attempt):
        emails.ask_to_confirm(email)


@task
def start_mailing(mailing_id: int) -> int:
    """Queue a delivery for every confirmed follower, then the first batches."""
    queued = sending.start(mailing_id)
    if queued:
        for _ in range(PARALLEL_BATCHES):
            send_batch.enqueue(mailing_id)
    return queued


@task
def send_batch(mailing_id: int, attempt: int = 1) -> dict:
    """Send one batch; queue the next while there is more, or at the next retry time."""
    result = None
    with retrying(send_batch, [mailing_id], attempt):
        result = sending.send_batch(mailing_id)
    if result is None:  # the mail server failed: retrying() queued a later try
        return {}
    if result.more:
        send_batch.enqueue(mailing_id)
    elif retry_at := sending.next_retry_at(mailing_id):
        send_batch.using(run_after=retry_at).enqueue(mailing_id)
    return {"sent": result.sent, "failed": result.failed, "later": result.later,
            "skipped": result.skipped}  # fmt: skip


@task
def send_test(mailing_id: int, address: str) -> bool:
    """Send an editor the article as followers will get it, marked as a test."""
    mailing = Mailing.objects.select_related("article__author").filter(pk=mailing_id).first()
    if mailing is None or not address:
        return False
    mail = emails.ArticleMail(mailing.article, full_text=mailing.full_text, test=True)
    mail.message_to(address).send()
    return True


@task
def send_due_mailings() -> dict:
    """Every minute (PERIODIC_TASKS): start mailings whose article's time has come, and
    resume mailings whose worker stopped (killed, restarted) with deliveries waiting."""
    queue_next_run(send_due_mailings)
    started = list(sending.due_mailings().values_list("pk", flat=True))
    for pk in started:
        start_mailing.enqueue(pk)
    resumed = list(sending.stalled_mailings().values_list("pk", flat=True))
    for pk in resumed:
        Mailing.objects.filter(pk=pk).update(progress_at=timezone.now())
        send_batch.enqueue(pk)
    if started or resumed:
        logger.info("mailings started: %s; resumed: %s", started, resumed)
    return {"started": started, "resumed": resumed}


# An address nobody confirmed is kept this long after its last confirmation mail (its
# owner may still click), then forgotten.
UNCONFIRMED_DAYS = 30


@task
def forget_unconfirmed_followers() -> int:
    """Daily (PERIODIC_TASKS): forget addresses whose confirmation nobody followed.

    Anyone may type any address into the form; one that never confirmed is not a
    follower, and a stranger's typing should not stay in the database for ever. The
    days count from the last confirmation mail: whoever asked again holds a fresh link.
    """
    queue_next_run(forget_unconfirmed_followers)
    cutoff = timezone.now() - timedelta(days=UNCONFIRMED_DAYS)
    last_asked = Coalesce("confirmation_sent_at", "created_at")
    forgotten = Follower.objects.pending().alias(last_asked=last_asked)
    deleted, _ = forgotten.filter(last_asked__lt=cutoff).delete()
    return deleted
