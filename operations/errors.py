"""Error pages: 400, 403, 404, 500, the "back soon" page while the database is away,
the CSRF failure page and the admin's sign-in lockout.

Django's own error views read the CSRF token, which reads request.POST; for a form
in an unsupported charset that raises again and the visitor gets a bare "A server
error occurred". These render our pages without touching the body.
"""

import sys

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render

from operations.logs import DATABASE_OUTAGE

RETRY_AFTER_SECONDS = 30
_MAX_KEPT_FIELDS = 40  # a form of ours has a dozen; more is not a reader's form


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return too_big(request)
    return render(request, "400.html", status=400)


def too_big(request):
    """More than DATA_UPLOAD_MAX_MEMORY_SIZE was sent: not read, so it can't be shown
    back; the browser still has it, one step back."""
    context = {"limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_048_576}
    return render(request, "413.html", context, status=413)


class TooBigMiddleware:
    """The 413 page for a form too big to read, with DEBUG on too (Django's debug page
    would show instead, to a newcomer trying a huge comment under `make run`).

    The form is read here, before the middleware after it (the admin's CSRF check reads
    it too, where no view's error handling would catch it), or by the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        # Only where the CSRF check reads the form anyway; a view exempt from it (a mail
        # app's one-click unsubscribe) may not read it at all, and is answered for below.
        if request.method == "POST" and not getattr(view, "csrf_exempt", False):
            try:
                request.POST  # noqa: B018 - read now, to answer for it here
            except RequestDataTooBig:
                return too_big(request)
        return None

    def process_exception(self, request, exception):
        return too_big(request) if isinstance(exception, RequestDataTooBig) else None


def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    if user is not None and user.is_staff and request.path.startswith(f"/{settings.ADMIN_URL}"):
        # Staff without a permission: said in the admin they were using, not the site's page.
        context = {**admin.site.each_context(request), "title": "Not for your account"}
        return render(request, "admin/403.html", context, status=403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    if isinstance(sys.exception(), DATABASE_OUTAGE):
        return database_unavailable(request)
    return render(request, "500.html", status=500)


def database_unavailable(request):
    """503 while the database is away: "back soon", and what was being sent handed back.

    The page needs no database. A reader's form (a comment, an edit, a privacy
    request) comes back as a form holding everything they typed, to send again
    once we are back. An editor's admin form comes back as its text, to copy:
    re-sending half an admin form would only fail differently.
    """
    fields = _posted_fields(request)
    in_admin = request.path.startswith(f"/{settings.ADMIN_URL}")
    kept = dict(fields)
    context = {
        "kept_text": kept.get("body" if in_admin else "text", ""),
        "kept_fields": [] if in_admin else [(n, v) for n, v in fields if n != "text"],
        "resend": not in_admin and bool(fields),
        "retry_after": RETRY_AFTER_SECONDS,
    }
    response = render(request, "503.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.database_unavailable = True  # operations.replicas retries such a read on the primary
    return response


def _posted_fields(request) -> list[tuple[str, str]]:
    """The fields of a POST, minus secrets: a page must never echo a password."""
    if request.method != "POST":
        return []
    try:
        fields = list(request.POST.lists())[:_MAX_KEPT_FIELDS]
    except Exception:  # an unreadable body: nothing to give back
        return []
    sensitive = getattr(request, "sensitive_post_parameters", ())
    return [
        (name, value)
        for name, values in fields
        if "password" not in name.lower() and name not in sensitive
        for value in values
    ]


def csrf_failure(request, reason=""):
    """A 403 that explains itself and hands back whatever the reader wrote."""
    kept_text = dict(_posted_fields(request)).get("text", "")
    # Django's token check (the admin's) says "CSRF cookie not set.", "CSRF token
    # missing."...; the rest (operations/cross_origin.py, Django's Origin and Referer
    # checks) refused a form sent from another site.
    by_cookie = reason.startswith("CSRF")
    context = {"kept_text": kept_text, "by_cookie": by_cookie}
    return render(request, "403_csrf.html", context, status=403)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: say why, and for how long."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "username": get_client_username(request, credentials) or "",
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/locked_out.html", context, status=429)
