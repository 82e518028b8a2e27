import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DataError, IntegrityError

from transfer.json_file import counted, import_site

# What a file the import cannot take raises: each becomes a message, not a traceback.
REFUSED = (ValueError, KeyError, TypeError, ValidationError, IntegrityError, DataError)


class Command(BaseCommand):
    help = (
        "Load a file written by export_json into a new site's database: one without "
        "comments, subscribers or keywords yet (formats 1 and 2; see transfer/json_file.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--replace-articles",
            action="store_true",
            help="Overwrite articles whose slug is already here with the file's.",
        )

    def handle(self, *args, file, replace_articles=False, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
            counts = import_site(data, replace_articles=replace_articles)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        except REFUSED as error:
            raise CommandError(f"Cannot import {file}: {error}") from None
        self.stdout.write(f"Imported {counted(counts)}.")
