"""One article mailed to 1,000 and 10,000 followers: the rate, and the worker's memory.

`.venv/bin/python -m bench.followers` (or ``follower_mailing_measurements()`` from
bench/run.py). Each size runs in a fresh process (so its peak memory is its own) on
the benchmark's database (BENCH_DATABASE_URL, or heatblog_bench on the development
server, as bench/run.py), migrated, with production settings, sending through Django's
SMTP backend to a local SMTP sink (aiosmtpd in another process, throwing mail away):
what the task worker does for a mailing, ``sending.start`` then ``sending.send_batch``
until done, without the queue's polling between batches. Prints mails per second and
the worker's peak resident memory (getrusage maxrss) before and after sending: flat
memory means the 10,000 run peaks no higher than the 1,000 run.
"""

import json
import os
import resource
import subprocess
import sys
import time

from harness.database import DATABASE_NAME, embedded_server_url
from harness.servers import ROOT, free_port, manage

SIZES = (1_000, 10_000)
BENCH_SLUG = "bench-followers-heat"


def follower_mailing_measurements(sizes=SIZES) -> dict:
    """{followers: {"mails_per_second", "seconds", "peak_rss_mb", ...}} for each size."""
    database = os.environ.get("BENCH_DATABASE_URL") or embedded_server_url(f"{DATABASE_NAME}_bench")
    manage("migrate", "--noinput", DATABASE_URL=database, DATABASE_POOL="false")
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    results = {}
    try:
        time.sleep(1)  # the sink starts listening
        for size in sizes:
            env = {**os.environ, **_environment(database, port)}
            run = subprocess.run(
                [sys.executable, "-m", "bench.followers", "--one", str(size)],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
            )  # fmt: skip
            if run.returncode != 0:
                raise RuntimeError(f"bench.followers {size} failed:\n{run.stderr}")
            results[size] = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        sink.terminate()
        sink.wait()
    return results


def _environment(database_url: str, smtp_port: int) -> dict:  # production, as bench/run.py
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "false",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://blog.example.com",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}?tls=0",
        "LOG_LEVEL": "WARNING",
    }


def _one(size: int) -> dict:
    """In the worker's process: followers, an article, then the whole mailing."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from articles.models import Article
    from followers import sending
    from followers.models import Delivery, Follower

    _clean_up()
    with connection.cursor() as cursor:  # followers made by the database, not in Python
        cursor.execute(
            f"INSERT INTO {Follower._meta.db_table} (email, created_at, confirmed_at,"  # noqa: S608
            " unsubscribed_because, hard_bounces, last_bounce)"
            " SELECT 'bench-reader' || n || '@example.com', now(), now(), '', 0, ''"
            " FROM generate_series(1, %s) AS n",
            [size],
        )
    author, _ = get_user_model().objects.get_or_create(username="bench-followers-author")
    article = Article.objects.create(
        title="Heat (1995): The Crime Epic That Changed Cinema Forever",
        slug=BENCH_SLUG,
        dek="Michael Mann's L.A. crime saga, thirty years on.",
        body=(ROOT / "articles" / "content" / "heat-1995.md").read_text(),
        author=author,
        status=Article.Status.DRAFT,
    )
    article.status = Article.Status.PUBLISHED
    article.save()  # the mailing is due; the worker would now start it
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    sending.start(article.mailing.pk)
    sent = 0
    while True:
        result = sending.send_batch(article.mailing.pk)
        sent += result.sent
        if not result.more:
            break
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert Delivery.objects.filter(status="sent").count() == size == sent
    _clean_up()
    return {
        "followers": size,
        "sent": sent,
        "seconds": round(seconds, 2),
        "mails_per_second": round(sent / seconds, 1),
        "peak_rss_mb_before_sending": round(before, 1),
        "peak_rss_mb": round(after, 1),
    }


def _clean_up() -> None:
    """Remove what a run of this benchmark made (and only that)."""
    from articles.models import Article
    from followers.models import Follower

    Article.objects.filter(slug=BENCH_SLUG).delete()  # its mailing and deliveries too
    Follower.objects.filter(email__startswith="bench-reader").delete()


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(_one(int(sys.argv[2]))))
        return
    print("bench.followers: one article to each list size, through a local SMTP sink")
    results = follower_mailing_measurements()
    header = ("followers", "seconds", "mails/s", "peak RSS before", "peak RSS")
    print("{:>10} {:>8} {:>8} {:>16} {:>9}".format(*header))
    for size, row in results.items():
        print(f"{size:>10,} {row['seconds']:>8} {row['mails_per_second']:>8} "
              f"{row['peak_rss_mb_before_sending']:>13} MB {row['peak_rss_mb']:>6} MB")  # fmt: skip


if __name__ == "__main__":
    main()
