"""Jobs that run on a schedule, as tasks the worker runs: no cron to set up.

The schedule is one setting, PERIODIC_TASKS (task path -> seconds between runs).
A periodic task queues its own next run when it starts (so a run that fails still
has a successor), and `migrate` queues a first run of any periodic task that has
none waiting, so a fresh site, or one whose queue was emptied, starts its schedule.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


def queue_next_run(task) -> None:
    """Queue the next run of a periodic task, one period from now."""
    seconds = settings.PERIODIC_TASKS[task.module_path]
    task.using(run_after=timezone.now() + timedelta(seconds=seconds)).enqueue()


def queue_first_runs(**kwargs) -> list[str]:
    """Queue every periodic task that has no run waiting (connected to post_migrate)."""
    from django_tasks_db.models import DBTaskResult

    queued = []
    for path in settings.PERIODIC_TASKS:
        waiting = DBTaskResult.objects.filter(task_path=path, status__in=["READY", "RUNNING"])
        if not waiting.exists():
            import_string(path).enqueue()
            queued.append(path)
    return queued
