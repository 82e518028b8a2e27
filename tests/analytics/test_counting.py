from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from analytics.models import ArticleDay, Event, ReferrerDay, SearchDay, SiteDay
from tests.analytics.conftest import CHROME, Reader, tally
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_a_reader_viewing_an_article_three_times_in_a_day_is_one_visitor_and_three_views(reader):
    article = make_article()

    for _ in range(3):
        reader.view(article)
    tally()

    day = ArticleDay.objects.get(article=article)
    assert (day.views, day.visitors) == (3, 1)
    assert SiteDay.objects.values_list("views", "visitors").get(day=day.day) == (3, 1)


def test_the_same_reader_the_next_day_is_a_new_visitor_nobody_can_link(reader):
    article = make_article()
    reader.view(article)
    tally()
    first_code = Event.objects.get().visitor

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        reader.view(article)
        tally()
        second_code = Event.objects.latest("id").visitor

    assert first_code != second_code
    assert list(ArticleDay.objects.values_list("views", "visitors")) == [(1, 1), (1, 1)]


def test_two_browsers_on_one_network_are_two_visitors(db):
    article = make_article()
    Reader(ip="198.51.100.4").view(article)
    Reader(ip="198.51.100.4", agent=CHROME.replace("130", "129")).view(article)
    tally()

    assert ArticleDay.objects.values_list("views", "visitors").get() == (2, 2)


def test_one_ipv6_reader_moving_within_their_slash_64_is_one_visitor(db):
    article = make_article()
    Reader(ip="2001:db8:1:2::5").view(article)
    Reader(ip="2001:db8:1:2:ffff::9").view(article)
    tally()

    assert ArticleDay.objects.values_list("views", "visitors").get() == (2, 1)


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/130.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "",
        "Mozilla/5.0 (X11; Linux x86_64) " + "a" * 5000,
    ],
)
def test_a_crawler_or_script_is_answered_but_not_counted(agent):
    article = make_article()
    Reader(agent=agent).view(article)
    Reader().view(article)  # the positive control: a reader on the same day is
    tally()

    assert ArticleDay.objects.values_list("views", "visitors").get() == (1, 1)


def test_a_request_without_accept_language_is_no_browser_and_not_counted(db):
    article = make_article()
    robot = Reader()
    del robot.headers["Accept-Language"]
    robot.view(article)
    tally()

    assert not ArticleDay.objects.exists()
    assert SiteDay.objects.get().views == 0


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
def test_a_reader_who_asks_not_to_be_tracked_is_not_counted(header):
    article = make_article()
    Reader(**header).view(article)
    Reader(ip="192.0.2.1").view(article)
    tally()

    assert ArticleDay.objects.values_list("views", "visitors").get() == (1, 1)
    assert Event.objects.count() == 1


def test_an_editor_signed_in_is_not_counted(db):
    from tests.factories import make_staff

    article = make_article()
    editor = Reader()
    editor.client.force_login(make_staff())
    editor.view(article)
    tally()

    assert not ArticleDay.objects.exists()


def test_referrers_are_kept_as_domains_and_this_site_is_none(reader):
    article = make_article()
    reader.view(article, referrer="www.Example.COM")
    reader.view(article, referrer="news.ycombinator.com")
    reader.view(article, referrer="example.com")
    reader.view(article, referrer="192.168.1.10")  # an address: counted, no referrer kept
    reader.view(article)
    tally()

    kept = dict(ReferrerDay.objects.values_list("domain", "views"))
    assert kept == {"example.com": 2, "news.ycombinator.com": 1}
    assert ArticleDay.objects.get().views == 5


def test_reading_depth_counts_each_visitor_once_at_the_furthest_band(db):
    article = make_article()
    Reader(ip="192.0.2.1").read_to(article, 25)
    deep = Reader(ip="192.0.2.2")
    deep.read_to(article, 50)
    deep.read_to(article, 100)
    Reader(ip="192.0.2.3").view(article)
    tally()

    day = ArticleDay.objects.get()
    assert (day.views, day.visitors) == (4, 3)
    assert (day.reached_25, day.reached_50, day.reached_75, day.reached_100) == (2, 1, 1, 1)


