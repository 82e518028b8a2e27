import sys

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from transfer.wordpress import MalformedItem, import_channel, read_channel


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR): posts and drafts, tags and categories, authors, "
        "and comment threads. Safe to re-run: it updates what it imported before, except "
        "comments changed or deleted here since, which it leaves as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xml file from WordPress's Tools → Export.")

    def handle(self, *args, file, **options):
        try:
            channel = read_channel(file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
        except DefusedXmlException as error:
            raise CommandError(
                f"Refusing to read {file}: {error} (a possible XML attack)."
            ) from None
        except (ParseError, MalformedItem) as error:
            raise CommandError(f"{file} is not a readable WordPress export: {error}") from None

        def progress(items):
            return tqdm(items, desc="Importing posts", unit="post", file=sys.stderr)

        report = import_channel(channel, progress=progress)
        self.stdout.write(report.summary())
