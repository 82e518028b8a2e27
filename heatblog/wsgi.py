"""WSGI entry point for gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatblog.settings")

django_application = get_wsgi_application()

# Readers without personal state are answered from kept pages before Django runs.
from operations.pagecache import SharedPages  # noqa: E402 - needs Django set up first

application = SharedPages(django_application)
