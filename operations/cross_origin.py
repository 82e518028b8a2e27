"""Cross-site request forgery stopped by what the browser says, not by a token in the page.

A page that carries a per-reader CSRF token can't be shared by a proxy or a CDN. The
public forms (comments, edits, privacy requests) need none: every browser since 2023
says where a request comes from in ``Sec-Fetch-Site``, and older ones send ``Origin``
with a cross-site POST. So, as Go's net/http CrossOriginProtection and OWASP's cheat
sheet do: an unsafe request is refused when ``Sec-Fetch-Site`` says another site sent
it, or, without that header, when ``Origin`` names another origin. A request with
neither header comes from no browser a forger could use, and is let through.

The admin (and anything else under ADMIN_URL) keeps Django's token CSRF, cookie and
all: an editor's session is worth the belt and braces.
"""

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin
from django.utils.module_loading import import_string

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
SAME_SITE = ("same-origin", "none")  # "none": typed in, a bookmark, a reload


class CrossOriginProtectionMiddleware(MiddlewareMixin):
    """Fetch Metadata for the public site; Django's CsrfViewMiddleware, listed after this
    one, checks tokens for the admin (a request checked here is marked done for it)."""

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if request.path.startswith(f"/{settings.ADMIN_URL}") or request.method in SAFE_METHODS:
            return None
        if not getattr(callback, "csrf_exempt", False) and (reason := cross_origin(request)):
            return import_string(settings.CSRF_FAILURE_VIEW)(request, reason=reason)
        request.csrf_processing_done = True  # Django's token check is for the admin only
        return None


def cross_origin(request) -> str:
    """Why this request looks sent by another site, or '' when it does not."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return "" if fetch_site in SAME_SITE else f"Sec-Fetch-Site is {fetch_site}"
    origin = request.headers.get("Origin")
    if origin is None:
        return ""
    own = f"{request.scheme}://{request.get_host()}"
    if origin == own or origin in settings.CSRF_TRUSTED_ORIGINS:
        return ""
    return f"Origin {origin} is not this site"
