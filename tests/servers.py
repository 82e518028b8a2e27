"""Real processes for scenario tests and the benchmark: the site under gunicorn in
production mode, databases and servers of its own, spoken to over HTTP."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlsplit

from tests.html import elements

ROOT = Path(__file__).resolve().parents[1]
HEAT = "/articles/heat-1995-the-crime-epic-that-changed-cinema-forever/"

# What an operator sets, minus TLS (these servers speak plain HTTP on 127.0.0.1).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "heatblog.settings",
    "DEBUG": "false",
    "SECRET_KEY": "scenario-" + "s" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
    "EMAIL_URL": "dummy:",
    "LOG_LEVEL": "WARNING",
}


def operator_env(**env: str) -> dict:
    """The environment of a fresh shell: none of the test run's own switches (the
    browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright)."""
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}
    return {**{k: v for k, v in os.environ.items() if k not in unset}, **env}


def manage(*args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a fresh process with an operator's environment plus ``env``;
    with ``check``, a failure fails the test with the command's output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=operator_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Gunicorn:
    """`gunicorn --config gunicorn.conf.py` on a free port, as production runs it.

    Used as a context manager, it gives the site's base URL and stops the server
    on leaving. Its output goes to ``log`` (a file) for a failing test to show.
    """

    def __init__(self, env: dict, *, workers: int = 1, log: Path | None = None, ready="/healthz"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready = ready
        self.log = log
        # MAX_REQUESTS=0: no worker recycling in the middle of a measurement.
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "MAX_REQUESTS": "0"}  # fmt: skip

    def __enter__(self) -> str:
        output = open(self.log, "w") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for(self.url + self.ready)
        except RuntimeError:
            self.__exit__()
            raise
        return self.url

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text() if self.log and self.log.exists() else ""


@contextmanager
def scratch_database(server_uri: str, name: str, *, migrate: bool = True):
    """A database of its own on a PostgreSQL server, migrated, dropped afterwards."""
    import psycopg
    from psycopg import sql

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_database(server_uri, name)
    try:
        if migrate:
            manage("migrate", "--noinput", DATABASE_URL=url, DATABASE_POOL="false")
        yield url
    finally:
        with psycopg.connect(server_uri, autocommit=True) as conn:
            conn.execute(drop)


def _with_database(url: str, name: str) -> str:
    """The same server's URL, naming another database."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def server_url(database: str) -> str:
    """A URL to ``database`` on the PostgreSQL server the tests use."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    # dj_database_url keeps a Unix socket folder (the embedded server's) in OPTIONS.
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    port = db.get("PORT") or ""
    if host.startswith("/"):  # a Unix socket folder, as the embedded server uses
        return f"postgresql://{user}:{password}@/{database}?host={quote(host, safe='/')}"
    return f"postgresql://{user}:{password}@{host}{':' if port else ''}{port}/{database}"


@dataclass
class Page:
    status: int
    headers: Message
    text: str

    def hidden_fields(self) -> dict[str, str]:
        """The hidden inputs of the page's forms (CSRF token, the comment form's stamp)."""
        return {
            attrs["name"]: attrs.get("value") or ""
            for tag, attrs in elements(self.text)
            if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name")
        }


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


class Reader:
    """A browser without JavaScript: keeps its cookies, shows redirects as they are.

    ``https=True`` speaks as a TLS-terminating proxy would forward the browser's
    requests (X-Forwarded-Proto: https), so Secure cookies are kept too.
    """

    def __init__(self, base_url: str, *, https: bool = False):
        self.base_url = base_url
        self.origin = base_url.replace("http://", "https://") if https else base_url
        self.headers = {"X-Forwarded-Proto": "https"} if https else {}
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_KeepRedirects())

    def get(self, path: str, **headers: str) -> Page:
        return self._open(path, None, headers)

    def post(self, path: str, fields: dict) -> Page:
        body = urllib.parse.urlencode(fields).encode()
        return self._open(path, body, {"Referer": self.origin + path, "Origin": self.origin})

    def sign_in(self, username: str, password: str) -> Page:
        """The admin's login form, filled in and sent."""
        form = self.get("/admin/login/").hidden_fields()
        return self.post("/admin/login/", {**form, "username": username, "password": password})

    def _open(self, path: str, body: bytes | None, headers: dict) -> Page:
        headers = {**self.headers, **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.base_url + path, body, headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                page = Page(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            page = Page(error.code, error.headers, error.read().decode())
        for header in page.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page


@contextmanager
def redis_server():
    """A private redis-server on a Unix socket, nothing saved to disk; its URL."""
    import pytest

    if not shutil.which("redis-server"):
        pytest.fail(
            "redis-server is not installed: `apt-get install -y redis-server` "
            "(make test does this for you).",
            pytrace=False,
        )
    folder = Path(tempfile.mkdtemp(prefix="heatblog-redis-"))
    socket_path = folder / "redis.sock"
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(socket_path), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"unix://{socket_path}"
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
