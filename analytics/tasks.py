"""The readers' periodic upkeep, run by the task worker (schedule: PERIODIC_TASKS)."""

from django.tasks import task

from analytics.rollup import roll_up
from operations.periodic import queue_next_run


@task
def roll_up_readers() -> int:
    """Turn raw events into daily totals; delete expired events and old salts."""
    queue_next_run(roll_up_readers)
    return len(roll_up())
