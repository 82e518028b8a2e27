"""What a reader sees of a discussion, and does with their own comments: editing,
spoilers, quoting passages, long threads and "new" marks."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.factories import make_article, make_comment
from tests.factories import post_comment as post


@pytest.fixture
def article(db):
    return make_article(
        title="Heat",
        body="He lives by one rule: walk out in thirty seconds flat.\n\n"
        "## The shootout\n\nNo music, just gunfire.\n\n## The ending\n\nThe airport at night.",
    )


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    settings.COMMENTS_FIRST_TIME_HELD = False


def page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


def comments_section_top(html):
    """The discussion's heading and what follows it: where #comments takes the reader."""
    return html[html.index('<section class="comments"') :][:800]


def comments_html(client, article, query=""):
    html = page(client, f"{article.get_absolute_url()}{query}")
    return html[html.index('<section class="comments"') :]


# ---- Editing and deleting one's own comment -------------------------------------------------


def test_the_author_sees_edit_and_delete_links_and_nobody_else_does(client, article):
    post(client, article)
    comment = Comment.objects.get()

    assert f'href="/comments/{comment.pk}/edit/">Edit</a>' in comments_html(client, article)
    assert "/edit/" not in comments_html(Client(), article)


def test_the_edit_and_delete_pages_say_until_when(client, article):
    post(client, article)
    comment = Comment.objects.get()
    until = timezone.localtime(comment.created_at + timedelta(minutes=15))

    editing = client.get(f"/comments/{comment.pk}/edit/")
    deleting = client.get(f"/comments/{comment.pk}/delete/")

    assert editing.status_code == deleting.status_code == 200
    # With the time zone: a reader elsewhere reads "14:55" in their own.
    assert f"You can change it until {until:%H:%M %Z}." in editing.content.decode()
    assert f"You can delete it until {until:%H:%M %Z}." in deleting.content.decode()


def test_editing_changes_the_words_and_says_when(client, article):
    post(client, article)
    comment = Comment.objects.get()

    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Better words."})

    assert response.status_code == 302
    html = comments_html(Client(), article)
    assert "Better words." in html
    assert '<span class="edited">edited <time' in html


def test_a_comment_shows_when_it_was_written_and_an_edit_on_a_later_day_its_date(client, article):
    written = timezone.make_aware(timezone.datetime(2026, 3, 5, 21, 7))
    with time_machine.travel(written, tick=False):
        same_day = make_comment(article=article, text="Fixed the same evening.")
        later = make_comment(article=article, text="Fixed the next day.")
    with time_machine.travel(written + timedelta(minutes=30), tick=False):
        same_day.text, same_day.edited_at = "Fixed the same evening!", timezone.now()
        same_day.save()
    with time_machine.travel(written + timedelta(days=1, hours=2), tick=False):
        later.text, later.edited_at = "Fixed the next day!", timezone.now()
        later.save()

    html = comments_html(Client(), article)

    assert ">5 Mar 2026, 21:07</time>" in html
    assert '<span class="edited">edited <time datetime="2026-03-05T21:37Z">21:37</time>' in html
    assert (
        '<span class="edited">edited <time datetime="2026-03-06T23:07Z">6 Mar 2026, 23:07' in html
    )


def test_cards_saved_before_times_were_shown_are_made_again_by_the_migration(article):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("comments.migrations.0009_cards_with_times")
    comment = make_comment(article=article, text="An old card.")
    Comment.objects.filter(pk=comment.pk).update(html="<p>Stale card</p>")

    migration.remake_cards(apps, None)

    card = Comment.objects.get(pk=comment.pk).html
    assert "Stale card" not in card
    assert f"{timezone.localtime(comment.created_at):%-d %b %Y, %H:%M}</time>" in card
    assert "An old card." in card


def test_an_edit_goes_back_through_the_moderation_rules(client, article):
    post(client, article)
    comment = Comment.objects.get()

    client.post(f"/comments/{comment.pk}/edit/", {"text": "See http://a.example and www.b.example"})

    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation_reason == "it contains 2 links"
    assert "a.example" not in comments_html(Client(), article)
    assert "Held for review: it contains 2 links" in comments_html(client, article)
    assert "a.example" in comments_html(client, article)  # its author still sees it


