"""The readers dashboard's figures: one query per table, for the last 30, 90 or 365 days.

Every figure comes from the daily totals (rollup.py), so it lags the beacon by at most
the rollup's period (10 minutes); comments come from the comments themselves.
Visitors are counted per day (a visitor's code changes every day), so a period's
visitors are the sum of its days' visitors.
"""

from datetime import date, timedelta
from functools import cached_property

from django.db.models import Count, Min, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.models import ArticleDay, ReferrerDay, SearchDay, SiteDay
from comments.models import Comment

PERIODS = (30, 90, 365)
TOP = 10
# How far down an article the beacon reports a reader got, as the dashboard names it.
DEPTHS = {25: "A quarter", 50: "Halfway", 75: "Three quarters", 100: "To the end"}
COMMENT_STATUSES = {
    Comment.Status.APPROVED: "approved",
    Comment.Status.PENDING: "held",
    Comment.Status.SPAM: "spam",
}


class Dashboard:
    def __init__(self, days: int = PERIODS[0], today: date | None = None):
        self.days = days
        self.today = today or timezone.localdate()
        self.start = self.today - timedelta(days=days - 1)
        self.dates = [self.start + timedelta(days=n) for n in range(days)]

    @cached_property
    def traffic(self) -> list[dict]:
        """Views and visitors, day by day (a day without any: zeros)."""
        rows = SiteDay.objects.filter(day__gte=self.start).values("day", "views", "visitors")
        by_day = {row["day"]: row for row in rows}
        return [by_day.get(day, {"day": day, "views": 0, "visitors": 0}) for day in self.dates]

    @cached_property
    def totals(self) -> dict:
        return {
            "views": sum(row["views"] for row in self.traffic),
            "visitors": sum(row["visitors"] for row in self.traffic),
        }

    @cached_property
    def comments(self) -> list[dict]:
        """Comments written each day, by what became of them: approved, held, spam."""
        rows = (
            Comment.objects.filter(created_at__date__gte=self.start, status__in=COMMENT_STATUSES)
            .annotate(day=TruncDate("created_at"))
            .values("day", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_day = {day: dict.fromkeys(COMMENT_STATUSES.values(), 0) for day in self.dates}
        for row in rows:
            if row["day"] in by_day:
                by_day[row["day"]][COMMENT_STATUSES[row["status"]]] = row["n"]
        return [{"day": day, **counts} for day, counts in by_day.items()]

    @cached_property
    def queue(self) -> dict:
        """How many comments wait for a moderator, and since when the oldest has."""
        held = Comment.objects.in_moderation()
        waiting = held.aggregate(held=Count("id"), oldest=Min("created_at"))
        waiting["age"] = timezone.now() - waiting["oldest"] if waiting["oldest"] else None
        return waiting

    @cached_property
    def top_articles(self) -> list[dict]:
        """The most read articles of the period, with a sparkline of their days."""
        rows = list(
            ArticleDay.objects.filter(day__gte=self.start)
            .values("article", "article__title", "article__slug", "article__comment_count")
            .annotate(views=Sum("views"), visitors=Sum("visitors"), to_end=Sum("reached_100"))
            .order_by("-views", "article")[:TOP]
        )
        series = daily_views([row["article"] for row in rows], self.dates)
        for row in rows:
            row["series"] = series[row["article"]]
            row["read_to_end"] = round(100 * row["to_end"] / max(row["visitors"], 1))
        return rows

    @cached_property
    def depth(self) -> dict:
        """Of the period's visitors to articles, how many read at least so far down.

        Only browsers that report it (JavaScript) are measured, and a reading counts
        only with a view of the same article that day, so the shares are a floor."""
        reached = {f"reached_{point}": Sum(f"reached_{point}") for point in DEPTHS}
        sums = ArticleDay.objects.filter(day__gte=self.start).aggregate(
            visitors=Sum("visitors"), **reached
        )
        visitors = sums["visitors"] or 0
        bands = []
        for point, label in DEPTHS.items():
            readers = sums[f"reached_{point}"] or 0
            # Rounded down: 199 of 200 readers is 99%, never "everyone".
            bands.append({"label": label, "readers": readers,
                          "percent": 100 * readers // max(visitors, 1)})  # fmt: skip
        return {"visitors": visitors, "bands": bands}

    @cached_property
    def referrers(self) -> list[dict]:
        """The sites whose links brought readers, most first."""
        return list(
            ReferrerDay.objects.filter(day__gte=self.start)
            .values("domain")
            .annotate(views=Sum("views"))
            .order_by("-views", "domain")[:TOP]
        )

    @cached_property
    def searched(self) -> list[dict]:
        """What readers searched for, most asked first, with what the latest search found."""
        latest = SearchDay.objects.filter(query=OuterRef("query")).order_by("-day")
        return list(
            SearchDay.objects.filter(day__gte=self.start)
            .values("query")
            .annotate(searches=Sum("searches"), results=Subquery(latest.values("results")[:1]))
            .order_by("-searches", "query")[:TOP]
        )

    @cached_property
    def found_nothing(self) -> list[dict]:
        """What readers searched for and the blog does not have (yet), most asked first."""
        return list(
            SearchDay.objects.filter(day__gte=self.start, results=0)
            .values("query")
            .annotate(searches=Sum("searches"))
            .order_by("-searches", "query")[:20]
        )


def daily_views(article_ids, dates: list[date]) -> dict[int, list[int]]:
    """Each article's views on each of these days, in one query."""
    series = {pk: [0] * len(dates) for pk in article_ids}
    index = {day: n for n, day in enumerate(dates)}
    rows = ArticleDay.objects.filter(article__in=article_ids, day__gte=dates[0], day__lte=dates[-1])
    for pk, day, views in rows.values_list("article", "day", "views"):
        series[pk][index[day]] = views
    return series
