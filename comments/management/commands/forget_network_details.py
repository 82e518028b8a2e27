from django.conf import settings
from django.core.management.base import BaseCommand

from comments.privacy import forget_network_details
from operations.limits import purge_expired


class Command(BaseCommand):
    help = (
        "Clear the IP addresses and browser names stored with comments older than "
        "COMMENTS_IP_RETENTION_DAYS (90 by default), and rate-limit counters whose "
        "window has closed. Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.COMMENTS_IP_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        cleared = forget_network_details(days)
        self.stdout.write(f"Cleared the IP address and browser of {cleared} comment(s).")
        self.stdout.write(f"Swept {purge_expired()} expired rate-limit counter(s).")
