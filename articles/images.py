"""Images editors upload: checked by content, cleaned of metadata, sized for the web.

Used by the markdownx editor upload and the cover image field alike. Pillow
decides what a file is from its bytes (never its name or the browser's
content type); anything that is not a real JPEG, PNG, WebP or GIF, is too large,
has too many pixels or is truncated is refused with a message an editor can act
on. Accepted images are re-encoded, which drops EXIF (GPS position, camera
serial) and any bytes hidden after the image data.
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_EDGE = 2400  # larger images are scaled down: no screen needs more
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def clean_image(upload) -> ContentFile:
    """Validate an uploaded file as an image and return it re-encoded, with a fresh name."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {upload.size / 1024 / 1024:.1f} MB; images can be at most 10 MB."
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in FORMATS:
                raise ValidationError(
                    f"{image.format} images are not supported; upload a JPEG, PNG, WebP or GIF."
                )
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    f"This image is {width}×{height} pixels; the limit is 40 megapixels."
                )
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This file is not an image we can use: upload a JPEG, PNG, WebP or GIF."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This image is damaged or incomplete; try exporting it again."
        ) from None
    return ContentFile(_reencode(image), name=_unique_name(image.format))


def _reencode(image: Image.Image) -> bytes:
    fmt = image.format
    out = io.BytesIO()
    if fmt == "GIF" and getattr(image, "is_animated", False):
        # Keep animations as they are (resizing frames is lossy and slow);
        # re-saving still drops comments and trailing data.
        image.save(out, format="GIF", save_all=True, optimize=False)
        return out.getvalue()
    image = ImageOps.exif_transpose(image)  # honour the camera's rotation before EXIF goes
    if max(image.size) > MAX_EDGE:
        image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    if fmt == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=85)
    else:
        image.save(out, format=fmt, optimize=True)
    return out.getvalue()


def _unique_name(fmt: str) -> str:
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{FORMATS[fmt]}"
