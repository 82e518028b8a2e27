"""Requests in one encoding: UTF-8.

A form or query declared in another charset is decoded by Django in that charset, and
some (raw_unicode_escape, utf-16…) turn what was sent into lone surrogates, which no
text can encode: the page showing them back, the database and the log all fail with a
500. Django itself refuses a urlencoded body in another charset; this refuses the rest
(a multipart body, a GET's Content-Type) the same way, with the 400 page. Browsers
send UTF-8, declared or not.
"""

import codecs

from django.core.exceptions import BadRequest


class Utf8OnlyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = request.content_params.get("charset")
        if charset and not _is_utf8(charset):
            raise BadRequest(f"This site reads requests in UTF-8, not {charset[:40]!r}.")
        return self.get_response(request)


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False
