"""Logging: single lines tagged with their request id, error reports that never wait
on a missing database, and admin mail that doesn't flood."""

import logging
import time
from contextvars import ContextVar

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

current_request_id: ContextVar[str] = ContextVar("request_id", default="-")

# The database is away (down, restarting, unreachable): not a bug in our code.
# IntegrityError, ProgrammingError and the like are bugs, reported as such.
DATABASE_OUTAGE = (OperationalError, InterfaceError)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class OneLineFormatter(logging.Formatter):
    """A record on one line: a traceback's lines joined with " | ", so log tools
    keep an error and its request id together."""

    def format(self, record: logging.LogRecord) -> str:
        return " | ".join(line for line in super().format(record).splitlines() if line.strip())


class ErrorReporter(ExceptionReporter):
    """Django's error report (the ADMINS mail, the debug page), minus local variables
    when the database is what failed: showing them would ask the database again
    (a QuerySet's repr runs it), each time waiting for the pool's timeout. And minus
    the request when its body is what Django can't read (a form in a charset other
    than UTF-8): reading it again for the report raised once more, and the 400 of
    `make run` became a bare 500."""

    def __init__(self, request, exc_type, exc_value, tb, is_email=False):
        super().__init__(request, exc_type, exc_value, tb, is_email)
        if isinstance(exc_value, DATABASE_OUTAGE):
            self.filter = _WithoutLocals()

    def get_traceback_data(self):
        try:
            return super().get_traceback_data()
        except BadRequest:
            self.request = None
            return super().get_traceback_data()


class _WithoutLocals(SafeExceptionReporterFilter):
    def get_traceback_frame_variables(self, request, tb_frame):
        return []


class MailThrottle(logging.Filter):
    """One mail per kind of error per process every few minutes: an outage that
    fails a thousand requests is one mail to the admins, not a thousand."""

    def __init__(self, seconds: float = 300):
        super().__init__()
        self.seconds = seconds
        self.last_sent: dict[tuple, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0].__name__ if record.exc_info else record.getMessage()
        key = (record.name, kind)
        now = time.monotonic()
        if now - self.last_sent.get(key, -self.seconds) < self.seconds:
            return False
        self.last_sent[key] = now
        return True
