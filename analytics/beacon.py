"""The beacon: what a reader's browser reports, answered early in Django's middleware.

Pages are shared by every reader and by caches (operations/pagecache.py, nginx, a CDN),
so the server can't count when it renders one. Instead each article page carries a
signed token naming its article (and a search page, its query and result count), and
static/js/count.js sends it back with ``navigator.sendBeacon``: POST /a/view with
``a`` (article token) and optionally ``r`` (the referring site's domain) or ``d``
(how far the reader got, 25/50/75/100); or ``s`` (search token). Without JavaScript,
the page's <noscript> image asks GET /a/view.gif?a=…; with JavaScript, browsers never
load a <noscript> image, so nobody is counted twice.

Reports are never answered from a cache. ``SharedPages``, the WSGI wrapper in front of
Django (heatblog/wsgi.py), passes a POST straight through; a GET of the image passes
through after its cache lookup of the site's generation (no answer is ever kept for it).

Only what the server signed is counted: a forged or edited token, an unknown kind of
field, a path, a huge body is refused with a 400, and nothing is stored. The visitor is
worked out from the request itself (readers.py). The answer is the same 204 whether or
not the request was counted.
"""

import re

from django.core import signing
from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.http import HttpResponse, QueryDict

from analytics import buffer
from analytics.models import Event
from analytics.readers import not_counted_because, visitor_codes
from operations.cross_origin import cross_origin
from operations.media import TRANSPARENT_GIF

BEACON_PATH = "/a/view"
PIXEL_PATH = "/a/view.gif"
MAX_BODY = 4096
_DEPTHS = {"25", "50", "75", "100"}
_ARTICLE_SIGNER = signing.Signer(salt="analytics.article")
_SEARCH_SIGNER = signing.Signer(salt="analytics.search")
_HOST = re.compile(r"[a-z0-9.:\[\]-]+")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")
# A search that looks like an email address or a phone number (seven digits or more, spaced
# or not) is counted under this, its text kept nowhere: readers type such things.
PERSONAL_SEARCH = "(personal details left out)"
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]")
_PHONE = re.compile(r"\+?(?:\d[\s().\-/]*){7,}")


def article_token(article) -> str:
    return _ARTICLE_SIGNER.sign(str(article.pk))


def search_token(query: str, results: int) -> str:
    return _SEARCH_SIGNER.sign_object({"q": query, "n": results}, compress=True)


class BeaconMiddleware:
    """/a/view and /a/view.gif, right after request ids and health checks, before sessions,
    authentication and the security headers a 204 doesn't need: a beacon costs about what
    a health check does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path in (BEACON_PATH, PIXEL_PATH):
            try:
                response = beacon(request) if path == BEACON_PATH else pixel(request)
            except DisallowedHost:  # ALLOWED_HOSTS holds here too
                response = _refuse("This site does not answer to that host name.")
            return _guarded(response)
        return self.get_response(request)


# The few headers a beacon's reply needs, set here since it skips SecurityMiddleware:
# a refusal's text or the pixel is never sniffed into HTML, framed, run or read across sites.
BEACON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _guarded(response):
    for name, value in BEACON_HEADERS.items():
        response[name] = value
    return response


def beacon(request):
    if request.method != "POST":
        return _refuse("Send a POST.", status=405, Allow="POST")
    request.get_host()  # ALLOWED_HOSTS holds here too (DisallowedHost: a 400, above)
    if reason := cross_origin(request):
        return _refuse(f"Only this site's pages report views ({reason}).", status=403)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY + 1
    if not 0 < length <= MAX_BODY:
        return _refuse(f"A report is 1 to {MAX_BODY} bytes.")
    try:
        fields = QueryDict(request.read(length), encoding="utf-8")
    except (ValueError, SuspiciousOperation):
        return _refuse("A report is a few form-encoded fields.")
    return _record(request, fields)


def pixel(request):
    if request.method not in ("GET", "HEAD"):
        return _refuse("Ask with GET.", status=405, Allow="GET, HEAD")
    request.get_host()
    if len(request.META.get("QUERY_STRING", "")) > MAX_BODY:
        return _refuse("The address is too long.")
    if request.method == "HEAD" or cross_origin(request):  # a HEAD is no reader's
        return _image()
    response = _record(request, request.GET)
    return _image() if response.status_code == 204 else response


def _record(request, fields: QueryDict):
    """Check what the browser sent; count it unless the reader is not to be counted."""
    event, problem = read_report(fields)
    if problem:
        return _refuse(problem)
    if not not_counted_because(request):
        event["day"], event["visitor"], event["network"] = visitor_codes(request)
        buffer.add(event)
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


def read_report(fields: QueryDict) -> tuple[dict, str]:
    """The fields of the Event a report describes (not yet its day and visitor), or a problem."""
    if set(fields) - {"a", "r", "d", "s"} or any(len(fields.getlist(k)) > 1 for k in fields):
        return {}, "A report has the fields a, r, d or s, each once."
    if "s" in fields:
        if len(fields) > 1:
            return {}, "A search report has only its token."
        try:
            search = _SEARCH_SIGNER.unsign_object(fields["s"])
            query, results = search["q"], search["n"]
        except (signing.BadSignature, ValueError, TypeError, KeyError):
            return {}, "That is not a search this site showed."
        if _EMAIL.search(query) or _PHONE.search(query):
            query = PERSONAL_SEARCH
        return {"kind": Event.Kind.SEARCH, "query": query, "results": results}, ""
    try:
        article_id = int(_ARTICLE_SIGNER.unsign(fields.get("a", "")))
    except (signing.BadSignature, ValueError):
        return {}, "That is not an article this site showed."
    event = {"kind": Event.Kind.VIEW, "article_id": article_id}
    if "d" in fields:
        if fields["d"] not in _DEPTHS or "r" in fields:
            return {}, "Depth is 25, 50, 75 or 100, alone."
        event["kind"], event["depth"] = Event.Kind.DEPTH, int(fields["d"])
    elif referrer := fields.get("r", "").strip().lower():
        if len(referrer) > 253 or not _HOST.fullmatch(referrer):
            return {}, "The referrer is a host name."
        if _DOMAIN.fullmatch(referrer):  # not an address or a one-word intranet host
            event["referrer"] = referrer.removeprefix("www.")
    return event, ""


def _image():
    response = HttpResponse(TRANSPARENT_GIF, content_type="image/gif")
    response["Cache-Control"] = "no-store"  # each view asks again
    return response


def _refuse(message: str, status: int = 400, **headers):
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name] = value
    return response
