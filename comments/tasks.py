"""What happens after a comment is posted or approved: mail, as tasks the worker runs.

Django's Tasks with a PostgreSQL-backed queue (django-tasks-db): a task is a row
written in the same transaction as the comment that caused it, so it exists
exactly when its comment does, and `manage.py db_worker` (started beside the
server by `make run`) sends the mail, never the request. A mail server that is
down loses nothing: the task tries again later (RETRY_DELAYS), and after the last
try it fails where operators see it (admin → Task results, status Failed, with the
error).
"""

import logging
import smtplib
from contextlib import contextmanager
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from comments import emails
from comments.models import Comment

logger = logging.getLogger(__name__)

# Seconds before each new try: a minute, five, half an hour, two hours, twelve.
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 60 * 60, 12 * 60 * 60)
MAIL_FAILURES = (smtplib.SMTPException, OSError)  # OSError: refused, unreachable, timeout


def comment_posted(comment: Comment, network: str) -> None:
    """React to a new comment: tell moderators, ask "notify me" to confirm, tell a parent.

    Spam sets off nothing: it is kept for moderators to look at, and nobody is mailed.
    """
    if comment.status == Comment.Status.SPAM:
        return
    if emails.moderators_of(comment):  # no task when there is nobody to tell
        notify_moderators.enqueue(comment.pk)
    if comment.notify:
        ask_to_confirm.enqueue(comment.email, network)
    if comment.status == Comment.Status.APPROVED:
        notify_reply_approved.enqueue(comment.pk)


def comments_approved(comment_ids) -> None:
    """React to a moderator's approval: each approved reply may have a parent to tell."""
    for pk in comment_ids:
        notify_reply_approved.enqueue(pk)


@task
def notify_moderators(comment_id: int, attempt: int = 1) -> None:
    with retrying(notify_moderators, [comment_id], attempt):
        if comment := _comment(comment_id):
            emails.notify_moderators(comment)


@task
def ask_to_confirm(email: str, network: str, attempt: int = 1) -> None:
    with retrying(ask_to_confirm, [email, network], attempt):
        emails.ask_to_confirm(email, network, first_try=attempt == 1)


@task
def notify_reply_approved(comment_id: int, attempt: int = 1) -> None:
    with retrying(notify_reply_approved, [comment_id], attempt):
        if comment := _comment(comment_id):
            emails.notify_reply_approved(comment)


def _comment(comment_id: int) -> Comment | None:
    """The comment, unless it was deleted before the worker got to it."""
    return Comment.objects.select_related("article__author", "parent").filter(pk=comment_id).first()


@contextmanager
def retrying(this_task, args: list, attempt: int):
    """Queue another try of ``this_task`` later if the mail server failed; after the
    last try, let the failure through so the task shows as failed."""
    try:
        yield
    except MAIL_FAILURES as error:
        if attempt > len(RETRY_DELAYS):
            raise
        delay = RETRY_DELAYS[attempt - 1]
        logger.warning("%s failed (%s); try %d in %d s", this_task.name, error, attempt + 1, delay)
        this_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
            *args, attempt=attempt + 1
        )
