"""Rate limits: counted in PostgreSQL per network, so every worker counts together."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from comments import limits
from operations.limits import hit, purge_expired
from operations.models import RateCounter
from operations.network import network_of

pytestmark = pytest.mark.django_db


def test_flood_control_allows_one_comment_per_interval_per_network():
    assert limits.flood_message("192.0.2.1") is None
    assert limits.flood_message("192.0.2.1") == (
        "You are posting comments too quickly. Please wait 15 seconds, then send it "
        "again: your comment is kept below."
    )
    assert limits.flood_message("192.0.2.2") is None


def test_the_flood_window_closes_after_its_seconds(settings):
    settings.COMMENTS_FLOOD_SECONDS = 15
    assert limits.flood_message("192.0.2.1") is None

    with time_machine.travel(timezone.now() + timedelta(seconds=16)):
        assert limits.flood_message("192.0.2.1") is None


def test_flood_control_can_be_relaxed_for_benchmarks(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOURLY_LIMIT = 0

    assert all(limits.flood_message("192.0.2.1") is None for _ in range(50))
    assert not RateCounter.objects.exists()  # no limit counts nothing


def test_the_hourly_limit_says_how_many(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOURLY_LIMIT = 3

    answers = [limits.flood_message("192.0.2.1") for _ in range(4)]

    assert answers[:3] == [None, None, None]
    assert "You have posted or changed 3 comments in the last hour" in answers[3]


def test_edits_count_in_the_hourly_limit_with_new_comments(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOURLY_LIMIT = 3

    answers = [
        limits.flood_message("192.0.2.1"),
        limits.edit_flood_message("192.0.2.1"),
        limits.flood_message("192.0.2.1"),
        limits.edit_flood_message("192.0.2.1"),
        limits.flood_message("192.0.2.1"),
    ]

    assert answers[:3] == [None, None, None]
    assert "You have posted or changed 3 comments in the last hour" in answers[3]
    assert "You have posted or changed 3 comments in the last hour" in answers[4]


@pytest.mark.parametrize(
    ("ip", "network"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", ""),
        ("not an ip", ""),
    ],
)
def test_limits_count_ipv4_addresses_and_ipv6_slash_64s(ip, network):
    assert network_of(ip) == network


@pytest.mark.django_db(transaction=True)
def test_counting_is_exact_when_many_workers_hit_at_once():
    """Each thread has its own database connection, as gunicorn's workers do."""
    results = []

    def worker():
        results.extend(hit("race", 60) for _ in range(10))
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == list(range(1, 81))


def test_expired_counters_are_swept():
    hit("old", 1)
    hit("current", 3600)

    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        assert purge_expired() == 1

    assert list(RateCounter.objects.values_list("key", flat=True)) == ["current"]


def test_a_flood_wait_says_how_long_is_left(settings):
    settings.COMMENTS_FLOOD_SECONDS = 15
    posted = timezone.now()
    with time_machine.travel(posted, tick=False):
        assert limits.flood_message("192.0.2.1") is None

    # In steps of 5 seconds: to the second, it would tell when a neighbour posted.
    with time_machine.travel(posted + timedelta(seconds=11), tick=False):
        assert "Please wait 5 seconds, then send it again" in limits.flood_message("192.0.2.1")
    with time_machine.travel(posted + timedelta(seconds=4), tick=False):
        assert "Please wait 15 seconds, then send" in limits.flood_message("192.0.2.1")


def test_the_hourly_limit_says_when_to_come_back(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_HOURLY_LIMIT = 1
    posted = timezone.now()
    with time_machine.travel(posted, tick=False):
        assert limits.flood_message("192.0.2.1") is None

    with time_machine.travel(posted + timedelta(minutes=40), tick=False):
        message = limits.flood_message("192.0.2.1")
    assert message.endswith("Please come back in 20 minutes.")
