"""Reads of public pages from a PostgreSQL read replica; everything else from the primary.

Active when DATABASE_REPLICA_URL is set (settings). A request may read from the
replica when it only reads (GET or HEAD), is not for the admin, and its reader
has not just written something: after a POST the reader carries a short-lived
cookie that keeps their reads on the primary, so their new comment is there on
the page they are sent back to even while the replica catches up.

A replica that fails is not a single point of failure: the request is answered
again from the primary, and this process leaves the replica alone for a while.
"""

import time
from contextvars import ContextVar

from django.conf import settings

PIN_COOKIE = "primary"
REPLICA = "replica"
PRIMARY = "default"

REPLICA_REST_SECONDS = 30  # after a failure, before this process tries the replica again

_reads_from: ContextVar[str] = ContextVar("reads_from", default=PRIMARY)


class ReplicaRouter:
    """Django database router: the request decides where reads go; writes go to the primary."""

    def db_for_read(self, model, **hints):
        return _reads_from.get()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # both databases hold the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY  # the replica copies the primary's schema


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = f"/{settings.ADMIN_URL}"
        self.replica_failed_at = -REPLICA_REST_SECONDS  # one middleware per process

    def __call__(self, request):
        if self._may_read_replica(request):
            response = self._answer(request, REPLICA)
            if getattr(response, "database_unavailable", False):  # operations/errors.py
                self.replica_failed_at = time.monotonic()
                response = self._answer(request, PRIMARY)  # a GET: safe to answer again
        else:
            response = self._answer(request, PRIMARY)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response

    def _answer(self, request, reads_from: str):
        token = _reads_from.set(reads_from)
        try:
            return self.get_response(request)
        finally:
            _reads_from.reset(token)

    def _may_read_replica(self, request) -> bool:
        return (
            time.monotonic() - self.replica_failed_at > REPLICA_REST_SECONDS
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(self.admin_prefix)
            and PIN_COOKIE not in request.COOKIES
        )
