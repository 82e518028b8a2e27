import csv
import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics.models import ArticleDay
from comments.models import Comment
from tests.analytics.conftest import Reader, tally
from tests.factories import make_article, make_comment, make_staff

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/readers/"


@pytest.fixture
def scripted_day(db):
    """One day of traffic: 2 readers of Heat (one of them twice, reading to the end), 1 of
    Ran, a crawler, an editor, two searches, and comments of every kind."""
    heat = make_article(title="Heat (1995)", slug="heat", body="Pacino. De Niro. The diner.")
    ran = make_article(title="Ran (1985)", slug="ran", body="Kurosawa's Lear.")
    first = Reader(ip="192.0.2.1")
    first.view(heat, referrer="news.ycombinator.com")
    first.read_to(heat, 100)
    Reader(ip="192.0.2.2").view(heat, referrer="www.example.com")
    Reader(ip="192.0.2.3").view(ran)
    Reader(ip="192.0.2.4", agent="Googlebot/2.1 (+http://www.google.com/bot.html)").view(heat)
    editor = Reader(ip="192.0.2.5")
    editor.client.force_login(make_staff())
    editor.view(ran)
    first.search("diner")
    first.search("tarkovsky")
    make_comment(article=heat, status=Comment.Status.APPROVED)
    make_comment(article=heat, status=Comment.Status.APPROVED)
    make_comment(article=heat, status=Comment.Status.PENDING)
    make_comment(article=ran, status=Comment.Status.SPAM)
    old = make_comment(article=ran, status=Comment.Status.PENDING)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    tally()
    return heat, ran


def _table(html: str, heading: str) -> str:
    section = html.split(f">{heading}</h2>", 1)[1]
    return section.split("</section>", 1)[0]


def _cells(fragment: str) -> list[str]:
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", fragment, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_dashboard_shows_a_scripted_day_of_traffic(staff_client, scripted_day):
    response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<b>4</b> views · <b>3</b> daily visitors in the last 30 days" in html
    assert "counted every 10 minutes by the task worker" in html  # why a visit just made is missing
    top = _cells(_table(html, "Top articles"))
    assert top[6:11] == ["Heat (1995)", "3", "2", "2", "50%"]  # 2 approved comments
    assert top[12:17] == ["Ran (1985)", "1", "1", "0", "0%"]
    assert _cells(_table(html, "Where readers came from"))[2:] == [
        "example.com", "1", "news.ycombinator.com", "1"
    ]  # fmt: skip
    assert _cells(_table(html, "What readers searched for"))[3:] == [
        "diner", "1", "1", "tarkovsky", "1", "0"
    ]  # fmt: skip
    assert _cells(_table(html, "Searches that found nothing"))[2:] == ["tarkovsky", "1"]
    depth = _table(html, "How far readers read")
    assert _cells(depth)[4:] == [
        "A quarter", "1", "33%", "", "Halfway", "1", "33%", "",
        "Three quarters", "1", "33%", "", "To the end", "1", "33%", "",
    ]  # fmt: skip
    assert depth.count('<rect class="share" width="33"') == 4
    assert "Of 3 article visits (one visitor reading two articles makes two)." in depth
    # Breadcrumbs a space apart, as on Django's own pages: "Home › Readers".
    assert '>Home</a></li>\n<li aria-current="page">Readers</li>' in html
    comments = _table(html, "Comments")
    assert "<b>2</b> held for moderation</a>, the oldest for 3\xa0days" in comments
    today = timezone.localdate().strftime("%a %-d %b %Y")
    assert _cells(comments)[4:8] == [today, "2", "1", "1"]
    assert html.count('<svg viewBox="0 0 30 100"') == 2  # two charts of 30 days
    assert html.count('class="sparkline"') == 2


def test_a_period_without_readers_says_so_where_depth_would_be(staff_client, db):
    response = staff_client.get(DASHBOARD)

    assert response.status_code == 200
    depth = _table(response.content.decode(), "How far readers read")
    assert "No article was read in these days." in depth
    assert "readers-bar" not in depth


def test_searches_that_found_nothing_are_summed_over_the_period(db):
    from analytics.dashboard import Dashboard

    Reader(ip="192.0.2.1").search("tarkovsky")
    tally()
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        Reader(ip="192.0.2.1").search("tarkovsky")
        tally()

        assert Dashboard().found_nothing == [{"query": "tarkovsky", "searches": 2}]


def test_the_dashboard_asks_a_fixed_number_of_queries(staff_client, scripted_day,
                                                       django_assert_max_num_queries):  # fmt: skip
    with django_assert_max_num_queries(11):  # one a card, whatever the traffic
        assert staff_client.get(DASHBOARD + "?days=365").status_code == 200


@pytest.mark.parametrize("days", ["90", "365", "7", "", "<script>", "9" * 50])
def test_any_period_asked_answers_with_a_known_one(staff_client, scripted_day, days):
    response = staff_client.get(DASHBOARD, {"days": days})

    assert response.status_code == 200
    shown = days if days in ("90", "365") else "30"
    assert f'<a href="?days={shown}" aria-current="page">' in response.content.decode()


