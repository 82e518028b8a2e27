from django.db import models


class RateCounter(models.Model):
    """One rate limit's count for one key (an IP network, an address, a user) in its window.

    Kept in PostgreSQL so every worker and machine counts together, with or without
    Redis (operations/limits.py). The table is UNLOGGED: a crash may forget counts,
    which costs nothing but a reset window, and no write-ahead log is spent on them.
    """

    key = models.CharField(max_length=200, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.hits} until {self.expires_at:%H:%M:%S}"
