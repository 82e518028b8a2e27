"""Scenario tests: the site as production runs it (gunicorn, DEBUG off), over HTTP.

Each scenario brings what it needs (a database of its own, a second PostgreSQL
server it can stop, Redis, an S3 stand-in), so the rest of the suite is untouched.
"""

import uuid

import pytest

from harness.servers import PRODUCTION_ENV, manage, operator_env, scratch_database, server_url


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """Hashed, compressed static files, as `make collectstatic` makes them for production."""
    root = tmp_path_factory.mktemp("static")
    manage("collectstatic", "--noinput", "-v0", **PRODUCTION_ENV, STATIC_ROOT=str(root))
    return root


@pytest.fixture
def site_env(static_root, tmp_path):
    """An operator's production environment for one scenario (no database yet)."""
    return operator_env(
        **PRODUCTION_ENV, STATIC_ROOT=str(static_root), MEDIA_ROOT=str(tmp_path / "media")
    )


@pytest.fixture
def scratch_db():
    """A migrated database of the scenario's own, holding the Heat article; its URL."""
    with scratch_database(
        server_url("postgres"), f"heatblog_scenario_{uuid.uuid4().hex[:8]}"
    ) as url:
        manage("load_heat", DATABASE_URL=url, DATABASE_POOL="false")
        yield url


@pytest.fixture
def editor(scratch_db):
    """An editor's username and password, on the scenario's database."""
    username, password = "editor", "a-long-editor-password"
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser({username!r}, 'editor@example.com', {password!r})",
        DATABASE_URL=scratch_db,
        DATABASE_POOL="false",
    )
    return username, password
