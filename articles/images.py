"""Images editors upload: checked by content, cleaned of metadata, sized for the web.

Used by the markdownx editor upload and the cover image field alike. Pillow
decides what a file is from its bytes (never its name or the browser's
content type); anything that is not a real JPEG, PNG, WebP or GIF, is too large,
has too many pixels or is truncated is refused with a message an editor can act
on. Accepted images are re-encoded from their pixels alone, which drops EXIF
(GPS position, camera serial), XMP, comments (GIF comment extensions, JPEG COM
segments, PNG text chunks) and any bytes hidden after the image data.
"""

import io
import struct
import uuid
import warnings

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageCms, ImageOps, ImageSequence, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_ANIMATION_PIXELS = 200_000_000  # all frames together: each is held in memory to re-encode
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
            frames = getattr(image, "n_frames", 1)
            if width * height * frames > MAX_ANIMATION_PIXELS:
                raise ValidationError(
                    f"This animation has {frames} frames of {width}×{height} pixels, too many "
                    "to process; shorten it or make it smaller."
                )
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image has far too many pixels to process; the limit is 40 megapixels."
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            "This file is not an image we can use: upload a JPEG, PNG, WebP or GIF."
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            "This image is damaged or incomplete; try exporting it again."
        ) from None
    return ContentFile(_reencode(image), name=_unique_name(image.format))


# What a re-encoded image keeps of Image.info: which palette entry is see-through.
# Everything else goes, because Pillow writes some of it back: GIF and JPEG comments
# come from info["comment"], and a colour profile is a blob of any bytes an uploader
# likes (the pixels are converted to sRGB first, so a Display P3 screenshot keeps
# its colours without one).
_PIXEL_INFO = ("transparency",)
_SRGB = ImageCms.createProfile("sRGB")


def _pixels_only(image: Image.Image) -> Image.Image:
    if (profile := image.info.get("icc_profile")) and image.mode in ("RGB", "RGBA"):
        image = _in_srgb(image, profile)
    image.info = {key: image.info[key] for key in _PIXEL_INFO if key in image.info}
    return image


def _in_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """The image's colours in sRGB, or the image as it is if its profile is no profile."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, _SRGB, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _reencode(image: Image.Image) -> bytes:
    fmt = image.format
    out = io.BytesIO()
    if fmt == "GIF" and getattr(image, "is_animated", False):
        _save_animation(image, out)
        return out.getvalue()
    image = _upright(image)
    if max(image.size) > MAX_EDGE:
        image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    image = _pixels_only(image)
    if fmt == "JPEG":
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=85)
    else:
        image.save(out, format=fmt, optimize=True)
    return out.getvalue()


def _upright(image: Image.Image) -> Image.Image:
    """A copy turned the way the camera's EXIF says (the EXIF itself is dropped later)."""
    try:
        return ImageOps.exif_transpose(image)
    except (SyntaxError, ValueError, OSError, struct.error):
        return image.copy()  # EXIF Pillow can't parse: there is no rotation to honour


def _save_animation(image: Image.Image, out: io.BytesIO) -> None:
    """Save every frame with its duration and the loop count, and nothing else.

    Frames keep their size (resizing an animation is lossy and slow). Each frame is
    copied out of the original because seeking re-reads its comment into image.info.
    """
    loop = image.info.get("loop")  # read once, before seeking through the frames
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 0))
        frames.append(_pixels_only(frame.copy()))
    options = {"duration": durations, "optimize": False}
    if loop is not None:
        # Looping needs the NETSCAPE2.0 application extension, the only one Pillow
        # writes: other application extensions (XMP and the like) are never copied.
        options["loop"] = loop
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], **options)


def _unique_name(fmt: str) -> str:
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{FORMATS[fmt]}"


RENDITION_WIDTHS = (480, 960, 1600)
RENDITIONS_DIR = "renditions"


def renditions(name: str) -> dict:
    """Make (once) and describe the responsive renditions of a stored image.

    Each width exists as WebP and as JPEG (PNG when the image has transparency),
    under renditions/ next to nothing else, and is never regenerated. Returns the
    original's size and the two srcsets; {} when the file can't be read.
    """
    try:
        with default_storage.open(name) as file:
            image = Image.open(file)
            width, height = image.size
            if image.format == "GIF":  # animations stay as they are
                return {"width": width, "height": height, "src": default_storage.url(name)}
            has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            fallback = ("PNG", "png") if has_alpha else ("JPEG", "jpg")
            widths = [w for w in RENDITION_WIDTHS if w < width] or [width]
            if width < RENDITION_WIDTHS[-1] and width not in widths:
                widths.append(width)
            sources = {"webp": [], "fallback": []}
            for target_width in widths:
                for key, (fmt, ext) in (("webp", ("WEBP", "webp")), ("fallback", fallback)):
                    target = _rendition_name(name, target_width, ext)
                    if not default_storage.exists(target):
                        default_storage.save(
                            target, ContentFile(_resized(image, target_width, fmt))
                        )
                    sources[key].append([default_storage.url(target), target_width])
    except (OSError, ValueError, Image.DecompressionBombError, SuspiciousFileOperation):
        return {}  # unreadable, not an image, or a path that leaves the media folder
    middle = sources["fallback"][min(1, len(sources["fallback"]) - 1)][0]
    return {"width": width, "height": height, "src": middle, **sources}


def _rendition_name(name: str, width: int, ext: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return f"{RENDITIONS_DIR}/{stem}-{width}.{ext}"


def _resized(image: Image.Image, width: int, fmt: str) -> bytes:
    copy = image.copy()
    copy.thumbnail((width, width * 10), Image.Resampling.LANCZOS)
    if fmt == "JPEG":
        copy = copy.convert("RGB")
    elif copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGBA")
    out = io.BytesIO()
    copy.save(out, format=fmt, quality=82, optimize=True)
    return out.getvalue()
