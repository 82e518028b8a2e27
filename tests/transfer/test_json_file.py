"""Nothing is locked in: export everything, load it into an empty database, lose nothing."""

import io
import json
import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image

from articles.models import Article, FormerSlug, Tag
from articles.previews import preview_url
from comments.models import Comment, ModerationKeyword, Subscriber
from followers.models import Follower
from tests.factories import make_article, make_comment, make_staff
from transfer.models import RemovedImport

# Every table the export carries, in the order a wipe can delete them.
MODELS = (Comment, FormerSlug, Article, Tag, Subscriber, Follower, ModerationKeyword, RemovedImport)
USER_FIELDS = ("username", "email", "first_name", "last_name")


def export() -> dict:
    out = StringIO()
    call_command("export_json", stdout=out)
    return json.loads(out.getvalue())


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 400), "darkred").save(out, format="JPEG")
    return out.getvalue()


def _when(day: int) -> datetime:
    """A distinct past moment, microseconds included: a stamp of "now" can't match it."""
    return datetime(2023, 5, day, 21, 30, 15, 123456 + day, tzinfo=UTC)


@pytest.fixture
def blog(db):
    """A blog in which every stored field of every row has a value other than its default."""
    editor = make_staff(username="editor", email="editor@example.com")
    cover = default_storage.save("covers/heat.jpg", ContentFile(_jpeg()))
    heat = make_article(
        title="Heat",
        slug="heat",
        dek="The summary",
        author=editor,
        cover_image=cover,
        cover_alt="Two men across a diner table",
        imported_from="https://oldblog.example/?p=7",
    )
    heat.tags.add(Tag.objects.create(name="Crime", slug="crime"))
    heat.tags.add(Tag.objects.create(name="Los Angeles", slug="los-angeles"))
    Tag.objects.create(name="Unused", slug="unused")
    FormerSlug.objects.create(slug="heat-1995-review", article=heat)  # its first address
    draft = make_article(
        title="A draft", slug="a-draft", status="draft", published_at=None, allow_comments=False
    )
    preview_url(draft)  # it was shown to someone before publication: it has a preview key

    root = make_comment(
        article=heat,
        name="Vincent",
        email="Vincent@Example.COM",
        website="https://vincent.example",
        ip_address="192.0.2.1",
        user_agent="Firefox",
        notify=True,
        has_spoilers=True,
        text="He dies at the end.",
    )
    reply = make_comment(
        article=heat,
        parent=root,
        name="Neil",
        quote="Don't let yourself get attached to anything.",
        quote_anchor="p-0123abcd",
        form_nonce="f" * 32,
    )
    make_comment(article=heat, parent=reply, name="Editor", user=editor)
    make_comment(article=heat, status="pending", moderation_reason="it contains 2 links")
    make_comment(article=heat, status="spam", text="Buy now")
    make_comment(
        article=heat,
        name="Imported",
        imported_from="https://oldblog.example/?comment=3",
        import_fingerprint="0123456789abcdef0123456789abcdef",
    )
    Comment.objects.filter(name="Neil").update(edited_at=_when(9), parent_told_at=_when(10))
    Comment.objects.filter(name__in=["Neil", "Imported"]).update(approved_by_moderator=True)
    Comment.objects.filter(name="Vincent").set_status("trash")
    Comment.objects.filter(name="Vincent").update(deleted_by_author=True)

    Subscriber.objects.create(
        email="Rita@Example.COM",
        confirmation_sent_at=_when(2),
        confirmed_at=_when(3),
        unsubscribed_at=_when(4),
    )
    Follower.objects.create(
        email="Chris@Example.COM",
        confirmation_sent_at=_when(2),
        confirmed_at=_when(3),
        unsubscribed_at=_when(4),
        unsubscribed_because=Follower.Reason.BOUNCES,
        hard_bounces=3,
        last_bounce="550 5.1.1 no such user",
    )
    Follower.objects.create(email="eady@example.com", confirmed_at=_when(8))
    ModerationKeyword.objects.create(phrase="casino", action="spam")
    ModerationKeyword.objects.create(phrase="crypto", action="hold")
    RemovedImport.objects.create(source="https://oldblog.example/?comment=9")

    # Every date set apart from "now", which the import would stamp if it forgot them.
    for n, comment in enumerate(Comment.objects.order_by("pk"), start=10):
        Comment.objects.filter(pk=comment.pk).update(created_at=_when(n), updated_at=_when(n + 1))
    for n, article in enumerate(Article.objects.order_by("pk"), start=1):
        Article.objects.filter(pk=article.pk).update(
            created_at=_when(n), updated_at=_when(n + 2), discussion_updated_at=_when(n + 4)
        )
    Subscriber.objects.update(created_at=_when(1))
    Follower.objects.update(created_at=_when(7))
    ModerationKeyword.objects.update(created_at=_when(5))
    RemovedImport.objects.update(removed_at=_when(6))
    FormerSlug.objects.update(changed_at=_when(9))
    return Article.objects.get(slug="heat")


