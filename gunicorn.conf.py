"""gunicorn settings: `gunicorn` in the project folder picks this file up.

Under gunicorn the site runs in production mode unless DEBUG says otherwise.
"""

import os

os.environ.setdefault("DEBUG", "false")

wsgi_app = "heatblog.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Sync workers: each request holds one process. Two per core keeps the CPU busy
# while one waits on PostgreSQL; override with WEB_CONCURRENCY.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
max_requests = 5000  # recycle workers now and then, bounding any slow leak
max_requests_jitter = 500
timeout = 30
graceful_timeout = 20
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG") or None
