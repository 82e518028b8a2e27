"""An editor's day in Chromium: write, illustrate, schedule, look back; and a WordPress move."""

import io
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.articles.test_images import image_bytes
from tests.e2e.conftest import screenshot
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.e2e
WXR = Path(__file__).resolve().parents[1] / "transfer" / "data" / "wordpress.xml"


@pytest.fixture
def editor(visit, db, request):
    make_staff(
        username="editor", password="a-long-test-password", first_name="Ed", last_name="Itor"
    )
    marker = request.node.get_closest_marker("expected_failure")
    page = visit(width=1400, height=1000, expected_failure=marker.args[0] if marker else None)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()
    return page


def _body(page):
    return page.locator("textarea[name=body]")


def _writing(page, body):
    """A new article in the editor, with this text in its body."""
    page.goto("/admin/articles/article/add/")
    _body(page).fill(body)


def _insert_images(page, *files, mime="image/png"):
    """Choose files with "Insert image…": (name, bytes) pairs, as the picker sends them."""
    page.locator("#editor-image-upload").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data} for name, data in files]
    )


def test_an_editor_writes_illustrates_schedules_and_the_article_appears_on_time(editor, visit):
    page = editor
    page.goto("/admin/articles/article/add/")
    page.get_by_label("Title").fill("Collateral (2004)")
    _body(page).fill("Max drives a cab in Los Angeles.\n\n## The night\n\nVincent gets in.")
    expect(page.locator(".markdownx-preview h2#the-night")).to_have_text("The night")

    _insert_images(page, ("night.png", image_bytes("PNG", size=(1200, 700))))
    expect(page.locator(".editor-upload-status")).to_contain_text("Inserted night.png")
    expect(_body(page)).to_have_value(re.compile(r"\n\n!\[\]\(/media/uploads/.+\.png\)\n\n$"))
    expect(page.locator(".markdownx-preview img")).to_be_visible()
    # The cursor waits between the image's brackets: what the editor types describes it.
    page.keyboard.type("The city at night")
    expect(_body(page)).to_have_value(
        re.compile(r"!\[The city at night\]\(/media/uploads/.+\.png\)\n\n$")
    )

    when = timezone.localtime() + timedelta(minutes=5)
    page.locator("select[name=status]").select_option("published")
    page.locator("input[name=published_at_0]").fill(when.strftime("%Y-%m-%d"))
    page.locator("input[name=published_at_1]").fill(when.strftime("%H:%M:%S"))
    screenshot(page, "admin-editor-writing")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Scheduled for")).to_be_visible()

    reader = visit()
    assert reader.goto("/articles/collateral-2004/").status == 404
    with time_machine.travel(when + timedelta(minutes=1)):
        response = reader.goto("/articles/collateral-2004/")
        assert response.status == 200
        image = reader.get_by_role("img", name="The city at night")
        expect(image).to_be_visible()
        # Loaded, not just laid out (loading="lazy": the page's load event doesn't wait).
        reader.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        screenshot(reader, "scheduled-article-published")


def test_images_chosen_together_each_get_a_paragraph_and_the_last_its_description(editor):
    page = editor
    _writing(page, "Two stills.")
    still = image_bytes("PNG", size=(300, 200))
    _insert_images(page, ("a.png", still), ("b.png", still))

    image = r"!\[\]\(/media/uploads/.+?\.png\)"
    expect(_body(page)).to_have_value(re.compile(rf"^Two stills\.\n\n{image}\n\n{image}\n\n$"))
    page.keyboard.type("Hanna")
    expect(_body(page)).to_have_value(
        re.compile(rf"^Two stills\.\n\n{image}\n\n!\[Hanna\]\(/media/uploads/.+?\.png\)\n\n$")
    )


def test_an_image_put_between_two_paragraphs_keeps_one_blank_line_each_side(editor):
    page = editor
    _writing(page, "First paragraph.\n\nSecond paragraph.")
    _body(page).evaluate("e => { e.selectionStart = e.selectionEnd = 'First paragraph.'.length; }")

    _insert_images(page, ("a.png", image_bytes("PNG")))

    expect(_body(page)).to_have_value(
        re.compile(r"^First paragraph\.\n\n!\[\]\(/media/uploads/.+?\.png\)\n\nSecond paragraph\.$")
    )


