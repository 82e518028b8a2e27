"""/healthz and /readyz: what load balancers ask every few seconds.

No session, no cache, no templates: HealthCheckMiddleware answers them before any
other middleware runs.
"""

from django.db import DatabaseError, connection
from django.http import HttpResponse


def healthz(request):
    """Liveness: the process answers. Says nothing about the database on purpose,
    so a database outage never makes the balancer restart healthy app servers."""
    return _plain("ok")


def readyz(request):
    """Readiness: this server can reach the database and should get traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return _plain("database unavailable", status=503)
    return _plain("ok")


def _plain(text: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    """/healthz and /readyz, answered before any other middleware.

    Load balancers probe each app server by its own address, over plain HTTP:
    the host check, the HTTPS redirect, sessions and the page cache would turn
    their probe into a 400 or a 301, so none of them runs for these two paths.
    """

    CHECKS = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if check := self.CHECKS.get(request.path_info):
            return check(request)
        return self.get_response(request)
