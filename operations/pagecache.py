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

Two layers keep them. ``cached_page`` (the view decorator) renders and keeps each page
once, compressed once with brotli and gzip. ``SharedPages`` wraps the WSGI application
(heatblog/wsgi.py) and keeps the whole answer Django gave for a page, headers included,
per encoding: the next reader without personal state is answered before Django runs
at all, which is what lets a page of 200 comments cost about a "hello world". With
Redis, those answers are shared by every worker and server.
"""

import gzip
import hashlib
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import wraps
from threading import Lock

import brotli
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port
from django.utils.cache import patch_vary_headers

from operations.logs import DATABASE_OUTAGE, current_request_id
from operations.request_ids import request_id

GENERATION_KEY = "pages:generation"
MAX_PAGES = 128
# Whole answers a worker keeps, at most: a page is about 95 KB plain, 24 KB gzipped.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
WARN_EVERY_SECONDS = 60
logger = logging.getLogger(__name__)
# Cookies that change nothing a public page shows: the admin's CSRF cookie, which an
# editor's browser carries on the public site too.
SHAREABLE_COOKIES = {"csrftoken"}
_KEPT_HEADERS = ("Content-Type", "Last-Modified", "Content-Language")
# "q=0", "q=0.0", "q=0.000": the reader refuses this encoding (RFC 9110 12.4.2).
_REFUSED = re.compile(r"q=0(?:\.0{0,3})?")

_pages: OrderedDict = OrderedDict()
_lock = Lock()


# Headers a kept answer never repeats: each request gets its own id.
_PER_REQUEST = {"x-request-id"}
# What a 304 leaves out of the full answer: it describes no body.
_NOT_MODIFIED_DROPS = {"content-length", "content-type", "content-encoding", "content-language"}
BROTLI_QUALITY = 5  # as small as gzip -9 in a fraction of its time; 11 takes 100+ ms a page


@dataclass(frozen=True)
class _Page:
    content: bytes
    gzipped: bytes  # compressed once when kept in memory (b"": not kept, sent plain)
    etag: str
    headers: dict
    stored_at: float
    brotli: bytes = b""


@dataclass(frozen=True)
class _Answer:
    """Django's whole answer for one shared page in one encoding, as the WSGI server got it."""

    status: str
    headers: list
    body: bytes
    etag: str
    stored_at: float


