"""Load over HTTP on 127.0.0.1: wrk for pages, fifty commenters for the comment POST,
and what the server's static files and workers look like afterwards."""

import json
import os
import re
import secrets
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.commenters import post_comments

LUA = Path(__file__).resolve().parent / "wrk"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# Eight connections keep two CPU-bound workers busy without making latency a
# measure of the accept queue (at 32, even "hello world" had a 360 ms p95).
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
THREADS = 2
WARM_UP = 2  # seconds of unmeasured load before each measured one
CSRF_SECRET = "b" * 32
POST_CONNECTIONS = int(os.environ.get("BENCH_POST_CONNECTIONS", "50"))  # 50 commenters at once


def wrk(
    url: str,
    script="report.lua",
    extra_env=None,
    seconds=SECONDS,
    connections=CONNECTIONS,
    server=None,
    headers=(),
) -> dict:
    """wrk's numbers for one URL; with ``server`` (harness.servers.Gunicorn), also the
    server's CPU time per request (``cpu_ms``)."""
    env = {**os.environ, "BENCH_LUA_DIR": str(LUA), **(extra_env or {})}
    base = ["wrk", f"-t{THREADS}", f"-c{connections}", "--timeout", "10s"]
    base += [option for header in headers for option in ("-H", header)]
    if script == "report.lua":  # warm up first: workers' first requests load and compile
        subprocess.run([*base, f"-d{WARM_UP}s", url], capture_output=True, timeout=60, check=False)
    command = [*base, f"-d{seconds}s", "-s", str(LUA / script), url]
    cpu_before = server.cpu_seconds() if server else 0.0
    output = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    cpu_used = server.cpu_seconds() - cpu_before if server else None
    match = re.search(r"^RESULT (.*)$", output.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result for {url}:\n{output.stdout}\n{output.stderr}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / result["seconds"]
    if cpu_used is not None:
        result["cpu_ms"] = cpu_used * 1000 / max(result["requests"], 1)
    print(f"bench: {url:55} {result['rps']:9.0f} req/s  p50 {result['p50_ms']:.2f} ms")
    return result


def comment_posts(site: str, server=None) -> dict:
    """Post as many distinct comments as the server takes; then count them in the database.

    With ``server`` (harness.servers.Gunicorn), also the CPU per POST of the server
    and of PostgreSQL (``cpu_ms``, ``database_cpu_ms``): where a comment's cost goes."""
    from django.core import signing
    from django.db.models import Count

    from articles.models import Article
    from bench.seed import POST_TARGET_SLUG
    from comments.models import Comment
    from comments.stamps import FORM_SALT

    target = Article.objects.get(slug=POST_TARGET_SLUG)
    before = Comment.objects.filter(article=target).count()
    run_id = secrets.token_hex(4)
    now = int(time.time()) - 60

    def bodies(label: str, count: int) -> list[str]:
        forms = []
        for n in range(count):
            nonce = secrets.token_hex(8)
            stamp = signing.dumps({"a": target.pk, "t": now, "n": nonce}, salt=FORM_SALT)
            fields = {
                "csrfmiddlewaretoken": CSRF_SECRET,
                "text": f"Bench comment {label}-{n}: the diner scene says it all.",
                "name": f"Bench {n}",
                "email": f"bench{n}@example.com",
                "stamp": stamp,
            }
            forms.append(urllib.parse.urlencode(fields))
        return forms

    url = f"{site}/articles/{target.slug}/comment/"
    cookie = f"csrftoken={CSRF_SECRET}"
    # Unmeasured first, as wrk warms up before each page: the workers' first POSTs
    # import and compile what posting needs.
    post_comments(url, bodies(f"warm-{run_id}", 2000), cookie, POST_CONNECTIONS, WARM_UP)
    measured = bodies(run_id, SECONDS * 2000)  # signed before the CPU counters are read
    cpu_before = server.cpu_seconds() if server else 0.0
    database_before = database_cpu_seconds()
    result = post_comments(url, measured, cookie, POST_CONNECTIONS, SECONDS)
    answered = max(result["requests"], 1)
    if server:
        result["cpu_ms"] = (server.cpu_seconds() - cpu_before) * 1000 / answered
    result["database_cpu_ms"] = (database_cpu_seconds() - database_before) * 1000 / answered
    print(f"bench: {url:55} {result['rps']:9.0f} req/s  p50 {result['p50_ms']:.2f} ms")
    stored = Comment.objects.filter(article=target, text__startswith=f"Bench comment {run_id}-")
    result["stored"] = stored.count()
    result["duplicated"] = (
        stored.values("text").order_by().annotate(n=Count("id")).filter(n__gt=1).count()
    )
    result["lost"] = result["redirects"] - result["stored"]
    result["comments_before"] = before
    return result


def database_cpu_seconds() -> float:
    """CPU time used so far by the PostgreSQL server's processes on this machine."""
    import psutil

    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "postgres":
            try:
                times = process.cpu_times()
            except psutil.Error:  # a backend that just exited
                continue
            total += times.user + times.system
    return total


def static_assets(site: str) -> dict:
    home = urllib.request.urlopen(f"{site}/").read().decode()
    css = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
    if not css:
        return {"hashed": False}
    request = urllib.request.Request(
        f"{site}{css.group(1)}", headers={"Accept-Encoding": "br, gzip"}
    )
    with urllib.request.urlopen(request) as response:
        return {
            "hashed": True,
            "cache_control": response.headers.get("Cache-Control", ""),
            "content_encoding": response.headers.get("Content-Encoding", ""),
        }


def worker_memory(server) -> list[float]:
    """RSS of each of the server's workers (harness.servers.Gunicorn), in MB."""
    import psutil

    workers = psutil.Process(server.process.pid).children()
    return [worker.memory_info().rss / 1024 / 1024 for worker in workers]
