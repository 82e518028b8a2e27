"""Events on their way to the database: kept in this process, written in batches.

A reader's view costs no database write of its own: the beacon appends its event to a
list in memory, and a thread of this process writes the list as one multi-row INSERT
every ANALYTICS_FLUSH_SECONDS, or sooner once FLUSH_AT events are waiting. A worker
that stops normally (gunicorn's graceful stop, a max-requests recycle, runserver)
writes what is left when Python exits; one that is killed loses at most the events of
the last few seconds, and never more than MAX_WAITING. The database being away only
delays the write: events wait (up to MAX_WAITING) and go in with the next batch. An
event the database refuses (a value it can't hold) is left out and logged; the rest of
its batch goes in.

Each worker also admits at most ANALYTICS_EVENTS_PER_MINUTE events per network a
minute, so a flood fills neither memory nor the table; the rollup caps each network
again per day, across every worker (rollup.py).
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
)

logger = logging.getLogger(__name__)

FLUSH_AT = 500
MAX_WAITING = 20_000
EXIT_WAIT_SECONDS = 5
_MAX_NETWORKS = 50_000

_lock = threading.Lock()
_waiting: list = []
_wake = threading.Event()
_stop = threading.Event()
_state = {"pid": None, "minute": 0, "dropped": 0, "writer": None}
_per_network: dict[str, int] = {}


def add(event: dict) -> bool:
    """Queue one event (the fields of an analytics Event); False if it was not admitted."""
    network = event["network"]
    minute = int(time.monotonic() // 60)
    limit = settings.ANALYTICS_EVENTS_PER_MINUTE
    with _lock:
        if _state["pid"] != os.getpid():
            _start()
        if _state["minute"] != minute or len(_per_network) > _MAX_NETWORKS:
            _state["minute"] = minute
            _per_network.clear()
        seen = _per_network.get(network, 0)
        if (limit and seen >= limit) or len(_waiting) >= MAX_WAITING:
            _state["dropped"] += 1
            return False
        _per_network[network] = seen + 1
        _waiting.append(event)
        full = len(_waiting) >= FLUSH_AT
    if full:
        _wake.set()
    return True


def flush() -> int:
    """Write every waiting event in one INSERT; return how many were written."""
    with _lock:
        events = _waiting[:]
        _waiting.clear()
    if not events:
        return 0
    try:
        return _write(events)
    except (OperationalError, InterfaceError):  # the database is away: try again later
        logger.warning("analytics: %d events wait for the database", len(events))
        with _lock:
            _waiting[:0] = events[: MAX_WAITING - len(_waiting)]
        return 0


def _write(events: list) -> int:
    """Insert these events; of a batch the database refuses, leave out only the events it
    refuses (halving the batch until they are found), and never try them again."""
    columns = [[event.get(name) for event in events] for name, _ in _COLUMNS]
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(_insert(), columns)
    except (OperationalError, InterfaceError):
        raise
    except (DataError, IntegrityError) as error:
        if len(events) > 1:
            half = len(events) // 2
            return _write(events[:half]) + _write(events[half:])
        # The error's class only: its text may quote the row, and a reader's search with it.
        logger.error(
            "analytics: an event the database refuses was left out (%s)", type(error).__name__
        )
        return 0
    except DatabaseError as error:  # not the events' fault (a missing table?): drop the batch
        logger.error("analytics: %d events lost (%s)", len(events), type(error).__name__)
        return 0
    return len(events)


# One row per event from one array per column: a single statement, and ten times faster
# than building model instances for bulk_create (which took 80 µs an event).
_COLUMNS = [
    ("kind", "text"), ("day", "date"), ("article_id", "bigint"), ("visitor", "text"),
    ("network", "text"), ("referrer", "text"), ("depth", "smallint"), ("query", "text"),
    ("results", "integer"),
]  # fmt: skip


def _insert() -> str:
    from analytics.models import Event

    names = ", ".join(name for name, _ in _COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in _COLUMNS)
    defaults = "coalesce(referrer, ''), depth, coalesce(query, ''), results"
    return (
        f"INSERT INTO {Event._meta.db_table} ({names}) "  # noqa: S608 - our own names
        f"SELECT kind, day, article_id, visitor, network, {defaults} "
        f"FROM unnest({arrays}) AS event({names})"
    )


def waiting() -> int:
    return len(_waiting)


def _start() -> None:
    """In a new process (each gunicorn worker): forget the parent's events, start a writer."""
    _state["pid"] = os.getpid()
    _waiting.clear()
    _per_network.clear()
    if settings.ANALYTICS_FLUSH_SECONDS > 0:
        _stop.clear()
        _wake.clear()  # a wake-up meant for the parent's (or a stopped) writer is not ours
        writer = threading.Thread(target=_write_forever, name="analytics-writer", daemon=True)
        _state["writer"] = writer
        writer.start()
        atexit.register(_flush_at_exit)


def _write_forever() -> None:
    while not _stop.is_set():
        _wake.wait(settings.ANALYTICS_FLUSH_SECONDS)
        _wake.clear()
        try:
            flush()
        except Exception:  # never let the writer die: the next round tries again
            logger.exception("analytics: writing events failed")
        finally:
            connections.close_all()  # this thread's connection back to the pool


def _flush_at_exit() -> None:
    """Stop the writer, let it finish the batch it may be writing, write what is left."""
    _stop.set()
    _wake.set()
    if (writer := _state["writer"]) is not None:
        writer.join(timeout=EXIT_WAIT_SECONDS)
    try:
        flush()
    except Exception:
        logger.exception("analytics: events lost at exit")
