"""Long discussions in Chromium: quoting, spoilers, editing, pages, privacy; with and without JS."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import screenshot
from tests.factories import make_comment
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _fast_forms(settings):
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_FIRST_TIME_HELD = False


def fill(page, text, name="Vincent Hanna", email="vincent@example.com"):
    page.get_by_role("textbox", name="Comment", exact=True).fill(text)
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)


def send(page):
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**#comment-*")


def test_without_javascript_a_reader_quotes_a_passage_edits_and_opens_a_spoiler(visit, heat):
    page = visit(javascript=False)
    assert page.goto(heat.get_absolute_url()).status == 200

    page.get_by_role("link", name="Comment on this passage").nth(2).click()
    expect(page.locator("#quoting")).to_be_visible()
    expect(page.locator("#quoting-text")).to_contain_text("it started as a TV movie")
    fill(page, "The pilot was L.A. Takedown. ||McCauley dies at the airport.||")
    send(page)

    comment = Comment.objects.get()
    mine = page.locator(f"#comment-{comment.pk}")
    expect(mine.locator("blockquote.quote")).to_contain_text("it started as a TV movie")
    spoiler = mine.locator("details.spoiler")
    expect(spoiler.get_by_text("McCauley dies at the airport.")).to_be_hidden()
    spoiler.locator("summary").click()
    expect(spoiler.get_by_text("McCauley dies at the airport.")).to_be_visible()
    screenshot(page, "no-js-quote-and-spoiler")

    mine.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox", name="Comment").fill("The pilot was L.A. Takedown (1989).")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("L.A. Takedown (1989)")
    expect(page.locator(f"#comment-{comment.pk} .edited")).to_be_visible()

    passage = page.locator(f"#comment-{comment.pk} blockquote.quote a")
    passage.click()
    assert re.search(r"#p-[0-9a-f]{8}$", page.url)


def test_selecting_words_of_a_paragraph_quotes_them(visit, heat):
    page = visit()
    page.goto(heat.get_absolute_url())
    paragraph = page.locator(".prose p[id]").nth(4)
    paragraph.scroll_into_view_if_needed()

    paragraph.evaluate(
        """p => {
            const text = p.firstChild, range = document.createRange();
            range.setStart(text, 0); range.setEnd(text, 30);
            const selection = document.getSelection();
            selection.removeAllRanges(); selection.addRange(range);
        }"""
    )
    page.get_by_role("button", name="Quote in a comment").click()

    quoted = page.locator("#quoting-text").inner_text()
    assert quoted
    assert quoted in paragraph.inner_text()
    fill(page, "Exactly this.")
    send(page)
    expect(page.locator(".comment-list blockquote.quote")).to_contain_text(quoted)
    screenshot(page, "quote-by-selection")


def test_a_spoiler_opens_from_the_keyboard_and_says_what_it_is(visit, heat):
    make_comment(article=heat, text="||Neil dies.||")
    page = visit()
    page.goto(heat.get_absolute_url())
    summary = page.locator("details.spoiler summary")

    summary.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Neil dies.")).to_be_visible()
    assert summary.evaluate("s => s.parentElement.open")
    expect(page.get_by_role("group").filter(has_text="Spoiler").first).to_be_attached()


def test_a_spoiler_inside_a_sentence_stays_in_its_line(visit, heat):
    make_comment(article=heat, text="Great ending. ||Neil dies at the airport||. Go see it.")
    page = visit(width=1280)
    page.goto(heat.get_absolute_url())
    words = page.locator(".comment-list .para")
    summary = words.locator("summary")
    expect(summary).to_have_text("Spoiler")
    expect(words.get_by_text("Neil dies at the airport")).to_be_hidden()
    line = summary.bounding_box()["height"] * 2
    assert words.bounding_box()["height"] < line  # one line: "Great ending. Spoiler. Go see it."

    summary.click()

    hidden = words.get_by_text("Neil dies at the airport")
    expect(hidden).to_be_visible()
    assert abs(hidden.bounding_box()["y"] - summary.bounding_box()["y"]) < line / 2
    screenshot(page, "spoiler-in-a-sentence-opened")


def test_a_long_thread_pages_and_turns_newest_first(visit, heat, settings):
    settings.COMMENTS_PER_PAGE = 5
    for n in range(8):
        make_comment(article=heat, text=f"Thread number {n}.")
    page = visit()
    page.goto(heat.get_absolute_url())

    expect(page.get_by_text("Page 1 of 2").first).to_be_visible()
    page.get_by_role("link", name="Later comments →").first.click()
    expect(page.get_by_text("Thread number 7.")).to_be_visible()
    page.get_by_role("link", name="newest first").click()
    expect(page.locator(".comment-list > li").first).to_contain_text("Thread number 7.")
    page.goto(heat.get_absolute_url())
    expect(page.locator(".comment-list > li").first).to_contain_text("Thread number 7.")
    screenshot(page, "comments-newest-first")


def test_a_reader_asks_for_their_comments_and_gets_them(visit, heat):
    make_comment(article=heat, email="vincent@example.com", text="My old words")
    page = visit()
    page.goto("/")
    page.get_by_role("link", name="Privacy").click()

    page.get_by_label("The email address you commented with").fill("vincent@example.com")
    page.get_by_label("Send me a copy of my comments").check()
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("status")).to_contain_text("we have sent that address a link")
    run_queued_tasks()  # the task worker sends the mail

    link = re.search(r"https?://\S+/privacy/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link.split("8000", 1)[1])
    with page.expect_download() as download:
        page.get_by_role("button", name="Confirm").click()
    assert "My old words" in download.value.path().read_text()


def test_comments_new_since_the_last_visit_are_marked_by_the_browser_alone(visit, heat):
    make_comment(article=heat, text="Here before.", created_at=timezone.now() - timedelta(hours=1))
    page = visit()
    page.goto(heat.get_absolute_url())
    expect(page.get_by_text("Here before.")).to_be_visible()
    expect(page.locator(".new-badge")).to_have_count(0)  # a first visit: nothing is "new"

    make_comment(
        article=heat, text="Posted since.", created_at=timezone.now() + timedelta(minutes=5)
    )
    page.reload()

    fresh = page.locator(".comment-list li.new")
    expect(fresh).to_have_count(1)
    expect(fresh).to_contain_text("Posted since.")
    expect(fresh.locator(".new-badge")).to_have_text("New")
    # Marked, not moved: a new top-level comment lines up with the one before it.
    older = page.locator(".comment-list > li").filter(has_text="Here before.")
    assert fresh.bounding_box()["x"] == older.bounding_box()["x"]
    assert (
        fresh.locator("p").first.bounding_box()["x"] == older.locator("p").first.bounding_box()["x"]
    )
    screenshot(page, "comments-new-since-last-visit")
    page.reload()
    expect(page.locator(".new-badge")).to_have_count(0)  # seen now
    expect(page.get_by_text("Posted since.")).to_be_visible()


def test_without_javascript_the_page_is_the_shared_one_with_nothing_marked(visit, heat):
    make_comment(article=heat, text="Plain for everyone.")
    page = visit(javascript=False)

    page.goto(heat.get_absolute_url())
    with page.expect_request(heat.get_absolute_url() + "*") as reloaded:
        page.reload()

    expect(page.get_by_text("Plain for everyone.")).to_be_visible()
    expect(page.locator(".new-badge")).to_have_count(0)
    # Nothing the page is asked with: only the comment form's own mark (comments/stamps.py),
    # sent with that form alone, so the article stays the page every reader shares.
    assert "cookie" not in reloaded.value.all_headers()
    cookies = page.context.cookies()
    assert [(c["name"], c["path"]) for c in cookies] == [
        ("form_seen", f"/articles/{heat.slug}/comment/")
    ]
