"""Readers in the article admin: views, visitors and a sparkline of the last 30 days."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.postgres.aggregates import JSONBAgg
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import JSONArray
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from analytics import charts
from analytics.models import ArticleDay
from articles.admin import ArticleAdmin

DAYS = 30


@admin.display(description=f"views ({DAYS} days)", ordering="readers_views")
def views(article):
    return article.readers_views or 0


@admin.display(description=f"visitors ({DAYS} days)")
def visitors(article):
    return sum(visitors for _, _, visitors in article.readers_days or [])


@admin.display(description="readers")
def sparkline(article):
    return _sparkline(article)


@admin.display(description=f"last {DAYS} days")
def readers(article):
    if article.pk is None:
        return "Not published yet."
    return format_html(
        '{} views · {} visitors (a visitor counts once a day) · {} <a href="{}">All readers</a>',
        views(article),
        visitors(article),
        _sparkline(article),
        reverse("analytics:dashboard"),
    )


def _sparkline(article) -> str:
    today = timezone.localdate()
    by_day = {day: views for day, views, _ in article.readers_days or []}
    series = [by_day.get(str(today - timedelta(days=n)), 0) for n in reversed(range(DAYS))]
    label = f"Views per day over the last {DAYS} days, {sum(series)} in all"
    context = {"line": charts.sparkline(series), "label": label}
    return render_to_string("analytics/_sparkline.html", context)


class ArticleReaders:
    """Plugged into articles.admin.ArticleAdmin.extensions: two subqueries in the list's
    one query, so a page of 100 articles asks the database no more than one does."""

    title = "Readers"
    permission = "analytics.view_dashboard"  # who reads is for those allowed the dashboard
    # Visitors are on each article's page and the dashboard: at 1280 px the list has
    # room for views and the sparkline beside the comment counts, not for both numbers.
    columns = [views, sparkline]
    fields = [readers]

    @staticmethod
    def annotate(queryset):
        since = timezone.localdate() - timedelta(days=DAYS - 1)
        recent = ArticleDay.objects.filter(article=OuterRef("pk"), day__gte=since).order_by()
        recent = recent.values("article")
        return queryset.annotate(
            readers_views=Subquery(recent.annotate(n=Sum("views")).values("n")),
            readers_days=Subquery(
                recent.annotate(
                    days=JSONBAgg(JSONArray("day", "views", "visitors"), order_by="day")
                ).values("days")
            ),
        )


ArticleAdmin.extensions.append(ArticleReaders())
