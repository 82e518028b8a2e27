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
from django.middleware.csrf import CsrfViewMiddleware

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
SAME_SITE = ("same-origin", "none")  # "none": typed in, a bookmark, a reload


class CrossOriginProtectionMiddleware(CsrfViewMiddleware):
    """Fetch Metadata for the public site, Django's token CSRF for the admin."""

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if request.path.startswith(f"/{settings.ADMIN_URL}"):
            return super().process_view(request, callback, callback_args, callback_kwargs)
        if request.method in SAFE_METHODS or getattr(callback, "csrf_exempt", False):
            return None
        if reason := cross_origin(request):
            return self._reject(request, reason)
        return self._accept(request)


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
