"""Periodic jobs are tasks: migrate queues their first run, each run queues the next."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from followers.models import Follower
from operations.limits import hit
from operations.models import RateCounter
from operations.periodic import queue_first_runs
from tests.factories import make_comment, make_follower
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_every_periodic_task_is_queued_once_however_often_migrate_runs(settings):
    DBTaskResult.objects.all().delete()

    first = queue_first_runs()
    again = queue_first_runs()

    assert sorted(first) == sorted(settings.PERIODIC_TASKS)
    assert again == []


def test_the_daily_upkeep_forgets_old_addresses_sweeps_counters_and_comes_back_tomorrow():
    DBTaskResult.objects.all().delete()
    old = make_comment(ip_address="192.0.2.1", user_agent="Firefox")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    recent = make_comment(ip_address="192.0.2.2", user_agent="Safari")
    hit("expired", 1)
    stranger_typed = make_follower("typed-by-a-stranger@example.com", confirmed=False)
    Follower.objects.filter(pk=stranger_typed.pk).update(
        created_at=timezone.now() - timedelta(days=31),
        confirmation_sent_at=timezone.now() - timedelta(days=31),
    )
    asked_again = make_follower("asked-again@example.com", confirmed=False)
    Follower.objects.filter(pk=asked_again.pk).update(  # a new link, still valid
        created_at=timezone.now() - timedelta(days=31),
        confirmation_sent_at=timezone.now() - timedelta(days=2),
    )
    asked_today = make_follower("asked-today@example.com", confirmed=False)
    old_follower = make_follower("reader@example.com")
    Follower.objects.filter(pk=old_follower.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    queue_first_runs()

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        run_queued_tasks()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_address, old.user_agent) == (None, "")
    assert (recent.ip_address, recent.user_agent) == ("192.0.2.2", "Safari")
    assert not RateCounter.objects.filter(key="expired").exists()
    # An address nobody confirmed within 30 days of its last confirmation mail is
    # forgotten; followers are kept.
    kept = {asked_today.pk, asked_again.pk, old_follower.pk}
    assert set(Follower.objects.values_list("pk", flat=True)) == kept
    waiting = DBTaskResult.objects.filter(status="READY")
    # Follow-by-email's check for articles reaching their time runs every minute; the
    # readers' rollup comes back every 10 minutes (tests/analytics/test_counting.py).
    minutely = waiting.filter(task_path="followers.tasks.send_due_mailings")
    tomorrow = waiting.exclude(pk__in=minutely).exclude(task_path="analytics.tasks.roll_up_readers")
    assert tomorrow.count() == 3
    assert all(r.run_after > timezone.now() + timedelta(hours=23) for r in tomorrow)
    assert minutely.count() == 1
