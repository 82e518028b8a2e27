"""Mail goes through the task queue: never on the request path, never lost to a mail outage."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from comments.tasks import RETRY_DELAYS
from tests.factories import post_comment as post
from tests.tasks import run_queued_tasks

BROKEN = {"default": {"BACKEND": "tests.comments.test_tasks.MailServerDown"}}


class MailServerDown:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


def test_posting_sends_no_mail_itself_the_worker_does(client, article):
    response = post(client, article)

    assert response.status_code == 302
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 1  # tell the moderators
    run_queued_tasks()
    assert [m.to for m in mail.outbox] == [["author@example.com"]]


def test_a_comment_posts_at_once_while_the_mail_server_is_down_and_its_mail_goes_later(
    client, article, settings
):
    settings.MAILERS = BROKEN
    response = post(client, article)
    run_queued_tasks()  # the first try fails: another is queued for later

    assert response.status_code == 302
    assert Comment.objects.count() == 1
    assert mail.outbox == []

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    run_queued_tasks()
    assert mail.outbox == []  # not before its time
    with time_machine.travel(timezone.now() + timedelta(seconds=RETRY_DELAYS[0] + 1)):
        run_queued_tasks()

    assert [m.to for m in mail.outbox] == [["author@example.com"]]
    run_queued_tasks()
    assert len(mail.outbox) == 1  # once


def test_a_mail_that_keeps_failing_is_retried_then_shown_to_the_operator_as_failed(
    article, settings, staff_client
):
    settings.MAILERS = BROKEN
    post(Client(), article)
    now = timezone.now()
    for delay in (0, *RETRY_DELAYS):
        now += timedelta(seconds=delay + 1)
        with time_machine.travel(now):
            run_queued_tasks()

    tries = DBTaskResult.objects.filter(task_path__endswith="notify_moderators")
    assert tries.count() == len(RETRY_DELAYS) + 1
    failed = tries.get(status="FAILED")
    assert "no mail server" in str(failed.traceback)
    assert tries.filter(status="SUCCESSFUL").count() == len(RETRY_DELAYS)  # each queued the next
    listing = staff_client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert listing.status_code == 200
    assert "notify_moderators" in listing.content.decode()
