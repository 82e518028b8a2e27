"""The connection pool: busy connections go straight back to work, a rested one is
checked first, and one the database dropped is replaced, not handed to a request."""

import psycopg
import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool

from heatblog import database


@pytest.fixture
def pool(db):
    settings = connection.settings_dict
    conninfo = make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"] or settings["OPTIONS"].get("host", ""),
        port=settings["PORT"],
    )
    options = database.database_config("postgresql://x@/y", pool=True)["OPTIONS"]["pool"]
    pool = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=1,
        check=options["check"],
        timeout=options["timeout"],
        kwargs={"autocommit": True},
        open=True,
    )
    yield pool
    pool.close()


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(database.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def checks(monkeypatch):
    made = []
    check = ConnectionPool.check_connection

    def counted(conn):
        made.append(conn)
        check(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return made


def _backend(conn) -> int:
    return conn.execute("SELECT pg_backend_pid()").fetchone()[0]


def test_a_connection_in_steady_use_is_not_checked_before_each_request(pool, clock, checks):
    for _ in range(5):
        with pool.connection() as conn:
            conn.execute("SELECT 1")
        clock[0] += 1  # a request a second

    assert len(checks) == 1  # only the first time it was handed out


def test_a_rested_connection_the_database_dropped_is_replaced_before_use(pool, clock, checks):
    with pool.connection() as conn:
        dropped = _backend(conn)
    with psycopg.connect(pool.conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])
    clock[0] += database.IDLE_BEFORE_CHECK + 1  # the database restarted while it rested

    with pool.connection() as conn:
        replacement = _backend(conn)

    assert replacement != dropped  # a new connection, and the request's query ran on it
    assert checks[:2] == [checks[0]] * 2  # the same connection, checked again after its rest
