import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from transfer.json_file import SECTIONS, counted, export_site


class Command(BaseCommand):
    help = (
        "Write every article, tag, comment, subscriber, moderation keyword and removed "
        "import as one JSON document (the format is described in transfer/json_file.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="A file to write; standard output if omitted.")

    def handle(self, *args, output=None, **options):
        data = export_site()
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"Wrote {_counts(data)} to {output}.")
        else:
            self.stdout.write(text)


def _counts(data: dict) -> str:
    return counted({name: len(data[name]) for name in SECTIONS})