def snapshot() -> dict:
    """Every stored value of every row, rows named so that two databases compare.

    Articles, tags and users by their names; comments by their place in the order
    they were written (a new database numbers them anew); relations by those names.
    """
    user_model = get_user_model()
    comment_pks = Comment.objects.order_by("pk").values_list("pk", flat=True)
    names = {
        user_model: dict(user_model.objects.values_list("pk", "username")),
        Article: dict(Article.objects.values_list("pk", "slug")),
        Tag: dict(Tag.objects.values_list("pk", "slug")),
        Comment: {pk: n for n, pk in enumerate(comment_pks)},
    }
    tables = {}
    for model in MODELS:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        rows = {}
        for obj in model._base_manager.order_by("pk"):
            row = {}
            for field in fields:
                value = field.value_from_object(obj)
                if field.is_relation:
                    value = names[field.related_model].get(value)
                elif hasattr(value, "name"):  # a stored file: its name
                    value = value.name
                row[field.name] = value
            for field in model._meta.many_to_many:
                row[field.name] = sorted(getattr(obj, field.name).values_list("slug", flat=True))
            key = names[model][obj.pk] if model in names else str(obj)
            rows[key] = row
        tables[model._meta.label] = rows
    usernames = set(Article.objects.values_list("author__username", flat=True))
    usernames |= set(Comment.objects.exclude(user=None).values_list("user__username", flat=True))
    users = user_model.objects.filter(username__in=usernames).values(*USER_FIELDS)
    tables["users"] = {user["username"]: user for user in users}
    return tables


def differences(before: dict, after: dict) -> list[str]:
    """Each value that differs, as "table row.field: before → after"."""
    lines = []
    for table, rows in before.items():
        for key in sorted(rows.keys() | after[table].keys(), key=str):
            old, new = rows.get(key), after[table].get(key)
            if old is None or new is None:
                lines.append(f"{table} {key}: {'lost' if new is None else 'appeared'}")
                continue
            lines += [
                f"{table} {key}.{name}: {old[name]!r} → {new.get(name)!r}"
                for name in old
                if old[name] != new.get(name)
            ]
    return lines


def wipe() -> None:
    # In this order: deleting an imported comment leaves a RemovedImport (transfer/models.py).
    for model in MODELS:
        model._base_manager.all().delete()
    get_user_model().objects.all().delete()


def test_the_blog_fixture_gives_every_field_a_value_other_than_its_default(blog):
    # A field added later must get a value here, so the round trip below checks it.
    for model in MODELS:
        for field in model._meta.concrete_fields:
            if field.primary_key or field.generated:
                continue
            values = [field.value_from_object(obj) for obj in model._base_manager.all()]
            assert any(v not in (field.get_default(), None, "") for v in values), (
                f"{model.__name__}.{field.name} has only default values in the fixture"
            )


