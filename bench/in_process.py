"""What needs no network, measured inside this process: queries per page, page weight,
cold render time, conditional GETs and the worst-case comment render."""

import gzip
import statistics
import time

from bench.adversarial import worst_case_render_ms


def in_process_measurements() -> dict:
    """What needs no network: queries, weight, cold render time, conditional GET."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article
    from comments.models import Comment

    heat = Article.objects.get(slug__startswith="heat-1995")
    path = heat.get_absolute_url()
    client = Client()

    def queries(url):
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(url)
        with CaptureQueriesContext(connection) as warm:
            response = client.get(url)
        return len(cold.captured_queries), len(warm.captured_queries), response

    pages = {}
    for name, url in {"home": "/", "article": path, "search": "/search/?q=pacino"}.items():
        cold, warm, response = queries(url)
        pages[name] = {"queries_cold": cold, "queries_warm": warm, "status": response.status_code}
    html = Client().get(path).content

    # Every cache off (no page cache, Django's dummy cache): what a page costs to make.
    # One client (a new one loads the middleware again, WhiteNoise's file scan
    # included); cookies cleared so each request is a new, anonymous reader. CPU time
    # of this process, as the server's CPU per request is counted under load.
    timings = []
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(PAGE_CACHE_SECONDS=0, CACHES=dummy):
        reader = Client()
        reader.get(path)
        for _ in range(40):
            reader.cookies.clear()
            started = time.process_time()
            reader.get(path)
            timings.append((time.process_time() - started) * 1000)

    first = client.get(path)
    etag, modified = first.get("ETag"), first.get("Last-Modified")
    repeat = client.get(path, headers={"If-None-Match": etag or ""})
    pending = Comment.objects.filter(article=heat).order_by("-pk").first()
    Comment.objects.filter(pk=pending.pk).set_status(Comment.Status.TRASH)
    after = client.get(path).get("ETag")
    Comment.objects.filter(pk=pending.pk).restore()
    worst_input, worst_ms = worst_case_render_ms()
    return {
        "worst_case_render": {"input": worst_input, "ms": worst_ms},
        "article_path": path,
        "article_html": html,
        "queries": pages,
        "heat_comments": heat.comments.approved().count(),
        "page_weight": {"html_kb": len(html) / 1024, "gzip_kb": len(gzip.compress(html)) / 1024},
        "cold_render_ms": {
            "p50": statistics.median(timings),
            "p95": statistics.quantiles(timings, n=20)[18],
            "p99": max(timings),
        },
        "conditional_get": {
            "etag": etag,
            "last_modified": modified,
            "repeat_status": repeat.status_code,
            "repeat_body_bytes": len(repeat.content),
            "etag_changes_with_discussion": bool(etag) and after != etag,
        },
    }
