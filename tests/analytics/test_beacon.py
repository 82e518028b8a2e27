"""Bad input to the beacon: a clear 4xx, never a 500, and nothing kept."""

from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from analytics import buffer
from analytics.beacon import BEACON_HEADERS, article_token
from analytics.models import ArticleDay, Event
from tests.analytics.conftest import Reader, tally
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(db):
    return make_article()


def _post(reader, body, **headers):
    return reader.client.post(
        "/a/view", body, content_type="application/x-www-form-urlencoded",
        headers={**reader.headers, **headers},
    )  # fmt: skip


def test_a_valid_report_is_counted(reader, article):
    response = _post(reader, urlencode({"a": article_token(article)}))

    assert response.status_code == 204
    assert response["Cache-Control"] == "no-store"
    assert buffer.waiting() == 1


def test_every_beacon_reply_carries_the_security_headers(reader, article):
    counted = _post(reader, urlencode({"a": article_token(article)}))
    refused = _post(reader, "a=<script>alert(1)</script>")
    pixel = reader.client.get(f"/a/view.gif?a={article_token(article)}", headers=reader.headers)

    assert [counted.status_code, refused.status_code, pixel.status_code] == [204, 400, 200]
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    for response in (counted, refused, pixel):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == BEACON_HEADERS["Content-Security-Policy"]
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "A report is 1 to 4096 bytes."),
        ("a=" + "x" * 5000, "A report is 1 to 4096 bytes."),
        ("a=12:forged", "That is not an article this site showed."),
        ("a=%00", "That is not an article this site showed."),
        ("a=<script>alert(1)</script>", "That is not an article this site showed."),
        ("p=/articles/heat/", "A report has the fields a, r, d or s, each once."),
        ("s=eyJxIjoiZm9vIiwibiI6MH0:forged", "That is not a search this site showed."),
        ("&".join(["a"] * 1500), "A report is a few form-encoded fields."),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_kept(reader, article, body, message):
    response = _post(reader, body)

    assert response.status_code == 400
    assert response.content.decode().strip() == message
    assert buffer.waiting() == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"d": "33"}, "Depth is 25, 50, 75 or 100, alone."),
        ({"d": "100", "r": "example.com"}, "Depth is 25, 50, 75 or 100, alone."),
        ({"r": "<b>evil</b>.com"}, "The referrer is a host name."),
        ({"r": "a" * 300}, "The referrer is a host name."),
        ({"r": "exa\x00mple.com"}, "The referrer is a host name."),
        ({"x": "1"}, "A report has the fields a, r, d or s, each once."),
    ],
)
def test_one_bad_field_of_a_valid_report_refuses_it(reader, article, extra, message):
    response = _post(reader, urlencode({"a": article_token(article), **extra}))

    assert response.status_code == 400
    assert response.content.decode().strip() == message
    assert buffer.waiting() == 0


def test_a_token_given_twice_is_refused(reader, article):
    token = article_token(article)
    response = _post(reader, urlencode([("a", token), ("a", token)]))

    assert response.status_code == 400
    assert buffer.waiting() == 0


def test_another_article_id_under_a_real_signature_is_refused(reader, article):
    value, signature = article_token(article).split(":")
    response = _post(reader, urlencode({"a": f"{int(value) + 1}:{signature}"}))

    assert response.status_code == 400


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}],
)
def test_a_report_sent_by_another_site_is_refused(reader, article, headers):
    response = _post(reader, urlencode({"a": article_token(article)}), **headers)

    assert response.status_code == 403
    assert buffer.waiting() == 0


def test_a_report_from_another_origin_without_fetch_metadata_is_refused(article):
    reader = Reader()
    del reader.headers["Sec-Fetch-Site"]
    body = urlencode({"a": article_token(article)})

    assert _post(reader, body, Origin="https://evil.example").status_code == 403
    assert _post(reader, body, Origin="http://testserver").status_code == 204


def test_a_get_of_the_beacon_is_refused(reader):
    response = reader.client.get("/a/view")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_a_report_for_an_unknown_host_is_a_bad_request(reader, article):
    response = reader.client.post(
        "/a/view", urlencode({"a": article_token(article)}),
        content_type="application/x-www-form-urlencoded", headers=reader.headers,
        HTTP_HOST="evil.example",
    )  # fmt: skip

    assert response.status_code == 400
    assert response.content.decode().strip() == "This site does not answer to that host name."
    assert response["X-Content-Type-Options"] == "nosniff"
    assert buffer.waiting() == 0


def test_a_flood_from_one_network_is_cut_at_the_minute_limit(article, settings, monkeypatch):
    settings.ANALYTICS_EVENTS_PER_MINUTE = 20
    monkeypatch.setattr(buffer, "time", SimpleNamespace(monotonic=lambda: 0.0))  # one minute
    body = urlencode({"a": article_token(article)})
    flood = [Reader(ip="198.51.100.9", agent=f"Mozilla/5.0 (X11; Linux) Firefox/{n}.0")
             for n in range(50)]  # fmt: skip

    answers = {_post(reader, body).status_code for reader in flood}
    Reader(ip="198.51.100.10").view(article)  # another network still counts
    tally()

    assert answers == {204}
    assert Event.objects.count() == 21
    assert ArticleDay.objects.get().views == 21


def test_readers_without_javascript_are_counted_by_the_noscript_image(article):
    reader = Reader()
    page = reader.client.get(article.get_absolute_url()).content.decode()
    image = page.split('<noscript><img src="/a/view.gif', 1)[1].split('"', 1)[0]
    image = "/a/view.gif" + image.replace("&amp;", "&")  # the counter's, not the form's

    response = reader.client.get(image, headers=reader.headers)
    tally()

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response["Cache-Control"] == "no-store"
    assert ArticleDay.objects.values_list("views", "visitors").get() == (1, 1)


def test_the_image_asked_with_head_or_a_bad_token_counts_nothing(reader, article):
    token = article_token(article)

    assert reader.client.head(f"/a/view.gif?a={token}", headers=reader.headers).status_code == 200
    assert reader.client.get("/a/view.gif?a=1:forged", headers=reader.headers).status_code == 400
    assert reader.client.get("/a/view.gif?" + "a" * 5000).status_code == 400
    assert reader.client.post("/a/view.gif").status_code == 405
    assert buffer.waiting() == 0


def test_the_article_page_stays_one_page_for_everyone(client, article):
    with time_machine.travel(timezone.now(), tick=False):  # one stamp: same 10 s window
        first = client.get(article.get_absolute_url())
        second = Reader(ip="192.0.2.99").client.get(article.get_absolute_url())

    assert first.status_code == 200
    assert first.content == second.content
    assert "public" in first["Cache-Control"]
    assert b'<script src="/static/js/count.js" defer data-beacon="/a/view"' in first.content


def test_a_draft_previewed_by_its_editor_carries_no_beacon(staff_client):
    draft = make_article(status="draft")
    response = staff_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert b"data-article" not in response.content
