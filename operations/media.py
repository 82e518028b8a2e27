"""Uploaded files, served from this server's disk (when no bucket holds them)."""

import base64
from pathlib import Path

from django.conf import settings
from django.views.static import serve

# The smallest image a page can ask for when all it wants is the request (a 1×1 GIF).
TRANSPARENT_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


def media(request, path):
    """An uploaded file: as the image it is, or as a download; never as HTML or script.

    Uploads are checked to be images when they arrive; this is the second lock. The
    type comes from our own list, the browser may not guess another (nosniff), and
    a sandboxing CSP keeps anything that slipped through from running.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
    response["Content-Type"] = content_type or "application/octet-stream"
    if content_type is None:
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Uploads and renditions get fresh, unique names: they never change.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