def test_the_preview_shows_lists_and_quotes_at_the_size_of_the_text(editor):
    page = editor
    _writing(page, "A paragraph.\n\n- one item\n- two items\n\n> A quote.")
    preview = page.locator(".markdownx-preview")
    expect(preview.locator("li").first).to_have_text("one item")

    def size(selector):
        return preview.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")

    assert size("p") == size("li") == size("blockquote p") == "16px"
    # In the page's serif, not the admin's sans-serif.
    family = preview.locator("p").first.evaluate("e => getComputedStyle(e).fontFamily")
    assert family.startswith("Charter")
    assert preview.locator("li").first.evaluate("e => getComputedStyle(e).listStyleType") == "disc"


def test_the_preview_wraps_long_words_and_shows_small_headings_as_the_page_does(editor):
    page = editor
    _writing(page, "##### A fifth-level heading\n\n" + "Supercalifragilistic" * 12)
    preview = page.locator(".markdownx-preview")
    heading = preview.locator("h5")
    expect(heading).to_have_text("A fifth-level heading")

    assert heading.evaluate("e => getComputedStyle(e).textTransform") == "none"
    assert preview.evaluate("e => e.scrollWidth <= e.clientWidth")  # no sideways scroll


def test_the_articles_list_reads_at_1280_pixels(editor, heat):
    from tests.factories import make_article

    make_article(title="T" * 200)  # one word as long as a title may be: it breaks
    page = editor
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/articles/article/")

    title = page.locator("#result_list th.field-title").first
    expect(title).to_contain_text("Heat (1995)")
    assert title.bounding_box()["width"] >= 200  # not one word a line
    published = page.locator("#result_list td.field-published").first
    assert published.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    _every_column_in_view(page, 1280)
    screenshot(page, "admin-articles-list-1280")


def test_the_recover_page_has_the_admins_breadcrumb_bar(editor):
    page = editor
    page.goto("/admin/articles/article/")
    bar = page.locator(".breadcrumbs").first.evaluate("e => getComputedStyle(e).backgroundColor")

    page.goto("/admin/articles/article/recover/")

    crumbs = page.locator(".breadcrumbs").first
    expect(crumbs).to_contain_text("Recover deleted articles")
    assert crumbs.evaluate("e => getComputedStyle(e).backgroundColor") == bar
    assert crumbs.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)") >= 15
    link = crumbs.locator("a").first
    assert link.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"


def _every_column_in_view(page, width):
    """No column of the list hides past the window's edge (the filters sit above it),
    nor past the edge of the list's own box, which would scroll it sideways."""
    for heading in page.locator("#result_list thead th").all():
        if not heading.is_visible():
            continue  # left out at this width, on purpose
        box = heading.bounding_box()
        assert box["x"] + box["width"] <= width, heading.inner_text()
    results = page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), results.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )


def test_the_comments_list_shows_every_column_at_1280_pixels(editor, heat):
    from tests.factories import make_comment

    make_comment(
        article=heat, text="A long comment " * 20, ip_address="2001:db8:85a3::8a2e:370:7334"
    )
    make_comment(article=heat, text="W" * 300, name="N" * 100)  # words that never end
    page = editor
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/comments/comment/")

    expect(page.locator("#result_list th.column-ip_address")).to_be_visible()
    _every_column_in_view(page, 1280)
    expect(page.locator("#changelist-filter")).to_be_visible()  # above the list, all of it
    screenshot(page, "admin-comments-list-1280")


