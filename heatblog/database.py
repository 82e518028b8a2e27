"""Where the database lives: DATABASE_URL, or in development the embedded PostgreSQL.

Production names its database in DATABASE_URL, and start-up fails without it. In
development (DEBUG on) an unset DATABASE_URL means the embedded PostgreSQL under
.data/: `make db` (harness/database.py, which `make run` and `make test` run first)
starts it and writes its URL to .data/database_url, read here. Reading settings
never starts a server.
"""

import os
import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# Written by harness/database.py, relative to the project folder.
DEVELOPMENT_URL_FILE = Path(".data") / "database_url"


def database_url(base_dir: Path, *, debug: bool) -> str:
    """DATABASE_URL; in development without it, the development database's URL."""
    if url := os.environ.get("DATABASE_URL", "").strip():
        return url
    if not debug:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set. With DEBUG off it is required: point it at the "
            "site's PostgreSQL database, e.g. DATABASE_URL=postgres://user:password@db:5432/heatblog"
        )
    try:
        url = (base_dir / DEVELOPMENT_URL_FILE).read_text().strip()
    except FileNotFoundError:
        url = ""
    if not url:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not set and the development database is not started "
            f"({DEVELOPMENT_URL_FILE} is missing): run `make run` or `make test`, which start "
            "the development database (or `make db` alone), or set DATABASE_URL."
        )
    return url


IDLE_BEFORE_CHECK = 5.0  # seconds a pooled connection may rest before it is checked
CONNECTION_LIMITS = {
    "connect_timeout": 5,  # seconds to establish a connection
    "keepalives": 1,  # over TCP: notice a peer that vanished…
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,  # …or that stopped acknowledging what we send (ms)
}


def database_config(
    url: str, *, pool: bool, pool_timeout: float = 3, health_checks: bool = True
) -> dict:
    """Turn a database URL into Django's DATABASES entry, pooled by psycopg_pool.

    ``pool_timeout`` bounds how long a request waits for a connection: while the
    database is down, readers get the "back soon" page after that long.
    """
    config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=health_checks)
    options = config.setdefault("OPTIONS", {})  # absent when the URL has no query string
    # A database that stops answering (a dead host, a network partition) must fail
    # a connection in seconds, not after minutes of TCP retries; the URL may say
    # otherwise (?connect_timeout=…).
    for name, value in CONNECTION_LIMITS.items():
        options.setdefault(name, value)
    if pool:
        # psycopg_pool keeps connections open across requests; Django checks one
        # out per request. CONN_MAX_AGE must stay 0 with a pool.
        config["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": 8,
            "timeout": pool_timeout,
            # No "reset" hook: with one, psycopg_pool hands every returned connection
            # to a worker thread, a thread switch per request.
            "check": check_if_rested if health_checks else None,
        }
    return config


def check_if_rested(connection) -> None:
    """Pool hook: check a connection before use if it has rested a while.

    A busy connection proved itself a moment ago; checking it before every
    request costs a round trip per request (a tenth of a comment POST). One that
    has rested may have died with a restarted server: that one is checked, and
    psycopg_pool replaces it if the check fails, so the site recovers by itself.
    The rest is counted from when the connection was last handed out, so a long
    request only makes its check come sooner.
    """
    from psycopg_pool import ConnectionPool

    now = time.monotonic()
    handed_out = getattr(connection, "info_handed_out_at", None)
    if handed_out is None or now - handed_out > IDLE_BEFORE_CHECK:
        ConnectionPool.check_connection(connection)
    connection.info_handed_out_at = now
