"""DATABASE_REPLICA_URL: public pages read from the replica, writes and the admin use
the primary, and a reader who just wrote reads the primary for a moment.

The "replica" here is a second database that is deliberately different (its copy
of the article has another title and it never receives new comments), so every
page shows which database it was read from.
"""

import uuid

import psycopg
import pytest

from tests.servers import Gunicorn, Reader, manage, scratch_database, server_url

ARTICLE = "/articles/heat-1995-the-crime-epic-that-changed-cinema-forever/"
PRIMARY_TITLE = "Heat (1995): The Crime Epic That Changed Cinema Forever"
REPLICA_TITLE = "Heat, as the replica has it"


@pytest.fixture
def primary_and_replica(site_env, scratch_db, tmp_path):
    name = f"heatblog_replica_{uuid.uuid4().hex[:8]}"
    with scratch_database(server_url("postgres"), name) as replica_url:
        manage("load_heat", DATABASE_URL=replica_url, DATABASE_POOL="false")
        with psycopg.connect(replica_url) as conn:
            conn.execute("UPDATE articles_article SET title = %s", [REPLICA_TITLE])
        manage(
            "shell",
            "-c",
            "from django.contrib.auth.models import User; "
            "User.objects.create_superuser('editor', 'e@example.com', 'a-long-editor-password')",
            DATABASE_URL=scratch_db,
            DATABASE_POOL="false",
        )
        env = {
            **site_env,
            "DATABASE_URL": scratch_db,
            "DATABASE_REPLICA_URL": replica_url,
            "PAGE_CACHE_SECONDS": "0",
            "COMMENTS_MIN_SECONDS": "0",
            "COMMENTS_FIRST_TIME_HELD": "false",
        }
        with Gunicorn(env, log=tmp_path / "gunicorn.log") as site:
            yield site, scratch_db, replica_url


def _comments(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [text for (text,) in conn.execute("SELECT text FROM comments_comment")]


def test_readers_pages_come_from_the_replica(primary_and_replica):
    site, _, _ = primary_and_replica

    page = Reader(site).get(ARTICLE)

    assert page.status == 200
    assert REPLICA_TITLE in page.text
    assert PRIMARY_TITLE not in page.text


def test_a_comment_is_written_to_the_primary_and_its_author_sees_it_at_once(
    primary_and_replica,
):
    site, primary, replica = primary_and_replica
    reader = Reader(site)
    form = reader.get(ARTICLE).hidden_fields()

    sent = reader.post(
        f"{ARTICLE}comment/",
        {**form, "text": "Written to the primary.", "name": "Hanna", "email": "h@example.com"},
    )
    back = reader.get(ARTICLE)  # where the redirect sends them, replica or not

    assert sent.status == 302
    assert _comments(primary) == ["Written to the primary."]
    assert _comments(replica) == []
    assert "Written to the primary." in back.text
    assert PRIMARY_TITLE in back.text  # read from the primary while pinned
    assert REPLICA_TITLE in Reader(site).get(ARTICLE).text  # everyone else: the replica


def test_the_admin_reads_and_writes_the_primary(primary_and_replica):
    site, _, _ = primary_and_replica
    editor = Reader(site)
    login = editor.get("/admin/login/")
    sent = editor.post(
        "/admin/login/",
        {**login.hidden_fields(), "username": "editor", "password": "a-long-editor-password"},
    )
    assert sent.status == 302  # the account exists only on the primary

    articles = editor.get("/admin/articles/article/")

    assert articles.status == 200
    assert PRIMARY_TITLE in articles.text
    assert REPLICA_TITLE not in articles.text