def test_editing_a_held_comment_changes_no_page_readers_share(client, article):
    from operations import pagecache

    post(client, article, text="See http://a.example and www.b.example")  # held: two links
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    before = (pagecache.generation(), Article.objects.get(pk=article.pk).discussion_updated_at)

    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Links at a.example only"})

    assert response.status_code == 302
    assert Comment.objects.get().text == "Links at a.example only"
    after = (pagecache.generation(), Article.objects.get(pk=article.pk).discussion_updated_at)
    assert after == before
    assert "Links at a.example only" in comments_html(client, article)  # its author sees it


@pytest.mark.parametrize("route", ["held by the rules", "sent back by a moderator"])
def test_a_moderator_approves_the_words_they_read_never_a_card_of_earlier_ones(
    client, article, settings, route
):
    from comments.admin import moderate

    settings.COMMENTS_FIRST_TIME_HELD = False
    post(client, article, text="Nice film.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    edit = f"/comments/{comment.pk}/edit/"
    if route == "held by the rules":
        client.post(edit, {"text": "BUY PILLS http://spam.example www.spam2.example"})
    else:
        moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.PENDING)
    assert Comment.objects.get().status == Comment.Status.PENDING
    settings.COMMENTS_FLOOD_SECONDS = 0
    client.post(edit, {"text": "Nice film, really."})  # still held: no page changes...

    moderate(Comment.objects.filter(pk=comment.pk), Comment.Status.APPROVED)  # ...till now

    html = comments_html(Client(), article)
    assert "Nice film, really." in html
    assert "spam.example" not in html
    assert "Nice film.<" not in html


def test_editing_closes_after_fifteen_minutes(client, article):
    post(client, article)
    comment = Comment.objects.get()
    assert f"/comments/{comment.pk}/edit/" in comments_html(client, article)

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Too late."})
        assert "/edit/" not in comments_html(client, article)

    assert response.status_code == 403
    assert "can be edited for 15 minutes" in response.content.decode()
    assert Comment.objects.get().text != "Too late."


def test_editing_closes_once_someone_replies(client, article):
    post(client, article)
    comment = Comment.objects.get()
    make_comment(article=article, parent=comment)

    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Changed under them."})

    assert response.status_code == 403
    assert "Someone has replied" in response.content.decode()
    assert f'href="/comments/{comment.pk}/delete/">Delete</a>' in comments_html(client, article)


def test_a_reply_still_held_neither_hides_edit_nor_refuses_it(client, article):
    post(client, article)
    comment = Comment.objects.get()
    make_comment(article=article, parent=comment, status=Comment.Status.PENDING)

    shown = comments_html(client, article)
    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Fixed a typo."})

    assert f'href="/comments/{comment.pk}/edit/"' in shown  # offered...
    assert response.status_code == 302  # ...and it works
    assert Comment.objects.get(pk=comment.pk).text == "Fixed a typo."


def test_nobody_else_can_edit_or_delete_a_comment(client, article):
    comment = make_comment(article=article)

    assert client.post(f"/comments/{comment.pk}/edit/", {"text": "Hijacked"}).status_code == 404
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    assert Comment.objects.get().status == Comment.Status.APPROVED


def test_an_edit_that_crosses_a_moderators_trash_does_not_bring_the_comment_back(client, article):
    from comments.forms import EditCommentForm
    from comments.moderation import Verdict

    post(client, article, text="First words")
    comment = Comment.objects.get()
    form = EditCommentForm(comment, {"text": "Second words"})  # loaded before the trash
    assert form.is_valid()
    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.TRASH)

    form.save(Verdict(Comment.Status.APPROVED, "a returning commenter"))

    assert Comment.objects.get().status == Comment.Status.TRASH
    assert Comment.objects.get().text == "First words"


def test_an_edit_keeps_a_moderators_approval_that_came_in_meanwhile(client, article, settings):
    from comments.forms import EditCommentForm
    from comments.moderation import Verdict

    settings.COMMENTS_FIRST_TIME_HELD = True
    post(client, article, text="First words")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    form = EditCommentForm(comment, {"text": "Second words"})  # loaded before the approval
    assert form.is_valid()
    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.APPROVED)

    form.save(Verdict(Comment.Status.PENDING, "a person reads the first comment"))

    edited = Comment.objects.get()
    assert edited.text == "Second words"
    assert edited.approved_by_moderator  # the moderator's decision, not the stale row's


