import html
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from analytics import buffer, readers
from analytics.rollup import roll_up

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)
_TOKEN = re.compile(r'data-(article|search)="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_events_of_other_tests():
    readers._salt = (None, b"", 0.0)  # each test's database makes its own salt
    buffer._waiting.clear()
    buffer._per_network.clear()
    yield
    buffer._waiting.clear()


class Reader:
    """A browser on one network, as count.js drives it: open a page, send its beacon."""

    def __init__(self, ip="203.0.113.7", agent=CHROME, **headers):
        self.client = Client(REMOTE_ADDR=ip)
        self.headers = {
            "User-Agent": agent,
            "Accept-Language": "en-GB,en;q=0.9",
            "Sec-Fetch-Site": "same-origin",
            **headers,
        }

    def open(self, url) -> str:
        """The page's signed token, as count.js reads it from its script element."""
        response = self.client.get(url, headers=self.headers)
        assert response.status_code == 200
        match = _TOKEN.search(response.content.decode())
        assert match, f"{url} carries no beacon"
        return html.unescape(match.group(2))

    def beacon(self, **fields):
        return self.client.post(
            "/a/view",
            urlencode(fields),
            content_type="application/x-www-form-urlencoded;charset=UTF-8",
            headers=self.headers,
        )

    def view(self, article, referrer=None):
        fields = {"a": self.open(article.get_absolute_url())}
        if referrer:
            fields["r"] = referrer
        response = self.beacon(**fields)
        assert response.status_code == 204, response.content
        return fields["a"]

    def read_to(self, article, depth):
        token = self.view(article)
        assert self.beacon(a=token, d=str(depth)).status_code == 204

    def search(self, query):
        token = self.open(f"/search/?{urlencode({'q': query})}")
        assert self.beacon(s=token).status_code == 204


@pytest.fixture
def reader(db):
    return Reader()


def tally():
    """What the worker does: write the waiting events, then roll them up."""
    buffer.flush()
    roll_up()
