"""The article page's tags: JSON-LD for search engines, and search highlights."""

import json
import re

from articles.models import HIGHLIGHT_START, HIGHLIGHT_STOP
from articles.templatetags.articles import highlight
from tests.factories import make_comment


def _json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_json_ld_describes_the_blog_posting_with_its_approved_comments(client, heat):
    make_comment(article=heat, name="Eady", text="Lonely people, all of them.")
    make_comment(article=heat, name="Spammer", text="Buy now", status="spam")

    data = _json_ld(client.get(heat.get_absolute_url()).content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == heat.title
    assert data["author"] == {"@type": "Person", "name": "heatblog editors"}
    assert data["datePublished"] == heat.published_at.isoformat()
    assert data["commentCount"] == 1
    assert [c["author"]["name"] for c in data["comment"]] == ["Eady"]
    assert data["comment"][0]["text"] == "Lonely people, all of them."
    assert "Michael Mann" in data["keywords"]


def test_json_ld_cannot_be_broken_out_of_by_a_comment(client, heat):
    make_comment(article=heat, name="</script><script>alert(1)</script>", text="x")

    html = _page(client, heat.get_absolute_url())

    data = _json_ld(html)
    assert data["comment"][0]["author"]["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_json_ld_never_carries_an_email_address(client, heat):
    make_comment(article=heat, name="Private Reader", email="private@example.com")

    html = _page(client, heat.get_absolute_url())

    assert [c["author"]["name"] for c in _json_ld(html)["comment"]] == ["Private Reader"]
    assert "private@example.com" not in html


def test_a_search_snippet_is_escaped_and_only_its_matches_are_marked():
    snippet = f"a <b> & {HIGHLIGHT_START}match{HIGHLIGHT_STOP}"

    assert highlight(snippet) == "… a &lt;b&gt; &amp; <mark>match</mark>"


def test_a_snippet_cut_inside_a_sentence_starts_with_an_ellipsis():
    mark = f"{HIGHLIGHT_START}Waingro{HIGHLIGHT_STOP}"

    assert highlight(f"then {mark} walks in") == "… then <mark>Waingro</mark> walks in"
    assert highlight(f"{mark} walks in") == "<mark>Waingro</mark> walks in"
    assert highlight(f"{HIGHLIGHT_START}then{HIGHLIGHT_STOP} he") == "… <mark>then</mark> he"
    assert highlight("“Don’t,” he says") == "“Don’t,” he says"
    assert highlight("") == ""


def test_spoilers_stay_on_the_page_not_in_json_ld_or_the_comments_feed(client, heat):
    make_comment(article=heat, name="Nora", text="Brilliant ending: ||Waingro dies|| at last.")
    make_comment(article=heat, name="Tom", text="Neil never makes it.", has_spoilers=True)

    page = _page(client, heat.get_absolute_url())
    feed = _page(client, f"/articles/{heat.slug}/comments/feed/")

    texts = [c["text"] for c in _json_ld(page)["comment"]]
    assert texts == [
        "Brilliant ending: [spoiler, shown on the site] at last.",
        "[spoiler, shown on the site]",
    ]
    assert "Waingro dies" not in feed
    assert "Neil never makes it" not in feed
    assert "Brilliant ending:" in feed
    assert feed.count("[spoiler, shown on the site]") == 2
    # On the page itself the spoilers are there, folded.
    assert (
        '<details class="spoiler spoiler-inline"><summary>Spoiler</summary><span>Waingro dies<'
        in page
    )
    assert "Brilliant ending: [spoiler, shown on the site] at last." in feed  # in its sentence
    assert "Neil never makes it." in page


def test_the_feed_keeps_a_spoiler_comment_s_quoted_passage(client, heat):
    anchor = re.search(r'<p id="(p-[0-9a-f]{8})">', heat.body_html).group(1)
    make_comment(
        article=heat, text="Then ||the airport||.", quote="A passage.", quote_anchor=anchor
    )
    make_comment(
        article=heat, text="All of it.", has_spoilers=True, quote="Another.", quote_anchor=anchor
    )

    feed = _page(client, f"/articles/{heat.slug}/comments/feed/")

    assert "A passage." in feed
    assert "Another." in feed
    assert "the airport" not in feed
    assert "All of it." not in feed
    assert feed.count("[spoiler, shown on the site]") == 2
