from django.contrib.auth.models import Permission

from articles.models import Article
from tests.factories import make_article, make_staff, make_user

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


def test_a_comment_moderator_cannot_use_the_preview_endpoint(client, db):
    moderator = make_staff(is_superuser=False)
    moderator.user_permissions.set(Permission.objects.filter(content_type__app_label="comments"))
    client.force_login(moderator)

    response = client.post("/admin/articles/article/markdownify/", {"content": "## Rendered?"})

    assert response.status_code == 403
    assert "Rendered?" not in response.content.decode()


def _cover_form(author, image, alt):
    from tests.articles.test_images import image_bytes, upload

    data = _form(author, status="published", cover_alt=alt)
    data["published_at_0"] = "2026-01-01"
    data["published_at_1"] = "10:00:00"
    data["cover_image"] = upload(image_bytes(**image), name="cover.jpg")
    return data


def test_a_cover_image_is_stored_cleaned_with_renditions_and_shown(staff_client, client):
    author = make_user()

    response = staff_client.post(
        ADD_URL, _cover_form(author, {"size": (2000, 1000)}, "Neil at the diner")
    )

    assert response.status_code == 302
    article = Article.objects.get(slug="thief-1981")
    assert (article.cover_width, article.cover_height) == (2000, 1000)
    assert [w for _, w in article.cover_sources["webp"]] == [480, 960, 1600]
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="Neil at the diner" width="2000" height="1000" fetchpriority="high"' in html
    assert '<meta property="og:image" content="http://127.0.0.1:8000/media/renditions/' in html


def test_a_cover_image_needs_a_description(staff_client):
    response = staff_client.post(ADD_URL, _cover_form(make_user(), {"size": (100, 50)}, ""))

    assert response.status_code == 200
    assert "Describe the cover image for readers who can" in response.content.decode()
    assert not Article.objects.exists()


def test_a_cover_that_is_not_an_image_gets_a_clear_message(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = _form(make_user(), cover_alt="x")
    data["cover_image"] = SimpleUploadedFile("cover.jpg", b"not an image", "image/jpeg")

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode()
    assert not Article.objects.exists()
