"""A stranger attacking the reader counting through HTTP: what must hold."""

import csv
import io
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics import buffer, readers, rollup
from analytics.beacon import article_token
from analytics.models import ArticleDay, DailySalt, Event, ReferrerDay, SearchDay, SiteDay
from operations.backups import run_client
from tests.analytics.conftest import CHROME, Reader, tally
from tests.factories import make_article, make_comment, make_staff

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/readers/"


@pytest.fixture
def article(db):
    return make_article(title="Heat (1995)", slug="heat")


def test_reading_depth_sent_without_a_view_counts_no_reader_to_the_end(article, staff_client):
    """Depth reports alone, each from a new browser name, must not make readers out of
    nobody: 'read to the end' is a share of the visitors who viewed the article."""
    Reader(ip="192.0.2.1").view(article)
    token = Reader(ip="192.0.2.1").open(article.get_absolute_url())
    for n in range(20):
        forger = Reader(ip="198.51.100.7", agent=CHROME.replace("130.0", f"{n}.0"))
        assert forger.beacon(a=token, d="100").status_code == 204
    tally()

    day = ArticleDay.objects.get()
    assert (day.views, day.visitors, day.reached_100) == (1, 1, 0)
    response = staff_client.get(DASHBOARD)
    assert response.status_code == 200
    row = response.content.decode().split("Heat (1995)</a>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="n">0%</td>' in row


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_search_exported_as_csv_runs_as_no_formula_where_cells_split_on_semicolons(
    staff_client, db, separator
):
    """Excel in much of Europe splits a .csv on ';': a query with ';' inside must stay one
    cell, or what follows it starts a cell of its own, formula and all."""
    Reader().search("heat;=cmd|' /C calc'!A0")
    tally()

    response = staff_client.get(DASHBOARD + "searches.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=separator))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in "=+-@"]
    assert any("heat;=cmd" in cell for cell in cells)


@pytest.mark.django_db(transaction=True)
def test_a_backup_keeps_no_salt_to_trace_the_days_visitors_back_to_addresses(
    article, tmp_path, django_db_setup
):
    """With the day's salt beside the day's events, anyone holding an old backup could
    hash all 2³² IPv4 addresses and find which one each network code was."""
    Reader(ip="192.0.2.1").view(article)
    tally()
    salt = bytes(DailySalt.objects.get().salt).hex()

    call_command("backup", dir=tmp_path, stdout=io.StringIO())

    [dump] = tmp_path.glob("*.dump")
    database = connections["default"].settings_dict
    sql = run_client("pg_restore", "--file=-", dump, database=database, failure="pg_restore:")
    assert "COPY public.analytics_event " in sql  # the day's events are kept
    assert salt not in sql


# What held: each test pins a refusal or a bound a stranger tried to get past.


@pytest.mark.parametrize("method", ["get", "head", "options", "put", "delete"])
def test_the_beacon_answers_only_a_post(reader, method):
    response = getattr(reader.client, method)("/a/view", headers=reader.headers)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert buffer.waiting() == 0


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", '{"a": "%(token)s"}', 400),
        ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"'
         '\r\n\r\n%(token)s\r\n--x--\r\n', 400),
        ("text/plain;charset=UTF-8", "a=%(token)s", 204),  # sendBeacon(url, string) sends this
        ("application/x-www-form-urlencoded", "a=%(token)s&r=\xff\xfe.example", 400),
    ],
)  # fmt: skip
def test_a_report_in_another_shape_is_read_as_form_fields_or_refused(
    reader, article, content_type, body, status
):
    response = reader.client.post(
        "/a/view", body % {"token": article_token(article)}, content_type=content_type,
        headers=reader.headers,
    )  # fmt: skip

    assert response.status_code == status
    assert buffer.waiting() == (status == 204)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": None, "Origin": "null"},
        {"Sec-Fetch-Site": None, "Origin": "https://testserver.evil.example"},
    ],
)
def test_another_sites_report_or_image_counts_nothing(article, headers):
    reader = Reader(**headers)
    reader.headers = {k: v for k, v in reader.headers.items() if v is not None}
    token = article_token(article)

    assert reader.beacon(a=token).status_code == 403
    image = reader.client.get(f"/a/view.gif?a={token}", headers=reader.headers)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/gif"
    assert buffer.waiting() == 0


BIG = "x" * 65536


