"""manage.py backup and restore, round-tripping through the real PostgreSQL server."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client, override_settings

from articles.models import Article
from comments.models import Comment
from tests.factories import make_article, make_comment

# pg_dump and pg_restore use connections of their own: they see committed rows only, and
# pg_restore would wait forever for the locks a test's open transaction holds.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _test_database_only(django_db_setup):
    # restore replaces a whole database: be sure it is pytest-django's.
    assert connections["default"].settings_dict["NAME"].startswith("test_")


@pytest.fixture
def article():
    """An article with a cover image, a comment and a reply, next to another article."""
    # Only the reference to the media file is in the database; with its size given,
    # Django doesn't open the (absent) file to measure it.
    heat = make_article(
        title="Heat (1995)",
        cover_image="covers/heat.jpg",
        cover_width=1200,
        cover_height=675,
        cover_alt="Pacino and De Niro in the diner",
    )
    comment = make_comment(article=heat, text="The diner scene still holds up.")
    make_comment(article=heat, parent=comment, text="Two men, one table, no guns.")
    make_article(title="Thief (1981)")
    return heat


def _contents():
    """Every article and comment, field by field, in a form that compares exactly."""
    return {
        "articles": list(
            Article.objects.order_by("pk").values_list(
                "pk", "title", "slug", "status", "cover_image", "body_html"
            )
        ),
        "comments": list(
            Comment.objects.order_by("pk").values_list(
                "pk", "article_id", "parent_id", "name", "text", "status"
            )
        ),
    }


def _backup(folder):
    call_command("backup", dir=folder, stdout=StringIO())
    [dump] = folder.glob("*.dump")
    return dump


def _restore(dump, **options):
    call_command("restore", dump, stdout=StringIO(), **options)


def _database_name():
    return connections["default"].settings_dict["NAME"]


def test_backup_writes_a_dump_named_for_the_utc_time_and_says_where_and_how_big(tmp_path):
    out = StringIO()
    with time_machine.travel(datetime(2026, 11, 25, 23, 15, tzinfo=UTC), tick=False):
        call_command("backup", dir=tmp_path / "backups", stdout=out)

    dump = tmp_path / "backups" / "heatblog-20261125-231500.dump"
    assert [*dump.parent.iterdir()] == [dump]
    assert dump.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    assert f"to {dump} (" in out.getvalue()
    assert "KB)" in out.getvalue()


def test_a_backup_is_readable_by_its_owner_only(tmp_path):
    dump = _backup(tmp_path)

    assert dump.stat().st_mode & 0o777 == 0o600


def test_a_failed_backup_is_a_clear_error_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setitem(connections["default"].settings_dict, "NAME", "test_no_such_database")

    with pytest.raises(CommandError, match='database "test_no_such_database" does not exist'):
        call_command("backup", dir=tmp_path, stdout=StringIO())

    assert [*tmp_path.iterdir()] == []


def test_restore_brings_back_everything_as_it_was_at_the_backup(article, tmp_path):
    at_backup = _contents()
    dump = _backup(tmp_path)
    Comment.objects.all().delete()
    Article.objects.filter(pk=article.pk).update(title="Edited after the backup")
    make_article(title="Written after the backup")

    _restore(dump, yes=True)

    assert _contents() == at_backup
    assert Comment.objects.count() == 2
    reply = Comment.objects.get(text="Two men, one table, no guns.")
    assert reply.parent.text == "The diner scene still holds up."
    restored = Article.objects.get(pk=article.pk)
    assert restored.title == "Heat (1995)"
    assert restored.cover_image.name == "covers/heat.jpg"
    assert not Article.objects.filter(title__contains="after the backup").exists()


def test_the_site_takes_new_comments_after_a_restore(article, tmp_path, client):
    dump = _backup(tmp_path)
    make_comment(article=article, text="Posted after the backup, gone after the restore.")
    before = client.get(article.get_absolute_url())
    assert before.status_code == 200
    assert "gone after the restore" in before.content.decode()
    _restore(dump, yes=True)

    # The id sequence came back too: a new row must not collide with a restored one.
    make_comment(article=article, text="Posted after the restore.")

    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "The diner scene still holds up." in page
    assert "Posted after the restore." in page
    assert "gone after the restore" not in page


def test_pages_cached_before_the_restore_are_not_served_after_it(article, tmp_path, settings):
    settings.PAGE_CACHE_SECONDS = 300
    collateral = make_article(title="Collateral (2004)")
    dump = _backup(tmp_path)
    collateral.title = "Retitled after the backup"
    collateral.save()
    before = Client().get(collateral.get_absolute_url())
    assert before.status_code == 200
    assert "Retitled after the backup" in before.text

    _restore(dump, yes=True)

    response = Client().get(collateral.get_absolute_url())
    assert response.status_code == 200
    page = response.text
    assert "Collateral (2004)" in page
    assert "Retitled after the backup" not in page


def test_restore_leaves_other_sites_in_a_shared_redis_alone(article, tmp_path, redis_url):
    import redis

    shared_redis = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "heatblog",
        }
    }
    neighbour = redis.Redis.from_url(redis_url)
    neighbour.set("otherblog:1:sessions", "theirs")
    dump = _backup(tmp_path)

    with override_settings(CACHES=shared_redis):
        _restore(dump, yes=True)

    assert neighbour.get("otherblog:1:sessions") == b"theirs"


def test_a_file_that_is_not_a_dump_is_refused_and_nothing_changes(article, tmp_path):
    not_a_dump = tmp_path / "heatblog-20261125-231500.dump"
    not_a_dump.write_text("SELECT 'a SQL script is not a custom-format archive';\n")
    before = _contents()

    with pytest.raises(CommandError, match="is not a pg_dump custom-format archive"):
        _restore(not_a_dump, yes=True)

    assert _contents() == before


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        _restore(tmp_path / "heatblog-20261125-231500.dump", yes=True)


def test_restore_asks_for_the_database_name_and_a_wrong_answer_changes_nothing(
    article, tmp_path, monkeypatch
):
    dump = _backup(tmp_path)
    Comment.objects.all().delete()
    before = _contents()
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "yes")

    with pytest.raises(CommandError, match="Nothing was restored"):
        _restore(dump)

    assert f"This replaces everything in database {_database_name()} on host " in prompts[0]
    assert f"with {dump}." in prompts[0]
    assert prompts[0].endswith("Type the database name to continue: ")
    assert _contents() == before


def test_restore_goes_ahead_when_the_database_name_is_typed(article, tmp_path, monkeypatch):
    dump = _backup(tmp_path)
    Comment.objects.all().delete()
    monkeypatch.setattr("builtins.input", lambda prompt: _database_name())

    _restore(dump)

    assert Comment.objects.count() == 2


def test_restore_without_a_terminal_asks_for_yes(article, tmp_path, monkeypatch):
    dump = _backup(tmp_path)

    def no_terminal(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)

    with pytest.raises(CommandError, match="Pass --yes"):
        _restore(dump)


@pytest.mark.django_db  # inside the test's transaction
def test_restore_refuses_to_run_inside_a_transaction(tmp_path):
    dump = _backup(tmp_path)

    with pytest.raises(CommandError, match="inside a transaction"):
        _restore(dump, yes=True)
