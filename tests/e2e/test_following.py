"""A reader follows by email in Chromium, confirms from the mail the SMTP server got,
receives the next article once, and unsubscribes in one click; the editor's progress."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article
from followers.models import Follower
from harness.mailserver import MailServer
from tests.e2e.conftest import screenshot
from tests.factories import make_article, make_staff
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.e2e


@pytest.fixture
def mail_server(settings, live_server):
    with MailServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        settings.SITE_URL = live_server.url  # links in mail lead to this test's site
        yield server


def test_a_reader_follows_confirms_gets_the_next_article_once_and_unsubscribes(
    visit, mail_server, live_server
):
    article = make_article(title="Heat (1995)", dek="The crime epic.")
    page = visit(width=1100)
    page.goto(article.get_absolute_url())
    follow = page.locator(".follow-article")
    follow.get_by_label("Your email address").fill("neil@example.com")
    follow.get_by_role("button", name="Follow").click()
    expect(page.locator("#follow-sent")).to_contain_text("Check your inbox")
    assert mail_server.messages == []  # nothing before the worker

    run_queued_tasks()
    (confirmation,) = mail_server.to("neil@example.com")
    link = re.search(r"http://\S+/follow/confirm/\S+/", confirmation.get_content()).group(0)
    page.goto(link)
    assert not Follower.objects.get().gets_articles  # opening the link alone does nothing
    page.get_by_role("button", name="Yes, follow by email").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("you follow")

    new = make_article(title="Thief (1981)", dek="Mann's first feature.",
                       status=Article.Status.DRAFT, published_at=None)  # fmt: skip
    new.status = Article.Status.PUBLISHED
    new.save()
    run_queued_tasks()
    run_queued_tasks()
    mails = [m for m in mail_server.to("neil@example.com") if m["Subject"] == "Thief (1981)"]
    assert len(mails) == 1  # once
    (mail,) = mails

    reader = visit(width=700, height=900)
    reader.set_content(mail.get_body(("html",)).get_content())
    expect(reader.get_by_role("heading", name="Thief (1981)")).to_be_visible()
    expect(reader.get_by_role("link", name="Read it on the site")).to_have_attribute(
        "href", f"{live_server.url}{new.get_absolute_url()}"
    )
    screenshot(reader, "follow-mail-html-part")

    # The mail provider's one-click unsubscribe (RFC 8058): a POST, no cookie, no token.
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    response = page.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    assert Follower.objects.get().unsubscribed_at is not None

    make_article(title="Collateral (2004)", status=Article.Status.DRAFT, published_at=None)
    later = Article.objects.get(title="Collateral (2004)")
    later.status = Article.Status.PUBLISHED
    later.save()
    run_queued_tasks()
    assert [m["Subject"] for m in mail_server.to("neil@example.com")][1:] == ["Thief (1981)"]

    make_staff(username="editor", password="a-long-test-password")
    admin = visit(width=1400, height=1000)
    admin.goto("/admin/login/")
    admin.get_by_label("Username").fill("editor")
    admin.get_by_label("Password").fill("a-long-test-password")
    admin.get_by_role("button", name="Log in").click()
    admin.goto(f"/admin/articles/article/{new.pk}/change/")
    progress = admin.locator("#mailing-0 .field-progress")
    expect(progress).to_contain_text("1 sent")
    expect(progress).to_contain_text("Send a test to myself")
    progress.scroll_into_view_if_needed()
    screenshot(admin, "follow-admin-progress")
