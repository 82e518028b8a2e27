"""The Comment model and its QuerySet methods, called directly."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from comments.models import Comment
from tests.factories import make_article, make_comment

APPROVED, PENDING, SPAM, TRASH = "approved", "pending", "spam", "trash"


@pytest.fixture
def one_of_each(article):
    statuses = (APPROVED, PENDING, SPAM, TRASH)
    return {status: make_comment(article=article, status=status) for status in statuses}


def test_each_visibility_method_returns_what_its_name_says(one_of_each):
    def statuses(queryset):
        return sorted(queryset.values_list("status", flat=True))

    assert statuses(Comment.objects.approved()) == [APPROVED]
    assert statuses(Comment.objects.in_moderation()) == [PENDING]
    assert statuses(Comment.objects.visible_or_awaited()) == [APPROVED, PENDING]


def test_for_article_keeps_to_one_article(article, one_of_each):
    elsewhere = make_comment()

    assert elsewhere not in Comment.objects.for_article(article)
    assert set(Comment.objects.for_article(article)) == set(one_of_each.values())


def test_saving_stores_the_canonical_address_the_text_as_html_and_the_card(article):
    comment = make_comment(article=article, email="Rita@GMAIL.com", text="Mann's <best>")

    assert comment.email_canonical == "rita@gmail.com"
    assert comment.text_html == "<p>Mann's &lt;best&gt;</p>"
    assert f'href="#comment-{comment.pk}"' in comment.html
    assert "Mann's &lt;best&gt;" in comment.html
    assert Comment.objects.get(pk=comment.pk).html == comment.html


def test_a_held_comment_gets_its_card_when_a_moderator_approves_it(article):
    held = make_comment(article=article, status=PENDING)
    assert held.html == ""  # one INSERT: nobody sees it yet

    changed = Comment.objects.filter(pk=held.pk).set_status(APPROVED)

    held.refresh_from_db()
    assert changed == [held.pk]
    assert held.approved_by_moderator
    assert f"comment-{held.pk}" in held.html
    article.refresh_from_db()
    assert article.comment_count == 1


def test_set_status_changes_only_what_differs_and_trash_remembers_where_from(one_of_each):
    changed = Comment.objects.all().set_status(TRASH)

    assert len(changed) == 3
    assert set(Comment.objects.values_list("status", flat=True)) == {TRASH}
    assert sorted(Comment.objects.values_list("trashed_from", flat=True)) == [
        "",
        APPROVED,
        PENDING,
        SPAM,
    ]
    restored = Comment.objects.all().restore()
    assert restored == 4
    assert sorted(Comment.objects.values_list("status", flat=True)) == sorted(
        [APPROVED, PENDING, SPAM, PENDING]  # a comment trashed from nowhere goes to moderation
    )


def test_an_approval_by_the_rules_vouches_for_nobody(article):
    by_rules = make_comment(article=article, email="a@example.com")
    assert not by_rules.approved_by_moderator

    assert not Comment.objects.vouch_for("a@example.com", [by_rules.pk])
    Comment.objects.filter(pk=by_rules.pk).set_status(PENDING)
    Comment.objects.filter(pk=by_rules.pk).set_status(APPROVED)
    assert Comment.objects.vouch_for("A@Example.com", [by_rules.pk])


def test_vouching_needs_proof_from_the_browser(article):
    approved = make_comment(article=article, email="a@example.com", status=PENDING)
    Comment.objects.filter(pk=approved.pk).set_status(APPROVED)

    assert not Comment.objects.vouch_for("a@example.com", [])
    assert Comment.objects.vouch_for("a@example.com", [], mailbox_confirmed=True)
    assert not Comment.objects.vouch_for("a@examplı.com", [approved.pk])


def test_the_edit_window_closes_after_the_configured_minutes(settings, article):
    settings.COMMENTS_EDIT_MINUTES = 15
    comment = make_comment(article=article)

    assert comment.in_edit_window()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert not comment.in_edit_window()


@pytest.mark.parametrize(
    ("current", "proposed", "result"),
    [
        (PENDING, APPROVED, PENDING),
        (APPROVED, PENDING, PENDING),
        (APPROVED, SPAM, SPAM),
        (APPROVED, APPROVED, APPROVED),
        (PENDING, SPAM, SPAM),
    ],
)
def test_an_edit_may_lower_a_status_never_raise_it(current, proposed, result):
    assert Comment(status=current).status_after_edit(proposed) == result


def test_comments_of_a_deleted_article_go_with_it(db):
    article = make_article()
    make_comment(article=article)

    article.delete()

    assert not Comment.objects.exists()
