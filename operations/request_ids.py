"""One id per request, in the X-Request-ID response header and in every log line."""

import re
import uuid

from django.conf import settings

from operations.logs import current_request_id

# Behind a proxy, its id is kept when it looks like one; anything else is replaced.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    """One id per request: in the X-Request-ID response header and in every log
    line the request causes (operations/logs.py)."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Only our own proxy may name a request; a client could name them all alike.
        self.trust_offered = settings.BEHIND_PROXY

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "") if self.trust_offered else ""
        request.id = request_id(offered)
        # Set, not reset afterwards: Django logs a 4xx/5xx answer after the last
        # middleware returns, and that line needs the id too. The next request
        # in this thread sets its own.
        current_request_id.set(request.id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


def request_id(offered: str = "") -> str:
    """The id our proxy offered when it looks like one, else a new one."""
    return offered if _ACCEPTABLE_ID.fullmatch(offered) else uuid.uuid4().hex
