"""Real processes for scenario tests and the benchmark: the site under gunicorn in
production mode, nginx, redis, databases of their own and `manage.py` commands,
each on a port, socket or database of its own."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

from harness.database import development_database_url

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
    """The environment of a fresh shell, plus ``env``.

    None of the test run's own switches (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE
    for Playwright); the database is this run's DATABASE_URL, else the development
    database `make db` started, unless ``env`` names another.
    """
    unset = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL"}
    shell = {k: v for k, v in os.environ.items() if k not in unset}
    if not shell.get("DATABASE_URL") and (url := development_database_url()):
        shell["DATABASE_URL"] = url
    return {**shell, **env}


def manage(*args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a fresh process, as a developer runs it (DEBUG on, as `make`
    sets it) with ``env`` on top; with ``check``, a failure raises with its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=operator_env(**{"DEBUG": "true", **env}),
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

    def __init__(
        self, env: dict, *, workers: int = 1, log: Path | None = None, ready="/healthz", app=None
    ):
        self.port = free_port()
        self.app = [app] if app else []  # another WSGI application than the site's
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready = ready
        self.log = log
        # MAX_REQUESTS=0: no worker recycling in the middle of a measurement.
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(workers),
                    "MAX_REQUESTS": "0"}  # fmt: skip

    def __enter__(self) -> str:
        output = open(self.log, "w") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", *self.app],
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

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and its workers (user + system)."""
        import psutil

        master = psutil.Process(self.process.pid)
        times = [p.cpu_times() for p in (master, *master.children(recursive=True))]
        return sum(t.user + t.system for t in times)


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
    """A URL to ``database`` on the PostgreSQL server this process's settings use."""
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


class _NginxProcess:
    """An nginx of our own, in a folder of its own, as a context manager: subclasses
    write its configuration (``_config``) and say where it listens."""

    def __enter__(self) -> str:
        self.folder = Path(tempfile.mkdtemp(prefix="heatblog-nginx-"))
        self.folder.chmod(0o755)
        config = self.folder / "nginx.conf"
        config.write_text(self._config())
        self.process = subprocess.Popen(
            ["nginx", "-c", str(config), "-p", str(self.folder), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        url = f"http://127.0.0.1:{self.port}"
        wait_for(f"{url}{self.ready}")
        return url

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class Nginx(_NginxProcess):
    """nginx on a free port serving one HTML page as a static file (the physical limit)."""

    ready = "/"

    def __init__(self, html: bytes, *, workers: int = 1):
        self.html = html
        self.workers = workers
        self.port = free_port()

    def _config(self) -> str:
        (self.folder / "article.html").write_bytes(self.html)
        (self.folder / "article.html").chmod(0o644)
        return f"""
worker_processes {self.workers};
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  default_type text/html;
  client_body_temp_path {self.folder};
  server {{
    listen 127.0.0.1:{self.port};
    root {self.folder};
    location / {{ try_files /article.html =404; }}
  }}
}}
"""


class ShippedNginx(_NginxProcess):
    """deploy/nginx.conf as shipped, its addresses and folders pointed at this run's own."""

    ready = "/healthz"

    def __init__(self, upstream: str, static_root: Path, *, workers: int = 1):
        self.upstream, self.static_root = upstream.removeprefix("http://"), static_root
        self.workers = workers
        self.port = free_port()

    def _config(self) -> str:
        config = (ROOT / "deploy" / "nginx.conf").read_text()
        for shipped, ours in {
            "server 127.0.0.1:8000;": f"server {self.upstream};",
            "/var/cache/nginx/heatblog": str(self.folder / "cache"),
            "/srv/heatblog/staticfiles/": f"{self.static_root}/",
            "listen 80;": f"listen 127.0.0.1:{self.port};",
            "worker_processes auto;": f"worker_processes {self.workers};\n"
            f"pid {self.folder}/nginx.pid;\nerror_log {self.folder}/error.log;",
            "include mime.types;": "include /etc/nginx/mime.types;\n  access_log off;\n"
            f"  client_body_temp_path {self.folder}/body;\n"
            f"  proxy_temp_path {self.folder}/proxy;",
        }.items():
            if shipped not in config:
                raise RuntimeError(f"deploy/nginx.conf no longer has {shipped!r}")
            config = config.replace(shipped, ours)
        return config


@contextmanager
def redis_server():
    """A private redis-server on a Unix socket, nothing saved to disk; its URL."""
    if not shutil.which("redis-server"):
        import pytest  # only tests start Redis

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