class SharedPages:
    """WSGI middleware: answer readers without personal state before Django runs.

    Only what Django itself marked shared (``cached_page`` sets ``shared_page`` on the
    response) is kept, under everything that could change the answer: host, scheme,
    path, query, the site's generation and the encoding. A host Django refuses, an
    http request it would redirect, a HEAD, a cookie of ours: none has a kept answer,
    so each goes to Django as before. A kept answer is served for PAGE_CACHE_SECONDS
    at most, with a request id of its own, and answers ``If-None-Match`` with a 304.
    """

    def __init__(self, application):
        self.application = application
        self.answers: dict = {}  # this worker's; with Redis, also in the shared cache
        self.kept_bytes = 0
        self.lock = Lock()

    def __call__(self, environ, start_response):
        key = _answer_key(environ)
        if key is None:
            return self.application(environ, start_response)
        answer = self.answers.get(key)
        if not _fresh(answer):  # another worker may have made it since
            answer = self._shared(key)
        if _fresh(answer) and (sent := _send(answer, environ, start_response)) is not None:
            return sent
        seen = {}

        def seeing(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.application(environ, seeing)
        page = getattr(result, "shared_page", None)
        headers = seen.get("headers", [])
        if (
            page is not None
            and getattr(result, "shared_query", None) == key[3]  # "?&" is no page of its own
            and seen.get("status", "").startswith("200")
            and not any(name.lower() == "set-cookie" for name, _ in headers)
        ):
            kept = [(n, v) for n, v in headers if n.lower() not in _PER_REQUEST]
            etag = next((v for n, v in headers if n.lower() == "etag"), "")
            self._keep(key, _Answer(seen["status"], kept, result.content, etag, page.stored_at))
        return result

    def _keep(self, key, answer: _Answer) -> None:
        self._remember(key, answer)
        if settings.PAGE_CACHE_SHARED:
            try:
                cache.set(_shared_key(key), answer, timeout=settings.PAGE_CACHE_SECONDS)
            except Exception:  # the shared cache is never required
                _cache_away()

    def _shared(self, key) -> _Answer | None:
        if not settings.PAGE_CACHE_SHARED:
            return None
        try:
            answer = cache.get(_shared_key(key))
        except Exception:  # the shared cache is never required
            _cache_away()
            return None
        if answer is not None:
            self._remember(key, answer)
        return answer

    def _remember(self, key, answer: _Answer) -> None:
        """Keep an answer in this worker, the oldest going first past MAX_PAGES * 3
        answers or MAX_ANSWER_BYTES."""
        with self.lock:
            if (old := self.answers.pop(key, None)) is not None:
                self.kept_bytes -= len(old.body)
            self.answers[key] = answer
            self.kept_bytes += len(answer.body)
            while len(self.answers) > 3 * MAX_PAGES or self.kept_bytes > MAX_ANSWER_BYTES:
                oldest = self.answers.pop(next(iter(self.answers)))
                self.kept_bytes -= len(oldest.body)


def _fresh(answer: _Answer | None) -> bool:
    return answer is not None and time.time() - answer.stored_at <= settings.PAGE_CACHE_SECONDS


def generation() -> int | None:
    """The site's generation (see ``invalidate``), or None while the shared cache is
    away: pages are then made afresh for each reader and kept nowhere, since a kept
    page could not be told out of date. Redis is never required."""
    try:
        return cache.get(GENERATION_KEY, 0)
    except Exception:  # whatever the cache backend raises when it is away
        _cache_away()
        return None


_warned_at = [0.0]


def _cache_away() -> None:
    """Say, at most once a minute per worker, that the shared cache does not answer."""
    if time.monotonic() - _warned_at[0] >= WARN_EVERY_SECONDS:
        _warned_at[0] = time.monotonic()
        logger.warning("page cache: the shared cache does not answer; pages are not kept")


def _answer_key(environ) -> tuple | None:
    """What a kept answer is kept under, or None when this request can't have one."""
    if settings.PAGE_CACHE_SECONDS <= 0 or environ.get("REQUEST_METHOD") != "GET":
        return None
    cookies = environ.get("HTTP_COOKIE")
    if cookies and not set(parse_cookie(cookies)) <= SHAREABLE_COOKIES:
        return None
    query = environ.get("QUERY_STRING", "")
    if len(query) >= 300:
        return None
    # The host as Django checks it (case, port and a trailing dot change nothing it shows).
    host = split_domain_port(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))[0]
    if not host:
        return None
    if (current := generation()) is None:
        return None
    scheme = environ.get("wsgi.url_scheme", "http")
    if (proxy := settings.SECURE_PROXY_SSL_HEADER) and (said := environ.get(proxy[0])) is not None:
        # As Django reads it (HttpRequest.scheme): only the first of several values counts.
        scheme = "https" if said.split(",", 1)[0].strip() == proxy[1] else "http"
    return (
        host,
        scheme,
        # Apart, not joined: Django resolves PATH_INFO alone, and a SCRIPT_NAME a forwarder
        # sent must not make "/tags" + "/" (the home page) the answer for "" + "/tags/".
        (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", "")),
        query,
        current,
        encoding_for(environ.get("HTTP_ACCEPT_ENCODING", "")),
    )


def _shared_key(key: tuple) -> str:
    return "pages:answer:" + hashlib.sha256(repr(key).encode()).hexdigest()


def _send(answer: _Answer, environ, start_response):
    """The kept answer (or a 304); None when only Django can say (If-Modified-Since alone)."""
    offered = environ.get("HTTP_X_REQUEST_ID", "") if settings.BEHIND_PROXY else ""
    answer_id = request_id(offered)
    current_request_id.set(answer_id)  # for the log lines of this answer (access logs)
    own_id = [("X-Request-ID", answer_id)]
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is None:
        if environ.get("HTTP_IF_MODIFIED_SINCE"):
            return None
        start_response(answer.status, answer.headers + own_id)
        return [answer.body]
    tags = {tag.strip() for tag in if_none_match.split(",")}
    if answer.etag not in tags and "*" not in tags:
        start_response(answer.status, answer.headers + own_id)
        return [answer.body]
    kept = [(n, v) for n, v in answer.headers if n.lower() not in _NOT_MODIFIED_DROPS]
    start_response("304 Not Modified", kept + own_id)
    return []


def encoding_for(accept_encoding: str) -> str:
    """The encoding a shared page is sent in: brotli, else gzip, else none."""
    offered = set()
    for part in accept_encoding.split(","):
        name, *parameters = part.split(";")
        if not any(_REFUSED.fullmatch(p.replace(" ", "").lower()) for p in parameters):
            offered.add(name.strip().lower())
    return "br" if "br" in offered else "gzip" if "gzip" in offered else ""


def invalidate() -> None:
    """Something readers see changed: every cached page is out of date.

    Bumped now, and again once the transaction commits: a page rendered between
    the two (from the not yet committed, old data) is then out of date too.
    """
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, timeout=None)
    except Exception:  # the cache is away: nothing is kept there either
        _cache_away()


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
        # Whether what the view makes is one copy for many readers (comments/stamps.py).
        request.page_shared = _shareable(request, vary_on_query)
        if not request.page_shared:
            response = _private(view(request, *args, **kwargs))
            if served is not None and response.status_code == 200:
                served.send(sender=view, request=request, response=response, **kwargs)
            return response
        current = generation() if settings.PAGE_CACHE_SECONDS > 0 else None
        if current is None:  # nothing kept: the page cache is off, or its cache is away
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            return _respond(_page_of(response), request)
        query = request.META.get("QUERY_STRING", "") if vary_on_query else ""
        where = (request.META.get("SCRIPT_NAME", ""), request.path_info)  # as in _answer_key
        key = (where, query, current)
        page = _pages.get(key)
        if page is None or time.time() - page.stored_at > settings.PAGE_CACHE_SECONDS:
            try:
                response = view(request, *args, **kwargs)
            except DATABASE_OUTAGE:
                if (page := _last_good_copy(where, query)) is None:
                    raise  # the "back soon" page (operations.errors.server_error)
                return _respond(page, request, query)
            if response.status_code != 200 or response.streaming:
                return response
            page = _store(key, _page_of(response))
        return _respond(page, request, query)

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
    page = replace(
        page,
        gzipped=gzip.compress(page.content, compresslevel=6, mtime=0),
        brotli=brotli.compress(page.content, quality=BROTLI_QUALITY),
    )
    with _lock:
        _pages[key] = page
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
    return page


