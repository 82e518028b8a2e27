"""The editor's desk in the admin: writing, publishing, history, preview, images."""

import io
import json
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from reversion.models import Version

from articles.models import Article, Tag
from tests.articles.test_images import image_bytes, upload
from tests.factories import make_article, make_comment, make_staff, make_user

ADD_URL = "/admin/articles/article/add/"
CHANGELIST = "/admin/articles/article/"
PREVIEW = "/admin/articles/article/markdownify/"
UPLOAD = "/admin/articles/article/upload/"


def _signed_author():
    """An author with a name (one without gets a warning on every save)."""
    return make_user(first_name="Ann", last_name="Biderman")


def _form(author, **overrides):
    """A valid "Add article" submission: a draft, by this author."""
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
        # The "Email to followers" inline (followers/admin.py), as the page sends it.
        "mailing-TOTAL_FORMS": "1",
        "mailing-INITIAL_FORMS": "0",
        "mailing-MIN_NUM_FORMS": "1",
        "mailing-MAX_NUM_FORMS": "1",
        "mailing-0-send_to_followers": "on",
    }
    data.update(overrides)
    return data


def _change_form(article, **changes):
    """The article's change form as the editor finds it, with these changes."""
    data = _form(
        article.author,
        title=article.title,
        slug=article.slug,
        dek=article.dek,
        body=article.body,
        status=article.status,
        published_at_0=article.published_at.strftime("%Y-%m-%d"),
        published_at_1=article.published_at.strftime("%H:%M:%S"),
    )
    # The article's mailing is an existing inline row now (followers/admin.py).
    data.update({"mailing-INITIAL_FORMS": "1", "mailing-0-id": str(article.mailing.pk),
                 "mailing-0-article": str(article.pk)})  # fmt: skip
    data.update(changes)
    return data


