"""A reader without a browser: HTTP requests with cookies, redirects shown as they are."""

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from http.cookies import SimpleCookie


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    handle_startendtag = handle_starttag


@dataclass
class Page:
    status: int
    headers: Message
    text: str

    def hidden_fields(self) -> dict[str, str]:
        """The hidden inputs of the page's forms (CSRF token, the comment form's stamp)."""
        parser = _HiddenInputs()
        parser.feed(self.text)
        return parser.fields


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


class Reader:
    """A browser without JavaScript: keeps its cookies, shows redirects as they are.

    ``https=True`` speaks as a TLS-terminating proxy would forward the browser's
    requests (X-Forwarded-Proto: https), so Secure cookies are kept too.
    """

    def __init__(self, base_url: str, *, https: bool = False):
        self.base_url = base_url
        self.origin = base_url.replace("http://", "https://") if https else base_url
        self.headers = {"X-Forwarded-Proto": "https"} if https else {}
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_KeepRedirects())

    def get(self, path: str, **headers: str) -> Page:
        return self._open(path, None, headers)

    def post(self, path: str, fields: dict) -> Page:
        body = urllib.parse.urlencode(fields).encode()
        return self._open(path, body, {"Referer": self.origin + path, "Origin": self.origin})

    def sign_in(self, username: str, password: str) -> Page:
        """The admin's login form, filled in and sent."""
        form = self.get("/admin/login/").hidden_fields()
        return self.post("/admin/login/", {**form, "username": username, "password": password})

    def _open(self, path: str, body: bytes | None, headers: dict) -> Page:
        headers = {**self.headers, **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.base_url + path, body, headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                page = Page(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            page = Page(error.code, error.headers, error.read().decode())
        for header in page.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page
