"""Whole pages for anonymous readers, from memory, with their own CSRF token.

Most readers carry no cookie but, after their first page, the CSRF one: they all
see the same page, except for the form's CSRF token, the CSP nonce and the hidden
fields named in PAGE_CACHE_FRESH_FIELDS (the comment form's stamp, which must be
minted for each page a reader gets). Such a page is kept in this process's memory,
with those values replaced by placeholders, and each reader gets a copy with their
own put back: a cached
page costs a dictionary lookup and a string replace, about what Django's "hello
world" costs. Readers with any other cookie (a session, saved details, their own
held comment, a message) get a page rendered for them.

A page is used while the site's generation is unchanged (every save of an
article or comment bumps it, see ``invalidate``) and at most PAGE_CACHE_SECONDS,
which also bounds how late a scheduled article appears on the home page; while the
database is away, the newest copy is served however old it is. The
generation lives in the default cache: in Redis, when REDIS_URL is set, every
worker sees a bump at once; in local memory, other workers catch up within
PAGE_CACHE_SECONDS.
"""

import hashlib
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps
from threading import Lock

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.utils.module_loading import import_string

from operations.logs import DATABASE_OUTAGE

GENERATION_KEY = "pages:generation"
MAX_PAGES = 128
CSRF_PLACEHOLDER = "\x00csrf\x00"
NONCE_PLACEHOLDER = "\x00nonce\x00"
FRESH_PLACEHOLDER = "\x00fresh:{}\x00"
_PLACEHOLDERS = re.compile("(\x00(?:csrf|nonce|fresh:[a-z_]+)\x00)")
SHAREABLE_COOKIES = {"csrftoken"}
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
_HIDDEN_VALUE = re.compile(r'(<input type="hidden" name="[^"]*" value=")[^"]*(")')

_pages: OrderedDict = OrderedDict()
_lock = Lock()


@dataclass(frozen=True)
class _Page:
    chunks: tuple  # the page as bytes, split where the token, nonce and fresh fields go
    fresh: dict  # field name -> the value this page was rendered with
    etag: str
    headers: dict
    stored_at: float


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
    """Serve cookieless GETs of this view from memory; add ETags for conditional GETs.

    With ``vary_on_query`` the query string is part of the key (search results);
    otherwise a request with one is rendered afresh (?replytocom=…). ``served`` is
    a signal sent with every successful response, from memory or not.
    """
    if view is None:
        return lambda view: cached_page(view, vary_on_query=vary_on_query, served=served)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = _serve(request, *args, **kwargs)
        if served is not None and response.status_code == 200:
            served.send(sender=view, request=request, response=response, **kwargs)
        return response

    def _serve(request, *args, **kwargs):
        if not _shareable(request, vary_on_query):
            return _with_etag(request, view(request, *args, **kwargs))
        query = request.META.get("QUERY_STRING", "") if vary_on_query else ""
        key = (request.path, query, cache.get(GENERATION_KEY, 0))
        page = _pages.get(key)
        if page is None or time.time() - page.stored_at > settings.PAGE_CACHE_SECONDS:
            try:
                response = view(request, *args, **kwargs)
            except DATABASE_OUTAGE:
                if (page := _last_good_copy(request.path, query)) is None:
                    raise  # the "back soon" page (operations.errors.server_error)
                return _respond(request, page)
            if response.status_code != 200 or response.streaming:
                return response
            page = _store(key, request, response)
        return _respond(request, page)

    return wrapper


def _last_good_copy(path: str, query: str) -> _Page | None:
    """While the database is away, the newest copy of this page, however old: readers
    keep reading what they came for instead of getting the "back soon" page."""
    with _lock:
        return next(
            (page for key, page in reversed(_pages.items()) if key[:2] == (path, query)), None
        )


def _shareable(request, vary_on_query: bool) -> bool:
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and (vary_on_query or not request.GET)
        and len(request.META.get("QUERY_STRING", "")) < 300
        and set(request.COOKIES) <= SHAREABLE_COOKIES
    )


def _store(key, request, response) -> _Page:
    html = response.content.decode()
    html = _CSRF_VALUE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<3>", html)
    nonce = getattr(request, "_csp_nonce", None)
    if nonce is not None and str(nonce) in html:
        html = html.replace(f'nonce="{nonce!s}"', f'nonce="{NONCE_PLACEHOLDER}"')
    fresh = {}
    for name in settings.PAGE_CACHE_FRESH_FIELDS:
        field = re.compile(rf'(name="{name}" value=")([^"]+)(")')
        if match := field.search(html):
            fresh[name] = match.group(2)
            html = field.sub(rf"\g<1>{FRESH_PLACEHOLDER.format(name)}\g<3>", html)
    headers = {
        name: value
        for name, value in response.headers.items()
        if name in ("Content-Type", "Last-Modified", "Content-Language")
    }
    # Split once here, so each reader's copy is one join of bytes, not string replaces.
    chunks = tuple(
        part.encode() if n % 2 == 0 else part for n, part in enumerate(_PLACEHOLDERS.split(html))
    )
    etag = hashlib.md5(html.encode(), usedforsecurity=False).hexdigest()[:16]
    page = _Page(chunks, fresh, etag, headers, time.time())
    with _lock:
        _pages[key] = page
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)
    return page


def _with_etag(request, response):
    """An ETag for a page rendered for one reader: the same words give the same tag.

    The CSRF token is masked afresh on every response, so Django's own ETag (a hash
    of the bytes) would never match and a returning reader would never get a 304.
    """
    if response.status_code != 200 or response.streaming or response.has_header("ETag"):
        return response
    # Form mechanics (hidden inputs: the CSRF token, a form's timestamp) and the CSP
    # nonce change on every response; the words readers see are what count.
    html = _HIDDEN_VALUE.sub(r"\g<1>\g<2>", response.content.decode())
    nonce = getattr(request, "_csp_nonce", None)
    if nonce is not None:
        html = html.replace(f'nonce="{nonce!s}"', "")
    words = hashlib.md5(html.encode(), usedforsecurity=False).hexdigest()[:16]
    response["ETag"] = f'W/"{words}-{_reader(request)}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _reader(request) -> str:
    cookie = request.COOKIES.get("csrftoken", "")
    return hashlib.md5(cookie.encode(), usedforsecurity=False).hexdigest()[:8]


def _respond(request, page: _Page) -> HttpResponse:
    values = {}
    parts = []
    for part in page.chunks:
        if part == CSRF_PLACEHOLDER:
            part = values.setdefault(part, get_token(request).encode())
        elif part == NONCE_PLACEHOLDER:
            part = values.setdefault(part, str(request._csp_nonce).encode())
        elif isinstance(part, str):  # a fresh field: "\x00fresh:NAME\x00"
            name = part[7:-1]
            refresh = import_string(settings.PAGE_CACHE_FRESH_FIELDS[name])
            part = values.setdefault(part, escape(refresh(page.fresh[name])).encode())
        parts.append(part)
    response = HttpResponse(b"".join(parts))
    for name, value in page.headers.items():
        response[name] = value
    # The copy carries this reader's CSRF token: same page and same cookie, same ETag.
    response["ETag"] = f'W/"{page.etag}-{_reader(request)}"'
    response["Cache-Control"] = "private, no-cache"
    return response
