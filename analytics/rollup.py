"""Raw events into daily totals, then the raw events and old salts away.

Each run recomputes every day from the last one it finished (and the day before, for
events that arrived late around midnight) up to today, from the events still kept: a
day's totals are replaced whole, so running twice changes nothing. Events older than
ANALYTICS_EVENT_DAYS are deleted, and so is every salt but today's, after which no
visitor code can be made again. What readers searched for is text they typed, so its
daily totals go too, after ANALYTICS_SEARCH_DAYS.

Floods are capped here, across every worker and server: one network counts at most
VIEWS_PER_NETWORK views (and as many depth reports) of one article a day, and
SEARCHES_PER_NETWORK searches a day; the rest of its events are ignored. How far a
visitor read counts only for a visitor who viewed the article that day: depth reports
alone, each under another browser name, would otherwise make readers out of nobody.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from analytics.models import ArticleDay, DailySalt, Event, ReferrerDay, SearchDay, SiteDay
from articles.models import Article

VIEWS_PER_NETWORK = 200
SEARCHES_PER_NETWORK = 100

_KEPT = f"""
    WITH numbered AS (
        SELECT event.*, row_number() OVER (
            PARTITION BY event.network, event.kind, event.article_id ORDER BY event.id
        ) AS n
        FROM {Event._meta.db_table} event
        WHERE event.day = %(day)s
    ), kept AS (
        SELECT * FROM numbered WHERE n <= CASE WHEN kind = 'search'
            THEN {SEARCHES_PER_NETWORK} ELSE {VIEWS_PER_NETWORK} END
    ), read AS (
        SELECT kept.* FROM kept
        JOIN {Article._meta.db_table} article ON article.id = kept.article_id
        WHERE kind IN ('view', 'depth')
    )
"""  # noqa: S608 - our own tables' names

_ARTICLES = f"""{_KEPT}, per_visitor AS (
        SELECT article_id, visitor, count(*) FILTER (WHERE kind = 'view') AS views,
               coalesce(max(depth), 0) AS depth
        FROM read GROUP BY article_id, visitor
    )
    INSERT INTO {ArticleDay._meta.db_table}
        (article_id, day, views, visitors, reached_25, reached_50, reached_75, reached_100)
    SELECT article_id, %(day)s, sum(views), count(*) FILTER (WHERE views > 0),
           count(*) FILTER (WHERE views > 0 AND depth >= 25),
           count(*) FILTER (WHERE views > 0 AND depth >= 50),
           count(*) FILTER (WHERE views > 0 AND depth >= 75),
           count(*) FILTER (WHERE views > 0 AND depth >= 100)
    FROM per_visitor GROUP BY article_id HAVING sum(views) > 0
"""  # noqa: S608

_SITE = f"""{_KEPT}
    INSERT INTO {SiteDay._meta.db_table} (day, views, visitors)
    SELECT %(day)s, count(*), count(DISTINCT visitor) FROM read WHERE kind = 'view'
"""  # noqa: S608

_REFERRERS = f"""{_KEPT}
    INSERT INTO {ReferrerDay._meta.db_table} (day, domain, views)
    SELECT %(day)s, referrer, count(*) FROM read WHERE kind = 'view' AND referrer <> ''
    GROUP BY referrer
"""  # noqa: S608

_SEARCHES = f"""{_KEPT}
    INSERT INTO {SearchDay._meta.db_table} (day, query, searches, results)
    SELECT %(day)s, query, count(*), (array_agg(results ORDER BY id DESC))[1]
    FROM kept WHERE kind = 'search' GROUP BY query
"""  # noqa: S608


def roll_up(today: date | None = None) -> list[date]:
    """Recompute the daily totals of every day not yet final; forget what has expired."""
    today = today or timezone.localdate()
    days = _days_to_recompute(today)
    for day in days:
        with transaction.atomic():
            for model in (SiteDay, ArticleDay, ReferrerDay, SearchDay):
                model.objects.filter(day=day).delete()
            with connection.cursor() as cursor:
                for statement in (_SITE, _ARTICLES, _REFERRERS, _SEARCHES):
                    cursor.execute(statement, {"day": day})
    oldest_kept = today - timedelta(days=max(settings.ANALYTICS_EVENT_DAYS, 1))
    Event.objects.filter(day__lt=oldest_kept).delete()  # their days were rolled up above
    DailySalt.objects.filter(day__lt=today).delete()
    searches_kept = today - timedelta(days=settings.ANALYTICS_SEARCH_DAYS)
    SearchDay.objects.filter(day__lt=searches_kept).delete()  # text readers typed
    return days


def _days_to_recompute(today: date) -> list[date]:
    finished = SiteDay.objects.aggregate(day=Max("day"))["day"]
    first = Event.objects.aggregate(day=Min("day"))["day"]
    if first is None:
        start = today
    elif finished is None:
        start = first
    else:
        start = max(first, min(finished - timedelta(days=1), today))
    return [start + timedelta(days=n) for n in range((today - start).days + 1)]