def test_an_author_editing_a_comment_taken_down_meanwhile_is_told_and_keeps_the_words(
    client, article
):
    post(client, article, text="First words")
    comment = Comment.objects.get()
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PENDING)
    page = client.get(f"/comments/{comment.pk}/edit/")
    assert page.status_code == 200
    # A moderator takes it down between the author opening the form and sending it.
    from unittest import mock

    from comments.forms import EditCommentForm

    real_save = EditCommentForm.save

    def trashed_first(form, verdict):
        Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.TRASH)
        return real_save(form, verdict)

    with mock.patch.object(EditCommentForm, "save", trashed_first):
        response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Second words"})

    html = response.content.decode()
    assert response.status_code == 409
    assert "taken down while you were editing it" in html
    assert "Second words" in html
    assert Comment.objects.get().text == "First words"


def test_a_bad_edit_is_refused_next_to_the_field_with_the_words_kept(client, article):
    post(client, article)
    comment = Comment.objects.get()

    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "nul\x00"})

    assert response.status_code == 200
    assert 'id="id_text_error"' in response.content.decode()


def test_deleting_asks_then_takes_the_comment_down(client, article):
    post(client, article, text="Regrettable")
    comment = Comment.objects.get()

    assert "Delete your comment?" in page(client, f"/comments/{comment.pk}/delete/")
    assert "Regrettable" in comments_html(Client(), article)
    client.post(f"/comments/{comment.pk}/delete/")

    assert Comment.objects.get().status == Comment.Status.TRASH
    assert "Regrettable" not in comments_html(Client(), article)
    assert Comment.objects.get().deleted_by_author


def test_after_deleting_the_author_is_told_it_is_done(client, article):
    post(client, article, text="Regrettable")
    comment = Comment.objects.get()

    landing = client.post(f"/comments/{comment.pk}/delete/", follow=True)

    html = landing.content.decode()
    assert landing.status_code == 200
    assert "Your comment was deleted." in comments_section_top(html)  # where it lands
    assert "Regrettable" not in html


def test_a_deleted_comment_with_replies_leaves_its_thread_in_place(client, article):
    post(client, article, text="Regrettable")
    comment = Comment.objects.get()
    make_comment(article=article, parent=comment, text="A reply that stays")
    assert "Regrettable" in comments_html(Client(), article)

    client.post(f"/comments/{comment.pk}/delete/")

    html = comments_html(Client(), article)
    assert "This comment was removed." in html
    assert "A reply that stays" in html
    assert "Regrettable" not in html


def test_a_removed_comment_keeps_its_place_above_later_threads(client, article):
    post(client, article, text="Regrettable")
    first = Comment.objects.get()
    make_comment(article=article, text="A later thread")
    make_comment(article=article, parent=first, text="A late reply to the first")

    client.post(f"/comments/{first.pk}/delete/")

    html = comments_html(Client(), article)
    assert html.index("This comment was removed.") < html.index("A later thread")
    assert html.index("A late reply to the first") < html.index("A later thread")


# ---- Spoilers ------------------------------------------------------------------------------


def test_double_bars_fold_a_spoiler_inside_its_sentence(client, article):
    post(client, article, text="Great ending. ||Neil dies at the airport||. Go see it.")

    html = comments_html(Client(), article)
    assert (
        '<div class="para">Great ending. <details class="spoiler spoiler-inline"><summary>'
        "Spoiler</summary><span>Neil dies at the airport</span></details>. Go see it.</div>" in html
    )
    assert "readers see “Spoiler” until they open it." in html  # the form's help


def test_a_spoiler_on_its_own_or_of_several_paragraphs_is_a_block(client, article):
    post(client, article, text="Before.\n\n||Neil dies.||\n\n||Waingro too.\n\nAnd more.|| After.")

    html = comments_html(Client(), article)
    assert (
        "<p>Before.</p>\n"
        '<details class="spoiler"><summary>Spoiler</summary><p>Neil dies.</p></details>\n'
        '<details class="spoiler"><summary>Spoiler</summary><p>Waingro too.</p>\n'
        "<p>And more.</p></details>\n<p>After.</p>" in html
    )


def test_the_spoiler_box_folds_the_whole_comment(client, article):
    post(client, article, text="Everyone dies.", has_spoilers="on")

    html = comments_html(Client(), article)
    assert '<details class="spoiler"><summary>Spoiler</summary><p>Everyone dies.</p>' in html