def test_a_moderator_on_a_phone_sees_each_comments_buttons_author_and_status(editor, heat):
    from tests.factories import make_comment

    make_comment(article=heat, text="W" * 300, name="N" * 100)  # words that never end
    make_comment(article=heat, text="A long comment " * 20, name="Waingro", status="pending")
    page = editor
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/comments/comment/")

    row = page.locator("#result_list tbody tr").first
    for cell in ("field-excerpt", "field-moderate_buttons", "field-name", "field-shown_status"):
        expect(row.locator(f"td.{cell}, th.{cell}")).to_be_visible()
    expect(row.get_by_role("button", name="Approve")).to_be_visible()
    expect(row.locator("td.field-ip_address")).to_be_hidden()  # on the comment's own page
    _every_column_in_view(page, 390)
    screenshot(page, "admin-comments-list-phone")


@pytest.mark.expected_failure("^400 for .*/admin/articles/article/upload/$")
def test_a_file_that_is_not_an_image_gets_a_message_beside_the_editor(editor):
    page = editor
    _writing(page, "Some words.")

    _insert_images(page, ("holiday.jpg", b"not really a photo"), mime="image/jpeg")

    expect(page.locator(".editor-upload-status.error")).to_contain_text(
        "holiday.jpg was not uploaded: This file is not an image we can use"
    )
    expect(_body(page)).to_have_value("Some words.")
    screenshot(page, "admin-editor-upload-refused")


def test_leaving_with_unsaved_changes_asks_first(editor):
    page = editor
    page.goto("/admin/articles/article/add/")
    _body(page).click()
    page.keyboard.type("An unsaved thought.")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))

    page.get_by_role("link", name="Home").first.click()

    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/admin/articles/article/add/")


def _kept_in_the_browser(page):
    """Wait until the editor's words are kept in this browser (a moment after typing)."""
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('heatblog:unsaved:'))"
    )


def _typed_unsaved(page, article, words):
    """On the article's page in the editor, these words typed into its body and kept
    by the browser, not saved; the page's address."""
    change = f"/admin/articles/article/{article.pk}/change/"
    page.goto(change)
    _body(page).fill(words)
    _kept_in_the_browser(page)
    return change


def _after_a_crash(page):
    """The tab gone without a word (a crash, a tab closed by mistake); a new one."""
    page.close(run_before_unload=False)
    return page.context.new_page()


def _log_in(page):
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()


def test_words_written_while_the_sign_in_expired_are_offered_back(editor):
    article = make_article(title="Thief", slug="thief", body="The first draft.")
    page = editor
    words = "Frank's list of everything he wants, written over a long evening."
    change = _typed_unsaved(page, article, words)
    page.context.clear_cookies(name="sessionid")  # the sign-in expired while they wrote

    page.get_by_role("button", name="Save", exact=True).first.click()
    _log_in(page)

    page.wait_for_url(f"**{change}")
    expect(_body(page)).to_have_value("The first draft.")  # what the server has
    offer = page.get_by_role("alert").filter(has_text="were not saved")
    expect(offer).to_be_visible()
    screenshot(page, "admin-unsaved-words-offered")
    offer.get_by_role("button", name="Restore them").click()
    expect(_body(page)).to_have_value(words)
    expect(page.locator(".markdownx-preview")).to_contain_text("Frank’s list")  # curled
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    article.refresh_from_db()
    assert article.body == "Frank's list of everything he wants, written over a long evening."

    page.goto(change)  # saved: nothing more to offer
    expect(_body(page)).to_have_value(article.body)
    expect(page.get_by_text("were not saved")).to_have_count(0)


def test_a_closed_tab_keeps_a_new_article_until_it_is_saved_or_discarded(editor):
    _writing(editor, "An opening line worth keeping.")
    editor.get_by_label("Title").fill("Ali (2001)")
    _kept_in_the_browser(editor)
    editor.close(run_before_unload=False)  # a crash, or a tab closed by mistake

    page = editor.context.new_page()
    page.goto("/admin/articles/article/add/")
    page.get_by_role("button", name="Restore them").click()
    expect(page.get_by_label("Title")).to_have_value("Ali (2001)")
    expect(_body(page)).to_have_value("An opening line worth keeping.")
    expect(page.get_by_label("Slug")).to_have_value("ali-2001")  # made from the title
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("was added successfully")).to_be_visible()
    assert Article.objects.get(title="Ali (2001)").body == "An opening line worth keeping."

    page.goto("/admin/articles/article/add/")  # saved: a new article starts empty
    expect(_body(page)).to_have_value("")
    expect(page.get_by_text("were not saved")).to_have_count(0)
    _body(page).fill("A draft nobody wants.")
    _kept_in_the_browser(page)
    page.goto("/admin/articles/article/add/")
    page.get_by_role("button", name="Discard them").click()
    page.reload()
    expect(_body(page)).to_have_value("")
    expect(page.get_by_text("were not saved")).to_have_count(0)


