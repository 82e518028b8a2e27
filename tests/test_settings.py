"""Production mode as an operator would start it: in a fresh process, from the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7!kq2-test-only-production-like-secret-key-0123456789abcdefghij",
    "ALLOWED_HOSTS": "blog.example.com",
}


def _manage(*args, **env):
    # An operator's shell: none of the test run's own switches (the browser
    # tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright).
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


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
