from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.template.defaultfilters import filesizeformat

from analytics.models import DailySalt
from operations.backups import run_client


class Command(BaseCommand):
    help = "Write the database to a timestamped pg_dump archive (backups/heatblog-<UTC>.dump)."
    # Like dbshell: PostgreSQL's own client programs do the work; the model checks would
    # connect first and turn pg_dump's clear error into a traceback.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", dest="folder", default="backups", help="Where to write it (default: backups)."
        )

    def handle(self, *args, folder, **options):
        database = connections[DEFAULT_DB_ALIAS].settings_dict
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"heatblog-{datetime.now(UTC):%Y%m%d-%H%M%S}.dump"
        if path.exists():
            raise CommandError(f"{path} already exists; try again in a second.")
        # pg_dump writes as it goes: a dump that fails halfway must not look like a backup.
        partial = path.with_name(path.name + ".partial")
        try:
            # Created by us so that only this user can read it: it holds password hashes
            # and readers' email addresses. pg_dump writes into it, keeping the mode.
            partial.touch(mode=0o600, exist_ok=False)
            run_client(
                "pg_dump",
                "--format=custom",
                "--file",
                partial,
                # The day's salt would let whoever holds the dump trace that day's visitor
                # codes back to addresses (analytics/readers.py): its rows are never kept.
                f"--exclude-table-data={DailySalt._meta.db_table}",
                "--dbname",
                database["NAME"],
                database=database,
                failure=f"pg_dump could not back up database {database['NAME']}:",
            )
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        size = filesizeformat(path.stat().st_size).replace("\xa0", " ")
        self.stdout.write(self.style.SUCCESS(f"Backed up {database['NAME']} to {path} ({size})."))
        self.stdout.write(f"Restore it with: manage.py restore {path}")
