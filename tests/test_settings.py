"""Production mode as an operator would start it: in a fresh process, from the environment."""

import socket
import time

from tests.servers import manage

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


def test_any_postgresql_url_becomes_a_pooled_database_with_a_bounded_wait():
    from heatblog.database import database_config

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
