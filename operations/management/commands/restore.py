from pathlib import Path

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from operations import pagecache
from operations.backups import run_client, server_host


class Command(BaseCommand):
    help = (
        "Replace the database's contents with a dump written by `manage.py backup`. "
        "It restores in one transaction: if anything fails, the database stays as it was. "
        "Tables the dump doesn't hold (from a newer migration, say) are left alone."
    )
    requires_system_checks = []  # as for backup: pg_restore reports its own errors

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .dump file written by manage.py backup.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_true",
            help="Restore without asking first.",
        )

    def handle(self, *args, file, yes, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        database = connection.settings_dict
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} does not exist.")
        run_client(
            "pg_restore",
            "--list",
            path,
            database=database,
            failure=f"{path} is not a pg_dump custom-format archive (manage.py backup writes one):",
        )
        if connection.in_atomic_block:
            # pg_restore would wait forever for the locks this transaction holds.
            raise CommandError("restore can't run inside a transaction.")
        if not yes:
            self._confirm(database, path)

        # Hand back every connection of ours before pg_restore drops and recreates the
        # tables under them: the next query starts a fresh session on the new tables.
        connections.close_all()
        run_client(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            database["NAME"],
            path,
            database=database,
            failure=f"pg_restore failed; database {database['NAME']} was left as it was:",
        )
        # Pages cached before the restore show what it replaced. A new generation
        # retires them, in every process when the cache is Redis. (Never clear the
        # cache: on Redis that is FLUSHDB, whatever else shares that Redis.)
        pagecache.invalidate()
        self.stdout.write(self.style.SUCCESS(f"Restored {database['NAME']} from {path}."))
        if isinstance(caches["default"], LocMemCache):
            self.stdout.write(
                "A running site keeps its cache in its own memory: restart it to forget "
                "pages from before the restore."
            )

    def _confirm(self, database, path):
        name = database["NAME"]
        host = server_host(database) or "localhost"
        try:
            answer = input(
                f"This replaces everything in database {name} on host {host} with {path}.\n"
                "Type the database name to continue: "
            )
        except EOFError:
            self.stdout.write("")  # end the prompt's line
            raise CommandError(
                "Nothing was restored: nobody answered. Pass --yes to restore without asking."
            ) from None
        except KeyboardInterrupt:
            self.stdout.write("")
            raise CommandError("Cancelled: nothing was restored.") from None
        if answer.strip() != name:
            raise CommandError(f"Cancelled: “{answer}” is not {name}. Nothing was restored.")
