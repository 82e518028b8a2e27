"""One page for every reader: anonymous pages as shared bytes, from memory and from any cache.

A reader without personal state (no cookie of ours but the CSRF one an editor's browser
may carry) gets exactly the same bytes as every other such reader: nothing personal is
in the page (no CSRF token, no CSP nonce, no cookie set), so the response says so,
``Cache-Control: public`` with ``s-maxage`` (PAGE_SHARED_SECONDS), and a proxy or CDN
may keep it and serve it (nginx in deploy/, or any CDN). It carries a strong ETag every
reader shares. A reader with personal state (a session, their held comment, saved
details, a chosen order, a message) gets a page rendered for them, ``private``.

This process keeps shared pages in memory too, for PAGE_CACHE_SECONDS at most and
while the site's generation is unchanged (every save of an article or comment bumps it,
see ``invalidate``); while the database is away, the newest copy is served however old
it is. The generation lives in the default cache: in Redis, when REDIS_URL is set,
every worker sees a bump at once.
"""

import gzip
import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import wraps
from threading import Lock

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from operations.logs import DATABASE_OUTAGE

GENERATION_KEY = "pages:generation"
MAX_PAGES = 128
# Cookies that change nothing a public page shows: the admin's CSRF cookie, which an
# editor's browser carries on the public site too.
SHAREABLE_COOKIES = {"csrftoken"}
_KEPT_HEADERS = ("Content-Type", "Last-Modified", "Content-Language")

_pages: OrderedDict = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class _Page:
    content: bytes
    gzipped: bytes  # compressed once when kept in memory (b"": not kept, sent plain)
    etag: str
    headers: dict
    stored_at: float


class SharedPageMiddleware:
    """Answer a reader without personal state from memory, before the middleware a shared
    page doesn't need (sessions, authentication, CSRF, messages): a hit then costs about
    what Django's "hello world" does. A miss goes on to the view (``cached_page``),
    which renders and stores the page. Everything above this middleware (security
    headers, CSP, conditional GET, request ids) still applies to the answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and set(request.COOKIES) <= SHAREABLE_COOKIES
        ):
            request.get_host()  # ALLOWED_HOSTS holds here too (DisallowedHost: a 400)
            query = request.META.get("QUERY_STRING", "")
            page = _pages.get((request.path, query, cache.get(GENERATION_KEY, 0)))
            if page is not None and time.time() - page.stored_at <= settings.PAGE_CACHE_SECONDS:
                return _respond(page, request)
        return self.get_response(request)


def invalidate() -> None:
    """Something readers see changed: every cached page is out of date.

    Bumped now, and again once the transaction commits: a page rendered between
    the two (from the not yet committed, old data) is then out of date too.
    """
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, timeout=None)


def cached_page(view=None, *, vary_on_query=False, served=None):
    """Serve this view's pages to readers without personal state as shared bytes.

    With ``vary_on_query`` the query string is part of the key (search results);
    otherwise a request with one is rendered afresh (?replytocom=…). ``served`` is a
    signal sent with each page rendered for one reader (it may set their cookies).
    """
    if view is None:
        return lambda view: cached_page(view, vary_on_query=vary_on_query, served=served)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _shareable(request, vary_on_query):
            response = _private(view(request, *args, **kwargs))
            if served is not None and response.status_code == 200:
                served.send(sender=view, request=request, response=response, **kwargs)
            return response
        if settings.PAGE_CACHE_SECONDS <= 0:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            return _respond(_page_of(response), request)
        query = request.META.get("QUERY_STRING", "") if vary_on_query else ""
        key = (request.path, query, cache.get(GENERATION_KEY, 0))
        page = _pages.get(key)
        if page is None or time.time() - page.stored_at > settings.PAGE_CACHE_SECONDS:
            try:
                response = view(request, *args, **kwargs)
            except DATABASE_OUTAGE:
                if (page := _last_good_copy(request.path, query)) is None:
                    raise  # the "back soon" page (operations.errors.server_error)
                return _respond(page, request)
            if response.status_code != 200 or response.streaming:
                return response
            page = _store(key, _page_of(response))
        return _respond(page, request)

    return wrapper


def _shareable(request, vary_on_query: bool) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and (vary_on_query or not request.GET)
        and len(request.META.get("QUERY_STRING", "")) < 300
        and set(request.COOKIES) <= SHAREABLE_COOKIES
    )


def _page_of(response) -> _Page:
    content = response.content
    headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    etag = hashlib.md5(content, usedforsecurity=False).hexdigest()[:20]
    return _Page(content, b"", etag, headers, time.time())


def _store(key, page: _Page) -> _Page:
    # Compressed once here, for every reader of this copy (mtime 0: the same bytes).
    page = replace(page, gzipped=gzip.compress(page.content, compresslevel=6, mtime=0))
    with _lock:
        _pages[key] = page
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
    return page


def _last_good_copy(path: str, query: str) -> _Page | None:
    """While the database is away, the newest copy of this page, however old: readers
    keep reading what they came for instead of getting the "back soon" page."""
    with _lock:
        return next(
            (page for key, page in reversed(_pages.items()) if key[:2] == (path, query)), None
        )


def _respond(page: _Page, request) -> HttpResponse:
    """The shared page, with headers that let any cache keep it for everyone."""
    if page.gzipped and "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(page.gzipped)
        response["Content-Encoding"] = "gzip"
        response["ETag"] = f'"{page.etag}-gzip"'  # a strong tag names one encoding
    else:
        response = HttpResponse(page.content)
        response["ETag"] = f'"{page.etag}"'
    for name, value in page.headers.items():
        response[name] = value
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={settings.PAGE_SHARED_SECONDS}, "
        f"stale-while-revalidate={settings.PAGE_STALE_SECONDS}, "
        f"stale-if-error={settings.PAGE_STALE_IF_ERROR_SECONDS}"
    )
    # What varies: a reader with a cookie of ours gets their own page; the encoding.
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    return response


def _private(response):
    """A page rendered for one reader: theirs alone, checked with the server every time."""
    if response.status_code == 200 and not response.streaming:
        response["Cache-Control"] = "private, no-cache"
        if not response.has_header("ETag"):
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()[:20]
            response["ETag"] = f'W/"{digest}"'
    return response
