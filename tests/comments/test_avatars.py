from django.test import Client

from comments.avatars import avatar_key, identicon_svg
from tests.factories import make_comment


def test_the_same_email_always_gets_the_same_avatar():
    assert avatar_key("Neil@Example.com ") == avatar_key("neil@example.com")
    assert avatar_key("neil@example.com") != avatar_key("chris@example.com")
    # A look-alike domain (dotless ı) is another mailbox, so another picture.
    assert avatar_key("neil@examplı.com") != avatar_key("neil@example.com")
    assert identicon_svg("0123456789abcdef") == identicon_svg("0123456789abcdef")


def test_the_avatar_key_is_not_a_plain_hash_of_the_email():
    import hashlib

    email = "neil@example.com"
    for algorithm in ("md5", "sha1", "sha256"):
        assert avatar_key(email) not in hashlib.new(algorithm, email.encode()).hexdigest()


def test_each_comment_shows_a_local_svg_avatar(client, db):
    comment = make_comment(email="neil@example.com")

    html = client.get(comment.article.get_absolute_url()).content.decode()

    assert f'<img src="/avatars/{avatar_key("neil@example.com")}.svg" alt=""' in html


def test_the_avatar_url_serves_cacheable_svg(db):
    response = Client().get("/avatars/0123456789abcdef.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "immutable" in response["Cache-Control"]
    assert response.content.startswith(b"<svg")
    assert b"script" not in response.content


def test_a_malformed_avatar_key_is_404(db):
    assert Client().get("/avatars/not-a-key.svg").status_code == 404
    assert Client().get("/avatars/" + "a" * 64 + ".svg").status_code == 404
