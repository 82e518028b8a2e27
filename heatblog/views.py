import sys
from pathlib import Path

from axes.helpers import get_client_username
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.static import serve

from heatblog.logs import DATABASE_OUTAGE

MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


def media(request, path):
    """An uploaded file: as the image it is, or as a download; never as HTML or script.

    Uploads are checked to be images when they arrive; this is the second lock. The
    type comes from our own list, the browser may not guess another (nosniff), and
    a sandboxing CSP keeps anything that slipped through from running.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    response["Content-Type"] = content_type or "application/octet-stream"
    if content_type is None:
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Uploads and renditions get fresh, unique names: they never change.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@cache_control(public=True, max_age=24 * 60 * 60)
def robots_txt(request):
    """Crawl everything public; not the admin, search results or comment forms."""
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /search/",
        "Disallow: /comments/",
        "Disallow: /articles/*/comment/",
        f"Sitemap: {settings.SITE_URL.rstrip('/')}/sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# Django's own error views read the CSRF token, which reads request.POST; for a
# form in an unsupported charset that raises again and the visitor gets a bare
# "A server error occurred". These render our pages without touching the body.


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    if isinstance(sys.exception(), DATABASE_OUTAGE):
        return database_unavailable(request)
    return render(request, "500.html", status=500)


RETRY_AFTER_SECONDS = 30
_MAX_KEPT_FIELDS = 40  # a form of ours has a dozen; more is not a reader's form


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
    response.database_unavailable = True  # heatblog.replicas retries such a read on the primary
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


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: say why, and for how long."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "username": get_client_username(request, credentials) or "",
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "admin/locked_out.html", context, status=429)


def csrf_failure(request, reason=""):
    """A 403 that explains itself and hands back whatever the reader wrote."""
    kept_text = dict(_posted_fields(request)).get("text", "")
    return render(request, "403_csrf.html", {"kept_text": kept_text}, status=403)


# Load balancers ask these every few seconds (heatblog.middleware.HealthCheckMiddleware
# answers them first): no session, no cache, no templates.


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
