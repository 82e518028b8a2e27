"""The readers' beacon under load: `python -m bench.beacon`.

POST /a/view, as count.js sends it when an article opens, from wrk on 127.0.0.1 against
gunicorn in production mode (two workers, as bench/run.py). Every report is admitted
(ANALYTICS_EVENTS_PER_MINUTE=0: one machine sends them all) so the batches really go to
PostgreSQL while it runs; after gunicorn stops gracefully the events in the table are
counted: every 204 should be a stored event, none lost at shutdown.

``beacon_load(site, secret_key, article_id)`` measures a server that runs already (for
bench/run.py); ``main()`` starts its own on BENCH_DATABASE_URL (else heatblog_bench).
"""

import os
import urllib.parse

from bench.loads import wrk

TARGET_RPS = 2000


def beacon_load(site: str, secret_key: str, article_id: int) -> dict:
    """wrk against /a/view with a valid report for ``article_id``; its figures as a dict."""
    from django.core import signing

    token = signing.Signer(key=secret_key, salt="analytics.article").sign(str(article_id))
    env = {"BENCH_BEACON_BODY": urllib.parse.urlencode({"a": token}), "BENCH_ORIGIN": site}
    warm_up = wrk(f"{site}/a/view", script="beacon.lua", extra_env=env, seconds=2)
    result = wrk(f"{site}/a/view", script="beacon.lua", extra_env=env)
    result["warm_up_ok"] = warm_up["ok"]
    result["target_rps"] = TARGET_RPS
    result["passed"] = result["rps"] >= TARGET_RPS and not result["server_errors"]
    return result


def main() -> None:
    from harness.database import DATABASE_NAME, embedded_server_url
    from harness.servers import PRODUCTION_ENV, Gunicorn, operator_env

    database = os.environ.get("BENCH_DATABASE_URL") or embedded_server_url(f"{DATABASE_NAME}_bench")
    env = operator_env(**PRODUCTION_ENV, DATABASE_URL=database, ANALYTICS_EVENTS_PER_MINUTE="0")
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from analytics.models import Event

    call_command("migrate", verbosity=0)
    article_id = _an_article()
    before = Event.objects.filter(article_id=article_id).count()
    with Gunicorn(env, workers=int(os.environ.get("BENCH_WORKERS", "2"))) as site:
        result = beacon_load(site, settings.SECRET_KEY, article_id)
        # The floor of this server: a health check, answered by the middleware before ours.
        result["healthz_rps"] = wrk(f"{site}/healthz")["rps"]
    result["stored"] = Event.objects.filter(article_id=article_id).count() - before
    # wrk stops with a few reports in flight: the server stores them, wrk counts no answer.
    result["lost"] = max(0, result["ok"] + result["warm_up_ok"] - result["stored"])
    verdict = "PASS" if result["passed"] else "FAIL"
    print(
        f"bench: beacon {result['rps']:.0f} req/s (target ≥ {TARGET_RPS}: {verdict}), "
        f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms; "
        f"{result['ok'] + result['warm_up_ok']} answered 204, {result['stored']} events stored, "
        f"{result['lost']} lost; /healthz on the same server {result['healthz_rps']:.0f} req/s"
    )


def _an_article() -> int:
    """Any article's id: the beacon only checks the signature, and the rollup the id."""
    from django.contrib.auth import get_user_model

    from articles.models import Article

    if article := Article.objects.order_by("pk").first():
        return article.pk
    author, _ = get_user_model().objects.get_or_create(username="bench-beacon")
    return Article.objects.create(title="Beacon", slug="beacon", body="Counted.", author=author).pk


if __name__ == "__main__":
    main()