def _last_good_copy(where: tuple, query: str) -> _Page | None:
    """While the database is away, the newest copy of this page, however old: readers
    keep reading what they came for instead of getting the "back soon" page."""
    with _lock:
        return next(
            (page for key, page in reversed(_pages.items()) if key[:2] == (where, query)), None
        )


def _respond(page: _Page, request, query: str = "") -> HttpResponse:
    """The shared page, with headers that let any cache keep it for everyone."""
    encoding = encoding_for(request.headers.get("Accept-Encoding", ""))
    body = {"br": page.brotli, "gzip": page.gzipped}.get(encoding)
    if body:
        response = HttpResponse(body)
        response["Content-Encoding"] = encoding
        response["ETag"] = f'"{page.etag}-{encoding}"'  # a strong tag names one encoding
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
    response.shared_page = page  # SharedPages keeps the whole answer
    response.shared_query = query  # the query string it was made for ("" when none counts)
    return response


def _private(response):
    """A page rendered for one reader: theirs alone, checked with the server every time."""
    if response.status_code == 200 and not response.streaming:
        response["Cache-Control"] = "private, no-cache"
        # Its ETag alone decides: their own held comment changes the page, not the time
        # the discussion last changed (a client asking If-Modified-Since would get a 304).
        if response.has_header("Last-Modified"):
            del response["Last-Modified"]
        if not response.has_header("ETag"):
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()[:20]
            response["ETag"] = f'W/"{digest}"'
    return response
