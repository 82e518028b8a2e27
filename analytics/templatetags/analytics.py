from django import template
from django.conf import settings

from analytics import beacon, charts

register = template.Library()


@register.inclusion_tag("analytics/_counter.html")
def count_view(article):
    """The beacon script and, for readers without JavaScript, the <noscript> image.

    The same bytes for every reader: the page stays shareable by any cache."""
    return {"token": beacon.article_token(article), "beacon": beacon.BEACON_PATH,
            "pixel": beacon.PIXEL_PATH}  # fmt: skip


@register.inclusion_tag("analytics/_counter.html")
def count_search(query, results):
    """The beacon script reporting a search and how many articles it found."""
    return {"search": beacon.search_token(query, results), "beacon": beacon.BEACON_PATH}


@register.simple_tag
def event_days() -> int:
    """How long raw events are kept (the privacy page says so)."""
    return settings.ANALYTICS_EVENT_DAYS


@register.inclusion_tag("analytics/_sparkline.html")
def sparkline(values, label=""):
    return {"line": charts.sparkline(values), "label": label}


@register.simple_tag
def search_days() -> int:
    """How long what readers searched for is kept (the privacy page says so)."""
    return settings.ANALYTICS_SEARCH_DAYS