def test_comments_with_spoilers_saved_before_inline_spoilers_are_made_again(article):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("comments.migrations.0012_inline_spoilers")
    comment = make_comment(article=article, text="The ending ||he dies||.")
    plain = make_comment(article=article, text="No spoiler here.")
    old = '<p>The ending</p><details class="spoiler"><summary>Spoiler</summary><p>he dies</p>'
    Comment.objects.filter(pk=comment.pk).update(text_html=old, html=f"<li>{old}</li>")
    Comment.objects.filter(pk=plain.pk).update(html="<li>Untouched</li>")
    before = Article.objects.get(pk=article.pk).discussion_updated_at

    migration.remake(apps, None)

    remade = Comment.objects.get(pk=comment.pk)
    inline = '<div class="para">The ending <details class="spoiler spoiler-inline">'
    assert remade.text_html.startswith(inline)
    assert inline in remade.html
    assert Comment.objects.get(pk=plain.pk).html == "<li>Untouched</li>"  # only those with ||
    assert Article.objects.get(pk=article.pk).discussion_updated_at > before  # no stale page


def test_staff_comments_signed_with_a_login_name_are_signed_with_the_site_s(article):
    import importlib

    from django.apps import apps

    from tests.factories import make_staff

    migration = importlib.import_module("comments.migrations.0013_staff_public_names")
    nameless = make_staff(username="secretlogin", first_name="", last_name="")
    named = make_staff(first_name="Michael", last_name="Mann")
    old = make_comment(article=article, user=nameless, text="Thanks.")
    Comment.objects.filter(pk=old.pk).update(name="secretlogin")
    Comment.objects.filter(pk=old.pk).refresh_cards()
    signed = make_comment(article=article, user=named, name="Michael Mann", text="Welcome.")
    assert "secretlogin" in Comment.objects.get(pk=old.pk).html

    migration.rename(apps, None)

    renamed = Comment.objects.get(pk=old.pk)
    assert renamed.name == "heatblog"
    assert "secretlogin" not in renamed.html
    assert Comment.objects.get(pk=signed.pk).name == "Michael Mann"
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "secretlogin" not in page
    assert "Thanks." in page


def test_a_spoiler_stays_plain_text(client, article):
    post(client, article, text="||<script>alert(1)</script>||")

    html = comments_html(Client(), article)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


# ---- Quoting a passage ---------------------------------------------------------------------


def _first_paragraph_id(article):
    return re.search(r'<p id="(p-[0-9a-f]{8})">', article.body_html).group(1)


def test_every_paragraph_offers_to_comment_on_it(client, article):
    anchor = _first_paragraph_id(article)

    html = page(client, article.get_absolute_url())

    assert f'href="?quote={anchor}#respond">Comment on this passage</a>' in html


def test_the_passage_link_opens_the_form_with_the_quote(client, article):
    anchor = _first_paragraph_id(article)

    html = page(client, f"{article.get_absolute_url()}?quote={anchor}")

    assert "Quoting <a href" in html
    assert f'name="quote_anchor" value="{anchor}"' in html
    assert "He lives by one rule: walk out in thirty seconds flat." in html


def test_a_comment_on_a_passage_shows_the_quote_linking_back(client, article):
    anchor = _first_paragraph_id(article)

    post(client, article, quote="walk out in thirty seconds", quote_anchor=anchor)

    html = comments_html(Client(), article)
    assert '<blockquote class="quote"><p>walk out in thirty seconds</p>' in html
    assert f'<a href="#{anchor}" rel="nofollow ugc noopener">The passage in the article</a>' in html


def test_a_long_paragraphs_link_quotes_its_beginning_cut_after_a_word(client, db):
    words = " ".join(f"sentence{n:03d} of a long paragraph." for n in range(60))  # 1,979
    article = make_article(title="Long", body=words)
    anchor = _first_paragraph_id(article)

    html = page(client, f"{article.get_absolute_url()}?quote={anchor}")
    quote = unescape(re.search(r'name="quote" value="([^"]*)"', html).group(1))
    post(client, article, quote=quote, quote_anchor=anchor)

    assert len(quote) <= 1000
    assert quote.endswith("…")
    assert words.startswith(quote.removesuffix("…"))
    assert words[len(quote) - 1] == " "  # the cut falls between two words
    assert Comment.objects.get().quote == quote
    shown = comments_html(Client(), article)
    assert f'<blockquote class="quote"><p>{quote}</p>' in shown


@pytest.mark.parametrize(
    ("quote", "anchor"),
    [("words that are not there", "first"), ("walk out", "p-00000000"), ("walk out", "<x>"),
     ("", "first"), ("…", "first"), (".", "first"), ("’ …", "first")],
)  # fmt: skip
def test_a_quote_that_is_not_in_the_article_is_refused(client, article, quote, anchor):
    anchor = _first_paragraph_id(article) if anchor == "first" else anchor

    response = post(client, article, quote=quote, quote_anchor=anchor)

    assert "The quoted passage is not in this article" in response.content.decode()
    assert Comment.objects.count() == 0


