"""Production mode as an operator deploys it: gunicorn behind a TLS-terminating proxy,
nothing relaxed but what the operator sets."""

import pytest

from harness.reader import Reader
from harness.servers import HEAT, Gunicorn


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


def test_plain_http_is_sent_to_https_but_health_checks_are_answered(behind_proxy):
    reader = Reader(behind_proxy)

    page = reader.get(HEAT)

    assert page.status == 301
    assert page.headers["Location"].startswith("https://127.0.0.1:")
    assert reader.get("/healthz").status == 200
    assert reader.get("/readyz").status == 200


def test_pages_over_https_carry_every_security_header(behind_proxy):
    page = Reader(behind_proxy, https=True).get(HEAT)

    assert page.status == 200
    headers = page.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert not headers.get_all("Set-Cookie")  # a shared page hands out nothing personal
    assert headers["Cache-Control"].startswith("public")


def test_the_admins_csrf_cookie_is_secure(behind_proxy):
    page = Reader(behind_proxy, https=True).get("/admin/login/")

    assert page.status == 200
    csrf_cookie = next(c for c in page.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "Secure" in csrf_cookie
    assert "SameSite=Lax" in csrf_cookie


def test_an_editors_session_cookie_is_secure_and_hidden_from_scripts(behind_proxy, editor):
    browser = Reader(behind_proxy, https=True)
    sent = browser.sign_in(*editor)

    assert sent.status == 302, sent.text
    session = next(c for c in sent.headers.get_all("Set-Cookie") if c.startswith("sessionid="))
    assert "Secure" in session
    assert "HttpOnly" in session
    assert "SameSite=Lax" in session
    assert browser.get("/admin/").status == 200
