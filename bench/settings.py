"""Production settings, plus a bench-only URL for the "hello world" reference."""

from heatblog.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
