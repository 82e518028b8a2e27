"""Uploaded files served from this server's disk: images as images, anything else as a
download, nothing outside the media folder."""

import pytest


@pytest.fixture
def uploads(settings):
    folder = settings.MEDIA_ROOT / "uploads"
    folder.mkdir(parents=True)
    return folder


def test_an_uploaded_image_is_served_as_an_image_that_cannot_be_sniffed(client, uploads):
    (uploads / "still.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)

    response = client.get("/media/uploads/still.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "immutable" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["page.html", "page.svg", "run.js", "x.htm", "noext", "a.PHP"])
def test_a_file_that_is_not_an_image_is_a_download_never_a_page_or_a_script(client, uploads, name):
    (uploads / name).write_text("<script>alert(document.cookie)</script>")

    response = client.get(f"/media/uploads/{name}")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_media_paths_cannot_leave_the_media_folder(client, uploads):
    response = client.get("/media/../heatblog/settings.py")
    escaped = client.get("/media/uploads/%2e%2e/%2e%2e/manage.py")

    assert response.status_code in {400, 404}
    assert escaped.status_code in {400, 404}
    assert b"SECRET_KEY" not in response.content
    assert b"django" not in escaped.content.lower()
    (uploads / "inside.txt").write_text("SECRET_KEY and django, inside the media folder")
    inside = client.get("/media/uploads/inside.txt")
    assert inside.status_code == 200
    assert b"SECRET_KEY and django" in inside.getvalue()  # what is inside is served
