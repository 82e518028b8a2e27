#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heatblog.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # What the environment lacks (heatblog/settings.py says what to set), not a traceback.
        sys.exit(f"manage.py: {error}\n(In development: `make run`, or DEBUG=true before it.)")


if __name__ == "__main__":
    main()
