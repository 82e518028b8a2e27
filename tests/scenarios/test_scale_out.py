"""Several app server processes sharing Redis (REDIS_URL) behave as one site.

gunicorn runs two worker processes; its access log names the process that
served each request, so each test first shows both took part.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import redis

from harness.reader import Reader
from harness.servers import HEAT, Gunicorn

ACCESS_LOG = re.compile(r"^pid=<(\d+)> (GET|POST) (\S+) (\d{3})$", re.M)


@pytest.fixture
def two_workers(site_env, scratch_db, redis_url, tmp_path):
    with _two_workers({**site_env, "REDIS_URL": redis_url}, scratch_db, tmp_path) as running:
        yield *running, redis_url


@pytest.fixture
def two_workers_without_redis(site_env, scratch_db, tmp_path):
    """Rate-limit counters live in PostgreSQL: Redis is not needed for them to be shared."""
    with _two_workers(site_env, scratch_db, tmp_path) as running:
        yield *running, None


@contextmanager
def _two_workers(site_env, scratch_db, tmp_path):
    env = {
        **site_env,
        "DATABASE_URL": scratch_db,
        "PAGE_CACHE_SECONDS": "300",  # only invalidation can make a page current
        "COMMENTS_MIN_SECONDS": "0",
        "COMMENTS_FLOOD_SECONDS": "60",
        "COMMENTS_FIRST_TIME_HELD": "false",  # comments show at once
        "GUNICORN_CMD_ARGS": "--access-logfile - --access-logformat 'pid=%(p)s %(m)s %(U)s %(s)s'",
    }
    server = Gunicorn(env, workers=2, log=tmp_path / "gunicorn.log")
    with server as site:
        yield site, server


def _served_by(server, method: str, path: str, since: int = 0) -> set[str]:
    lines = ACCESS_LOG.findall(server.output())[since:]
    return {pid for pid, m, p, _ in lines if (m, p) == (method, path)}


def _comment(reader: Reader, n: int) -> dict:
    return {
        **reader.get(HEAT).hidden_fields(),
        "text": f"Comment {n}: the LAX finale, shot by shot.",
        "name": f"Reader {n}",
        "email": f"reader{n}@example.com",
    }


@pytest.mark.parametrize("workers", ["two_workers", "two_workers_without_redis"])
def test_the_flood_limit_holds_across_worker_processes(workers, request):
    site, server, _ = request.getfixturevalue(workers)
    _readers_until_both_workers_answered(site, server)  # both booted
    readers = [Reader(site) for _ in range(8)]
    since = len(ACCESS_LOG.findall(server.output()))

    # Rounds of different comments at once until each worker has taken some (a fast one
    # may take a whole round); within COMMENTS_ATTEMPTS_PER_MINUTE, so every refusal is
    # the flood limit's.
    answers = []
    while len(_served_by(server, "POST", f"{HEAT}comment/", since)) < 2 and len(answers) < 16:
        forms = [_comment(reader, len(answers) + n) for n, reader in enumerate(readers)]
        with ThreadPoolExecutor(len(readers)) as pool:
            answers += pool.map(lambda r, f: r.post(f"{HEAT}comment/", f), readers, forms)

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [302] + [429] * (len(answers) - 1)
    refused = next(answer for answer in answers if answer.status == 429)
    assert "wait" in refused.text.lower()
    assert len(_served_by(server, "POST", f"{HEAT}comment/", since)) == 2, server.output()


def _readers_until_both_workers_answered(site: str, server) -> list:
    """Cookieless readers at once, as a link on a forum sends them, until each
    worker process has served the article (a fast worker may take them all)."""
    since = len(ACCESS_LOG.findall(server.output()))
    pages = []
    deadline = time.monotonic() + 20
    while len(_served_by(server, "GET", HEAT, since)) < 2 and time.monotonic() < deadline:
        with ThreadPoolExecutor(16) as pool:
            pages += pool.map(lambda _: Reader(site).get(HEAT), range(16))
    assert len(_served_by(server, "GET", HEAT, since)) == 2, server.output()
    return pages


def test_a_new_comment_shows_on_every_worker_at_once(two_workers):
    site, server, _ = two_workers
    before = _readers_until_both_workers_answered(site, server)  # cached by both now
    assert all("No comments yet" in page.text for page in before)
    commenter = Reader(site)

    assert commenter.post(f"{HEAT}comment/", _comment(commenter, 1)).status == 302

    after = _readers_until_both_workers_answered(site, server)
    assert all("the LAX finale, shot by shot" in page.text for page in after)


def test_an_editors_session_lives_in_redis_and_every_worker_knows_it(two_workers, editor):
    site, server, redis_url = two_workers
    browser = Reader(site)
    assert browser.sign_in(*editor).status == 302

    pages = [browser.get("/admin/") for _ in range(40)]

    assert [page.status for page in pages] == [200] * 40
    assert len(_served_by(server, "GET", "/admin/")) == 2, server.output()
    sessions = redis.Redis.from_url(redis_url).keys("heatblog:*sessions.cached_db*")
    assert len(sessions) == 1
