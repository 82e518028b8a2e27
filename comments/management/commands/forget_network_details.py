from django.conf import settings
from django.core.management.base import BaseCommand

from comments.privacy import forget_network_details


class Command(BaseCommand):
    help = (
        "Clear the IP addresses and browser names stored with comments older than "
        "COMMENTS_IP_RETENTION_DAYS (90 by default). Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.COMMENTS_IP_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        cleared = forget_network_details(days)
        self.stdout.write(f"Cleared the IP address and browser of {cleared} comment(s).")