def test_a_refused_save_keeps_the_words_and_warns_before_leaving(editor):
    make_article(title="Heat", slug="heat")
    article = make_article(title="Thief", slug="thief", body="The first draft.")
    page = editor
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    _body(page).fill("Words worth keeping.")
    page.get_by_label("Slug").fill("heat")  # another article's address: refused

    page.get_by_role("button", name="Save", exact=True).first.click()

    expect(page.get_by_text("Please correct the error below.")).to_be_visible()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Home").first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]  # the words on this page are not saved
    again = page.context.new_page()
    again.goto(f"/admin/articles/article/{article.pk}/change/")
    again.get_by_role("button", name="Restore them").click()
    expect(_body(again)).to_have_value("Words worth keeping.")


def test_saving_one_article_keeps_the_unsaved_words_of_another(editor):
    first = make_article(title="Thief", slug="thief", body="The first draft.")
    second = make_article(title="Heat", slug="heat", body="Another article.")
    page = editor
    _typed_unsaved(page, first, "Unsaved words in the first article.")
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Save", exact=True).first.click()  # sent, not saved
    expect(page.get_by_label("Username")).to_be_visible()
    other = page.context.new_page()  # another tab: signs in, saves another article
    other.goto("/admin/login/")
    _log_in(other)

    other.goto(f"/admin/articles/article/{second.pk}/change/")
    _body(other).fill("The second article, saved.")
    other.get_by_role("button", name="Save", exact=True).first.click()
    expect(other.get_by_text("was changed successfully")).to_be_visible()

    other.goto(f"/admin/articles/article/{first.pk}/change/")
    other.get_by_role("button", name="Restore them").click()
    expect(_body(other)).to_have_value("Unsaved words in the first article.")


def test_restoring_puts_back_only_what_was_changed_over_a_later_save(editor):
    article = make_article(title="Thief", slug="thief", body="The first draft.")
    page = editor
    change = _typed_unsaved(page, article, "My unsaved paragraph.")
    page = _after_a_crash(page)
    # Meanwhile a colleague renames the article and saves it.
    Article.objects.filter(pk=article.pk).update(title="Thief (1981)")

    page.goto(change)
    offer = page.get_by_role("alert").filter(has_text="were not saved")
    expect(offer).to_contain_text("the article was saved since")
    offer.get_by_role("button", name="Restore them").click()

    expect(_body(page)).to_have_value("My unsaved paragraph.")
    expect(page.get_by_label("Title")).to_have_value("Thief (1981)")  # theirs stays


def test_logging_out_forgets_the_words_this_browser_kept(editor):
    article = make_article(title="Thief", slug="thief", body="The first draft.")
    page = editor
    _typed_unsaved(page, article, "Private notes.")
    page.get_by_role("button", name="Save", exact=True).first.click()  # saved, then out
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    _typed_unsaved(page, article, "Notes nobody saved.")
    page.on("dialog", lambda dialog: dialog.accept())

    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_text("Logged out")).to_be_visible()
    kept = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('heatblog:'))")
    assert kept == []


def test_kept_words_are_one_person_s_even_when_two_share_a_first_name(editor, visit):
    article = make_article(title="Thief", slug="thief", body="The first draft.")
    make_staff(username="anna2", password="another-long-password", first_name="Ed")
    page = editor  # "editor", first name Ed too
    _typed_unsaved(page, article, "Ed's private notes.")
    page.context.clear_cookies()

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("anna2")
    page.get_by_label("Password").fill("another-long-password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/articles/article/{article.pk}/change/")

    expect(_body(page)).to_have_value("The first draft.")
    expect(page.get_by_text("were not saved")).to_have_count(0)


