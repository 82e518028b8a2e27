"""Production mode as an operator deploys it: gunicorn behind a TLS-terminating proxy,
nothing relaxed but what the operator sets."""

import pytest

from tests.servers import Gunicorn, Reader, manage

ARTICLE = "/articles/heat-1995-the-crime-epic-that-changed-cinema-forever/"


@pytest.fixture
def behind_proxy(site_env, scratch_db, tmp_path):
    strict = {
        k: v
        for k, v in site_env.items()
        if k not in {"SECURE_SSL_REDIRECT", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"}
    }
    env = {**strict, "DATABASE_URL": scratch_db, "BEHIND_PROXY": "true"}
    with Gunicorn(env, log=tmp_path / "gunicorn.log") as site:
        yield site


@pytest.fixture
def editor(scratch_db):
    manage("shell", "-c", CREATE_EDITOR, DATABASE_URL=scratch_db, DATABASE_POOL="false")
    return "editor", "a-long-editor-password"


CREATE_EDITOR = (
    "from django.contrib.auth.models import User; "
    "User.objects.create_superuser('editor', 'editor@example.com', 'a-long-editor-password')"
)


def test_plain_http_is_sent_to_https_but_health_checks_are_answered(behind_proxy):
    reader = Reader(behind_proxy)

    page = reader.get(ARTICLE)

    assert page.status == 301
    assert page.headers["Location"].startswith("https://127.0.0.1:")
    assert reader.get("/healthz").status == 200
    assert reader.get("/readyz").status == 200


def test_pages_over_https_carry_every_security_header(behind_proxy):
    page = Reader(behind_proxy, https=True).get(ARTICLE)

    assert page.status == 200
    headers = page.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    csrf_cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "Secure" in csrf_cookie
    assert "SameSite=Lax" in csrf_cookie


def test_an_editors_session_cookie_is_secure_and_hidden_from_scripts(behind_proxy, editor):
    browser = Reader(behind_proxy, https=True)
    username, password = editor
    login = browser.get("/admin/login/")

    sent = browser.post(
        "/admin/login/", {**login.hidden_fields(), "username": username, "password": password}
    )

    assert sent.status == 302, sent.text
    session = next(c for c in sent.headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    assert browser.get("/admin/").status == 200
