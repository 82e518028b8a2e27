"""`make bench`: how fast the article page and the comment post are, next to references.

In one run, on this machine: the site under gunicorn with production settings, the
same server answering a Django "hello world", and nginx serving the article's HTML
as a static file (the physical limit). wrk loads each for the same time with the
same concurrency on 127.0.0.1. Absolute numbers on a shared 2-core machine are
noisy; the ratios next to them are the point. Prints one table, PASS/FAIL per
target, and writes the same as JSON under bench/results/ (bench/report.py).
"""

import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.beacon import beacon_load
from bench.followers import follower_mailing_measurements
from bench.in_process import in_process_measurements
from bench.loads import (
    CONNECTIONS,
    POST_CONNECTIONS,
    SECONDS,
    comment_posts,
    static_assets,
    worker_memory,
    wrk,
)
from bench.report import report
from bench.search import search_measurements
from harness.database import DATABASE_NAME, embedded_server_url
from harness.servers import Gunicorn, Nginx, ShippedNginx

ROOT = Path(__file__).resolve().parents[1]
# Two sync workers for two cores: each request holds its worker while it waits on
# PostgreSQL for well under a millisecond, so more workers only add memory and
# contention with wrk and PostgreSQL, which share the same two cores.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def main() -> None:
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(
                f"bench: {tool} is missing; `make bench` installs it (apt-get install {tool})."
            )
    env = _environment()
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    print("bench: preparing the database (a first run seeds 10,000 articles, 100,000 comments)")
    call_command("migrate", verbosity=0)
    from bench.seed import seed

    started = time.monotonic()
    seeded = seed()
    print(f"bench: data ready in {time.monotonic() - started:.0f} s ({seeded})")
    call_command("collectstatic", interactive=False, verbosity=0)

    settings = {"seconds": SECONDS, "connections": CONNECTIONS, "workers": WORKERS}
    results = {"machine": _machine(), "settings": {**settings, "commenters": POST_CONNECTIONS}}
    results.update(in_process_measurements())
    print("bench: 200 varied searches, each once, every cache off")
    results["search_uncached"] = search_measurements()
    site_server = Gunicorn({**os.environ, **env}, workers=WORKERS, ready="/hello/")
    bare_server = Gunicorn(
        {**os.environ, **env}, workers=WORKERS, ready="/hello/", app="bench.bare:application"
    )
    cold_server = Gunicorn(
        {**os.environ, **env, "BENCH_CACHES": "off"}, workers=WORKERS, ready="/hello/"
    )
    with (
        site_server as site,
        bare_server as bare,
        Nginx(results["article_html"], workers=WORKERS) as static_site,
    ):
        results["static_assets"] = static_assets(site)
        article = results["article_path"]

        def references():
            return {
                "hello world (bare Django)": wrk(f"{bare}/hello/", server=bare_server),
                "hello world (heatblog middleware)": wrk(f"{site}/hello/", server=site_server),
                "nginx static article": wrk(f"{static_site}/"),
                # Beside the hello world it is compared with, in both rounds.
                "article (warm)": wrk(f"{site}{article}", server=site_server),
            }

        before = references()
        loads = {
            "home": wrk(f"{site}/", server=site_server),
            "article (warm, brotli)": wrk(
                f"{site}{article}", server=site_server, headers=["Accept-Encoding: br, gzip"]
            ),
            "search": wrk(f"{site}/search/?q=pacino", script="search.lua", server=site_server),
        }
        with cold_server as cold:
            loads["article (cold, no caches)"] = wrk(f"{cold}{article}", server=cold_server)
        static_root = Path(env["STATIC_ROOT"])
        with ShippedNginx(site, static_root, workers=WORKERS) as edge:
            loads["article behind deploy/nginx.conf"] = wrk(f"{edge}{article}")
        loads["comment POST"] = comment_posts(site, site_server)
        from django.conf import settings as site_settings

        from articles.models import Article

        heat_id = Article.objects.get(slug__startswith="heat-1995").pk
        loads["reader beacon (/a/view)"] = beacon_load(site, site_settings.SECRET_KEY, heat_id)
        results["rss_mb_per_worker"] = worker_memory(site_server)
        # The references and the warm page run again at the end, and each one's better
        # run counts: a slow moment of this shared machine, in either round, must
        # neither flatter the site's ratios nor sink them.
        after = references()
        best = {name: max(before[name], after[name], key=lambda run: run["rps"]) for name in before}
        results["rounds"] = {name: [before[name]["rps"], after[name]["rps"]] for name in before}
        loads = {**best, **loads}
    results["loads"] = loads
    print("bench: one article mailed to 1,000 and 10,000 followers (about 3 minutes)")
    results["followers"] = follower_mailing_measurements()
    results.pop("article_html")
    report(results)


def _environment() -> dict:
    """Production settings on a database of the benchmark's own (BENCH_DATABASE_URL, or
    heatblog_bench on the development server)."""
    database = os.environ.get("BENCH_DATABASE_URL") or embedded_server_url(f"{DATABASE_NAME}_bench")
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(ROOT / ".data" / "bench-static"),
        "MEDIA_ROOT": str(ROOT / ".data" / "bench-media"),
        "EMAIL_URL": "dummy:",
        "LOG_LEVEL": "WARNING",
        # Bot traps and flood control relaxed, not removed: one machine posts thousands.
        "COMMENTS_MIN_SECONDS": "0",
        "COMMENTS_FLOOD_SECONDS": "0",
        "COMMENTS_HOURLY_LIMIT": "0",
        "COMMENTS_ATTEMPTS_PER_MINUTE": "0",
        "COMMENTS_CONFIRMATIONS_PER_DAY": "0",
        "ANALYTICS_EVENTS_PER_MINUTE": "0",  # one machine sends every reader's beacon
    }


def _machine() -> dict:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "unknown",
        ),
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    main()