def test_each_section_heading_counts_the_comments_quoting_it(client, article):
    anchors = re.findall(r'<p id="(p-[0-9a-f]{8})">', article.body_html)
    shootout_paragraph = anchors[1]
    quoting = [
        make_comment(
            article=article, quote="No music", quote_anchor=shootout_paragraph, text=f"Quote {n}"
        )
        for n in range(2)
    ]

    html = page(Client(), article.get_absolute_url())

    # The count leads to the first comment that quotes the section.
    assert (
        '<h2 id="the-shootout">The shootout</h2><p class="section-quotes">'
        f'<a href="#comment-{quoting[0].pk}">2 comments quote this section</a></p>' in html
    )
    assert f'<li id="comment-{quoting[0].pk}"' in html
    assert '<h2 id="the-ending">The ending</h2><p class="section-quotes">' not in html
    assert '<h2 id="the-ending">The ending</h2>' in html


def test_each_paragraph_ends_with_its_own_comment_on_this_passage_link(db):
    article = make_article(
        title="Paragraphs",
        body="One, with *emphasis* and a [link](https://example.com/).\n\n"
        "## A heading\n\nTwo.\n\n> Quoted, not a passage.\n\n- a list item\n\nThree.",
    )

    html = page(Client(), article.get_absolute_url())

    anchors = re.findall(r'<p id="(p-[0-9a-f]{8})">', article.body_html)
    assert len(anchors) == 3
    link = ' <a class="quote-link" href="?quote={}#respond">Comment on this passage</a></p>'
    for anchor, words in zip(anchors, ("</a>.", "Two.", "Three."), strict=True):
        assert re.search(f'<p id="{anchor}">[^\n]*?{re.escape(words + link.format(anchor))}', html)
    assert html.count('class="quote-link"') == 3


def test_an_approved_comment_whose_card_was_never_made_still_shows_in_full(article):
    first = make_comment(article=article, name="Vincent", text="A card made on approval.")
    bare = make_comment(
        article=article, name="Neil", text="No card: changed by a bare UPDATE.", parent=first
    )
    Comment.objects.filter(pk=bare.pk).update(html="")

    html = page(Client(), article.get_absolute_url())

    assert f'<li id="comment-{first.pk}"' in html
    assert "A card made on approval." in html
    assert f'<li id="comment-{bare.pk}"' in html
    assert "No card: changed by a bare UPDATE." in html
    assert f'href="?replytocom={bare.pk}#respond" aria-label="Reply to Neil"' in html
    assert Comment.objects.get(pk=bare.pk).html == ""  # reading a page writes nothing


def test_a_comment_deleted_while_its_missing_card_is_made_shows_as_removed(article, settings):
    settings.COMMENTS_MAX_DEPTH = 2
    top = make_comment(article=article, name="Vincent", text="Top.")
    middle = make_comment(article=article, name="Neil", text="Middle.", parent=top)
    bottom = make_comment(article=article, name="Chris", text="Deepest reply.", parent=middle)
    reply = make_comment(article=article, name="Eady", text="A reply to it.", parent=bottom)
    Comment.objects.filter(pk=bottom.pk).update(html="")
    deleted = []

    def delete_before_the_card_is_made(execute, sql, params, many, context):
        if not deleted and '"comments_comment"."id" IN (' in sql:
            deleted.append(bottom.pk)  # by an editor, in another request
            Comment.objects.filter(pk=bottom.pk).delete()
        return execute(sql, params, many, context)

    client = Client()
    with connection.execute_wrapper(delete_before_the_card_is_made):
        html = page(client, article.get_absolute_url())

    assert deleted == [bottom.pk]
    assert "Deepest reply." not in html
    assert f'<li id="comment-{bottom.pk}"' in html
    assert '<p class="removed">This comment was removed.</p>' in html
    assert "A reply to it." in html
    assert f'<li id="comment-{reply.pk}"' in html


# ---- Long threads --------------------------------------------------------------------------


@pytest.fixture
def long_thread(article, settings):
    settings.COMMENTS_PER_PAGE = 5
    start = timezone.now() - timedelta(days=1)
    return [
        make_comment(
            article=article,
            text=f"Comment number {n:02d}.",
            created_at=start + timedelta(minutes=n),
        )
        for n in range(12)
    ]


