"""Tags, archive, search, feeds, sitemap and the meta data search engines read."""

import json
import re
from datetime import datetime, timedelta

import defusedxml.ElementTree as ET
import pytest
from django.utils import timezone

from articles.models import Tag
from comments.models import Comment
from tests.factories import make_article, make_comment

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def crime(db):
    return Tag.objects.create(name="Crime", slug="crime")


def test_a_tag_page_lists_its_published_articles(client, crime):
    tagged = make_article(title="Thief")
    tagged.tags.add(crime)
    make_article(title="Untagged")
    draft = make_article(title="Draft thriller", status="draft", published_at=None)
    draft.tags.add(crime)

    html = client.get("/tags/crime/").content.decode()

    assert "Tagged “Crime”" in html
    assert "Thief" in html
    assert "Untagged" not in html
    assert "Draft thriller" not in html


def test_an_unknown_tag_is_404(client, db):
    assert client.get("/tags/nope/").status_code == 404


def test_the_tag_index_counts_published_articles(client, crime):
    for _ in range(2):
        make_article().tags.add(crime)

    html = client.get("/tags/").content.decode()

    assert 'href="/tags/crime/">Crime</a> <span class="count">2</span>' in html


def test_the_article_shows_its_tags_as_links(client, heat):
    html = client.get(heat.get_absolute_url()).content.decode()

    assert '<a href="/tags/michael-mann/" rel="tag">Michael Mann</a>' in html


def test_the_archive_lists_years_and_each_year_its_articles(client, db):
    make_article(title="Collateral", published_at=timezone.make_aware(datetime(2004, 8, 6)))
    make_article(title="Heat", published_at=timezone.make_aware(datetime(1995, 12, 15)))

    archive = client.get("/archive/").content.decode()
    year = client.get("/archive/1995/").content.decode()

    assert archive.index("2004") < archive.index("1995")
    assert "Heat" in year
    assert "Collateral" not in year
    assert client.get("/archive/1996/").status_code == 404


# ---- Search ----------------------------------------------------------------------------


def test_search_finds_pacino_in_the_heat_article_with_the_word_highlighted(client, heat):
    html = client.get("/search/?q=Pacino").content.decode()

    assert "1 result for “Pacino”" in html
    assert heat.title in html
    assert "<mark>Pacino</mark>" in html


def test_a_title_match_ranks_above_a_body_match(client, db):
    make_article(title="Notes on cinema", body="Pacino appears once here, in passing.")
    make_article(title="Pacino at eighty", body="A career of shouting and whispering.")

    html = client.get("/search/?q=pacino").content.decode()

    assert html.index("Pacino at eighty") < html.index("Notes on cinema")


def test_search_stems_english_words(client, heat):
    assert "1 result" in client.get("/search/?q=shootouts").content.decode()


def test_search_supports_quoted_phrases_and_exclusions(client, db):
    make_article(title="A", body="the coffee shop scene")
    make_article(title="B", body="coffee, then a shop")

    phrase = client.get('/search/?q="coffee shop"').content.decode()
    excluded = client.get("/search/?q=coffee -scene").content.decode()

    assert "1 result" in phrase
    assert "1 result" in excluded


@pytest.mark.parametrize(
    "query",
    ["", "   ", '"', "'", "\\", "!!!", "(((", "a & | ! :*", "<script>", "%00", "x" * 5000,
     "drop table articles;--", "ünïcödé 漢字", "\x00"],
)  # fmt: skip
def test_odd_queries_answer_calmly(client, heat, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>", 1)[1]


def test_search_never_finds_drafts_or_scheduled_articles(client, db):
    make_article(title="Secret draft about Pacino", status="draft", published_at=None)
    make_article(title="Future Pacino piece", published_at=timezone.now() + timedelta(days=1))

    assert "Nothing found" in client.get("/search/?q=pacino").content.decode()


def test_search_results_are_paginated_and_keep_the_query(client, db):
    for n in range(12):
        make_article(title=f"Mann essay {n}")

    first = client.get("/search/?q=mann").content.decode()
    second = client.get("/search/?q=mann&page=2").content.decode()

    assert "12 results" in first
    assert 'href="?q=mann&amp;page=2"' in first
    assert second.count('class="teaser"') == 2


def test_the_search_index_follows_edits(client, heat):
    heat.title = "Heat, with Waingro"
    heat.save()

    assert "1 result" in client.get("/search/?q=waingro").content.decode()


# ---- Feeds, sitemap, robots -------------------------------------------------------------


def test_the_rss_feed_parses_and_carries_full_articles(client, heat):
    response = client.get("/feed/")

    root = ET.fromstring(response.content)
    items = root.findall("./channel/item")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert [i.findtext("title") for i in items] == [heat.title]
    assert "The Story Behind Heat" in items[0].findtext("description")
    assert items[0].findtext("link").endswith(heat.get_absolute_url())


def test_feeds_carry_summaries_when_the_setting_says_so(client, heat, settings):
    settings.FEEDS_FULL_CONTENT = False

    description = ET.fromstring(client.get("/feed/").content).findtext("./channel/item/description")

    assert description.startswith("There are crime thrillers")
    assert "The Story Behind Heat" not in description


def test_the_atom_feed_parses(client, heat):
    root = ET.fromstring(client.get("/feed/atom/").content)

    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [heat.title]
    assert entries[0].find(f"{ATOM}updated") is not None


def test_pages_announce_their_feeds(client, heat):
    html = client.get(heat.get_absolute_url()).content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="/articles/{heat.slug}/comments/feed/"' in html


def test_the_comments_feed_has_approved_comments_and_no_email(client, heat):
    make_comment(article=heat, name="Nate", text="Seen it ten times.", email="nate@example.com")
    make_comment(article=heat, name="Held", text="Pending words", status="pending")

    response = client.get(f"/articles/{heat.slug}/comments/feed/")

    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.findall("./channel/item")]
    assert titles == [f"Nate on “{heat.title}”"]
    assert b"nate@example.com" not in response.content
    assert b"Pending words" not in response.content


