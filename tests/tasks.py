"""Running the task queue in tests, as `manage.py db_worker` does in production."""

from unittest import mock

from django.core.management import call_command


def run_queued_tasks() -> None:
    """Run every task the views queued, then return (the worker's --batch mode).

    The worker closes stale connections between tasks; inside a test's transaction
    that would end the test's own connection, so here it leaves it alone.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
