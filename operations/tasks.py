"""The site's own periodic upkeep, run by the task worker (schedule: PERIODIC_TASKS)."""

from django.tasks import task

from operations.limits import purge_expired
from operations.periodic import queue_next_run


@task
def sweep_rate_limits() -> int:
    """Delete rate-limit counters whose window has closed."""
    queue_next_run(sweep_rate_limits)
    return purge_expired()
