"""The writer thread, the write at exit, and a batch the database refuses (analytics/buffer.py).

These tests commit (transaction=True): the writer thread has a connection of its own, and
a refused INSERT must not end the test's transaction.
"""

import time

import pytest
from django.db import OperationalError
from django.utils import timezone

from analytics import buffer
from analytics.models import Event
from tests.analytics.conftest import Reader
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def at_exit(transactional_db, settings, monkeypatch):
    """A new worker's writer thread (started by its first event); its exit handlers.

    The handlers are collected, not registered: the test calls them as Python would at exit,
    and so does the teardown, which stops the thread whatever the test did."""
    settings.ANALYTICS_FLUSH_SECONDS = 3600
    handlers = []
    monkeypatch.setattr(buffer.atexit, "register", handlers.append)
    monkeypatch.setitem(buffer._state, "pid", None)  # as after a fork
    yield handlers
    for handler in handlers:
        handler()


def _soon(condition, seconds=10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_writer_thread_writes_events_every_few_seconds(at_exit, settings):
    settings.ANALYTICS_FLUSH_SECONDS = 1
    article = make_article()
    Reader().view(article)

    assert _soon(lambda: Event.objects.count() == 1)
    assert buffer.waiting() == 0


def test_the_writer_thread_writes_at_once_when_a_batch_is_full(at_exit, monkeypatch):
    monkeypatch.setattr(buffer, "FLUSH_AT", 3)
    article, reader = make_article(), Reader()
    for _ in range(3):
        reader.view(article)

    assert _soon(lambda: Event.objects.count() == 3)  # long before ANALYTICS_FLUSH_SECONDS


def test_a_worker_that_stops_writes_what_is_left_and_stops_its_writer(at_exit):
    article = make_article()
    Reader().view(article)
    writer = buffer._state["writer"]
    assert at_exit == [buffer._flush_at_exit]
    assert buffer.waiting() == 1  # the writer waits an hour

    at_exit[0]()

    assert Event.objects.count() == 1
    assert not writer.is_alive()


def test_at_exit_a_worker_writes_what_its_writer_did_not(at_exit, monkeypatch):
    monkeypatch.setattr(buffer, "_write_forever", lambda: None)  # a writer that never wrote
    article = make_article()
    Reader().view(article)

    at_exit[0]()

    assert Event.objects.count() == 1


def _event(**fields) -> dict:
    event = {"kind": Event.Kind.SEARCH, "day": timezone.localdate(), "visitor": "v",
             "network": "n", "query": "heat", "results": 1}  # fmt: skip
    return {**event, **fields}


@pytest.mark.parametrize(
    ("refused", "error"),
    [({"query": "q" * 201}, "DataError"), ({"results": -1}, "IntegrityError")],
)
def test_an_event_the_database_refuses_is_left_out_and_the_rest_go_in(refused, error, caplog):
    buffer.add(_event(query="first"))
    buffer.add(_event(**refused))
    buffer.add(_event(query="third"))

    assert buffer.flush() == 2
    assert buffer.waiting() == 0  # never tried again
    assert f"an event the database refuses was left out ({error})" in caplog.text
    buffer.add(_event(query="next batch"))
    assert buffer.flush() == 1
    assert sorted(Event.objects.values_list("query", flat=True)) == ["first", "next batch", "third"]


def test_events_wait_while_the_database_is_away(monkeypatch):
    def away():
        raise OperationalError("connection refused")

    buffer.add(_event())
    monkeypatch.setattr(buffer, "_insert", away)
    assert buffer.flush() == 0
    assert buffer.waiting() == 1

    monkeypatch.undo()
    assert buffer.flush() == 1
    assert Event.objects.count() == 1
