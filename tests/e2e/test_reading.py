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


def test_the_contents_mark_the_section_read_after_any_jump(visit, heat):
    page = visit(width=1600, height=900)
    page.goto(heat.get_absolute_url())
    toc = page.locator(".toc")
    marked = toc.locator("a[aria-current=true]")
    expect(toc.get_by_role("link", name="Conclusion")).to_be_visible()
    expect(marked).to_have_count(0)  # above the first section

    # One jump straight past several headings (the scrollbar, End, a reload half-way).
    style = page.locator("h2", has_text="Michael Mann’s Style")
    top = style.evaluate("h => h.getBoundingClientRect().top + window.scrollY")
    page.evaluate("y => window.scrollTo(0, y)", top + 300)
    expect(marked).to_have_count(1)
    expect(marked).to_contain_text("Michael Mann’s Style")

    page.keyboard.press("End")
    expect(marked).to_contain_text("Conclusion")
    # Back to the top in one jump (as the scrollbar does): a Home key pressed while End's
    # smooth scroll still ran (a busy machine) was sometimes lost.
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    expect(marked).to_have_count(0)


def test_the_side_contents_closed_from_the_keyboard_open_again_with_a_click(visit, heat):
    page = visit(width=1600, height=900)
    page.goto(heat.get_absolute_url())
    contents = page.locator(".toc summary")
    conclusion = page.locator(".toc").get_by_role("link", name="Conclusion")
    expect(conclusion).to_be_visible()

    contents.focus()
    page.keyboard.press("Enter")
    expect(conclusion).to_be_hidden()
    contents.click()

    expect(conclusion).to_be_visible()
