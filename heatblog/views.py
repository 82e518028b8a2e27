from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.static import serve

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
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    """A 403 that explains itself and hands back whatever the reader wrote."""
    try:
        kept_text = request.POST.get("text", "") if request.method == "POST" else ""
    except Exception:  # an unreadable body: nothing to give back
        kept_text = ""
    return render(request, "403_csrf.html", {"kept_text": kept_text}, status=403)
