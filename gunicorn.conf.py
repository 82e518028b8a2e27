"""gunicorn settings: `gunicorn` in the project folder picks this file up.

Under gunicorn the site runs in production mode unless DEBUG says otherwise.
"""

import os

os.environ.setdefault("DEBUG", "false")

wsgi_app = "heatblog.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# One process per core (WEB_CONCURRENCY overrides), two threads each, keep-alive.
# The work is CPU-bound Python with sub-millisecond database calls. Measured with
# bench/ on 2 cores: sync workers spend most of their time in gunicorn's graceful
# close, waiting for each client's FIN; keep-alive (gthread) avoids that; a second
# thread covers database waits; more threads only add GIL contention.
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5
# Recycle a worker after this many requests, bounding any slow leak. A restart
# stalls that worker for about a second, so not too often (0 never recycles).
max_requests = int(os.environ.get("MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
timeout = 30
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No request header may set SCRIPT_NAME or PATH_INFO, not even our proxy's: the site is
# served at the root, and a forwarded SCRIPT_NAME could make one page stand for another.
forwarder_headers = ""
accesslog = os.environ.get("ACCESS_LOG") or None
