"""How comments nest on the page."""

import re

from comments.models import Comment
from tests.factories import make_comment


def _page(client, url):
    """The text of a page that answered 200."""
    response = client.get(url)
    assert response.status_code == 200, f"{response.status_code} for {url}"
    return response.content.decode()


def _depths(html):
    """The nesting depth at which each comment appears, in page order."""
    depth, found = 0, []
    for token in re.finditer(
        r'<ol class="(?:comment-list|children)">|</ol>|id="comment-(\d+)"', html
    ):
        text = token.group(0)
        if text.startswith("<ol"):
            depth += 1
        elif text == "</ol>":
            depth -= 1
        else:
            found.append((int(token.group(1)), depth))
    return found


def test_replies_nest_five_levels_deep_then_stay_at_the_last_level(client, article):
    chain = [make_comment(article=article, name="Level 1")]
    for level in range(2, 8):
        chain.append(make_comment(article=article, parent=chain[-1], name=f"Level {level}"))

    html = client.get(article.get_absolute_url()).content.decode()

    assert [depth for _, depth in _depths(html)] == [1, 2, 3, 4, 5, 5, 5]
    assert "in reply to Level 5" in html
    assert "in reply to Level 6" in html


def test_the_depth_limit_is_a_setting(client, article, settings):
    settings.COMMENTS_MAX_DEPTH = 2
    top = make_comment(article=article)
    reply = make_comment(article=article, parent=top)
    make_comment(article=article, parent=reply)

    html = client.get(article.get_absolute_url()).content.decode()

    assert [depth for _, depth in _depths(html)] == [1, 2, 2]


def test_threads_read_oldest_first_with_replies_under_their_comment(client, article):
    first = make_comment(article=article, text="First")
    second = make_comment(article=article, text="Second")
    reply = make_comment(article=article, parent=first, text="Reply to first")

    html = client.get(article.get_absolute_url()).content.decode()

    assert [pk for pk, _ in _depths(html)] == [first.pk, reply.pk, second.pk]


def test_a_removed_comment_with_replies_leaves_a_placeholder_that_keeps_the_thread(client, article):
    parent = make_comment(article=article, text="Gone soon")
    make_comment(article=article, parent=parent, text="Still here")
    assert "Gone soon" in _page(client, article.get_absolute_url())
    Comment.objects.filter(pk=parent.pk).set_status(Comment.Status.TRASH)

    html = _page(client, article.get_absolute_url())

    assert "Gone soon" not in html
    assert "This comment was removed." in html
    assert "Still here" in html
    assert [depth for _, depth in _depths(html)] == [1, 2]


def test_a_removed_comment_without_replies_disappears(client, article):
    gone = make_comment(article=article, text="Gone")
    assert "<p>Gone</p>" in _page(client, article.get_absolute_url())
    Comment.objects.filter(pk=gone.pk).set_status(Comment.Status.SPAM)

    html = _page(client, article.get_absolute_url())

    assert "This comment was removed." not in html
    assert "No comments yet" in html


def test_a_commenters_website_links_their_name_with_nofollow(client, article):
    make_comment(article=article, name="Eady", website="https://eady.example")

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<a href="https://eady.example" rel="nofollow ugc noopener">Eady</a>' in html


def test_each_comment_has_a_permalink_with_its_date(client, article):
    comment = make_comment(article=article)

    html = client.get(article.get_absolute_url()).content.decode()

    assert f'id="comment-{comment.pk}"' in html
    assert f'<a href="#comment-{comment.pk}"><time datetime=' in html
