"""A reader counted in Chromium; the editors' Readers page, light and dark, wide and narrow."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics import buffer, readers
from analytics.models import ArticleDay, ReferrerDay, SearchDay, SiteDay
from analytics.rollup import roll_up
from comments.models import Comment
from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path, screenshot
from tests.factories import make_article, make_comment, make_staff

pytestmark = pytest.mark.e2e
# Headless Chromium says "HeadlessChrome": a robot, rightly not counted. A reader's Chrome:
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36"
)


@pytest.fixture(autouse=True)
def _fresh_counts():
    readers._salt = (None, b"", 0.0)
    buffer._waiting.clear()
    buffer._per_network.clear()
    yield
    buffer._waiting.clear()


def _wait_for_events(page, count):
    for _ in range(50):
        if buffer.waiting() >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{buffer.waiting()} events arrived, not {count}")


@pytest.fixture
def readers_chrome(browser):
    """Chromium calling itself a reader's Chrome in every request, even the beacon it sends
    after the page is gone (a context's user_agent doesn't reach that one)."""
    chrome = browser.browser_type.launch(
        executable_path=chromium_path(), args=[*CHROMIUM_ARGS, f"--user-agent={CHROME}"]
    )
    yield chrome
    chrome.close()


def test_a_reader_in_chromium_is_counted_with_how_far_they_read(readers_chrome, live_server, heat):
    page = readers_chrome.new_page(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    with page.expect_request("**/a/view") as beacon:
        page.goto(heat.get_absolute_url())
    assert beacon.value.method == "POST"
    _wait_for_events(page, 1)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # to the end, and on
    page.wait_for_timeout(300)
    page.get_by_role("link", name="Articles", exact=True).click()  # leaving sends the depth
    _wait_for_events(page, 2)
    page.close()
    buffer.flush()
    roll_up()

    day = ArticleDay.objects.get(article=heat)
    assert (day.views, day.visitors, day.reached_100) == (1, 1, 1)
    assert not errors, errors


def test_headless_chromium_is_a_robot_and_not_counted(visit, heat):
    page = visit()
    with page.expect_request("**/a/view"):
        page.goto(heat.get_absolute_url())
    page.wait_for_timeout(300)

    assert page.get_by_role("heading", level=1).inner_text() == heat.title
    assert buffer.waiting() == 0


@pytest.fixture
def ninety_days(db):
    """Three months of a small blog's readers, comments and searches."""
    today = timezone.localdate()
    heat = make_article(title="Heat (1995): The Crime Epic", slug="heat")
    ran = make_article(title="Ran (1985): Kurosawa's Lear", slug="ran")
    thief = make_article(title="Thief (1981)", slug="thief")
    for n in range(90):
        day = today - timedelta(days=89 - n)
        wave = 1 + math.sin(n / 6)
        rows = [(heat, int(40 + 30 * wave + n)), (ran, int(20 + 10 * wave)), (thief, n // 4)]
        for article, views in rows:
            ArticleDay.objects.create(article=article, day=day, views=views,
                                      visitors=int(views * 0.7), reached_25=int(views * 0.6),
                                      reached_50=int(views * 0.4), reached_75=int(views * 0.3),
                                      reached_100=int(views * 0.2))  # fmt: skip
        total = sum(views for _, views in rows)
        SiteDay.objects.create(day=day, views=total, visitors=int(total * 0.65))
    for domain, views in [
        ("news.ycombinator.com", 240),
        ("reddit.com", 130),
        ("letterboxd.com", 45),
    ]:
        ReferrerDay.objects.create(day=today, domain=domain, views=views)
    for query, searches in [("tarkovsky", 9), ("michael mann thief soundtrack", 4), ("ozu", 2)]:
        SearchDay.objects.create(day=today, query=query, searches=searches, results=0)
    for n in range(40):
        status = [Comment.Status.APPROVED] * 3 + [Comment.Status.PENDING, Comment.Status.SPAM]
        comment = make_comment(article=heat, status=status[n % 5])
        Comment.objects.filter(pk=comment.pk).update(
            created_at=timezone.now() - timedelta(days=n % 28, hours=n)
        )
    make_staff(username="editor", password="a-long-test-password")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("form", "width"), [("desktop", 1280), ("mobile", 375)])
def test_the_readers_page_in_the_admin(visit, ninety_days, scheme, form, width):
    page = visit(width=width, height=900, color_scheme=scheme)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Readers: views, visitors, comments and searches").click()
    page.get_by_role("link", name="Last 90 days").click()

    expect(page.get_by_role("heading", name="Views and visitors")).to_be_visible()
    expect(page.get_by_role("img", name="Article views and visitors per day")).to_be_visible()
    expect(page.get_by_role("row", name="tarkovsky 9", exact=True)).to_be_visible()  # nothing
    expect(page.get_by_role("row", name="tarkovsky 9 0", exact=True)).to_be_visible()  # all
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"analytics-{form}-{scheme}")

    assert scroll_width <= width, "the dashboard scrolls sideways"
