"""The shipped deploy/nginx.conf in front of gunicorn, as production runs them."""

import time

import pytest

from harness.reader import Reader
from harness.servers import HEAT, Gunicorn, ShippedNginx, manage

SHARED_SECONDS = 2


@pytest.fixture
def behind_nginx(site_env, scratch_db, static_root):
    # PAGE_CACHE_SECONDS=1: what is measured here is the edge's cache, not the app's own.
    env = {
        **site_env, "DATABASE_URL": scratch_db, "PAGE_SHARED_SECONDS": str(SHARED_SECONDS),
        "PAGE_CACHE_SECONDS": "1", "COMMENTS_MIN_SECONDS": "0", "BEHIND_PROXY": "true",
    }  # fmt: skip
    with Gunicorn(env) as site, ShippedNginx(site, static_root) as edge:
        yield edge, scratch_db


def test_a_second_anonymous_reader_is_served_by_the_edge(behind_nginx):
    edge, _ = behind_nginx

    first, second = Reader(edge).get(HEAT), Reader(edge).get(HEAT)

    assert (first.status, second.status) == (200, 200)
    assert "Heat (1995)" in second.text
    assert first.headers["X-Cache-Status"] in ("MISS", "EXPIRED")
    assert second.headers["X-Cache-Status"] == "HIT"
    assert first.text == second.text


def test_a_newly_approved_comment_appears_within_s_maxage(behind_nginx):
    edge, database = behind_nginx
    assert "Approved at the edge" not in Reader(edge).get(HEAT).text
    manage(
        "shell", "-c",
        "from articles.models import Article; from comments.models import Comment; "
        "Comment.objects.create(article=Article.objects.get(), name='Neil', "
        "email='neil@example.com', text='Approved at the edge', status='approved')",
        DATABASE_URL=database, DATABASE_POOL="false",
    )  # fmt: skip

    time.sleep(SHARED_SECONDS + 1.5)
    page = Reader(edge).get(HEAT)

    assert page.status == 200
    assert "Approved at the edge" in page.text


def test_a_commenter_posts_through_the_edge_and_sees_their_held_comment(behind_nginx):
    edge, _ = behind_nginx
    Reader(edge).get(HEAT)  # the shared page is in the edge's cache now
    commenter = Reader(edge)
    form = {**commenter.get(HEAT).hidden_fields(), "text": "Held, but mine to see.",
            "name": "Vincent", "email": "vincent@example.com"}  # fmt: skip

    sent = commenter.post(f"{HEAT}comment/", form)
    mine = commenter.get(HEAT)
    theirs = Reader(edge).get(HEAT)

    assert sent.status == 302
    assert mine.headers["X-Cache-Status"] == "BYPASS"
    assert "Held, but mine to see." in mine.text
    assert theirs.status == 200
    assert "Held, but mine to see." not in theirs.text
