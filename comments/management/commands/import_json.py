import json

from django.core.management.base import BaseCommand, CommandError

from comments.portable import import_site


class Command(BaseCommand):
    help = "Load a file written by export_json (into a database without those comments yet)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                data = json.load(handle)
            articles, comments = import_site(data)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise CommandError(f"Cannot import {file}: {error}") from None
        self.stdout.write(f"Imported {articles} articles and {comments} comments.")
