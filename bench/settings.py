"""Production settings, plus a bench-only URL for the "hello world" reference.

With BENCH_CACHES=off every cache is off (no page cache, no discussion cache: Django's
dummy cache), for the cold-render measurement.
"""

import os

from heatblog.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_CACHES") == "off":
    PAGE_CACHE_SECONDS = 0
    PAGE_CACHE_SHARED = False
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
