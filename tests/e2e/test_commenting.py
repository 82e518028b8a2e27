"""A reader comments, a moderator approves, another reader replies: all in Chromium."""

import re
import time

import pytest
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.factories import make_comment, make_staff

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _humans_type_fast_in_tests(settings):
    # The form refuses posts sent within 3 s of opening the page; Playwright types faster.
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0


def fill_comment(page, text, name="Vincent Hanna", email="vincent@example.com"):
    page.get_by_role("textbox", name="Comment", exact=True).fill(text)
    if page.get_by_role("textbox", name="Name", exact=True).is_visible():
        page.get_by_role("textbox", name="Name", exact=True).fill(name)
        page.get_by_role("textbox", name="Email", exact=True).fill(email)


def test_comment_is_held_then_approved_in_the_admin_then_replied_to(visit, heat):
    make_staff(username="editor", password="a-long-test-password")
    reader = visit()
    reader.goto(heat.get_absolute_url())
    expect(reader.get_by_role("heading", name="Leave a Comment")).to_be_visible()

    fill_comment(reader, "The coffee shop scene: two men who understand each other.")
    reader.get_by_label("Save my name, email, and website").check()
    reader.get_by_role("button", name="Post Comment").click()

    reader.wait_for_url("**#comment-*")
    expect(reader.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    screenshot(reader, "comment-awaiting-moderation")
    stranger = visit()
    assert stranger.goto(heat.get_absolute_url()).status == 200
    expect(stranger.get_by_role("heading", name="Leave a Comment")).to_be_visible()
    assert stranger.get_by_text("The coffee shop scene").count() == 0

    moderator = visit()
    moderator.goto("/admin/")
    moderator.get_by_label("Username").fill("editor")
    moderator.get_by_label("Password").fill("a-long-test-password")
    moderator.get_by_role("button", name="Log in").click()
    moderator.wait_for_load_state()
    screenshot(moderator, "admin-home")
    expect(moderator.get_by_text("1 comment awaiting moderation")).to_be_visible()
    moderator.get_by_role("link", name="1 comment awaiting moderation").click()
    moderator.locator("input[name=_selected_action]").first.check()
    moderator.locator("select[name=action]").select_option("mark_approve")
    moderator.get_by_role("button", name="Run").click()
    moderator.wait_for_load_state()
    screenshot(moderator, "admin-after-action")
    expect(moderator.get_by_text("1 comment approved.")).to_be_visible()
    screenshot(moderator, "admin-comment-approved")

    stranger.reload()
    expect(stranger.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(stranger.get_by_text("The coffee shop scene")).to_be_visible()

    stranger.get_by_role("link", name="Reply to Vincent Hanna").click()
    expect(stranger.get_by_text("Replying to Vincent Hanna.")).to_be_visible()
    fill_comment(stranger, "And the ending at the airport.", name="Neil", email="neil@example.com")
    screenshot(stranger, "reply-form-under-comment")
    stranger.get_by_role("button", name="Post Comment").click()
    stranger.wait_for_url("**#comment-*")

    reply = Comment.objects.get(name="Neil")
    assert reply.parent.name == "Vincent Hanna"
    expect(
        stranger.locator(f"#comment-{reply.pk}").get_by_text("awaiting moderation")
    ).to_be_visible()
    screenshot(stranger, "reply-awaiting-moderation")

    reader.reload()
    assert reader.get_by_role("textbox", name="Name", exact=True).input_value() == "Vincent Hanna"


def _article_with_comment_typed(visit, article, text):
    page = visit()
    page.goto(article.get_absolute_url())
    fill_comment(page, text)
    return page


def test_a_double_click_posts_once_and_lands_on_the_comment(visit, heat):
    reader = _article_with_comment_typed(visit, heat, "Clicked twice, in a hurry.")

    reader.get_by_role("button", name="Post Comment").dblclick()

    reader.wait_for_url("**#comment-*")
    expect(reader.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    # The comment landed on is marked whole: every part of it, in one block.
    parts = reader.locator(".comment-list li:target > :not(ol)").all()
    assert len(parts) >= 3  # its header, the moderation note, its words
    for part in parts:
        expect(part).to_have_css("box-shadow", re.compile(r"0px 0px 0px 8px"))
    assert Comment.objects.filter(text="Clicked twice, in a hurry.").count() == 1
    expect(reader.get_by_role("button", name="Post Comment")).to_be_visible()  # usable again


def test_reply_without_javascript_uses_the_replytocom_link(visit, heat):
    from tests.factories import make_comment

    parent = make_comment(article=heat, name="Chris", text="Kilmer's reload.")
    page = visit(javascript=False)
    page.goto(heat.get_absolute_url())

    page.get_by_role("link", name="Reply to Chris").click()

    assert f"replytocom={parent.pk}" in page.url
    expect(page.get_by_text("Replying to Chris.")).to_be_visible()
    fill_comment(page, "Still taught at police academies.", name="Drucker", email="d@example.com")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**#comment-*")
    assert Comment.objects.get(name="Drucker").parent == parent
    expect(page.get_by_text("Your comment is awaiting moderation.")).to_be_visible()


def test_a_mistake_is_shown_next_to_the_field_and_nothing_typed_is_lost(visit, heat):
    page = visit(javascript=False)
    page.goto(heat.get_absolute_url())
    fill_comment(page, "A long thought I don't want to lose.", email="vincent@heat")

    page.get_by_role("button", name="Post Comment").click()

    email = page.get_by_role("textbox", name="Email", exact=True)
    assert email.get_attribute("aria-invalid") == "true"
    expect(page.get_by_text("Please enter a valid email address")).to_be_visible()
    assert (
        page.get_by_role("textbox", name="Comment", exact=True).input_value()
        == "A long thought I don't want to lose."
    )
    assert page.get_by_role("textbox", name="Name", exact=True).input_value() == "Vincent Hanna"
    screenshot(page, "comment-form-error")


def test_a_refused_form_says_where_to_look_and_keeps_its_columns(visit, heat):
    page = visit(width=1280)
    page.goto(heat.get_absolute_url())
    fill_comment(page, "Two mistakes in one go.", name="", email="vincent@heat")
    page.get_by_role("textbox", name="Email", exact=True).evaluate("e => e.type = 'text'")
    page.get_by_role("textbox", name="Name", exact=True).evaluate("e => e.required = false")

    page.get_by_role("button", name="Post Comment").click()

    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Your comment was not posted. Please check: Name, Email.")
    summary.get_by_role("link", name="Email").click()
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_be_focused()
    # Each field's label, message and box stay in one column of the three.
    for name in ("name", "email", "website"):
        label = page.locator(f"label[for=id_{name}]").bounding_box()
        box = page.locator(f"#id_{name}").bounding_box()
        assert abs(label["x"] - box["x"]) < 1, name
        assert box["y"] > label["y"], name
    boxes = [page.locator(f"#id_{name}").bounding_box() for name in ("name", "email", "website")]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    email = page.locator("#id_email")
    assert email.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"  # marked wrong
    assert page.locator("#id_text").input_value() == "Two mistakes in one go."
    page.locator("#respond").screenshot(path=SCREENSHOTS / "comment-form-two-errors.png")


def test_a_website_typed_without_https_is_taken_and_a_bad_one_explained(visit, heat):
    page = visit()
    page.goto(heat.get_absolute_url())
    fill_comment(page, "Nora's site is worth a look.", name="Nora", email="nora@example.org")
    website = page.get_by_role("textbox", name="Website")

    website.fill("not a website")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#id_website").locator("..")).to_contain_text(
        "Please enter a web address, like example.com or https://example.com"
    )
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_have_value(
        "Nora's site is worth a look."
    )

    page.get_by_role("textbox", name="Website").fill("nora.example.org")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**#comment-*")
    assert Comment.objects.get().website == "https://nora.example.org"


def test_an_author_edits_then_deletes_their_comment_on_styled_pages(visit, heat):
    page = _article_with_comment_typed(visit, heat, "A first thuoght.")
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**#comment-*")

    page.get_by_role("link", name="Edit").click()
    page.get_by_role("textbox", name="Comment").fill("A first thought.")
    screenshot(page, "comment-edit-page")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".comment-list")).to_contain_text("A first thought.")

    page.get_by_role("link", name="Delete").click()
    button = page.get_by_role("button", name="Delete my comment")
    keep = page.get_by_role("link", name="Keep it")
    # A real button beside its way out, not the browser's default grey one (the
    # assertion waits: the page's stylesheet may still be arriving).
    expect(button).not_to_have_css("background-color", "rgb(239, 239, 239)")
    page.wait_for_load_state()
    assert (
        keep.bounding_box()["x"] > button.bounding_box()["x"] + button.bounding_box()["width"] + 8
    )
    screenshot(page, "comment-delete-page")
    button.click()
    expect(page.get_by_text("Your comment was deleted.")).to_be_visible()
    assert Comment.objects.get().status == Comment.Status.TRASH


