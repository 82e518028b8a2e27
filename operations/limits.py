"""Rate limits shared by every worker and machine: counters in PostgreSQL.

A limit is a number of hits per key in a window that opens with the key's first
hit. ``hit`` adds one and returns the count in one statement (an upsert that
locks the key's row), so two workers posting at once can never both be "first",
and no cache server is needed: with or without REDIS_URL, gunicorn's workers and
every app server count together. Expired rows are reused in place and swept by
``purge_expired`` (run by the daily maintenance command).
"""

from datetime import timedelta

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
    RETURNING hits
"""  # noqa: S608 - the table name is our own model's


def hit(key: str, seconds: int) -> int:
    """Count one hit for ``key`` in a window of ``seconds``; return the hits so far."""
    now = timezone.now()
    with connections["default"].cursor() as cursor:
        cursor.execute(_HIT, [key[:200], now + timedelta(seconds=seconds), now, now])
        return cursor.fetchone()[0]


def over(key: str, limit: int, seconds: int) -> bool:
    """Count a hit and say whether ``key`` went over ``limit`` hits in its window.

    A limit of 0 is no limit (and counts nothing).
    """
    return bool(limit) and hit(key, seconds) > limit


def purge_expired() -> int:
    """Delete counters whose window has closed; return how many."""
    return RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()[0]