def test_a_search_that_found_nothing_is_kept_with_its_zero(reader):
    make_article(title="Heat and the diner scene", body="Pacino and De Niro at the diner.")
    reader.search("diner")
    reader.search("kurosawa ran")
    reader.search("kurosawa ran")
    tally()

    found = dict(SearchDay.objects.values_list("query", "results"))
    assert found == {"diner": 1, "kurosawa ran": 0}
    assert SearchDay.objects.get(query="kurosawa ran").searches == 2


def test_searches_go_after_the_configured_days_and_the_other_totals_stay(reader, settings):
    settings.ANALYTICS_SEARCH_DAYS = 30
    article = make_article()
    reader.view(article)
    reader.search("kurosawa ran")
    tally()

    with time_machine.travel(timezone.now() + timedelta(days=30)):
        tally()
        assert SearchDay.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        tally()
        assert not SearchDay.objects.exists()
    assert ArticleDay.objects.values_list("views", flat=True).get() == 1


@pytest.mark.parametrize(
    "query",
    ["jane.doe@example.com", "mail j@mann.films please", "+44 20 7946 0958", "(555) 123-4567",
     "0612345678", "call 555.123.4567"],
)  # fmt: skip
def test_a_search_for_an_email_address_or_phone_number_keeps_nothing_of_it(reader, query):
    reader.search(query)
    reader.search("heat 1995")
    tally()

    assert dict(SearchDay.objects.values_list("query", "searches")) == {
        "(personal details left out)": 1,
        "heat 1995": 1,
    }
    assert sorted(Event.objects.values_list("query", flat=True)) == [
        "(personal details left out)",
        "heat 1995",
    ]


def test_the_privacy_page_says_how_long_searches_are_kept(client, settings):
    settings.ANALYTICS_SEARCH_DAYS = 30
    page = client.get("/privacy/").content.decode()

    assert "What was searched for is kept with its daily count for 30 days" in page
    assert "looks like an email address or a phone number" in page


def test_the_second_page_of_results_is_not_another_search(reader):
    response = reader.client.get("/search/?q=anything&page=2", headers=reader.headers)

    assert response.status_code == 200
    assert b"data-search" not in response.content


def test_views_wait_in_memory_and_go_in_with_one_insert(reader, django_assert_num_queries):
    from analytics import buffer

    articles = [make_article() for _ in range(5)]
    for article in articles:
        reader.view(article)
    assert buffer.waiting() == 5
    assert not Event.objects.exists()

    with django_assert_num_queries(1):
        assert buffer.flush() == 5


def test_a_deleted_article_loses_its_counts_without_breaking_the_batch(db):
    kept, deleted = make_article(), make_article()
    Reader(ip="192.0.2.1").view(kept)
    Reader(ip="192.0.2.2").view(deleted)
    deleted.delete()
    tally()

    assert list(ArticleDay.objects.values_list("article", "views")) == [(kept.pk, 1)]


def test_raw_events_and_old_salts_go_after_the_configured_days(reader, settings):
    from analytics.models import DailySalt

    settings.ANALYTICS_EVENT_DAYS = 2
    article = make_article()
    reader.view(article)
    tally()
    assert Event.objects.count() == 1
    assert DailySalt.objects.count() == 1

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        tally()
        assert Event.objects.count() == 1  # still within two days
        assert not DailySalt.objects.exists()  # yesterday's salt is gone
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        tally()
        assert not Event.objects.exists()
    assert ArticleDay.objects.values_list("views", "visitors").get() == (1, 1)


def test_rolling_up_twice_changes_nothing(reader):
    article = make_article()
    reader.view(article)
    reader.view(article)
    tally()
    tally()

    assert ArticleDay.objects.values_list("views", "visitors").get() == (2, 1)
    assert SiteDay.objects.count() == 1


def test_the_worker_rolls_up_readers_every_ten_minutes(reader):
    from django_tasks_db.models import DBTaskResult

    from analytics.tasks import roll_up_readers
    from tests.tasks import run_queued_tasks

    article = make_article()
    reader.view(article)
    from analytics import buffer

    buffer.flush()
    DBTaskResult.objects.all().delete()
    roll_up_readers.enqueue()
    run_queued_tasks()

    assert ArticleDay.objects.values_list("views", "visitors").get() == (1, 1)
    upcoming = DBTaskResult.objects.get(status="READY", task_path=roll_up_readers.module_path)
    assert timedelta(minutes=9) < upcoming.run_after - timezone.now() <= timedelta(minutes=10)