def _save_through_admin(staff_client, article, url=None, **changes):
    url = url or reverse("admin:articles_article_change", args=[article.pk])
    response = staff_client.post(url, _change_form(article, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]


def _staff_allowed_to(client, app_label, codename=None):
    """Log in a staff member (not a superuser) with an app's permissions, or just one."""
    user = make_staff(is_superuser=False)
    permissions = Permission.objects.filter(content_type__app_label=app_label)
    if codename:
        permissions = permissions.filter(codename=codename)
    user.user_permissions.set(permissions)
    client.force_login(user)
    return client


# ---- Writing ------------------------------------------------------------------------------


def _opened_on(client, article) -> str:
    """What the article's change page carries of the version it was opened on."""
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert page.status_code == 200
    return str(page.context["adminform"].form["opened_on"].value())


@pytest.mark.parametrize("history", [True, False], ids=["saved-here-before", "loaded-no-history"])
def test_a_save_over_another_editors_later_save_is_stopped_once(client, db, history):
    ann, ben = Client(), Client()
    ann.force_login(make_staff(username="ann", first_name="Ann", last_name="Biderman"))
    ben.force_login(make_staff(username="ben"))
    article = make_article(title="Heat", body="First words.", author=_signed_author())
    if history:  # else as `make run` loads the Heat essay: no version in History yet
        _save_through_admin(ann, article)
    url = reverse("admin:articles_article_change", args=[article.pk])
    anns_tab, bens_tab = _opened_on(ann, article), _opened_on(ben, article)

    assert (
        ann.post(url, _change_form(article, title="Heat (1995)", opened_on=anns_tab)).status_code
        == 302
    )
    refused = ben.post(url, _change_form(article, body="Ben's words.", opened_on=bens_tab))

    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Ann Biderman saved this article at" in page
    assert "after you opened it: saving now would undo their changes." in page
    assert "Ben&#x27;s words." in page  # kept on the page, not lost
    article.refresh_from_db()
    assert (article.title, article.body) == ("Heat (1995)", "First words.")
    # Saving again, from the page as it came back, keeps Ben's version: he was told.
    again = refused.context["adminform"].form["opened_on"].value()
    assert (
        ben.post(
            url, _change_form(article, title="Heat", body="Ben's words.", opened_on=again)
        ).status_code
        == 302
    )
    article.refresh_from_db()
    assert article.body == "Ben's words."


def test_one_editor_saving_twice_from_one_page_is_not_stopped(staff_client):
    article = make_article(title="Heat", author=_signed_author())
    url = reverse("admin:articles_article_change", args=[article.pk])

    first = staff_client.post(
        url,
        _change_form(article, title="One", opened_on=_opened_on(staff_client, article)),
        follow=True,
    )
    second = _opened_on(staff_client, article)  # "Save and continue editing" shows the page again

    assert first.status_code == 200
    assert (
        staff_client.post(url, _change_form(article, title="Two", opened_on=second)).status_code
        == 302
    )
    article.refresh_from_db()
    assert article.title == "Two"


def test_staff_adds_a_draft_article_through_the_admin(staff_client):
    author = make_user()

    response = staff_client.post(ADD_URL, _form(author))

    assert response.status_code == 302
    article = Article.objects.get(slug="thief-1981")
    assert article.status == Article.Status.DRAFT
    assert '<h2 id="opening">Opening</h2>' in article.body_html


@pytest.mark.parametrize(
    ("body", "warning"),
    [
        ("![](/media/a.png)\n\n![The diner](/media/b.png)", "An image has no description"),
        ('![](/media/a.png)\n\n<img src="/media/b.png">', "2 images have no description"),
        ("![ ](/media/a.png)", "An image has no description"),
    ],
)
def test_saving_images_without_a_description_saves_and_says_so(staff_client, body, warning):
    response = staff_client.post(ADD_URL, _form(_signed_author(), body=body), follow=True)

    assert response.status_code == 200
    said = {m.level_tag: str(m) for m in response.context["messages"]}
    assert "was added successfully" in said["success"]
    assert said["warning"].startswith(warning)
    assert "as in ![Neil at the diner](…)" in response.content.decode()
    assert Article.objects.get(slug="thief-1981").body == body


def test_saving_an_article_by_an_author_without_a_name_says_how_readers_see_it(staff_client):
    author = make_user(username="root-login-42")

    response = staff_client.post(ADD_URL, _form(author), follow=True)

    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "Readers see “heatblog” as this article’s author: give the user root-login-42 a "
        "first and last name (Users) to sign it."
    ]


