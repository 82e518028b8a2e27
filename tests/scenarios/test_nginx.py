"""The shipped deploy/nginx.conf in front of gunicorn, as production runs them."""

import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from harness.reader import Reader
from harness.servers import HEAT, ROOT, Gunicorn, manage, wait_for

SHARED_SECONDS = 2


class ShippedNginx:
    """deploy/nginx.conf with its addresses and folders pointed at this test's own."""

    def __init__(self, upstream: str, static_root: Path):
        self.upstream, self.static_root = upstream.removeprefix("http://"), static_root
        self.port = int(re.search(r":(\d+)$", self.upstream).group(1)) + 1

    def __enter__(self) -> str:
        self.folder = Path(tempfile.mkdtemp(prefix="heatblog-deploy-nginx-"))
        self.folder.chmod(0o755)
        config = (ROOT / "deploy" / "nginx.conf").read_text()
        for shipped, ours in {
            "server 127.0.0.1:8000;": f"server {self.upstream};",
            "/var/cache/nginx/heatblog": str(self.folder / "cache"),
            "/srv/heatblog/staticfiles/": f"{self.static_root}/",
            "listen 80;": f"listen 127.0.0.1:{self.port};",
            "worker_processes auto;": f"worker_processes 1;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log;",
            "include mime.types;": "include /etc/nginx/mime.types;\n"
            f"  access_log off;\n  client_body_temp_path {self.folder}/body;\n"
            f"  proxy_temp_path {self.folder}/proxy;",
        }.items():
            assert shipped in config, shipped
            config = config.replace(shipped, ours)
        (self.folder / "nginx.conf").write_text(config)
        self.process = subprocess.Popen(
            ["nginx", "-c", str(self.folder / "nginx.conf"), "-p", str(self.folder),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        url = f"http://127.0.0.1:{self.port}"
        wait_for(f"{url}/healthz")
        return url

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def behind_nginx(site_env, scratch_db, static_root):
    # PAGE_CACHE_SECONDS=1: what is measured here is the edge's cache, not the app's own.
    env = {
        **site_env, "DATABASE_URL": scratch_db, "PAGE_SHARED_SECONDS": str(SHARED_SECONDS),
        "PAGE_CACHE_SECONDS": "1", "COMMENTS_MIN_SECONDS": "0", "BEHIND_PROXY": "true",
    }  # fmt: skip
    with Gunicorn(env) as site, ShippedNginx(site, static_root) as edge:
        yield edge, scratch_db


def test_a_second_anonymous_reader_is_served_by_the_edge(behind_nginx):
    edge, _ = behind_nginx

    first, second = Reader(edge).get(HEAT), Reader(edge).get(HEAT)

    assert (first.status, second.status) == (200, 200)
    assert "Heat (1995)" in second.text
    assert first.headers["X-Cache-Status"] in ("MISS", "EXPIRED")
    assert second.headers["X-Cache-Status"] == "HIT"
    assert first.text == second.text


def test_a_newly_approved_comment_appears_within_s_maxage(behind_nginx):
    edge, database = behind_nginx
    assert "Approved at the edge" not in Reader(edge).get(HEAT).text
    manage(
        "shell", "-c",
        "from articles.models import Article; from comments.models import Comment; "
        "Comment.objects.create(article=Article.objects.get(), name='Neil', "
        "email='neil@example.com', text='Approved at the edge', status='approved')",
        DATABASE_URL=database, DATABASE_POOL="false",
    )  # fmt: skip

    time.sleep(SHARED_SECONDS + 1.5)
    page = Reader(edge).get(HEAT)

    assert page.status == 200
    assert "Approved at the edge" in page.text


def test_a_commenter_posts_through_the_edge_and_sees_their_held_comment(behind_nginx):
    edge, _ = behind_nginx
    Reader(edge).get(HEAT)  # the shared page is in the edge's cache now
    commenter = Reader(edge)
    form = {**commenter.get(HEAT).hidden_fields(), "text": "Held, but mine to see.",
            "name": "Vincent", "email": "vincent@example.com"}  # fmt: skip

    sent = commenter.post(f"{HEAT}comment/", form)
    mine = commenter.get(HEAT)
    theirs = Reader(edge).get(HEAT)

    assert sent.status == 302
    assert mine.headers["X-Cache-Status"] == "BYPASS"
    assert "Held, but mine to see." in mine.text
    assert theirs.status == 200
    assert "Held, but mine to see." not in theirs.text
