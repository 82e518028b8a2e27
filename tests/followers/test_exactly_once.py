"""Exactly once, whatever happens to the workers: killed mid-send and restarted, two at
once, the article saved again. Real workers, a real SMTP server, committed data."""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from articles.models import Article
from followers import sending
from followers.models import Delivery, Follower, Mailing
from harness.mailserver import MailServer
from harness.servers import ROOT, operator_env, server_url
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


def _followers(count: int) -> list[str]:
    now = timezone.now()
    addresses = [f"reader{n}@example.com" for n in range(count)]
    Follower.objects.bulk_create(Follower(email=a, confirmed_at=now) for a in addresses)
    return addresses


def _publish(title="Collateral (2004)") -> Article:
    article = make_article(title=title, status=Article.Status.DRAFT, published_at=None)
    article.status = Article.Status.PUBLISHED
    article.save()  # queues the mailing's start for the worker
    return article


def _worker(server: MailServer) -> subprocess.Popen:
    """`manage.py db_worker` as production runs it, on this test's database."""
    env = operator_env(
        DEBUG="true",
        DATABASE_URL=server_url(connection.settings_dict["NAME"]),
        DATABASE_POOL="false",
        EMAIL_URL=server.url,
        LOG_LEVEL="WARNING",
    )
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--batch",
               "--no-startup-delay", "--no-reload", "--interval", "0.1"]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _copies(server: MailServer) -> Counter:
    return Counter(m["X-Envelope-To"] for m in server.messages)


def test_a_worker_killed_mid_send_and_restarted_sends_nobody_twice_and_skips_nobody():
    addresses = _followers(300)
    with MailServer() as server:
        first = _worker(server)

        def kill(count):
            if count == 60:  # the 60th mail was accepted: the worker dies at once
                os.kill(first.pid, signal.SIGKILL)

        server.after_accept = kill
        article = _publish()
        first.wait(timeout=120)
        assert first.returncode == -signal.SIGKILL
        server.after_accept = None
        counts = Counter(Delivery.objects.values_list("status", flat=True))
        assert counts["queued"] > 0  # it really died mid-send
        assert counts["sending"] <= 1  # at most the one in the window after "250 accepted"

        # Restarted: the periodic check sees the mailing stalled (no progress for
        # STALE_AFTER, here moved back by hand) and queues the rest.
        Mailing.objects.update(progress_at=timezone.now() - sending.STALE_AFTER - timedelta(1))
        from followers.tasks import send_due_mailings

        send_due_mailings.enqueue()
        second = _worker(server)
        _, errors = second.communicate(timeout=300)
        assert second.returncode == 0, errors

    copies = _copies(server)
    assert max(copies.values()) == 1  # nobody twice
    statuses = Counter(Delivery.objects.values_list("status", flat=True))
    assert statuses["queued"] == 0
    assert statuses["sent"] + statuses["sending"] == 300
    # The one mail in flight when the worker died (if the kill came after its claim)
    # is "interrupted": never resent automatically, since it may have arrived, and
    # shown to the editor with a retry. Everyone else got the article.
    interrupted = set(
        Delivery.objects.filter(status="sending").values_list("follower__email", flat=True)
    )
    assert len(interrupted) <= 1
    assert set(copies) | interrupted == set(addresses)  # nobody else skipped
    assert sending.progress(article.mailing)["sent"] == statuses["sent"]


def test_two_workers_at_once_each_send_a_share_and_nobody_twice(mail_server):
    addresses = _followers(400)
    article = _publish()
    sending.start(article.mailing.pk)
    ready = threading.Barrier(2)
    results = []

    def work():
        try:
            ready.wait()
            results.append(sending.send_batch(article.mailing.pk, limit=10_000))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    copies = _copies(mail_server)
    assert sorted(copies) == sorted(addresses)
    assert max(copies.values()) == 1
    assert sorted(r.sent > 0 for r in results) == [True, True]  # they really shared the work
    assert sum(r.sent for r in results) == 400
    assert Delivery.objects.filter(status="sent").count() == 400


def test_the_article_saved_again_while_sending_adds_no_second_copy(mail_server):
    addresses = _followers(50)
    article = _publish()
    sending.start(article.mailing.pk)
    sending.send_batch(article.mailing.pk, limit=20)
    article.title = "Collateral (2004), corrected"
    article.save()
    article.status = Article.Status.DRAFT
    article.save()
    article.status = Article.Status.PUBLISHED
    article.save()
    assert sending.start(article.mailing.pk) == 0
    Mailing.objects.update(started_at=None)  # even a start that raced: one row each
    assert sending.start(article.mailing.pk) == 0
    while sending.send_batch(article.mailing.pk).more:
        pass
    copies = _copies(mail_server)
    assert sorted(copies) == sorted(addresses)
    assert max(copies.values()) == 1
    assert Delivery.objects.count() == 50
