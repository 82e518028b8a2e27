"""The sitemap, and the robots.txt that points search engines at it."""

import defusedxml.ElementTree as ET

from articles.models import Article
from tests.factories import make_article

LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


def _locations(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return [loc.text for loc in ET.fromstring(response.content).iter(LOC)]


def test_the_sitemap_lists_published_articles_and_tags(client, heat):
    draft = make_article(title="Draft", slug="the-draft", status="draft", published_at=None)

    locations = _locations(client)

    assert any(loc.endswith(heat.get_absolute_url()) for loc in locations)
    assert any(loc.endswith("/tags/michael-mann/") for loc in locations)
    assert not any("the-draft" in loc for loc in locations)
    draft.status = Article.Status.PUBLISHED
    draft.save()
    assert any(loc.endswith("/articles/the-draft/") for loc in _locations(client))


def test_robots_txt_points_at_the_sitemap_and_keeps_out_of_the_admin(client, db):
    body = client.get("/robots.txt").content.decode()

    assert "Disallow: /admin/" in body
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in body