def test_the_export_has_every_article_and_comment_with_their_threads(blog):
    data = export()

    assert data["version"] == 2
    assert [a["slug"] for a in data["articles"]] == ["heat", "a-draft"]
    assert data["articles"][0]["tags"] == ["crime", "los-angeles"]
    assert [t["slug"] for t in data["tags"]] == ["crime", "los-angeles", "unused"]
    assert len(data["comments"]) == 6
    neil = next(c for c in data["comments"] if c["name"] == "Neil")
    vincent = next(c for c in data["comments"] if c["name"] == "Vincent")
    assert neil["parent"] == vincent["id"]
    assert vincent["status"] == "trash"
    assert vincent["trashed_from"] == "approved"
    assert vincent["deleted_by_author"] is True
    assert vincent["has_spoilers"] is True
    assert "text_html" not in vincent  # derived again from the text on import


def test_export_then_import_into_an_empty_database_reproduces_every_row(blog, tmp_path):
    before = snapshot()
    path = tmp_path / "blog.json"
    call_command("export_json", "-o", str(path), stderr=StringIO())
    wipe()
    assert not Comment.objects.exists()

    call_command("import_json", str(path), stdout=StringIO())

    lost = differences(before, snapshot())
    assert not lost, "\n".join(["The import changed:", *lost])


