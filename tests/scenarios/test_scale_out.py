"""Several app server processes sharing Redis (REDIS_URL) behave as one site.

gunicorn runs two worker processes; its access log names the process that
served each request, so each test first shows both took part.
"""

import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.servers import Gunicorn, Reader, manage

ARTICLE = "/articles/heat-1995-the-crime-epic-that-changed-cinema-forever/"
ACCESS_LOG = re.compile(r"^pid=<(\d+)> (GET|POST) (\S+) (\d{3})$", re.M)


@pytest.fixture
def redis_url():
    """A private redis-server on a Unix socket, with nothing saved to disk."""
    if not shutil.which("redis-server"):
        pytest.fail(
            "redis-server is not installed: `apt-get install -y redis-server` "
            "(make test does this for you).",
            pytrace=False,
        )
    folder = Path(tempfile.mkdtemp(prefix="heatblog-redis-"))
    socket = folder / "redis.sock"
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(socket), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"unix://{socket}"
    server.terminate()
    server.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def two_workers(site_env, scratch_db, redis_url, tmp_path):
    env = {
        **site_env,
        "DATABASE_URL": scratch_db,
        "REDIS_URL": redis_url,
        "PAGE_CACHE_SECONDS": "300",  # only invalidation can make a page current
        "COMMENTS_MIN_SECONDS": "0",
        "COMMENTS_FLOOD_SECONDS": "60",
        "COMMENTS_FIRST_TIME_HELD": "false",  # comments show at once
        "GUNICORN_CMD_ARGS": "--access-logfile - --access-logformat 'pid=%(p)s %(m)s %(U)s %(s)s'",
    }
    server = Gunicorn(env, workers=2, log=tmp_path / "gunicorn.log")
    with server as site:
        yield site, server, scratch_db


def _served_by(server, method: str, path: str, since: int = 0) -> set[str]:
    lines = ACCESS_LOG.findall(server.output())[since:]
    return {pid for pid, m, p, _ in lines if (m, p) == (method, path)}


def _comment(reader: Reader, n: int) -> dict:
    return {
        **reader.get(ARTICLE).hidden_fields(),
        "text": f"Comment {n}: the LAX finale, shot by shot.",
        "name": f"Reader {n}",
        "email": f"reader{n}@example.com",
    }


def test_the_flood_limit_holds_across_worker_processes(two_workers):
    site, server, _ = two_workers
    readers = [Reader(site) for _ in range(12)]
    forms = [_comment(reader, n) for n, reader in enumerate(readers)]

    with ThreadPoolExecutor(len(readers)) as pool:
        answers = list(pool.map(lambda r, f: r.post(f"{ARTICLE}comment/", f), readers, forms))

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [302] + [429] * 11
    refused = next(answer for answer in answers if answer.status == 429)
    assert "wait" in refused.text.lower()
    assert len(_served_by(server, "POST", f"{ARTICLE}comment/")) == 2, server.output()


def _readers_until_both_workers_answered(site: str, server) -> list:
    """Cookieless readers at once, as a link on a forum sends them, until each
    worker process has served the article (a fast worker may take them all)."""
    since = len(ACCESS_LOG.findall(server.output()))
    pages = []
    deadline = time.monotonic() + 20
    while len(_served_by(server, "GET", ARTICLE, since)) < 2 and time.monotonic() < deadline:
        with ThreadPoolExecutor(16) as pool:
            pages += pool.map(lambda _: Reader(site).get(ARTICLE), range(16))
    assert len(_served_by(server, "GET", ARTICLE, since)) == 2, server.output()
    return pages


def test_a_new_comment_shows_on_every_worker_at_once(two_workers):
    site, server, _ = two_workers
    before = _readers_until_both_workers_answered(site, server)  # cached by both now
    assert all("No comments yet" in page.text for page in before)
    commenter = Reader(site)

    assert commenter.post(f"{ARTICLE}comment/", _comment(commenter, 1)).status == 302

    after = _readers_until_both_workers_answered(site, server)
    assert all("the LAX finale, shot by shot" in page.text for page in after)


def test_an_editor_stays_signed_in_whichever_worker_answers(two_workers):
    site, server, database_url = two_workers
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_superuser('editor', 'e@example.com', 'a-long-editor-password')",
        DATABASE_URL=database_url,
        DATABASE_POOL="false",
    )
    editor = Reader(site)
    login = editor.get("/admin/login/")
    sent = editor.post(
        "/admin/login/",
        {**login.hidden_fields(), "username": "editor", "password": "a-long-editor-password"},
    )
    assert sent.status == 302

    pages = [editor.get("/admin/") for _ in range(12)]

    assert [page.status for page in pages] == [200] * 12
    assert len(_served_by(server, "GET", "/admin/")) == 2, server.output()
