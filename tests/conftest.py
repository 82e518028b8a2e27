import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    """Cheap password hashing, uploads in a temporary folder, an empty cache."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Whole-page caching has its own tests (tests/articles/test_pagecache.py); elsewhere
    # a page shows what the test just wrote, as in a single process it would.
    settings.PAGE_CACHE_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def heat(db):
    """The Heat essay, loaded by the same command `make run` uses."""
    from django.core.management import call_command

    from articles.models import Article

    call_command("load_heat", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Article.objects.get()


@pytest.fixture
def staff_client(client, db):
    from tests.factories import make_staff

    client.force_login(make_staff())
    return client
