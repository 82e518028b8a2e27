"""What is counted about readers: raw events for a few days, then daily totals only.

No row holds anything that identifies a person. A visitor is a code made fresh each day
from a salt that is deleted when the day is over (analytics/readers.py), so an event
can't be tied to an address, nor to the same reader's events of another day.
"""

from django.db import models

from articles.models import Article


class Event(models.Model):
    """One thing a reader's browser reported: a view, how far they read, a search.

    Kept ANALYTICS_EVENT_DAYS days, then only its day's totals remain (rollup.py).
    """

    class Kind(models.TextChoices):
        VIEW = "view", "View"
        DEPTH = "depth", "Reading depth"
        SEARCH = "search", "Search"

    kind = models.CharField(max_length=6, choices=Kind)
    day = models.DateField()
    # No foreign key constraint: a batch of events must still go in when one of their
    # articles was deleted in the meantime; the rollup joins articles that exist.
    article = models.ForeignKey(
        Article, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    visitor = models.CharField(max_length=16, help_text="This day's code for a browser.")
    network = models.CharField(max_length=16, help_text="This day's code for its network.")
    referrer = models.CharField(max_length=253, blank=True, help_text="A domain, never a URL.")
    depth = models.PositiveSmallIntegerField(null=True, help_text="25, 50, 75 or 100 (%).")
    query = models.CharField(max_length=200, blank=True)
    results = models.PositiveIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["day"], name="analytics_event_day_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.day}"


class DailySalt(models.Model):
    """The secret that makes today's visitor codes; deleted once its day is over."""

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)

    def __str__(self):
        return f"salt of {self.day}"


class SiteDay(models.Model):
    """The whole site on one day: article views and distinct visitors."""

    day = models.DateField(unique=True)
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        permissions = [("view_dashboard", "Can see the readers dashboard")]

    def __str__(self):
        return f"{self.day}: {self.views} views"


class ArticleDay(models.Model):
    """One article on one day: views, visitors, and how far those visitors read."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reader_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)
    reached_25 = models.PositiveIntegerField(default=0)
    reached_50 = models.PositiveIntegerField(default=0)
    reached_75 = models.PositiveIntegerField(default=0)
    reached_100 = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="analytics_article_day_once")
        ]
        indexes = [models.Index(fields=["day"], name="analytics_articleday_day_idx")]

    def __str__(self):
        return f"{self.article_id} on {self.day}: {self.views} views"


class ReferrerDay(models.Model):
    """Views that came from another site's link, by that site's domain, per day."""

    day = models.DateField()
    domain = models.CharField(max_length=253)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "domain"], name="analytics_referrer_day_once")
        ]

    def __str__(self):
        return f"{self.domain} on {self.day}"


class SearchDay(models.Model):
    """What readers searched for on one day, how often, and how many articles it found."""

    day = models.DateField()
    query = models.CharField(max_length=200)
    searches = models.PositiveIntegerField(default=0)
    results = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "query"], name="analytics_search_day_once")
        ]

    def __str__(self):
        return f"“{self.query}” on {self.day}"
