"""DATABASE_REPLICA_URL: public pages read from the replica, writes and the admin use
the primary, and a reader who just wrote reads the primary for a moment.

The "replica" here is a second database that is deliberately different (its copy
of the article has another title and it never receives new comments), so every
page shows which database it was read from.
"""

import uuid

import psycopg
import pytest

from harness.reader import Reader
from harness.servers import HEAT, Gunicorn, manage, scratch_database, server_url

PRIMARY_TITLE = "Heat (1995): The Crime Epic That Changed Cinema Forever"
REPLICA_TITLE = "Heat, as the replica has it"


def _site_env(site_env, primary_url, replica_url):
    return {
        **site_env,
        "DATABASE_URL": primary_url,
        "DATABASE_REPLICA_URL": replica_url,
        "PAGE_CACHE_SECONDS": "0",
        "COMMENTS_MIN_SECONDS": "0",
        "COMMENTS_FIRST_TIME_HELD": "false",
    }


@pytest.fixture
def primary_and_replica(site_env, scratch_db, tmp_path):
    name = f"heatblog_replica_{uuid.uuid4().hex[:8]}"
    with scratch_database(server_url("postgres"), name) as replica_url:
        manage("load_heat", DATABASE_URL=replica_url, DATABASE_POOL="false")
        with psycopg.connect(replica_url) as conn:
            conn.execute("UPDATE articles_article SET title = %s", [REPLICA_TITLE])
        env = _site_env(site_env, scratch_db, replica_url)
        with Gunicorn(env, log=tmp_path / "gunicorn.log") as site:
            yield site, scratch_db, replica_url


def _comments(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        return [text for (text,) in conn.execute("SELECT text FROM comments_comment")]


def test_readers_pages_come_from_the_replica(primary_and_replica):
    site, _, _ = primary_and_replica

    page = Reader(site).get(HEAT)

    assert page.status == 200
    assert REPLICA_TITLE in page.text
    assert PRIMARY_TITLE not in page.text


def test_a_comment_is_written_to_the_primary_and_its_author_sees_it_at_once(
    primary_and_replica,
):
    site, primary, replica = primary_and_replica
    reader = Reader(site)
    form = reader.get(HEAT).hidden_fields()

    sent = reader.post(
        f"{HEAT}comment/",
        {**form, "text": "Written to the primary.", "name": "Hanna", "email": "h@example.com"},
    )
    back = reader.get(HEAT)  # where the redirect sends them, replica or not

    assert sent.status == 302
    assert _comments(primary) == ["Written to the primary."]
    assert _comments(replica) == []
    assert "Written to the primary." in back.text
    assert PRIMARY_TITLE in back.text  # read from the primary while pinned
    assert REPLICA_TITLE in Reader(site).get(HEAT).text  # everyone else: the replica


def test_the_admin_reads_and_writes_the_primary(primary_and_replica, editor):
    site, _, _ = primary_and_replica
    browser = Reader(site)
    assert browser.sign_in(*editor).status == 302  # the account exists only on the primary

    articles = browser.get("/admin/articles/article/")

    assert articles.status == 200
    assert PRIMARY_TITLE in articles.text
    assert REPLICA_TITLE not in articles.text


def test_a_replica_that_is_down_costs_one_slow_page_not_an_outage(site_env, scratch_db, tmp_path):
    missing = scratch_db.replace("/heatblog_scenario_", "/no_such_replica_")
    with Gunicorn(_site_env(site_env, scratch_db, missing), log=tmp_path / "gunicorn.log") as site:
        pages = [Reader(site).get(HEAT) for _ in range(5)]

    assert [page.status for page in pages] == [200] * 5
    assert PRIMARY_TITLE in pages[0].text
