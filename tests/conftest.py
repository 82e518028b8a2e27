import shutil

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Cheap password hashing, uploads in a temporary folder, an empty cache."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Whole-page caching has its own tests (tests/operations/test_pagecache.py); elsewhere
    # a page shows what the test just wrote, as in a single process it would.
    settings.PAGE_CACHE_SECONDS = 0
    # Readers' events wait in memory until a test writes them (analytics/buffer.py).
    settings.ANALYTICS_FLUSH_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _heat_media(tmp_path_factory):
    return tmp_path_factory.mktemp("heat-media")


@pytest.fixture
def heat(db, settings, _heat_media):
    """The Heat essay, loaded by the same command `make run` uses.

    Its cover and renditions, drawn once, are handed from test to test: the command
    reuses a cover already in storage, as it would on a second run.
    """
    from django.core.management import call_command

    from articles.models import Article

    drawn = any(_heat_media.iterdir())
    if drawn:
        shutil.copytree(_heat_media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    call_command("load_heat", stdout=open("/dev/null", "w"))  # noqa: SIM115
    if not drawn:  # the first test to load it keeps the drawing for the others
        shutil.copytree(settings.MEDIA_ROOT, _heat_media, dirs_exist_ok=True)
    return Article.objects.get()


@pytest.fixture
def staff_client(client, db):
    from tests.factories import make_staff

    client.force_login(make_staff())
    return client


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with psycopg's pools closed before it is dropped.

    A pool may have opened a spare connection (it grows when a request waits); left
    open, it makes DROP DATABASE fail with "being accessed by other users".

    `migrate` queues the first runs of the periodic tasks; tests start from an empty
    queue, so a test's worker runs only what the test queued.
    """
    from django_tasks_db.models import DBTaskResult

    with django_db_blocker.unblock():
        DBTaskResult.objects.all().delete()
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            if hasattr(connection, "close_pool"):
                connection.close_pool()


@pytest.fixture
def redis_url():
    from harness.servers import redis_server

    with redis_server() as url:
        yield url