def test_the_sitemap_lists_published_articles_and_tags(client, heat):
    make_article(title="Draft", slug="the-draft", status="draft", published_at=None)

    root = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]

    assert any(loc.endswith(heat.get_absolute_url()) for loc in locations)
    assert any(loc.endswith("/tags/michael-mann/") for loc in locations)
    assert not any("the-draft" in loc for loc in locations)


def test_robots_txt_points_at_the_sitemap_and_keeps_out_of_the_admin(client, db):
    body = client.get("/robots.txt").content.decode()

    assert "Disallow: /admin/" in body
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in body


# ---- Meta data on the article page ------------------------------------------------------


def _json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_the_article_has_a_canonical_url_and_open_graph_tags(client, heat):
    html = client.get(heat.get_absolute_url() + "?utm_source=x").content.decode()
    url = f"http://127.0.0.1:8000{heat.get_absolute_url()}"

    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:title" content="{heat.title}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta name="twitter:card" content="summary">' in html


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

    html = client.get(heat.get_absolute_url()).content.decode()

    data = _json_ld(html)
    assert data["comment"][0]["author"]["name"] == "</script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_json_ld_never_carries_an_email_address(client, heat):
    make_comment(article=heat, email="private@example.com")

    assert "private@example.com" not in client.get(heat.get_absolute_url()).content.decode()


def test_pages_send_a_nonce_based_csp_and_privacy_headers(client, heat):
    response = client.get(heat.get_absolute_url())

    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "unsafe-inline" not in csp
    assert "default-src 'self'" in csp
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_page_refers_to_another_host(client, heat):
    make_comment(article=heat, website="https://commenter.example")
    html = client.get(heat.get_absolute_url()).content.decode()

    sources = re.findall(r'(?:src|srcset)="([^"]+)"', html)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert all(s.startswith("/") and not s.startswith("//") for s in sources + stylesheets)


# ---- The sweep: nothing unpublished leaks anywhere ---------------------------------------


PUBLIC_URLS = [
    "/", "/archive/", "/archive/{year}/", "/tags/", "/tags/leak/", "/search/?q=leaked",
    "/feed/", "/feed/atom/", "/sitemap.xml", "{article}", "/articles/{slug}/comments/feed/",
]  # fmt: skip


def test_no_draft_scheduled_article_or_unapproved_comment_appears_on_any_public_url(client, db):
    tag = Tag.objects.create(name="Leak", slug="leak")
    public = make_article(title="Public leaked essay", body="leaked words")
    public.tags.add(tag)
    draft = make_article(title="DRAFTLEAK leaked", status="draft", published_at=None)
    later = make_article(title="SCHEDULEDLEAK leaked", published_at=timezone.now() + timedelta(1))
    for article in (draft, later):
        article.tags.add(tag)
    for status in (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.TRASH):
        make_comment(article=public, text=f"COMMENTLEAK {status}", status=status)

    for pattern in PUBLIC_URLS:
        url = pattern.format(
            year=public.published_at.year, article=public.get_absolute_url(), slug=public.slug
        )
        body = client.get(url).content.decode()
        for secret in ("DRAFTLEAK", "SCHEDULEDLEAK", "COMMENTLEAK"):
            assert secret not in body, f"{secret} leaked on {url}"