@pytest.mark.parametrize(
    "header",
    ["User-Agent", "Accept-Language", "Referer", "Origin", "Sec-Fetch-Site", "DNT", "Cookie",
     "X-Forwarded-For", "Sec-Purpose"],
)  # fmt: skip
def test_64_kb_headers_get_a_quick_answer_and_never_a_500(article, header, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    reader = Reader()
    reader.headers[header] = CHROME + BIG if header == "User-Agent" else BIG
    started = time.perf_counter()

    response = reader.beacon(a=article_token(article))

    assert time.perf_counter() - started < 0.5
    assert response.status_code in (204, 400, 403)


@pytest.mark.parametrize(
    "agent", [f"Mozilla/5.0 ({pattern * 200}"[:400] for pattern in (",;", " A", "a/", "Java ")]
)
def test_the_slowest_browser_names_found_cost_milliseconds(agent):
    readers.is_robot.cache_clear()
    started = time.perf_counter()

    readers.is_robot(agent)

    assert time.perf_counter() - started < 0.1  # about 8 ms measured; a Chrome name 0.2 ms


def test_one_slash_64_is_one_network_for_the_minute_and_the_day_limits(
    article, settings, monkeypatch
):
    """250 addresses of one /64, each with its own browser name, sent to two workers (each
    with its own minute count): at most VIEWS_PER_NETWORK views and visitors a day."""
    token = article_token(article)
    settings.ANALYTICS_EVENTS_PER_MINUTE = 20
    monkeypatch.setattr(buffer, "time", SimpleNamespace(monotonic=lambda: 0.0))  # one minute
    within_a_minute = {
        Reader(ip=f"2001:db8:1:2::{n:x}", agent=CHROME.replace("130.0", f"{n}.0")).beacon(a=token)
        .status_code for n in range(1, 51)
    }  # fmt: skip
    assert within_a_minute == {204}
    assert buffer.waiting() == 20

    settings.ANALYTICS_EVENTS_PER_MINUTE = 0  # as if each request met another worker
    for n in range(1, 251):
        agent = CHROME.replace("130.0", f"{n}.1")
        assert Reader(ip=f"2001:db8:1:2:{n:x}::1", agent=agent).beacon(a=token).status_code == 204
    Reader(ip="2001:db8:1:3::1").view(article)  # the next /64 is someone else
    tally()

    day = ArticleDay.objects.get()
    assert day.views == rollup.VIEWS_PER_NETWORK + 1
    assert day.visitors == rollup.VIEWS_PER_NETWORK + 1


def test_nothing_kept_or_logged_names_the_reader(article, caplog):
    reader = Reader(ip="203.0.113.77", agent=CHROME.replace("130.0", "130.777"))
    reader.headers["Referer"] = "https://news.example.com/item?id=4242"
    reader.view(article, referrer="news.example.com")
    reader.search("tarkovsky stalker")
    assert reader.beacon(a="1:forged").status_code == 400  # a refusal is logged
    tally()

    kept = [
        str(list(model.objects.values_list()))
        for model in (Event, ArticleDay, SiteDay, ReferrerDay, SearchDay)
    ]
    assert "news.example.com" in kept[0]  # the positive control: the event is there
    for trace in ("203.0.113.77", "130.777", "item?id=4242", "/articles/heat/"):
        assert not [row for row in kept if trace in row]
        assert trace not in caplog.text
    assert "Bad Request: /a/view" in caplog.text


def test_search_and_referrer_text_is_shown_escaped_on_the_dashboard(staff_client, db):
    Reader().search('"><svg onload=alert(1)><script>alert(2)</script>')
    tally()

    response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<svg onload" not in html
    assert "<script>alert" not in html


def test_a_comment_moderator_sees_no_readers(client, article):
    Reader().view(article)
    tally()
    moderator = make_staff(is_superuser=False)
    moderator.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="comments"),
        *Permission.objects.filter(codename__in=["view_siteday", "view_articleday"]),
    )
    client.force_login(moderator)

    for url in (DASHBOARD, DASHBOARD + "articles.csv", DASHBOARD + "searches.csv"):
        assert client.get(url).status_code == 403
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Comments" in home.content.decode()
    assert "Readers:" not in home.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connections["default"]) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_and_its_exports_ask_as_many_queries_for_much_data_as_for_little(
    staff_client, article
):
    Reader().view(article)
    Reader().search("nothing here")
    tally()
    urls = [DASHBOARD + "?days=365", "/admin/articles/article/"]
    urls += [DASHBOARD + f"{table}.csv?days=365" for table in ("days", "articles", "searches")]
    little = [_queries(staff_client, url) for url in urls]

    today = timezone.localdate()
    for n in range(30):
        other = make_article()
        ArticleDay.objects.bulk_create(
            ArticleDay(article=other, day=today - timedelta(days=d), views=n + d, visitors=1)
            for d in range(60)
        )
        SearchDay.objects.create(day=today, query=f"nothing {n}", searches=1, results=0)
        ReferrerDay.objects.create(day=today, domain=f"site{n}.example", views=n)
        make_comment(article=other)

    assert [_queries(staff_client, url) for url in urls] == little
