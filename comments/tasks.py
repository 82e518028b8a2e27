"""Work a reader's request causes but must not wait for: mail, run by the task worker.

Django's built-in Tasks with a PostgreSQL-backed queue (django-tasks-db): a view
enqueues in the same transaction as its own writes, and `manage.py db_worker`
(started beside the server by `make run`) runs the task.
"""

from django.tasks import task

from comments import privacy


@task
def send_privacy_link(email: str, action: str, network: str) -> bool:
    """Mail the confirmation link of a privacy request, if the address has anything here."""
    return privacy.send_link(email, action, network)
