"""Nothing is locked in: export everything, load it into an empty database, lose nothing."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Tag
from comments.models import Comment
from tests.factories import make_article, make_comment, make_staff


def export() -> dict:
    out = StringIO()
    call_command("export_json", stdout=out)
    return json.loads(out.getvalue())


def _comparable(data):
    """The export with comment ids replaced by positions (a new database numbers anew)."""
    ids = {row["id"]: n for n, row in enumerate(data["comments"])}
    comments = [
        {**row, "id": ids[row["id"]], "parent": ids.get(row["parent"])} for row in data["comments"]
    ]
    return {**data, "comments": comments}


@pytest.fixture
def blog(db):
    heat = make_article(title="Heat", slug="heat", dek="The summary")
    heat.tags.add(Tag.objects.create(name="Crime", slug="crime"))
    make_article(title="A draft", slug="a-draft", status="draft", published_at=None)
    staff = make_staff(username="editor")
    root = make_comment(article=heat, name="Vincent", ip_address="192.0.2.1", notify=True)
    reply = make_comment(article=heat, parent=root, name="Neil", user_agent="Firefox")
    make_comment(article=heat, parent=reply, name="Editor", user=staff)
    make_comment(article=heat, status="pending", moderation_reason="it contains 2 links")
    make_comment(article=heat, status="spam", text="Buy now")
    Comment.objects.filter(name="Vincent").set_status("trash")
    return heat


def test_the_export_has_every_article_and_comment_with_their_threads(blog):
    data = export()

    assert [a["slug"] for a in data["articles"]] == ["heat", "a-draft"]
    assert data["articles"][0]["tags"] == [{"name": "Crime", "slug": "crime"}]
    assert len(data["comments"]) == 5
    neil = next(c for c in data["comments"] if c["name"] == "Neil")
    vincent = next(c for c in data["comments"] if c["name"] == "Vincent")
    assert neil["parent"] == vincent["id"]
    assert vincent["status"] == "trash"
    assert vincent["trashed_from"] == "approved"


def test_export_then_import_into_an_empty_database_loses_nothing(blog, tmp_path):
    before = export()
    path = tmp_path / "blog.json"
    call_command("export_json", output=str(path), stderr=StringIO())
    Comment.objects.all().delete()
    Article.objects.all().delete()
    Tag.objects.all().delete()

    call_command("import_json", str(path), stdout=StringIO())

    assert _comparable(export()) == _comparable(before)
    assert Article.objects.get(slug="heat").comment_count == 2


def test_importing_twice_is_refused_rather_than_doubling_comments(blog, tmp_path):
    path = tmp_path / "blog.json"
    call_command("export_json", output=str(path), stderr=StringIO())

    with pytest.raises(CommandError, match="already have comments"):
        call_command("import_json", str(path), stdout=StringIO())
    assert Comment.objects.count() == 5


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": "other"}'])
def test_a_file_that_is_not_an_export_is_refused_clearly(db, tmp_path, content):
    path = tmp_path / "x.json"
    path.write_text(content)

    with pytest.raises(CommandError, match="Cannot import"):
        call_command("import_json", str(path), stdout=StringIO())