def test_described_images_save_without_a_warning(staff_client):
    body = "![The diner](/media/a.png)"

    response = staff_client.post(ADD_URL, _form(_signed_author(), body=body), follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert "was added successfully" in response.content.decode()


def test_html_the_page_leaves_out_is_named_to_the_editor_at_save(staff_client):
    body = "Write </script> and <script>alert(1)</script>.\n\n<iframe src=x></iframe> <b>Kept</b>"

    response = staff_client.post(ADD_URL, _form(_signed_author(), body=body), follow=True)

    said = {m.level_tag: str(m) for m in response.context["messages"]}
    assert response.status_code == 200
    assert "was added successfully" in said["success"]
    assert said["warning"].startswith(
        "The page leaves out HTML it can’t show safely: <iframe> and <script>, and what is inside"
    )
    assert Article.objects.get(slug="thief-1981").body == body  # kept as typed, to fix
    # Markdown and allowed HTML say nothing.
    clean = staff_client.post(
        ADD_URL, _form(_signed_author(), slug="clean", body="`<script>` <b>x</b>"), follow=True
    )
    assert [m.level_tag for m in clean.context["messages"]] == ["success"]


@pytest.mark.parametrize(
    ("body", "hosts"),
    [
        ("![Poster](https://upload.wikimedia.org/heat.jpg)", "upload.wikimedia.org"),
        (
            '![Poster](https://a.example/p.jpg) <img alt="Still" src="//b.example/s.png">'
            "\n\n![Again](https://a.example/q.jpg)",
            "a.example and b.example",
        ),
    ],
)
def test_saving_images_from_another_site_saves_and_says_readers_wont_see_them(
    staff_client, client, body, hosts
):
    response = staff_client.post(ADD_URL, _form(_signed_author(), body=body), follow=True)

    assert response.status_code == 200
    said = {m.level_tag: str(m) for m in response.context["messages"]}
    assert "was added successfully" in said["success"]
    assert said["warning"].startswith(f"Readers won’t see the images from {hosts}: ")
    assert "add it with “Insert image…”" in said["warning"]
    article = Article.objects.get(slug="thief-1981")
    assert article.body == body
    # What the warning says: the page's policy refuses an image from there.
    article.status = Article.Status.PUBLISHED
    article.save()
    page = client.get(article.get_absolute_url())
    assert page.status_code == 200
    image_sources = page["Content-Security-Policy"].split("img-src ")[1].split(";")[0]
    assert hosts.split()[0] not in image_sources
    assert hosts.split()[0] in page.content.decode()


def test_images_of_this_site_by_their_full_address_save_without_a_warning(staff_client):
    body = f"![The diner]({settings.SITE_URL}/media/a.png)"

    response = staff_client.post(ADD_URL, _form(_signed_author(), body=body), follow=True)

    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_staff_edits_an_article_and_the_page_shows_the_new_text(staff_client, client):
    article = make_article(body="Old words.")

    _save_through_admin(staff_client, article, body="New words, freshly edited.")

    assert "New words, freshly edited." in client.get(article.get_absolute_url()).content.decode()


def test_the_editor_form_uses_the_markdownx_widget_with_staff_only_endpoints(staff_client):
    html = staff_client.get(ADD_URL).content.decode()

    assert "markdownx-editor" in html
    assert 'data-markdownx-urls-path="/admin/articles/article/markdownify/"' in html


def test_the_editor_warns_about_unsaved_changes_and_offers_image_upload(staff_client):
    html = staff_client.get(ADD_URL).content.decode()

    assert "editor/editor.js" in html


def test_non_staff_are_sent_to_the_login_page(client, db):
    client.force_login(make_user())

    response = client.get(ADD_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_every_admin_save_keeps_a_version_that_can_be_restored(staff_client):
    article = make_article(body="The first version.")
    _save_through_admin(staff_client, article, body="The second version.")
    _save_through_admin(staff_client, article, body="A third, regrettable version.")
    versions = Version.objects.get_for_object(article)
    assert versions.count() == 2
    history = staff_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert history.status_code == 200

    oldest = versions.last()
    revert_url = reverse("admin:articles_article_revision", args=[article.pk, oldest.pk])
    form = staff_client.get(revert_url)
    assert "The second version." in form.content.decode()
    _save_through_admin(staff_client, article, url=revert_url, body="The second version.")

    assert "The second version." in Client().get(article.get_absolute_url()).content.decode()


def test_a_version_whose_slug_another_article_took_says_whose_it_is(staff_client):
    thief = make_article(slug="thief-1981-long", title="Thief (1981)")
    _save_through_admin(staff_client, thief)  # a version under its first slug
    _save_through_admin(staff_client, thief, slug="thief-1981", body="Edited.")
    make_article(slug="thief-1981-long", title="Reuse", status="draft", published_at=None)
    oldest = Version.objects.get_for_object(thief).last()

    url = reverse("admin:articles_article_revision", args=[thief.pk, oldest.pk])
    response = staff_client.get(url, follow=True)

    said = response.content.decode()
    assert response.status_code == 200
    assert "/articles/thief-1981-long/, is “Reuse”’s now" in said
    assert "missing dependency" not in said
    moderator = make_staff(is_superuser=False)  # may moderate comments, not open articles
    moderator.user_permissions.set(Permission.objects.filter(codename__endswith="_comment"))
    looker = Client()
    looker.force_login(moderator)
    refused = looker.get(url, follow=True)
    assert refused.status_code == 403
    assert "Reuse" not in refused.content.decode()  # nothing said of another article
    newest = Version.objects.get_for_object(thief).first()
    opened = staff_client.get(
        reverse("admin:articles_article_revision", args=[thief.pk, newest.pk])
    )
    assert "Edited." in opened.content.decode()  # a version with its own slug still opens


def test_the_change_page_links_to_the_articles_comments(staff_client):
    article = make_article()
    make_comment(article=article, status="pending")

    html = staff_client.get(reverse("admin:articles_article_change", args=[article.pk])).content
    html = html.decode()

    assert f"?article__id__exact={article.pk}&amp;status__exact=pending" in html
    assert "1 awaiting moderation" in html


def test_view_on_site_works_for_a_draft_for_staff(staff_client):
    draft = make_article(status="draft", published_at=None)
    change = staff_client.get(reverse("admin:articles_article_change", args=[draft.pk]))

    assert "View on site" in change.content.decode()
    assert staff_client.get(draft.get_absolute_url()).status_code == 200


# ---- Publishing ---------------------------------------------------------------------------


def _action(staff_client, action, articles):
    return staff_client.post(
        CHANGELIST, {"action": action, "_selected_action": [a.pk for a in articles]}, follow=True
    )


def test_publishing_a_draft_makes_it_public_now(staff_client):
    draft = make_article(status="draft", published_at=None)

    response = _action(staff_client, "publish", [draft])

    assert "1 article published." in response.content.decode()
    assert Client().get(draft.get_absolute_url()).status_code == 200


def test_publishing_a_future_dated_draft_says_it_is_scheduled(staff_client):
    now_draft = make_article(title="Now", status="draft", published_at=None)
    later = make_article(title="Later", status="draft", published_at=timezone.now() + timedelta(7))

    response = _action(staff_client, "publish", [now_draft, later])

    said = response.content.decode()
    assert "1 article published. 1 article scheduled: out on its date." in said
    assert Client().get(now_draft.get_absolute_url()).status_code == 200
    assert Client().get(later.get_absolute_url()).status_code == 404


def test_bulk_publish_and_unpublish_say_so_in_history(staff_client):
    from reversion.models import Version

    draft = make_article(status="draft", published_at=None)

    _action(staff_client, "publish", [draft])
    _action(staff_client, "unpublish", [draft])

    comments = [v.revision.comment for v in Version.objects.get_for_object(draft)]
    assert comments == [
        "Unpublished from the list of articles (back to draft).",
        "Published from the list of articles.",
    ]
    history = staff_client.get(f"/admin/articles/article/{draft.pk}/history/")
    assert history.status_code == 200
    assert "Published from the list of articles." in history.content.decode()


@pytest.mark.parametrize("existing", [False, True])
def test_published_with_no_date_is_published_now(staff_client, client, existing):
    author = make_user()
    url = ADD_URL
    if existing:
        staff_client.post(ADD_URL, _form(author))
        url = f"/admin/articles/article/{Article.objects.get().pk}/change/"
    data = _form(author, status="published")
    if existing:
        data["mailing-INITIAL_FORMS"] = "1"
        data["mailing-0-id"] = str(Article.objects.get().mailing.pk)
        data["mailing-0-article"] = str(Article.objects.get().pk)

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="thief-1981")
    assert article.status == Article.Status.PUBLISHED
    assert (timezone.now() - article.published_at).total_seconds() < 60
    assert client.get(article.get_absolute_url()).status_code == 200


def test_publishing_a_draft_with_a_future_date_schedules_it(staff_client):
    reader = Client()
    later = timezone.now() + timedelta(days=2)
    draft = make_article(status="draft", published_at=later)

    _action(staff_client, "publish", [draft])

    assert Article.objects.get(pk=draft.pk).is_scheduled
    assert reader.get(draft.get_absolute_url()).status_code == 404
    with time_machine.travel(later + timedelta(minutes=1)):
        assert reader.get(draft.get_absolute_url()).status_code == 200


def test_unpublishing_takes_an_article_off_the_site(staff_client):
    article = make_article()
    assert Client().get(article.get_absolute_url()).status_code == 200

    _action(staff_client, "unpublish", [article])

    assert Article.objects.get(pk=article.pk).status == "draft"
    assert Client().get(article.get_absolute_url()).status_code == 404


def test_the_list_shows_draft_scheduled_and_published(staff_client):
    make_article(title="A draft", status="draft", published_at=None)
    make_article(title="Later", published_at=timezone.now() + timedelta(days=1))
    make_article(title="Out now")

    html = staff_client.get(CHANGELIST).content.decode()

    assert '<td class="field-status_label">Draft</td>' in html
    assert '<td class="field-status_label">Scheduled for' in html
    assert '<td class="field-status_label">Published</td>' in html


def test_the_list_gives_short_dates_and_the_admin_says_whose_it_is(staff_client):
    moment = timezone.make_aware(datetime(2026, 3, 5, 21, 7), timezone.get_default_timezone())
    make_article(title="Dated", published_at=moment)
    make_article(title="A draft", status="draft", published_at=None)

    response = staff_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<td class="field-published">5 Mar 2026, 21:07</td>' in html
    assert '<td class="field-published">—</td>' in html  # a draft has no date yet
    assert "<title>Select article to change | heatblog admin</title>" in html
    assert "Django administration" not in html
    assert ">heatblog admin<" in html


def test_article_list_in_admin_shows_scheduled_status(staff_client):
    make_article(title="Coming soon", published_at=timezone.now() + timedelta(days=2))

    html = staff_client.get(CHANGELIST).content.decode()

    assert "Coming soon" in html
    assert "Scheduled for" in html


# ---- The live preview ---------------------------------------------------------------------


def test_anonymous_visitors_cannot_use_the_preview_endpoint(client, db):
    response = client.post(PREVIEW, {"content": "# hi"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_preview_endpoint_renders_like_the_public_page_and_strips_scripts(staff_client):
    response = staff_client.post(PREVIEW, {"content": "## Heading\n\n<img src=x onerror=alert(1)>"})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="heading">Heading</h2>' in html
    assert '<img loading="lazy" decoding="async" src="x">' in html
    assert "onerror" not in html


def test_a_comment_moderator_cannot_use_the_preview_endpoint(client, db):
    moderator = _staff_allowed_to(client, "comments")
    editor = _staff_allowed_to(Client(), "articles", "change_article")

    response = moderator.post(PREVIEW, {"content": "## Rendered?"})

    assert response.status_code == 403
    assert "Rendered?" not in response.content.decode()
    allowed = editor.post(PREVIEW, {"content": "## Rendered?"})
    assert allowed.status_code == 200
    assert "Rendered?" in allowed.content.decode()


def test_the_preview_of_an_image_touches_no_file_and_saving_makes_its_renditions(
    staff_client, stored_image, storage_untouchable
):
    body = f"Text\n\n![A street](/media/{stored_image})"

    response = staff_client.post(PREVIEW, {"content": body})

    assert response.status_code == 200
    assert f'alt="A street" src="/media/{stored_image}">' in response.content.decode()
    assert "<picture>" not in response.content.decode()
    storage_untouchable.undo()
    assert '<picture><source type="image/webp"' in make_article(body=body).body_html


# ---- The cover image ----------------------------------------------------------------------


def _cover_form(author, image, alt):
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


def test_an_address_another_article_has_gets_a_plain_message(staff_client):
    make_article(slug="thief-1981")

    response = staff_client.post(ADD_URL, _form(_signed_author()))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Another article already has this address: choose another slug" in html
    assert "Up to 200 characters." in html
    assert "Times are in UTC." in html
    assert Article.objects.count() == 1


def test_a_cover_image_needs_a_description(staff_client):
    response = staff_client.post(ADD_URL, _cover_form(_signed_author(), {"size": (100, 50)}, ""))

    assert response.status_code == 200
    assert "Describe the cover image for readers who can" in response.content.decode()
    assert not Article.objects.exists()


def test_a_cover_chosen_before_a_mistake_elsewhere_is_asked_for_again(staff_client):
    data = _cover_form(_signed_author(), {"size": (100, 50)}, "Neil at the diner")
    data["title"] = ""

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["title"] == ["This field is required."]
    assert form.errors["cover_image"] == [
        "Choose cover.jpg again when you save: a file chosen before a mistake "
        "elsewhere on the page is not kept."
    ]
    assert "Choose cover.jpg again when you save" in response.content.decode()
    assert not Article.objects.exists()


def test_a_cover_that_is_not_an_image_gets_a_clear_message(staff_client):
    data = _form(_signed_author(), cover_alt="x")
    data["cover_image"] = SimpleUploadedFile("cover.jpg", b"not an image", "image/jpeg")

    response = staff_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "This file is not an image we can use: upload a JPEG, PNG, WebP or GIF." in (
        response.content.decode()
    )
    assert not Article.objects.exists()


# ---- Image upload from the editor ---------------------------------------------------------


def _upload(staff_client, data, name="still.jpg"):
    file = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return staff_client.post(UPLOAD, {"image": file}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


def _stored_uploads(settings):
    return sorted((settings.MEDIA_ROOT / "uploads").rglob("*.*"))


def test_an_uploaded_image_is_stored_and_returned_as_markdown(staff_client, settings):
    response = _upload(staff_client, image_bytes("JPEG", size=(3000, 2000)))

    code = response.json()["image_code"]
    assert response.status_code == 200
    assert code.startswith("![](/media/uploads/")
    stored = settings.MEDIA_ROOT / code[len("![](/media/") : -1]
    assert Image.open(stored).size == (2400, 1600)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not an image", "not an image we can use"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image we can use"),
    ],
)
def test_a_bad_upload_gets_a_clear_message_not_a_500(staff_client, data, message):
    response = _upload(staff_client, data)

    assert response.status_code == 400
    assert message in json.loads(response.content)["error"]


def test_an_upload_without_a_file_is_a_clear_400(staff_client):
    response = staff_client.post(UPLOAD, {}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert response.status_code == 400
    assert response.json()["error"] == "Choose an image file to upload."


def test_only_staff_can_upload(client, db):
    client.force_login(make_user())

    response = client.post(UPLOAD, {"image": io.BytesIO(image_bytes("PNG", size=(5, 5)))})

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_comment_moderator_cannot_upload_images(client, db, settings):
    moderator = _staff_allowed_to(client, "comments")

    response = _upload(moderator, image_bytes("PNG", size=(5, 5)), name="x.png")

    assert response.status_code == 403
    assert response.json() == {"error": "Only editors who can change articles can upload images."}
    assert _stored_uploads(settings) == []


def test_an_editor_who_can_change_articles_can_upload(client, db, settings):
    editor = _staff_allowed_to(client, "articles", "change_article")

    response = _upload(editor, image_bytes("PNG", size=(5, 5)), name="x.png")

    assert response.status_code == 200
    assert len(_stored_uploads(settings)) == 1


def test_the_61st_upload_in_an_hour_is_refused_and_not_stored(staff_client, settings):
    data = image_bytes("PNG", size=(5, 5))
    for _ in range(60):
        assert _upload(staff_client, data, name="x.png").status_code == 200

    response = _upload(staff_client, data, name="x.png")

    assert response.status_code == 429
    assert response.json() == {
        "error": "You have uploaded 60 images in the last hour, the most we accept. "
        "Please try again later."
    }
    assert len(_stored_uploads(settings)) == 60


def _upload_limit_reached(client):
    from operations.limits import hit

    editor = make_staff()
    for _ in range(60):
        hit(f"uploads:{editor.pk}", 60 * 60)
    client.force_login(editor)
    return client


def test_the_upload_limit_is_counted_per_editor(client, db):
    _upload_limit_reached(client)
    colleague = Client()
    colleague.force_login(make_staff())

    assert _upload(client, image_bytes("PNG", size=(5, 5))).status_code == 429
    assert _upload(colleague, image_bytes("PNG", size=(5, 5))).status_code == 200


def test_uploads_are_accepted_again_an_hour_after_the_first(client, db):
    editor = _upload_limit_reached(client)

    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert _upload(editor, image_bytes("PNG", size=(5, 5))).status_code == 200


def test_a_tag_name_with_a_hidden_control_character_is_the_same_name(staff_client, db):
    from articles.models import Tag

    Tag.objects.create(name="Mann", slug="mann")

    response = staff_client.post("/admin/articles/tag/add/", {"name": "Mann\x1b", "slug": "mann-2"})

    assert response.status_code == 200  # the form again, not a server error
    assert "Tag with this Name already exists." in response.content.decode()
    assert Tag.objects.count() == 1


def test_the_article_list_filters_drafts_scheduled_and_published_as_its_column_says(staff_client):
    make_article(title="Thief draft", slug="thief", status="draft", published_at=None)
    make_article(
        title="Collateral soon", slug="collateral", published_at=timezone.now() + timedelta(days=2)
    )
    make_article(title="Heat out", slug="heat")
    tag = Tag.objects.create(name="Mann", slug="mann")
    Article.objects.get(slug="heat").tags.add(tag)
    Tag.objects.create(name="Unused", slug="unused")

    def titles(query):
        html = staff_client.get(f"/admin/articles/article/?{query}").content.decode()
        return {t for t in ("Thief draft", "Collateral soon", "Heat out") if t in html}, html

    everything, html = titles("")
    assert everything == {"Thief draft", "Collateral soon", "Heat out"}
    assert '?state=scheduled"' in html
    assert ">Unused</a>" not in html  # tags that no article has are not offered
    assert ">No tags</a>" in html
    assert titles("tags__isnull=True")[0] == {"Thief draft", "Collateral soon"}
    assert titles("state=draft")[0] == {"Thief draft"}
    assert titles("state=scheduled")[0] == {"Collateral soon"}
    assert titles("state=published")[0] == {"Heat out"}
    assert titles(f"tags__id__exact={tag.pk}")[0] == {"Heat out"}


def test_staff_who_may_only_look_at_articles_cannot_publish_or_unpublish_them(client, db):
    viewer = _staff_allowed_to(client, "articles", "view_article")
    draft = make_article(title="Not ready", status="draft", published_at=None)
    live = make_article(title="Live")

    listed = viewer.get(CHANGELIST)
    for action, article in (("publish", draft), ("unpublish", live)):
        viewer.post(CHANGELIST, {"action": action, "_selected_action": [article.pk]})

    assert listed.status_code == 200
    assert "Live" in listed.content.decode()
    assert "Publish selected articles" not in listed.content.decode()
    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.status, live.status) == ("draft", "published")


@pytest.mark.parametrize("slug", ["UPPER-case", "under_score", "-", "two--hyphens", "end-"])
def test_a_new_slug_is_lowercase_words_and_hyphens_as_its_help_says(staff_client, slug):
    response = staff_client.post(ADD_URL, _form(make_user(), slug=slug))

    assert response.status_code == 200  # the form again, with the reason
    assert "Use lowercase letters and digits, with single hyphens" in response.content.decode()
    assert not Article.objects.exists()


def test_an_old_slug_outside_those_rules_can_be_kept(staff_client):
    imported = make_article(slug="old_wordpress_slug", title="Imported")

    _save_through_admin(staff_client, imported, title="Imported, edited")

    imported.refresh_from_db()
    assert (imported.slug, imported.title) == ("old_wordpress_slug", "Imported, edited")
