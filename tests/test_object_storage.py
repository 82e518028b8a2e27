"""Uploads in S3-compatible object storage (django-storages), against moto's S3 server."""

import json
import urllib.request

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from harness.servers import PRODUCTION_ENV, free_port, manage
from heatblog.storage import origin_of, s3_media_storage
from tests.articles.test_images import image_bytes
from tests.factories import make_article

BUCKET = "heatblog-media"
UPLOAD = "/admin/articles/article/upload/"
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}


def test_without_a_bucket_uploads_stay_on_this_servers_disk():
    assert s3_media_storage({}) is None
    assert s3_media_storage({"AWS_STORAGE_BUCKET_NAME": "  "}) is None


@pytest.mark.parametrize(
    ("env", "media_url", "origin"),
    [
        ({}, "https://s3.amazonaws.com/media.example.com/", "https://s3.amazonaws.com"),
        (
            {"AWS_S3_REGION_NAME": "eu-west-1"},
            "https://s3.eu-west-1.amazonaws.com/media.example.com/",
            "https://s3.eu-west-1.amazonaws.com",
        ),
        (
            {"AWS_S3_ENDPOINT_URL": "https://s3.example.net/"},
            "https://s3.example.net/media.example.com/",
            "https://s3.example.net",
        ),
        (
            {"AWS_S3_CUSTOM_DOMAIN": "cdn.example.com"},
            "https://cdn.example.com/",
            "https://cdn.example.com",
        ),
    ],
)
def test_images_are_linked_where_the_storage_serves_them(env, media_url, origin, monkeypatch):
    from storages.backends.s3 import S3Storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "heatblog-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "heatblog-test-secret")
    storage, url = s3_media_storage({"AWS_STORAGE_BUCKET_NAME": "media.example.com", **env})

    assert url == media_url
    # The same URL the storage gives (worked out offline, no request is made): the
    # renderer recognises uploads by it and the CSP allows exactly its origin.
    assert S3Storage(**storage["OPTIONS"]).url("uploads/still.jpg") == f"{url}uploads/still.jpg"
    assert origin_of(url) == [origin]
    assert storage["OPTIONS"]["querystring_auth"] is False
    assert origin_of("/media/") == []


@pytest.fixture
def s3(settings, monkeypatch):
    """moto's S3 server on 127.0.0.1 with an empty bucket, configured as the media storage."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "heatblog-test",
        "AWS_SECRET_ACCESS_KEY": "heatblog-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))  # as the README says
    storage, media_url = s3_media_storage(
        {"AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": endpoint}
    )
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.MEDIA_URL = media_url
    yield client
    server.stop()


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_image_uploaded_in_the_editor_lands_in_the_bucket_and_loads_from_it(s3, staff_client):
    file = SimpleUploadedFile("still.jpg", image_bytes("JPEG", size=(800, 600)), "image/jpeg")

    response = staff_client.post(UPLOAD, {"image": file}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    url = response.json()["image_code"].removeprefix("![](").removesuffix(")")
    assert url.startswith(f"{s3.meta.endpoint_url}/{BUCKET}/uploads/")
    [key] = _keys(s3)
    assert url.endswith(key)
    with urllib.request.urlopen(url) as served:
        assert served.headers["Content-Type"] == "image/jpeg"
        assert "immutable" in served.headers["Cache-Control"]
        assert served.read()[:3] == b"\xff\xd8\xff"  # a JPEG, EXIF stripped and re-encoded


@pytest.mark.django_db
def test_article_images_get_their_renditions_in_the_bucket(s3, client):
    name = default_storage.save("uploads/night.jpg", SimpleUploadedFile("n.jpg", image_bytes()))
    article = make_article(body=f"Words.\n\n![LA at night]({default_storage.url(name)})")

    page = client.get(article.get_absolute_url()).content.decode()

    webp = sorted(key for key in _keys(s3) if key.endswith(".webp"))
    assert webp == [f"renditions/uploads/night-{w}.webp" for w in (1200, 480, 960)]
    for key in webp:
        assert f"{s3.meta.endpoint_url}/{BUCKET}/{key}" in page
    with urllib.request.urlopen(f"{s3.meta.endpoint_url}/{BUCKET}/{webp[1]}") as served:
        assert served.headers["Content-Type"] == "image/webp"


def test_production_lets_pages_load_images_from_the_bucket_and_nowhere_else():
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps([settings.MEDIA_URL, [str(s) for s in settings.SECURE_CSP['img-src']],"
        " settings.STORAGES['default']['BACKEND']]))"
    )
    result = manage(
        "shell",
        "-c",
        script,
        **PRODUCTION_ENV,
        AWS_STORAGE_BUCKET_NAME="heatblog-media",
        AWS_S3_CUSTOM_DOMAIN="media.heatblog.example",
    )

    media_url, img_src, backend = json.loads(result.stdout.splitlines()[-1])
    assert media_url == "https://media.heatblog.example/"
    assert img_src == ["'self'", "https://media.heatblog.example"]
    assert backend == "storages.backends.s3.S3Storage"
