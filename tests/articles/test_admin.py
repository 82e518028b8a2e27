from articles.models import Article
from tests.factories import make_article, make_user

ADD_URL = "/admin/articles/article/add/"


def _form(author, **overrides):
    data = {
        "title": "Thief (1981)",
        "slug": "thief-1981",
        "dek": "",
        "body": "## Opening\n\nMann's first feature.",
        "cover_alt": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "author": author.pk,
        "allow_comments": "on",
    }
    data.update(overrides)
    return data


def test_staff_adds_a_draft_article_through_the_admin(staff_client):
    author = make_user()

    response = staff_client.post(ADD_URL, _form(author))

    assert response.status_code == 302
    article = Article.objects.get(slug="thief-1981")
    assert article.status == Article.Status.DRAFT
    assert '<h2 id="opening">Opening</h2>' in article.body_html


def test_staff_edits_an_article_and_the_page_shows_the_new_text(staff_client, client):
    article = make_article(body="Old words.")
    url = f"/admin/articles/article/{article.pk}/change/"
    data = _form(
        article.author,
        title=article.title,
        slug=article.slug,
        body="New words, freshly edited.",
        status="published",
        published_at_0=article.published_at.strftime("%Y-%m-%d"),
        published_at_1=article.published_at.strftime("%H:%M:%S"),
    )

    assert staff_client.post(url, data).status_code == 302

    assert "New words, freshly edited." in client.get(article.get_absolute_url()).content.decode()


def test_article_list_in_admin_shows_scheduled_status(staff_client):
    from datetime import timedelta

    from django.utils import timezone

    make_article(title="Coming soon", published_at=timezone.now() + timedelta(days=2))

    html = staff_client.get("/admin/articles/article/").content.decode()

    assert "Coming soon" in html
    assert "Scheduled for" in html


def test_the_editor_form_uses_the_markdownx_widget_with_staff_only_endpoints(staff_client):
    html = staff_client.get(ADD_URL).content.decode()

    assert "markdownx-editor" in html
    assert 'data-markdownx-urls-path="/admin/articles/article/markdownify/"' in html


def test_non_staff_are_sent_to_the_login_page(client, db):
    client.force_login(make_user())

    response = client.get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_visitors_cannot_use_the_preview_endpoint(client, db):
    response = client.post("/admin/articles/article/markdownify/", {"content": "# hi"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_preview_endpoint_renders_like_the_public_page_and_strips_scripts(staff_client):
    response = staff_client.post(
        "/admin/articles/article/markdownify/",
        {"content": "## Heading\n\n<img src=x onerror=alert(1)>"},
    )

    html = response.content.decode()
    assert '<h2 id="heading">Heading</h2>' in html
    assert "onerror" not in html