def test_the_csv_export_has_the_days_figures(staff_client, scripted_day):
    response = staff_client.get(DASHBOARD + "days.csv?days=30")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["day", "views", "visitors", "comments approved", "comments held",
                       "comments spam"]  # fmt: skip
    assert len(rows) == 31
    assert rows[-1] == [str(timezone.localdate()), "4", "3", "2", "1", "1"]


@pytest.mark.parametrize(
    ("table", "heading", "header", "rows"),
    [("searched", "What readers searched for", ["search", "times", "articles found"],
      [["diner", "1", "1"], ["tarkovsky", "1", "0"]]),
     ("depth", "How far readers read", ["read at least", "visitors", "share (%)"],
      [["A quarter", "1", "33"], ["Halfway", "1", "33"], ["Three quarters", "1", "33"],
       ["To the end", "1", "33"]])],
)  # fmt: skip
def test_each_table_downloads_as_csv(staff_client, scripted_day, table, heading, header, rows):
    html = staff_client.get(DASHBOARD).content.decode()
    link = f'href="/admin/readers/{table}.csv?days=30">Download CSV</a>'
    assert link.split('"')[1].startswith(DASHBOARD)

    response = staff_client.get(DASHBOARD + f"{table}.csv?days=30")

    assert link in _table(html, heading)
    assert response.status_code == 200
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [header, *rows]


def test_a_search_a_spreadsheet_would_run_is_exported_as_text(staff_client, db):
    Reader().search('=HYPERLINK("http://evil")')
    tally()

    response = staff_client.get(DASHBOARD + "searches.csv")

    assert response.status_code == 200
    assert "'=HYPERLINK" in response.content.decode()


def test_an_unknown_export_is_not_found(staff_client, db):
    assert staff_client.get(DASHBOARD + "passwords.csv").status_code == 404


def test_staff_without_the_permission_are_refused(client, scripted_day):
    moderator = make_staff(is_superuser=False)
    client.force_login(moderator)
    refused = Client(raise_request_exception=False)
    refused.force_login(moderator)
    page = refused.get(DASHBOARD)
    assert page.status_code == 403
    # Said in the admin they were using, not on the readers' site.
    assert "Your account may not open this page" in page.content.decode()
    assert ">heatblog admin<" in page.content.decode()
    assert "Follow by email" not in page.content.decode()
    assert client.get(DASHBOARD + "days.csv").status_code == 403
    assert "Readers:" not in client.get("/admin/").content.decode()

    moderator.user_permissions.add(Permission.objects.get(codename="view_dashboard"))
    assert client.get(DASHBOARD).status_code == 200
    assert "Readers: views, visitors" in client.get("/admin/").content.decode()


def test_readers_are_refused_and_sent_to_sign_in(client, db):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_article_list_shows_views_and_sparklines_in_fixed_queries(
    staff_client, scripted_day, django_assert_max_num_queries
):
    for n in range(5):
        article = make_article()
        today = timezone.localdate()
        ArticleDay.objects.create(article=article, day=today, views=n + 1, visitors=1)

    with django_assert_max_num_queries(12):
        response = staff_client.get("/admin/articles/article/?o=-5")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="sparkline"') == 7
    row = html.split("Heat (1995)", 1)[1].split("</tr>", 1)[0]
    assert '<td class="field-views">3</td><td class="field-sparkline">' in row


def test_the_article_page_in_the_admin_shows_its_readers(staff_client, scripted_day):
    heat, _ = scripted_day
    response = staff_client.get(f"/admin/articles/article/{heat.pk}/change/")

    assert response.status_code == 200
    assert "3 views · 2 visitors" in response.content.decode()


def test_every_admin_page_links_the_readers_dashboard_in_its_sidebar(staff_client, db):
    articles = staff_client.get("/admin/articles/article/")
    dashboard = staff_client.get(reverse("analytics:dashboard"))

    assert articles.status_code == dashboard.status_code == 200
    link = f'<a href="{reverse("analytics:dashboard")}">Who reads, and what they search for</a>'
    assert link in articles.content.decode()
    assert 'aria-current="page">Who reads, and what they search for</a>' in (
        dashboard.content.decode()
    )
    assert 'href="/admin/articles/article/"' in articles.content.decode()  # the apps follow


def test_staff_who_may_not_see_the_readers_get_no_sidebar_link_to_them(client, db):
    editor = make_staff(is_superuser=False)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    client.force_login(editor)

    article = make_article(title="Counted")
    articles = client.get("/admin/articles/article/")
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))

    assert articles.status_code == 200
    assert 'href="/admin/articles/article/"' in articles.content.decode()
    assert "Counted" in articles.content.decode()
    assert "Who reads, and what they search for" not in articles.content.decode()
    assert client.get(reverse("analytics:dashboard")).status_code == 403
    # Nor the readers' figures the dashboard would show: the list's columns, the box.
    assert 'class="sparkline"' not in articles.content.decode()
    assert "column-views" not in articles.content.decode()
    assert page.status_code == 200
    assert "Counted" in page.content.decode()
    assert "All readers" not in page.content.decode()
    assert "visitors (a visitor counts once a day)" not in page.content.decode()