def test_a_link_to_an_articles_former_address_still_leads_to_it_on_the_new_site(
    blog, tmp_path, client
):
    path = tmp_path / "blog.json"
    exported = StringIO()
    call_command("export_json", "-o", str(path), stderr=exported)
    wipe()

    imported = StringIO()
    call_command("import_json", str(path), stdout=imported)

    assert FormerSlug.objects.count() == 1
    assert "1 former slug," in exported.getvalue()  # said in words, not "1 former slugs"
    assert "1 former slug," in imported.getvalue()
    response = client.get("/articles/heat-1995-review/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/heat/"
    assert client.get(response["Location"]).status_code == 200


def test_a_moved_spoiler_is_still_folded(blog, tmp_path):
    path = tmp_path / "blog.json"
    call_command("export_json", "-o", str(path), stderr=StringIO())
    wipe()

    call_command("import_json", str(path), stdout=StringIO())

    vincent = Comment.objects.get(name="Vincent")
    assert vincent.text_html.startswith('<details class="spoiler">')


def test_importing_twice_is_refused_rather_than_doubling_comments(blog, tmp_path):
    path = tmp_path / "blog.json"
    call_command("export_json", "-o", str(path), stderr=StringIO())

    with pytest.raises(CommandError, match="already has comments"):
        call_command("import_json", str(path), stdout=StringIO())
    assert Comment.objects.count() == 6


def test_an_import_never_undoes_what_readers_and_moderators_did_here(blog, tmp_path):
    path = tmp_path / "blog.json"
    call_command("export_json", "-o", str(path), stderr=StringIO())
    data = json.loads(path.read_text())
    partial = {**data, "articles": [], "comments": []}  # only subscribers and keywords
    path.write_text(json.dumps(partial))
    Subscriber.objects.update(unsubscribed_at=timezone.now())
    ModerationKeyword.objects.all().delete()

    with pytest.raises(CommandError, match="already has comments, reply notification addresses"):
        call_command("import_json", str(path), stdout=StringIO())

    assert not Subscriber.objects.filter(unsubscribed_at=None).exists()
    assert not ModerationKeyword.objects.exists()


def test_an_article_already_here_is_replaced_only_when_asked(db, tmp_path):
    make_article(slug="heat", title="Heat, as edited here")
    path = tmp_path / "blog.json"
    call_command("export_json", "-o", str(path), stderr=StringIO())
    Article.objects.filter(slug="heat").update(title="Changed after the export")

    with pytest.raises(CommandError, match="already here: heat"):
        call_command("import_json", str(path), stdout=StringIO())
    assert Article.objects.get(slug="heat").title == "Changed after the export"

    call_command("import_json", str(path), "--replace-articles", stdout=StringIO())
    assert Article.objects.get(slug="heat").title == "Heat, as edited here"


def test_a_version_1_file_is_still_read(db, tmp_path):
    path = tmp_path / "old.json"
    author = {"username": "mann", "email": "mann@example.com", "first_name": "M", "last_name": ""}
    article = {
        "title": "Thief", "slug": "thief", "dek": "", "body": "Frank.", "status": "published",
        "allow_comments": True, "cover_alt": "", "imported_from": "", "cover_image": "",
        "published_at": "2021-03-01T18:30:00+00:00", "created_at": "2021-03-01T18:00:00+00:00",
        "updated_at": "2021-03-02T18:00:00+00:00", "author": author,
        "tags": [{"name": "Reviews", "slug": "reviews"}],
    }  # fmt: skip
    comment = {
        "id": 7, "article": "thief", "parent": None, "user": None, "name": "Jessie",
        "email": "jessie@example.com", "website": "", "text": "The diner.", "status": "approved",
        "moderation_reason": "", "trashed_from": "", "notify": False, "ip_address": None,
        "user_agent": "", "imported_from": "", "created_at": "2021-03-02T09:00:00+00:00",
        "updated_at": "2021-03-02T09:00:00+00:00",
    }  # fmt: skip
    document = {"format": "heatblog-export", "version": 1, "articles": [article]}
    path.write_text(json.dumps({**document, "comments": [comment]}))

    call_command("import_json", str(path), stdout=StringIO())

    thief = Article.objects.get(slug="thief")
    assert thief.author.username == "mann"
    assert [t.slug for t in thief.tags.all()] == ["reviews"]
    assert thief.updated_at == datetime(2021, 3, 2, 18, tzinfo=UTC)
    assert thief.comment_count == 1
    assert Comment.objects.get().created_at == datetime(2021, 3, 2, 9, tzinfo=UTC)


def test_a_comment_its_author_deleted_before_the_site_said_so_stays_deleted(blog, tmp_path):
    data = export()
    vincent = next(row for row in data["comments"] if row["name"] == "Vincent")
    del vincent["deleted_by_author"]  # a file from before the field existed
    vincent["moderation_reason"] = "deleted by its author"  # what the site wrote then
    path = tmp_path / "blog.json"
    path.write_text(json.dumps(data))
    wipe()

    call_command("import_json", str(path), stdout=StringIO())
    Comment.objects.filter(name="Vincent").restore()
    Comment.objects.filter(name="Vincent").set_status(Comment.Status.APPROVED)

    deleted = Comment.objects.get(name="Vincent")
    assert deleted.deleted_by_author
    assert deleted.status == Comment.Status.TRASH


def test_a_field_this_site_does_not_have_is_refused_rather_than_dropped(blog, tmp_path):
    data = export()
    data["comments"][0]["mood"] = "cheerful"
    path = tmp_path / "blog.json"
    path.write_text(json.dumps(data))
    wipe()

    with pytest.raises(CommandError, match="mood"):
        call_command("import_json", str(path), stdout=StringIO())
    assert not Article.objects.exists()


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": "other"}'])
def test_a_file_that_is_not_an_export_is_refused_clearly(db, tmp_path, content):
    path = tmp_path / "x.json"
    path.write_text(content)

    with pytest.raises(CommandError, match="Cannot import"):
        call_command("import_json", str(path), stdout=StringIO())


def test_an_unknown_version_is_refused_clearly(db, tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"format": "heatblog-export", "version": 3}')

    with pytest.raises(CommandError, match="version 3"):
        call_command("import_json", str(path), stdout=StringIO())


FOLLOWED = "2024-01-01T00:00:00+00:00"


@pytest.mark.parametrize(
    ("followers", "message"),
    [
        (
            [
                {"email": "Ann@Example.com", "confirmed_at": FOLLOWED, "unsubscribed_at": FOLLOWED},
                {"email": "ann@example.com", "confirmed_at": FOLLOWED},
            ],
            "followers list ann@example.com twice",
        ),
        ([{"email": None}], "followers have an email that is not an address: None"),
        ([{"email": 5}], "followers have an email that is not an address: 5"),
        ([{"email": "root@localhost"}], "not an address: 'root@localhost'"),
        ([{"email": "x@[192.0.2.1]"}], "not an address"),
        ([{"confirmed_at": FOLLOWED}], "followers have a row without its email"),
        (["ann@example.com"], "followers must be a list of rows"),
        ({"ann@example.com": 1}, "followers must be a list of rows"),
        ([{"email": "ann@example.com", "unsubscribed_because": "x" * 11}], "too long"),
        ([{"email": "ann@example.com", "hard_bounces": 10**9}], "out of range"),
    ],
    ids=[
        "same-address-twice", "null-email", "number-email", "bare-host", "ip-literal",
        "no-email", "not-objects", "not-a-list", "too-long", "out-of-range",
    ],
)  # fmt: skip
def test_a_crafted_followers_section_is_refused_clearly_and_nothing_is_imported(
    db, tmp_path, followers, message
):
    article = {"title": "Heat", "slug": "heat", "body": "Words.", "status": "draft"}
    data = {"format": "heatblog-export", "version": 2, "users": [], "tags": [],
            "articles": [{**article, "author": "editor", "tags": []}],
            "followers": followers}  # fmt: skip
    data["users"] = [{"username": "editor"}]
    path = tmp_path / "blog.json"
    path.write_text(json.dumps(data))

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_json", str(path), stdout=StringIO())
    assert not Follower.objects.exists()
    assert not Article.objects.exists()  # the whole import, not half of it

    data["followers"] = [{"email": "Ann@Example.com", "confirmed_at": FOLLOWED}]
    path.write_text(json.dumps(data))
    call_command("import_json", str(path), stdout=StringIO())  # the same file, mended
    assert list(Follower.objects.values_list("email", flat=True)) == ["ann@example.com"]


def test_a_moved_site_mails_no_follower_an_article_the_old_site_already_published(db, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from followers import sending
    from followers.models import Mailing
    from tests.factories import make_follower

    make_article(title="Out an hour ago", slug="fresh", published_at=timezone.now())
    make_article(title="Next week", slug="later", published_at=timezone.now() + timedelta(days=7))
    make_follower("reader@example.com")
    path = tmp_path / "blog.json"
    call_command("export_json", "-o", str(path), stderr=StringIO())
    wipe()

    call_command("import_json", str(path), stdout=StringIO())

    assert not sending.due_mailings().exists()  # what the worker would start: nothing
    assert not Mailing.objects.get(article__slug="fresh").send_to_followers
    assert Mailing.objects.get(article__slug="later").send_to_followers  # goes out when due


@pytest.mark.parametrize(
    ("former_slugs", "message"),
    [
        ([{"slug": "a b/../<script>", "article": "heat"}], "former_slugs have a slug that is not"),
        ([{"slug": "", "article": "heat"}], "former_slugs have a slug that is not one: ''"),
        ([{"slug": 5, "article": "heat"}], "former_slugs have a slug that is not one: 5"),
        ([{"slug": {"x": 1}, "article": "heat"}], "former_slugs have a slug that is not one"),
        ([{"slug": "heat-old", "article": None}], "former_slugs have a row without its article"),
        ([{"slug": "heat-old", "article": "nope"}], "refer to a article “nope”"),
    ],
    ids=["path", "empty", "number", "object", "no-article", "unknown-article"],
)
def test_a_crafted_former_address_is_refused_clearly_and_nothing_is_imported(
    db, tmp_path, former_slugs, message
):
    article = {"title": "Heat", "slug": "heat", "body": "Words.", "status": "draft"}
    data = {
        "format": "heatblog-export", "version": 2, "users": [{"username": "editor"}],
        "tags": [], "articles": [{**article, "author": "editor", "tags": []}],
        "former_slugs": former_slugs,
    }  # fmt: skip
    path = tmp_path / "blog.json"
    path.write_text(json.dumps(data))

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_json", str(path), stdout=StringIO())
    assert not Article.objects.exists()  # the whole import, not half of it
