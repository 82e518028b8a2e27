"""Where uploads live: this server's disk by default, S3-compatible storage when configured.

Builds the STORAGES["default"] entry and MEDIA_URL from the environment.
"""

from collections.abc import Mapping
from urllib.parse import urlsplit


def s3_media_storage(env: Mapping[str, str]) -> tuple[dict, str] | None:
    """The STORAGES["default"] entry and MEDIA_URL for a bucket, or None without one.

    Credentials come the usual AWS way (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
    or the machine's role); AWS_S3_ENDPOINT_URL points at any S3-compatible
    service (MinIO, Ceph, R2…); AWS_S3_CUSTOM_DOMAIN at a CDN in front of it.
    """
    bucket = env.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return None
    endpoint = env.get("AWS_S3_ENDPOINT_URL", "").strip().rstrip("/") or None
    domain = env.get("AWS_S3_CUSTOM_DOMAIN", "").strip().strip("/") or None
    region = env.get("AWS_S3_REGION_NAME", "").strip() or None
    options = {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": region,
        "custom_domain": domain,
        # Path-style URLs (host/bucket/key) are the same for every bucket name and
        # service, so MEDIA_URL and the CSP below can name them exactly.
        "addressing_style": "path",
        # Public images, read by browsers: plain URLs, no expiring signatures.
        "querystring_auth": False,
        # Uploads get fresh, unique names and never change: cache them for good.
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    if domain:
        media_url = f"https://{domain}/"
    elif endpoint:
        media_url = f"{endpoint}/{bucket}/"
    else:
        host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
        media_url = f"https://{host}/{bucket}/"
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, media_url


def origin_of(url: str) -> list[str]:
    """The origin a URL's images load from, for the CSP; [] for this site's own paths."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []
