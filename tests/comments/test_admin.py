"""Moderators at work in the admin."""

from datetime import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.factories import make_article, make_comment, make_staff, post_comment

CHANGELIST = "/admin/comments/comment/"


def _page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


def _bulk(staff_client, action, comments):
    return staff_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in comments]},
        follow=True,
    )


def test_the_list_shows_status_article_author_excerpt_and_date(staff_client, article):
    make_comment(article=article, name="Nate", text="x" * 200, status="pending")

    html = staff_client.get(CHANGELIST).content.decode()

    assert "Nate" in html
    assert "x" * 79 + "…" in html
    assert article.title in html
    assert "Pending" in html
    assert ">IP address</a>" in html  # the column's heading (Django wrote "Ip address")


def test_bulk_approve_publishes_comments_and_updates_the_count(staff_client, client, article):
    pending = [make_comment(article=article, status="pending") for _ in range(3)]

    response = _bulk(staff_client, "mark_approve", pending)

    assert "3 comments approved." in response.content.decode()
    assert Comment.objects.approved().count() == 3
    assert Article.objects.get(pk=article.pk).comment_count == 3
    assert "3 comments" in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_unapprove", "pending"), ("mark_spam", "spam"), ("mark_trash", "trash")],
)
def test_bulk_actions_take_comments_off_the_page(staff_client, client, article, action, status):
    comments = [make_comment(article=article, text=f"Visible {n}") for n in range(2)]
    assert "Visible 0" in _page(client, article.get_absolute_url())

    _bulk(staff_client, action, comments)

    assert set(Comment.objects.values_list("status", flat=True)) == {status}
    html = _page(client, article.get_absolute_url())
    assert "Visible 0" not in html
    assert "No comments yet" in html


def test_restoring_from_the_trash_puts_comments_back_as_they_were(staff_client, article):
    approved = make_comment(article=article)
    pending = make_comment(article=article, status="pending")
    _bulk(staff_client, "mark_trash", [approved, pending])

    _bulk(staff_client, "restore", [approved, pending])

    assert Comment.objects.get(pk=approved.pk).status == "approved"
    assert Comment.objects.get(pk=pending.pk).status == "pending"


def test_what_its_author_deleted_no_bulk_action_publishes_again(staff_client, article, settings):
    settings.COMMENTS_FIRST_TIME_HELD = False
    author = Client()
    post_comment(author, article, text="I take this back", email="alice@example.com")
    deleted = Comment.objects.get()
    author.post(f"/comments/{deleted.pk}/delete/")
    others = [make_comment(article=article, status="pending") for _ in range(2)]

    listed = _page(staff_client, CHANGELIST)
    approved = _bulk(staff_client, "mark_approve", [deleted, *others]).content.decode()
    restored = _bulk(staff_client, "restore", [deleted]).content.decode()

    assert "Deleted by its author" in listed
    assert "2 comments approved." in approved
    assert "1 comment its author deleted stays deleted." in approved
    assert "0 comments restored." in restored
    assert Comment.objects.get(pk=deleted.pk).status == Comment.Status.TRASH
    html = _page(Client(), article.get_absolute_url())
    assert "2 comments" in html
    assert "I take this back" not in html


def test_a_change_page_open_while_its_author_deleted_the_comment_does_not_bring_it_back(
    staff_client, article
):
    comment = make_comment(article=article, text="Regrettable")
    url = f"{CHANGELIST}{comment.pk}/change/"
    assert 'name="status"' in _page(staff_client, url)  # opened while still up
    Comment.objects.filter(pk=comment.pk).set_status("trash")
    Comment.objects.filter(pk=comment.pk).update(deleted_by_author=True)

    form = {"status": "approved", "name": comment.name, "email": comment.email,
            "website": "", "text": "Regrettable, edited", "notify": ""}  # fmt: skip
    answer = staff_client.post(url, form, follow=True).content.decode()

    assert "it stays deleted, and your changes were not saved" in answer
    assert "changed successfully" not in answer
    kept = Comment.objects.get(pk=comment.pk)
    assert (kept.status, kept.text) == ("trash", "Regrettable")
    assert "Regrettable" not in _page(Client(), article.get_absolute_url())


def test_no_write_can_show_a_comment_its_author_deleted(article):
    from django.db import IntegrityError, transaction

    deleted = make_comment(article=article, status="trash", deleted_by_author=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=deleted.pk).update(status="approved")  # not even by hand
    assert Comment.objects.filter(pk=deleted.pk).set_status("spam") == [deleted.pk]  # allowed


def test_a_comment_its_author_deleted_keeps_its_status_on_its_page(staff_client, article):
    comment = make_comment(article=article, status="trash", deleted_by_author=True)
    url = f"{CHANGELIST}{comment.pk}/change/"
    form = _page(staff_client, url)

    asked = staff_client.get(f"{CHANGELIST}{comment.pk}/moderate/approve/", follow=True)
    staff_client.post(f"{CHANGELIST}{comment.pk}/moderate/approve/")

    assert 'name="status"' not in form  # shown, not editable
    assert '<div class="readonly">Trash</div>' in form
    assert "Its author deleted this comment: it stays deleted." in asked.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.TRASH


def test_filters_by_status_and_article(staff_client, article):
    make_comment(article=article, text="Held one", status="pending")
    make_comment(text="Elsewhere", status="pending")

    url = f"{CHANGELIST}?status__exact=pending&article__id__exact={article.pk}"
    html = _page(staff_client, url)

    assert "Held one" in html
    assert "Elsewhere" not in html
    assert "Elsewhere" in _page(staff_client, f"{CHANGELIST}?status__exact=pending")


def test_search_finds_comments_by_email_and_ip(staff_client, article):
    make_comment(
        article=article, email="waingro@example.com", ip_address="198.51.100.3",
        text="Findable words",
    )  # fmt: skip
    make_comment(article=article, text="Other words")

    by_email = _page(staff_client, f"{CHANGELIST}?q=waingro")
    by_ip = _page(staff_client, f"{CHANGELIST}?q=198.51.100.3")

    assert "Findable words" in by_email
    assert "Other words" not in by_email
    assert "Findable words" in by_ip
    assert "Other words" not in by_ip
    assert "Other words" in _page(staff_client, CHANGELIST)


def test_the_admin_home_shows_how_many_comments_wait(staff_client, article):
    make_comment(article=article, status="pending")
    make_comment(article=article, status="pending")

    html = staff_client.get("/admin/").content.decode()

    assert "<b>2</b> comments awaiting moderation" in html


def test_the_article_list_shows_approved_and_pending_counts(staff_client, article):
    make_comment(article=article)
    make_comment(article=article, status="pending")
    make_comment(article=article, status="pending")

    html = staff_client.get("/admin/articles/article/").content.decode()

    assert f'?article__id__exact={article.pk}&amp;status__exact=approved">1</a>' in html
    assert f'?article__id__exact={article.pk}&amp;status__exact=pending"><b>2</b></a>' in html


@pytest.mark.parametrize(
    ("codenames", "shown"),
    [(["view_article", "change_article"], False), (["change_article", "view_comment"], True),
     (["change_article", "change_comment"], True)],
    ids=["writer", "writer-who-reads-comments", "writer-who-moderates"],
)  # fmt: skip
def test_the_discussions_links_show_to_those_the_admin_shows_comments_to(
    client, article, codenames, shown
):
    staff = make_staff(is_superuser=False)
    staff.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(staff)
    make_comment(article=article)
    comments = f"/admin/comments/comment/?article__id__exact={article.pk}"

    listed = _page(client, "/admin/articles/article/")
    change = _page(client, f"/admin/articles/article/{article.pk}/change/")

    assert article.title in listed
    assert 'name="title"' in change
    assert (comments.replace("&", "&amp;") in listed) is shown
    assert ("1 approved</a> · " in change) is shown
    if shown:
        assert client.get(comments).status_code == 200


def test_the_article_list_query_count_does_not_grow_with_articles(
    staff_client, django_assert_max_num_queries
):
    for _ in range(3):
        make_comment(article=make_article(), status="pending")
    with django_assert_max_num_queries(12) as few:
        staff_client.get("/admin/articles/article/")
    for _ in range(12):
        make_comment(article=make_article(), status="pending")

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert staff_client.get("/admin/articles/article/").status_code == 200


def test_changing_the_status_on_the_change_page_updates_the_public_page(
    staff_client, client, article
):
    comment = make_comment(article=article, status="pending", text="Approve me")
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    data = {
        "status": "approved", "name": comment.name, "email": comment.email,
        "website": "", "text": comment.text,
    }  # fmt: skip

    assert staff_client.post(url, data).status_code == 302

    assert "Approve me" in client.get(article.get_absolute_url()).content.decode()


def test_the_mail_link_asks_before_approving(staff_client, article):
    comment = make_comment(article=article, status="pending")
    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"])

    page = staff_client.get(url)
    assert Comment.objects.get(pk=comment.pk).status == "pending"
    assert "Approve this comment?" in page.content.decode()

    staff_client.post(url)
    assert Comment.objects.get(pk=comment.pk).status == "approved"


def test_a_mail_link_followed_again_says_it_is_done_instead_of_asking(staff_client, article):
    comment = make_comment(article=article, status="pending")
    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"])
    staff_client.post(url)

    again = staff_client.get(url, follow=True).content.decode()

    assert "This comment was already approved." in again
    assert "Approve this comment?" not in again


def test_moderation_links_need_a_staff_login(client, article):
    comment = make_comment(article=article, status="pending")
    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "approve"])

    response = client.post(url)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert Comment.objects.get(pk=comment.pk).status == "pending"


def test_an_unknown_moderation_action_changes_nothing(staff_client, article):
    comment = make_comment(article=article, status="pending")
    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "explode"])

    assert staff_client.post(url).status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == "pending"


def test_keywords_are_edited_in_the_admin(staff_client):
    response = staff_client.post(
        "/admin/comments/moderationkeyword/add/", {"phrase": "casino", "action": "spam"}
    )

    assert response.status_code == 302
    from comments.moderation import keywords

    assert ("casino", "spam") in keywords()


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (Comment.Status.APPROVED, True),
        (Comment.Status.PENDING, False),
        (Comment.Status.SPAM, False),
        (Comment.Status.TRASH, False),
    ],
)
def test_view_on_site_is_offered_only_for_what_readers_see(
    staff_client, client, article, status, shown
):
    comment = make_comment(article=article, status=status)

    page = staff_client.get(reverse("admin:comments_comment_change", args=[comment.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert (">View on site<" in html) is shown
    assert "History" in html  # the object tools are there either way
    if shown:
        followed = client.get(comment.get_absolute_url(), follow=True)
        assert f'id="comment-{comment.pk}"' in followed.content.decode()


def test_the_list_shows_the_newest_comments_first(staff_client, article):
    older = make_comment(article=article, text="Written first.")
    newer = make_comment(article=article, text="Written second.")

    html = staff_client.get(reverse("admin:comments_comment_changelist")).content.decode()

    assert html.index("Written second.") < html.index("Written first.")
    assert older.created_at < newer.created_at


def test_the_admin_home_tells_reply_notifications_from_followers(staff_client):
    response = staff_client.get(reverse("admin:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reply notification addresses" in html
    assert "Followers" in html
    assert ">Subscribers<" not in html


def test_each_row_moderates_in_one_click_and_comes_back_to_the_same_list(staff_client, article):
    held = make_comment(article=article, status=Comment.Status.PENDING, text="Held words.")
    listing = reverse("admin:comments_comment_changelist") + "?q=Held&status__exact=pending"
    page = staff_client.get(listing).content.decode()
    approve = reverse("admin:comments_comment_moderate", args=[held.pk, "approve"])
    assert f'formaction="{approve}?back=' in page
    assert ">Spam</button>" in page
    assert ">Trash</button>" in page

    response = staff_client.post(f"{approve}?{urlencode({'back': listing})}")

    assert response.status_code == 302
    assert response["Location"] == listing
    assert Comment.objects.get(pk=held.pk).status == Comment.Status.APPROVED
    assert "Held words." in Client().get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/admin/", "/admin/"])
def test_a_moderation_s_way_back_stays_on_the_comment_list(staff_client, article, back):
    held = make_comment(article=article, status=Comment.Status.PENDING)
    url = reverse("admin:comments_comment_moderate", args=[held.pk, "spam"])

    response = staff_client.post(f"{url}?{urlencode({'back': back})}")

    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("admin:comments_comment_changelist") + "?status__exact=pending"
    )


# ---- Deleting -----------------------------------------------------------------------------


def _delete(staff_client, comments):
    """Delete selected comments as a moderator does: the action, then "Yes, I'm sure"."""
    ids = [c.pk for c in comments]
    asked = staff_client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": ids})
    assert asked.status_code == 200
    done = staff_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        follow=True,
    )
    assert done.status_code == 200
    return asked.content.decode(), done.content.decode()


def test_deleting_a_comment_keeps_its_replies_under_a_removed_marker(staff_client, client, article):
    vera = make_comment(article=article, name="Vera", text="Cheap shot at Waingro.")
    reply = make_comment(article=article, parent=vera, name="Editor", text="Fair point.")
    deeper = make_comment(article=article, parent=reply, name="Neil", text="Agreed.")

    asked, done = _delete(staff_client, [vera])

    assert "<li>Comments: 1</li>" in asked
    assert "its replies stay" in asked
    assert "Fair point." not in asked  # the reply is not listed as going
    assert "their related items will be deleted" not in asked  # as Django's page said
    single = _page(staff_client, f"{CHANGELIST}{vera.pk}/delete/")
    assert "it is emptied instead and they stay" in single
    assert "related items will be deleted" not in single
    assert "1 comment had replies: they stay, under “This comment was removed.”" in done
    assert Comment.objects.filter(pk__in=[reply.pk, deeper.pk]).count() == 2
    emptied = Comment.objects.get(pk=vera.pk)
    assert (emptied.text, emptied.name, emptied.email, emptied.status) == (
        "",
        "Anonymous",
        "",
        "trash",
    )
    html = _page(client, article.get_absolute_url())
    assert "This comment was removed." in html
    assert "Fair point." in html
    assert "Agreed." in html
    assert "Cheap shot" not in html
    assert Article.objects.get(pk=article.pk).comment_count == 2


def test_deleting_a_comment_with_its_replies_deletes_them_all(staff_client, client, article):
    vera = make_comment(article=article, name="Vera", text="Cheap shot at Waingro.")
    reply = make_comment(article=article, parent=vera, text="Fair point.")
    other = make_comment(article=article, text="Stays.")

    _, done = _delete(staff_client, [vera, reply])

    assert "Successfully deleted 2 comments." in done
    assert list(Comment.objects.values_list("pk", flat=True)) == [other.pk]
    html = _page(client, article.get_absolute_url())
    assert "This comment was removed." not in html
    assert "Stays." in html


def test_a_selected_comment_between_two_kept_ones_keeps_the_chain(staff_client, article):
    # Deleting the top and the middle of a thread whose last reply stays: both are
    # emptied, or the cascade from the top would take the last reply with it.
    top = make_comment(article=article, text="Top.")
    middle = make_comment(article=article, parent=top, text="Middle.")
    last = make_comment(article=article, parent=middle, text="Last.")

    _delete(staff_client, [top, middle])

    assert Comment.objects.filter(pk=last.pk, text="Last.").exists()
    assert set(Comment.objects.filter(text="").values_list("pk", flat=True)) == {
        top.pk,
        middle.pk,
    }


def test_deleting_from_the_comments_own_page_keeps_its_replies(staff_client, article):
    vera = make_comment(article=article, text="Cheap shot.")
    reply = make_comment(article=article, parent=vera, text="Fair point.")

    response = staff_client.post(f"{CHANGELIST}{vera.pk}/delete/", {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert Comment.objects.filter(pk=reply.pk).exists()
    assert Comment.objects.get(pk=vera.pk).text == ""


def test_a_mail_link_to_a_comment_deleted_since_says_so(staff_client, article):
    comment = make_comment(article=article, status="pending")
    url = f"{CHANGELIST}{comment.pk}/moderate/approve/"
    comment.delete()

    response = staff_client.get(url, follow=True)

    assert response.status_code == 200
    assert "That comment is no longer here: another moderator may have deleted it." in (
        response.content.decode()
    )


def test_staff_reply_from_a_row_or_a_comments_page_on_the_articles_own_form(staff_client, article):
    approved = make_comment(article=article, name="Vera", text="The diner scene.")
    held = make_comment(article=article, name="Tom", status="pending")
    reply = f"{article.get_absolute_url()}?replytocom={approved.pk}#respond"

    listed = _page(staff_client, CHANGELIST)
    own_page = _page(staff_client, f"{CHANGELIST}{approved.pk}/change/")

    assert f'<a class="button" href="{reply}">Reply</a>' in listed
    assert f"replytocom={held.pk}" not in listed  # readers can't see it: nothing to answer
    assert f'<a href="{reply}">Reply on the site</a>' in own_page
    form = _page(staff_client, reply.removesuffix("#respond"))
    assert "Reply to Vera" in form
    assert "Commenting as" in form


def test_an_emptied_comment_stays_down_whatever_a_moderator_does_next(
    staff_client, client, article
):
    vera = make_comment(article=article, name="Vera", text="Cheap shot.")
    make_comment(article=article, parent=vera, text="Fair point.")
    _delete(staff_client, [vera])

    restored = _bulk(staff_client, "restore", [vera]).content.decode()
    assert "1 comment deleted and kept for replies stays deleted." in restored
    assert "its author deleted" not in restored
    _bulk(staff_client, "mark_approve", [vera])
    staff_client.post(f"{CHANGELIST}{vera.pk}/moderate/approve/")

    emptied = Comment.objects.get(pk=vera.pk)
    assert emptied.status == "trash"
    assert emptied.text == ""
    listed = _page(staff_client, f"{CHANGELIST}?status__exact=trash")
    assert "Deleted, kept for its replies" in listed
    html = _page(client, article.get_absolute_url())
    assert "1 comment" in html  # the reply alone
    assert "This comment was removed." in html
    assert "Anonymous" not in html


def test_a_comment_whose_only_reply_is_spam_is_deleted_with_it(staff_client, article):
    dave = make_comment(article=article, name="Dave", text="Solid take.")
    make_comment(article=article, parent=dave, status="spam", text="Buy now")

    _, done = _delete(staff_client, [dave])

    assert "Successfully deleted 1 comment." in done
    assert not Comment.objects.exists()


def _chain_of_replies(article, replies: int):
    """A comment "Top." and a chain of replies under it ("Reply 0." …), each to the last:
    the top and the last reply."""
    top = parent = make_comment(article=article, text="Top.")
    for n in range(replies):
        parent = make_comment(article=article, parent=parent, text=f"Reply {n}.")
    return top, parent


def test_a_chain_of_hundreds_of_replies_can_be_deleted_from_its_top(staff_client, article):
    # Django's own confirmation walked the cascade one level per reply: a 500.
    top, parent = _chain_of_replies(article, 600)

    asked = staff_client.get(f"{CHANGELIST}{top.pk}/delete/")
    assert asked.status_code == 200
    assert "its replies stay" in asked.content.decode()
    chain = Comment.objects.exclude(pk=parent.pk)  # all but the last reply, which stays
    _, done = _delete(staff_client, list(chain))

    assert "600 comments had replies" in done
    assert Comment.objects.filter(pk=parent.pk, text="Reply 599.").exists()
    _, done = _delete(staff_client, list(Comment.objects.all()))
    assert "Successfully deleted 601 comments." in done
    assert not Comment.objects.exists()


def test_a_comment_over_hundreds_of_trashed_replies_can_be_deleted(staff_client, article):
    top, _ = _chain_of_replies(article, 600)
    Comment.objects.exclude(pk=top.pk).update(status="trash")

    _, done = _delete(staff_client, [top])

    assert "Successfully deleted 1 comment." in done
    assert not Comment.objects.exists()  # the trashed chain went with it


def test_the_list_and_the_change_page_write_a_date_the_same_way(staff_client, article):
    written = timezone.make_aware(datetime(2026, 3, 5, 21, 7), timezone.get_default_timezone())
    comment = make_comment(article=article)
    Comment.objects.filter(pk=comment.pk).update(created_at=written)

    listed = _page(staff_client, CHANGELIST)
    changed = _page(staff_client, reverse("admin:comments_comment_change", args=[comment.pk]))

    assert "5 Mar 2026, 21:07" in listed
    assert '<div class="readonly">5 Mar 2026, 21:07</div>' in changed  # not "March 5, …p.m."


def test_staff_who_may_only_look_at_comments_get_no_moderation_that_cannot_work(client, article):
    viewer = make_staff(is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_comment"))
    client.force_login(viewer)
    comment = make_comment(article=article, text="Keep me approved")

    listed = _page(client, CHANGELIST)
    bulk = _bulk(client, "mark_spam", [comment])
    row = client.post(
        reverse("admin:comments_comment_moderate", args=[comment.pk, "trash"]), follow=True
    )

    assert "Keep me approved" in listed
    assert "Spam selected comments" not in listed
    assert "/moderate/" not in listed  # no row buttons
    assert "column-moderate_buttons" not in listed  # nor their empty column
    assert bulk.status_code == 200
    assert "may look at comments, not moderate them" in row.content.decode()
    stranger = make_staff(is_superuser=False)  # staff with no comment permissions at all
    client.force_login(stranger)
    url = reverse("admin:comments_comment_moderate", args=[comment.pk, "trash"])
    assert client.get(url).status_code == 403
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_the_deleted_filter_tells_an_authors_delete_from_a_moderators(staff_client, article):
    taken_back = make_comment(article=article, text="I take this back")
    Comment.objects.filter(pk=taken_back.pk).update(deleted_by_author=True, status="trash")
    answered = make_comment(article=article, text="Answered, then deleted")
    make_comment(article=article, parent=answered, text="The answer")
    _delete(staff_client, [answered])

    by_author = _page(staff_client, f"{CHANGELIST}?deleted=author")
    kept = _page(staff_client, f"{CHANGELIST}?deleted=kept")

    assert "By a moderator, kept for its replies" in by_author  # the filter's choices
    assert "I take this back" in by_author
    assert "Deleted, kept for its replies" not in by_author
    assert "Deleted, kept for its replies" in kept
    assert "I take this back" not in kept
