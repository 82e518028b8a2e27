"""RSS and Atom feeds of the latest articles, and each article's comments feed."""

import defusedxml.ElementTree as ET

from articles.models import Article, Tag
from comments.models import Comment
from tests.factories import make_article, make_comment

ATOM = "{http://www.w3.org/2005/Atom}"


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


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

    description = _feed(client, "/feed/").findtext("./channel/item/description")

    assert description.startswith("There are crime thrillers")
    assert "The Story Behind Heat" not in description
    settings.FEEDS_FULL_CONTENT = True
    full = _feed(client, "/feed/").findtext("./channel/item/description")
    assert "The Story Behind Heat" in full


def test_the_atom_feed_parses(client, heat):
    root = _feed(client, "/feed/atom/")

    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == [heat.title]
    assert entries[0].find(f"{ATOM}updated") is not None


def test_atom_gives_the_summary_as_summary_and_the_article_as_content(client, heat, settings):
    entry = _feed(client, "/feed/atom/").find(f"{ATOM}entry")

    assert entry.findtext(f"{ATOM}summary").startswith("There are crime thrillers")
    assert "The Story Behind Heat" not in entry.findtext(f"{ATOM}summary")
    assert entry.find(f"{ATOM}content").get("type") == "html"
    assert "The Story Behind Heat" in entry.findtext(f"{ATOM}content")
    settings.FEEDS_FULL_CONTENT = False
    assert _feed(client, "/feed/atom/").find(f"{ATOM}entry/{ATOM}content") is None


def test_pages_announce_their_feeds(client, heat):
    html = client.get(heat.get_absolute_url()).content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="/articles/{heat.slug}/comments/feed/"' in html


def test_the_comments_feed_has_approved_comments_and_no_email(client, heat):
    make_comment(article=heat, name="Nate", text="Seen it ten times.", email="nate@example.com")
    held = make_comment(article=heat, name="Held", text="Pending words", status="pending")
    url = f"/articles/{heat.slug}/comments/feed/"

    response = client.get(url)

    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.findall("./channel/item")]
    assert response.status_code == 200
    assert titles == [f"Nate on “{heat.title}”"]
    assert "Seen it ten times." in response.content.decode()
    assert b"nate@example.com" not in response.content
    assert b"Pending words" not in response.content
    held.status = "approved"
    held.save()
    assert b"Pending words" in client.get(url).content


def test_a_control_character_typed_into_an_article_never_breaks_the_feeds(client, db):
    from articles.models import Tag
    from tests.factories import make_article

    article = make_article(title="Thief\x0c (1981)", body="Frank\x08 walks.\x00")
    article.tags.add(Tag.objects.create(name="Mann\x1b", slug="mann"))

    for url in ("/feed/", "/feed/atom/", "/sitemap.xml"):
        assert b"\x0c" not in client.get(url).content
        _feed(client, url)  # parses
    assert "Thief (1981)" in client.get(article.get_absolute_url()).content.decode()


def test_full_text_feeds_give_the_sites_own_links_by_full_address(client, db):
    from tests.factories import make_article

    article = make_article(body="See [the archive](/archive/) and [below](#later).\n\n## Later")
    page = f"http://127.0.0.1:8000{article.get_absolute_url()}"

    rss = _feed(client, "/feed/").findtext("./channel/item/description")
    atom = _feed(client, "/feed/atom/").find(f"{ATOM}entry/{ATOM}content").text

    for html in (rss, atom):
        assert 'href="http://127.0.0.1:8000/archive/"' in html
        assert f'href="{page}#later"' in html


def test_control_characters_pasted_past_the_forms_are_dropped_not_a_failed_feed(client, db):
    article = make_article(title="Heat\x01 (1995)\uffff", dek="Mann’s\x0b epic.\ufffe")
    article.tags.set([Tag.objects.create(name="Crime\x1f", slug="crime-control")])
    Article.objects.filter(pk=article.pk).update(title="Heat\x01 (1995)\uffff")
    comment = make_comment(article=article, name="Vin\x02cent", text="Two men,\x03 one table.")
    Comment.objects.filter(pk=comment.pk).update(name="Vin\x02cent")

    rss = _feed(client, "/feed/").find("./channel/item")
    atom = _feed(client, "/feed/atom/").find(f"{ATOM}entry")
    comments = _feed(client, f"/articles/{article.slug}/comments/feed/").find("./channel/item")

    assert rss.findtext("title") == "Heat (1995)"
    assert rss.findtext("category") == "Crime"
    assert atom.findtext(f"{ATOM}title") == "Heat (1995)"
    assert comments.findtext("title") == "Vincent on “Heat (1995)”"
    assert "Two men, one table." in comments.findtext("description")