def test_words_typed_past_an_ignored_offer_are_kept_and_a_save_ends_the_offer(editor):
    article = make_article(title="Thief", slug="thief", body="The first draft.")
    page = editor
    change = _typed_unsaved(page, article, "Words from before a crash.")
    page = _after_a_crash(page)
    page.goto(change)
    expect(page.get_by_text("were not saved")).to_be_visible()

    _body(page).fill("Newer words, the offer ignored.")
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    page.goto(change)
    expect(_body(page)).to_have_value("Newer words, the offer ignored.")
    expect(page.get_by_text("were not saved")).to_have_count(0)


def test_a_draft_s_preview_link_shows_it_to_someone_without_an_account(editor, visit):
    article = make_article(
        title="The Insider", slug="the-insider", body="Wigand's deposition, in full.",
        status=Article.Status.DRAFT, published_at=None,
    )  # fmt: skip
    editor.goto(f"/admin/articles/article/{article.pk}/change/")
    link = editor.locator("a.preview-link").get_attribute("href")
    assert link.startswith("http")

    fact_checker = visit()
    fact_checker.goto(urlsplit(link).path)  # SITE_URL's host is not the test server's
    expect(fact_checker.get_by_role("heading", name="The Insider")).to_be_visible()
    expect(fact_checker.get_by_text("Wigand’s deposition, in full.")).to_be_visible()
    expect(fact_checker.get_by_text("a preview of an article not yet published")).to_be_visible()
    expect(fact_checker.get_by_text("Comments open when the article is published.")).to_be_visible()
    screenshot(fact_checker, "draft-shared-preview")


def test_an_editor_restores_an_earlier_version(editor, visit):
    article = make_article(title="Manhunter", slug="manhunter", body="The first draft.")
    page = editor
    change = f"/admin/articles/article/{article.pk}/change/"
    for body in ("The good version.", "A version nobody wanted."):
        page.goto(change)
        _body(page).fill(body)
        page.get_by_role("button", name="Save", exact=True).first.click()
        expect(page.get_by_text("was changed successfully")).to_be_visible()

    page.goto(change)
    page.get_by_role("link", name="History").click()
    page.locator("#change-history a").first.click()  # oldest first: the first save
    expect(_body(page)).to_have_value("The good version.")
    screenshot(page, "admin-history-revert")
    page.get_by_role("button", name="Save", exact=True).first.click()

    expect(page.get_by_text("was changed successfully")).to_be_visible()
    reader = visit()
    reader.goto("/articles/manhunter/")
    expect(reader.get_by_text("The good version.")).to_be_visible()
    assert Article.objects.get(slug="manhunter").body == "The good version."


def test_a_wordpress_export_arrives_with_its_comment_threads(visit, db):
    call_command("import_wxr", str(WXR), stdout=io.StringIO(), stderr=io.StringIO())
    page = visit()

    page.goto("/articles/thief-1981/")

    expect(page.get_by_role("heading", name="Thief (1981)", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="The heist")).to_be_visible()
    expect(page.get_by_role("heading", name="3 comments")).to_be_visible()
    nested = page.locator("ol.children ol.children").get_by_text("A reply to a reply")
    expect(nested).to_be_visible()
    screenshot(page, "wordpress-import-thread")


def test_staff_who_may_only_look_see_the_markdown_as_written(visit, heat):
    viewer = make_staff(username="looker", password="a-long-test-password", is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_article"))
    heat.body += "\n\n- a list\n    - nested in it\n\n```\nindented:\n    code\n```\n"
    heat.save()
    page = visit(width=1280)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("looker")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()

    page.goto(f"/admin/articles/article/{heat.pk}/change/")

    shown = page.locator(".form-row.field-body .readonly").inner_text()  # as rendered
    assert "\n    - nested in it" in shown  # the indent kept, as typed
    assert "\n    code" in shown
    expect(page.get_by_role("button", name="Save")).to_have_count(0)  # looking only
