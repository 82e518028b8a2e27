"""Bad days, as a reader and an editor see them in Chromium: the database drops out
while a comment is being sent; someone guesses an editor's password."""

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from comments.models import Comment
from tests.e2e.conftest import screenshot
from tests.e2e.test_commenting import fill_comment
from tests.factories import make_staff

pytestmark = pytest.mark.e2e

WORDS = "McCauley's rule <b>held</b>:\n\nthirty seconds flat, and he walked."


@pytest.fixture(autouse=True)
def _humans_type_fast_in_tests(settings):
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_FLOOD_SECONDS = 0


@pytest.fixture
def database_drops_once(monkeypatch):
    """The next comment save fails as a lost database connection would; later ones work."""
    save = Comment.save
    failures = []

    def flaky_save(self, *args, **kwargs):
        if not failures:
            failures.append(self.text)
            raise OperationalError("server closed the connection unexpectedly")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Comment, "save", flaky_save)
    return failures


def test_a_comment_sent_while_the_database_is_away_is_kept_and_sent_again(
    visit, heat, database_drops_once
):
    reader = visit(expected_failure=r"503")
    reader.goto(heat.get_absolute_url())
    fill_comment(reader, WORDS, name="Nate")

    reader.get_by_role("button", name="Post Comment").click()

    expect(reader.get_by_role("heading", name="We’ll be back soon")).to_be_visible()
    expect(reader.get_by_text("Nothing you wrote is lost")).to_be_visible()
    expect(reader.get_by_role("textbox", name="Your comment")).to_have_value(WORDS)
    screenshot(reader, "database-away-comment-kept")
    assert database_drops_once == [WORDS]

    reader.get_by_role("button", name="Try sending again").click()

    reader.wait_for_url("**#comment-*")
    expect(reader.get_by_text("thirty seconds flat, and he walked.")).to_be_visible()
    comment = Comment.objects.get()
    assert (comment.name, comment.text) == ("Nate", WORDS)


def test_an_editor_locked_out_after_wrong_passwords_is_told_why_and_for_how_long(visit, db):
    make_staff(username="editor", password="a-long-test-password")
    page = visit(expected_failure=r"429")

    for _ in range(5):
        page.goto("/admin/login/")
        page.get_by_label("Username").fill("editor")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    expect(page.get_by_text("for 15 minutes")).to_be_visible()
    screenshot(page, "admin-sign-in-paused")
