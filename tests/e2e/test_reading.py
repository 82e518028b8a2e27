import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_reader_follows_the_home_page_link_to_the_heat_article(visit, heat):
    page = visit()
    page.goto("/")
    screenshot(page, "home-desktop")

    page.get_by_role("link", name=heat.title).click()

    page.wait_for_url(f"**{heat.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == heat.title
    expect(page.get_by_role("heading", name="Why Heat Still Matters Today")).to_be_visible()
    assert screenshot(page, "heat-article-desktop").stat().st_size > 10_000


def test_article_reads_comfortably_on_a_375px_phone(visit, heat):
    page = visit(width=375, height=812)
    page.goto(heat.get_absolute_url())

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    font_size = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.prose p')).fontSize)"
    )
    screenshot(page, "heat-article-mobile")

    assert scroll_width <= 375, "the page scrolls sideways on a phone"
    assert font_size >= 16