def test_top_level_comments_come_in_pages(client, article, long_thread):
    first = comments_html(client, article)
    third = comments_html(client, article, "?cpage=3")

    assert "Comment number 00." in first
    assert "Comment number 05." not in first
    assert "Page 1 of 3" in first
    assert 'href="?cpage=2#comments" rel="next"' in first
    assert "Comment number 10." in third
    assert "Comment number 11." in third
    assert "Comment number 05." in comments_html(client, article, "?cpage=2")


def test_replies_stay_with_their_comment_on_its_page(client, article, long_thread):
    make_comment(article=article, parent=long_thread[0], text="A late reply to the first.")

    assert "A late reply to the first." in comments_html(client, article)


def test_a_permalink_finds_the_page_its_comment_is_on(client, article, long_thread):
    comment = long_thread[7]

    response = client.get(comment.get_absolute_url())

    assert response["Location"] == f"{article.get_absolute_url()}?cpage=2#comment-{comment.pk}"


def test_a_reply_link_from_a_later_page_shows_the_comment_it_answers(client, article, long_thread):
    parent = long_thread[7]  # on page 2 of 3

    html = comments_html(client, article, f"?replytocom={parent.pk}")

    assert "Page 2 of 3" in html
    assert f'<li id="comment-{parent.pk}"' in html
    assert f'Replying to <a href="#comment-{parent.pk}">' in html
    # A page the reader chose stays theirs.
    assert "Page 3 of 3" in comments_html(client, article, f"?replytocom={parent.pk}&cpage=3")


def test_a_reply_link_counts_the_readers_own_held_comment_on_the_page(client, article, long_thread):
    post(client, article, text="Mine: see http://a.example and http://b.example")  # held
    parent = long_thread[7]  # newest first: page 1 without the held comment, 2 with it

    html = comments_html(client, article, f"?corder=newest&replytocom={parent.pk}")

    assert "Your comment is awaiting moderation." not in html  # that is on page 1
    assert f'<li id="comment-{parent.pk}"' in html
    assert f'Replying to <a href="#comment-{parent.pk}">' in html


def test_a_refused_reply_comes_back_on_the_page_of_the_comment_it_answers(
    client, article, long_thread
):
    parent = long_thread[7]

    response = post(client, article, parent=str(parent.pk), text="")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Please write a comment." in html
    assert "Page 2 of 3" in html
    assert f'<li id="comment-{parent.pk}"' in html
    assert f'Replying to <a href="#comment-{parent.pk}">' in html


def test_readers_choose_newest_first_and_the_choice_is_remembered(client, article, long_thread):
    newest = comments_html(client, article, "?corder=newest")
    again = comments_html(client, article)

    assert newest.index("Comment number 11.") < newest.index("Comment number 10.")
    assert "Comment number 00." not in newest
    assert "<b>newest first</b>" in again
    assert "Comment number 00." in comments_html(client, article, "?corder=newest&cpage=3")


def test_a_bad_page_number_shows_a_real_page(client, article, long_thread):
    assert "Page 3 of 3" in comments_html(client, article, "?cpage=99")
    assert "Page 1 of 3" in comments_html(client, article, "?cpage=x")


def test_a_held_comments_permalink_takes_a_moderator_to_the_admin_and_others_nowhere(
    staff_client, article
):
    held = make_comment(article=article, status="pending", text="Waiting for a person")

    moderator = staff_client.get(held.get_absolute_url())
    stranger = Client().get(held.get_absolute_url())

    assert moderator.status_code == 302
    assert moderator["Location"] == f"/admin/comments/comment/{held.pk}/change/"
    assert "Waiting for a person" in page(staff_client, moderator["Location"])
    assert stranger.status_code == 404


def test_a_quoted_sections_count_leads_to_the_page_its_first_quote_is_on(client, article, settings):
    settings.COMMENTS_PER_PAGE = 1
    anchor = re.findall(r'<p id="(p-[0-9a-f]{8})">', article.body_html)[1]
    first = make_comment(article=article, quote="No music", quote_anchor=anchor, text="Mine")
    make_comment(article=article, text="Later, on page 2")

    html = page(Client(), f"{article.get_absolute_url()}?cpage=2")
    link = re.search(r'<a href="([^"]+)">1 comment quotes this section</a>', html).group(1)
    followed = Client().get(link, follow=True)

    assert followed.redirect_chain[-1][0].endswith(f"#comment-{first.pk}")
    assert f'<li id="comment-{first.pk}"' in followed.content.decode()