@pytest.mark.parametrize("javascript", [False, True])
def test_cancelling_a_reply_keeps_what_was_typed(visit, heat, javascript):
    from tests.factories import make_comment

    make_comment(article=heat, name="Chris", text="Kilmer's reload.")
    page = visit(javascript=javascript)
    page.goto(heat.get_absolute_url())
    page.get_by_role("link", name="Reply to Chris").click()
    expect(page.get_by_text("Replying to Chris.")).to_be_visible()
    expect(page.get_by_role("heading", name="Reply to Chris")).to_be_visible()
    fill_comment(
        page, "On second thoughts, a comment of my own.", name="Drucker", email="d@example.com"
    )

    page.get_by_role("button", name="Cancel reply").click()

    expect(page.get_by_text("Replying to Chris.")).to_have_count(0)
    expect(page.get_by_role("heading", name="Leave a Comment")).to_be_visible()
    box = page.get_by_role("textbox", name="Comment", exact=True)
    expect(box).to_have_value("On second thoughts, a comment of my own.")
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Drucker")
    assert page.locator("#id_parent").input_value() == ""
    page.get_by_role("button", name="Post Comment").click()
    page.wait_for_url("**#comment-*")
    assert Comment.objects.get(name="Drucker").parent is None


def test_removing_a_quote_without_javascript_keeps_what_was_typed(visit, heat):
    page = visit(javascript=False)
    page.goto(heat.get_absolute_url())
    page.get_by_role("link", name="Comment on this passage").first.click()
    expect(page.locator("#quoting")).to_be_visible()
    fill_comment(page, "Better without the quote.", name="Eady", email="eady@example.com")

    page.get_by_role("button", name="Remove the quote").click()

    expect(page.locator("#quoting")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_have_value(
        "Better without the quote."
    )
    assert page.locator("#id_quote_anchor").input_value() == ""


def test_a_moderator_approves_and_spams_from_the_rows_of_the_list(visit, heat):
    from tests.factories import make_comment

    make_staff(username="editor", password="a-long-test-password")
    make_comment(article=heat, name="Nate", text="A fair point.", status=Comment.Status.PENDING)
    make_comment(article=heat, name="Bot", text="Cheap pills.", status=Comment.Status.PENDING)
    moderator = visit(width=1400)
    moderator.goto("/admin/login/?next=/admin/comments/comment/%3Fstatus__exact%3Dpending")
    moderator.get_by_label("Username").fill("editor")
    moderator.get_by_label("Password").fill("a-long-test-password")
    moderator.get_by_role("button", name="Log in").click()

    row = moderator.locator("#result_list tr", has_text="A fair point.")
    expect(row.get_by_role("button", name="Approve")).to_be_visible()
    screenshot(moderator, "admin-comments-rows")
    row.get_by_role("button", name="Approve").click()
    expect(moderator.get_by_text("The comment was approved.")).to_be_visible()
    moderator.locator("#result_list tr", has_text="Cheap pills.").get_by_role(
        "button", name="Spam"
    ).click()
    expect(moderator.get_by_text("The comment was marked as spam.")).to_be_visible()
    screenshot(moderator, "admin-comments-row-actions")

    assert "status__exact=pending" in moderator.url  # back on the list it was working through
    assert Comment.objects.get(name="Nate").status == Comment.Status.APPROVED
    assert Comment.objects.get(name="Bot").status == Comment.Status.SPAM


@pytest.mark.parametrize("javascript", [False, True])
def test_enter_in_a_small_field_posts_the_comment_with_its_quote(visit, heat, javascript):
    # "Remove the quote" and "Cancel reply" are buttons of the form placed before it:
    # Enter must press "Post Comment", not them.
    page = visit(javascript=javascript)
    page.goto(heat.get_absolute_url())
    page.get_by_role("link", name="Comment on this passage").first.click()
    expect(page.locator("#quoting")).to_be_visible()
    fill_comment(page, "That line says it all.", name="Eady", email="eady@example.com")

    page.get_by_role("textbox", name="Email", exact=True).press("Enter")

    page.wait_for_url("**#comment-*")
    comment = Comment.objects.get(name="Eady")
    assert comment.text == "That line says it all."
    assert comment.quote_anchor.startswith("p-")
    expect(page.locator(f"#comment-{comment.pk}")).to_be_visible()


def test_enter_in_a_small_field_posts_on_the_plain_page(visit, heat):
    page = visit()
    page.goto(heat.get_absolute_url())
    fill_comment(page, "Enter sends it.", name="Hanna", email="hanna@example.com")

    page.get_by_role("textbox", name="Name", exact=True).press("Enter")

    page.wait_for_url("**#comment-*")
    assert Comment.objects.get(name="Hanna").quote == ""


def test_a_passage_or_reply_link_puts_the_cursor_in_the_comment_box(visit, heat):
    # With JavaScript: browsers skip autofocus on a page opened at #respond.
    make_comment(article=heat, name="Chris", text="Kilmer's reload.")
    page = visit()
    page.goto(heat.get_absolute_url())
    page.get_by_role("link", name="Comment on this passage").first.click()
    expect(page.locator("#quoting")).to_be_visible()
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_be_focused()

    page.get_by_role("link", name="Reply to Chris").click()
    expect(page.get_by_text("Replying to Chris.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_be_focused()


def test_a_long_paste_is_kept_whole_and_said_to_be_too_long(visit, heat):
    page = visit()
    page.goto(heat.get_absolute_url())
    long_text = "Heat " * 14000  # 70,000 characters, 4,475 over
    fill_comment(page, long_text.strip(), name="Long", email="long@example.com")
    box = page.get_by_role("textbox", name="Comment", exact=True)
    assert len(box.input_value()) == len(long_text.strip())  # nothing cut by the browser
    expect(
        page.get_by_text("Too long by 4,474 characters: a comment can be at most 65,525.")
    ).to_be_visible()

    page.get_by_role("button", name="Post Comment").click()

    expect(page.get_by_text("it can be at most 65,525 characters").first).to_be_visible()
    assert len(page.get_by_role("textbox", name="Comment", exact=True).input_value()) == len(
        long_text.strip()
    )
    assert not Comment.objects.filter(name="Long").exists()
    box = page.get_by_role("textbox", name="Comment", exact=True)
    box.fill("Heat, in fewer words.")
    expect(page.locator("#text-over-length")).to_be_hidden()


def test_a_paste_too_big_to_send_is_still_in_the_form_one_step_back(visit, heat):
    page = visit(javascript=False)
    page.goto(heat.get_absolute_url())
    huge = "Heat " * 600_000  # 3 MB: more than the server reads (operations/errors.py)
    fill_comment(page, huge.strip(), name="Huge", email="huge@example.com")

    page.get_by_role("button", name="Post Comment").click()

    expect(page.get_by_role("heading", name="That was too long to send")).to_be_visible()
    page.go_back()
    box = page.get_by_role("textbox", name="Comment", exact=True)
    assert len(box.input_value()) == len(huge.strip())
    assert page.get_by_role("textbox", name="Name", exact=True).input_value() == "Huge"
    assert not Comment.objects.filter(name="Huge").exists()


def test_without_javascript_a_comment_posts_seconds_after_the_page_not_its_cache_time(
    visit, heat, settings
):
    # A shared page's stamp waits out its cached life (20-30 s); the form's <noscript>
    # image lets a reader without JavaScript post COMMENTS_MIN_SECONDS after it showed.
    settings.COMMENTS_MIN_SECONDS = 3
    settings.PAGE_CACHE_SECONDS = settings.PAGE_SHARED_SECONDS = 10
    page = visit(javascript=False)
    page.goto(heat.get_absolute_url())
    fill_comment(page, "Too quick for a person.", name="Quick", email="quick@example.com")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.get_by_text("That was quick!")).to_be_visible()  # under 3 s: a machine's pace

    page.goto(heat.get_absolute_url())
    page.wait_for_timeout(3500)  # reading
    fill_comment(page, "Written without JavaScript.", name="Plain", email="plain@example.com")
    page.get_by_role("button", name="Post Comment").click()

    expect(page.get_by_text("Your comment is awaiting moderation.")).to_be_visible()
    expect(page.get_by_text("That was quick!")).to_have_count(0)
    assert Comment.objects.filter(text="Written without JavaScript.").exists()


def test_sending_sooner_than_the_form_allows_waits_then_posts(visit, heat, settings):
    # A person quicker than the time trap (comments/stamps.py) is held, not refused.
    settings.COMMENTS_MIN_SECONDS = 3
    make_comment(article=heat, name="Chris", text="Kilmer's reload.")
    page = visit()
    page.goto(heat.get_absolute_url() + "?replytocom=" + str(heat.comments.get().pk))
    ready_at = int(page.locator("#comment-form").get_attribute("data-ready-at"))
    fill_comment(page, "Quick, but a person.", name="Quick", email="quick@example.com")

    page.get_by_role("button", name="Post Comment").click()

    expect(page.get_by_role("button", name="Posting…")).to_be_visible()
    expect(page.locator("#comment-form").get_by_role("status")).to_have_text(
        "Posting your comment…"
    )
    page.wait_for_url("**#comment-*", timeout=15000)
    comment = Comment.objects.get(name="Quick")
    assert comment.created_at.timestamp() >= ready_at
    expect(page.get_by_text("That was quick!")).to_have_count(0)


def test_a_reader_whose_clock_is_a_little_fast_is_held_long_enough(visit, heat, settings):
    settings.COMMENTS_MIN_SECONDS = 3
    make_comment(article=heat, name="Chris", text="Kilmer's reload.")
    page = visit()
    page.add_init_script("const real = Date.now; Date.now = () => real() + 1500;")
    page.goto(heat.get_absolute_url() + "?replytocom=" + str(heat.comments.get().pk))
    fill_comment(page, "My clock runs fast.", name="Fast", email="fast@example.com")
    ready_at = int(page.locator("#comment-form").get_attribute("data-ready-at"))
    # Sent 1 s before the form may be: by this clock, already half a second late.
    page.wait_for_timeout(max(0, ready_at - 1 - time.time()) * 1000)

    page.get_by_role("button", name="Post Comment").click()

    page.wait_for_url("**#comment-*", timeout=15000)
    assert Comment.objects.filter(name="Fast").exists()


def test_a_reader_who_writes_at_once_on_a_shared_page_waits_seconds_not_its_lead(
    visit, heat, settings
):
    # A shared page's stamp is set ahead by as long as a cached copy may live
    # (comments/stamps.py); touching the form fetches one of the reader's own.
    settings.COMMENTS_MIN_SECONDS = 3
    page = visit()
    page.goto(heat.get_absolute_url())
    shared_ready_at = int(page.locator("#comment-form").get_attribute("data-ready-at"))
    with page.expect_response("**/comment/stamp/"):
        fill_comment(page, "Straight to the point.", name="Brief", email="brief@example.com")

    page.get_by_role("button", name="Post Comment").click()

    page.wait_for_url("**#comment-*", timeout=15000)
    posted = Comment.objects.get(name="Brief")
    assert posted.created_at.timestamp() < shared_ready_at  # sooner than the page allowed
    expect(page.get_by_text("That was quick!")).to_have_count(0)


def test_a_reader_who_read_first_keeps_the_pages_stamp_and_posts_at_once(visit, heat, settings):
    settings.COMMENTS_MIN_SECONDS = 3
    make_comment(article=heat, name="Chris", text="Kilmer's reload.")
    page = visit()
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    # Not a reply link: its box takes the focus as the page loads (autofocus), which is
    # touching the form, before or after the script listens, as the machine's load has it.
    page.goto(heat.get_absolute_url())
    ready_at = int(page.locator("#comment-form").get_attribute("data-ready-at"))
    page.wait_for_timeout(max(0, ready_at + 1 - time.time()) * 1000)  # reading

    fill_comment(page, "Read it all first.", name="Reader", email="reader@example.com")
    page.get_by_role("button", name="Post Comment").click()

    page.wait_for_url("**#comment-*")
    assert Comment.objects.filter(name="Reader").exists()
    assert not [url for url in asked if url.endswith("/comment/stamp/")]
