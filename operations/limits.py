"""Rate limits shared by every worker and machine: counters in PostgreSQL.

A limit is a number of hits per key in a window that opens with the key's first
hit. ``hit`` adds one and returns the count in one statement (an upsert that
locks the key's row), so two workers posting at once can never both be "first",
and no cache server is needed: with or without REDIS_URL, gunicorn's workers and
every app server count together. Expired rows are reused in place and swept by
``purge_expired`` (run by the daily maintenance command).
"""

from datetime import datetime, timedelta
from math import ceil

from django.db import connections
from django.utils import timezone

from operations.models import RateCounter

_TABLE = RateCounter._meta.db_table
_HIT = f"""
    INSERT INTO {_TABLE} AS counter (key, hits, expires_at) VALUES (%s, 1, %s)
    ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN counter.expires_at <= %s THEN 1 ELSE counter.hits + 1 END,
        expires_at = CASE WHEN counter.expires_at <= %s
                          THEN EXCLUDED.expires_at ELSE counter.expires_at END
    RETURNING hits, expires_at
"""  # noqa: S608 - the table name is our own model's


class Wait(str):
    """What a reader over a limit is told, and in how many seconds they may go on:
    said in words on the page, and as Retry-After for programs (``retry_after``)."""

    seconds: int

    def __new__(cls, message: str, seconds: int):
        wait = super().__new__(cls, message)
        wait.seconds = max(1, int(seconds))
        return wait


def retry_after(response, form):
    """``response`` with Retry-After when ``form`` was refused with a Wait."""
    waits = [e.message for e in form.non_field_errors().as_data() if isinstance(e.message, Wait)]
    if waits:
        response["Retry-After"] = str(max(wait.seconds for wait in waits))
    return response


def hit(key: str, seconds: int) -> int:
    """Count one hit for ``key`` in a window of ``seconds``; return the hits so far."""
    return _hit(key, seconds, timezone.now())[0]


def over(key: str, limit: int, seconds: int) -> bool:
    """Count a hit and say whether ``key`` went over ``limit`` hits in its window.

    A limit of 0 is no limit (and counts nothing).
    """
    return wait_seconds(key, limit, seconds) > 0


def wait_seconds(key: str, limit: int, seconds: int) -> int:
    """Count a hit; 0 if ``key`` is within ``limit`` hits in its window, else how many
    seconds (at least 1) until the window closes. A limit of 0 counts nothing."""
    if not limit:
        return 0
    now = timezone.now()
    hits, closes = _hit(key, seconds, now)
    return max(1, ceil((closes - now).total_seconds())) if hits > limit else 0


def _hit(key: str, seconds: int, now) -> tuple[int, datetime]:
    with connections["default"].cursor() as cursor:
        cursor.execute(_HIT, [key[:200], now + timedelta(seconds=seconds), now, now])
        return cursor.fetchone()


def purge_expired() -> int:
    """Delete counters whose window has closed; return how many."""
    return RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()[0]
