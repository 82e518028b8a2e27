"""Images: what editors upload is checked by content; readers get sized renditions."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.images import clean_image, renditions
from tests.factories import make_article


def image_bytes(fmt="JPEG", size=(1200, 800), mode="RGB", exif=None, **save):
    out = io.BytesIO()
    image = Image.new(mode, size, color=(200, 80, 40) if mode == "RGB" else None)
    if exif is not None:
        save["exif"] = exif
    image.save(out, format=fmt, **save)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF"])
def test_real_images_of_each_accepted_format_pass(fmt):
    cleaned = clean_image(upload(image_bytes(fmt, size=(300, 200))))

    assert Image.open(cleaned).format == fmt


def test_a_file_is_judged_by_its_content_not_its_name():
    with pytest.raises(ValidationError, match="not an image we can use"):
        clean_image(upload(b"<?php system($_GET['c']); ?>", name="photo.jpg"))


def test_a_real_image_with_a_misleading_name_gets_the_right_extension():
    cleaned = clean_image(upload(image_bytes("PNG", size=(50, 50)), name="holiday.jpg"))

    assert cleaned.name.endswith(".png")


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a<script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"",
        b"\x00" * 1024,
    ],
    ids=["gif-header-then-script", "svg", "empty", "zeros"],
)
def test_things_that_are_not_images_are_refused(data):
    with pytest.raises(ValidationError):
        clean_image(upload(data))


def test_other_image_formats_are_refused_with_a_useful_message():
    with pytest.raises(ValidationError, match="BMP images are not supported"):
        clean_image(upload(image_bytes("BMP", size=(10, 10)), name="x.bmp"))


def test_a_truncated_image_is_refused():
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        clean_image(upload(image_bytes("PNG", size=(400, 400))[:200]))


def test_files_over_10_mb_are_refused():
    with pytest.raises(ValidationError, match="at most 10 MB"):
        clean_image(upload(b"\xff" * (10 * 1024 * 1024 + 1)))


def test_more_than_40_megapixels_is_refused_before_decoding():
    big = image_bytes("PNG", size=(8000, 5001), mode="1")  # tiny file, huge picture

    with pytest.raises(ValidationError, match="40 megapixels"):
        clean_image(upload(big, name="bomb.png"))


def test_a_decompression_bomb_is_refused():
    bomb = image_bytes("PNG", size=(20000, 20000), mode="1")

    with pytest.raises(ValidationError, match="40 megapixels"):
        clean_image(upload(bomb, name="bomb.png"))


def test_exif_and_gps_metadata_are_stripped():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {2: (51, 30, 0)}  # GPSInfo: latitude
    original = image_bytes("JPEG", size=(200, 100), exif=exif.tobytes())
    assert b"SpyCam" in original

    cleaned = clean_image(upload(original)).read()

    assert b"SpyCam" not in cleaned
    assert not Image.open(io.BytesIO(cleaned)).getexif()


def test_oversized_images_are_scaled_down():
    cleaned = clean_image(upload(image_bytes("JPEG", size=(6000, 3000))))

    assert Image.open(cleaned).size == (2400, 1200)


def test_each_upload_gets_a_unique_name():
    data = image_bytes("JPEG", size=(10, 10))

    assert clean_image(upload(data)).name != clean_image(upload(data)).name


def _stored(fmt="JPEG", size=(2000, 1000), mode="RGB"):
    return default_storage.save(
        f"uploads/test.{fmt.lower()}", io.BytesIO(image_bytes(fmt, size, mode))
    )


def test_renditions_are_made_in_three_widths_as_webp_and_jpeg():
    name = _stored()

    sources = renditions(name)

    assert (sources["width"], sources["height"]) == (2000, 1000)
    assert [w for _, w in sources["webp"]] == [480, 960, 1600]
    assert [w for _, w in sources["fallback"]] == [480, 960, 1600]
    assert all(url.endswith(".webp") for url, _ in sources["webp"])
    assert all(url.endswith(".jpg") for url, _ in sources["fallback"])
    with default_storage.open(sources["webp"][0][0].removeprefix("/media/")) as f:
        assert Image.open(f).size == (480, 240)


def test_transparent_images_fall_back_to_png():
    sources = renditions(_stored("PNG", size=(800, 800), mode="RGBA"))

    assert all(url.endswith(".png") for url, _ in sources["fallback"])
    assert [w for _, w in sources["webp"]] == [480, 800]


def test_renditions_are_made_once_and_reused(monkeypatch):
    name = _stored()
    renditions(name)
    saved = []
    monkeypatch.setattr(default_storage, "save", lambda *a, **k: saved.append(a))

    renditions(name)

    assert saved == []


def test_body_images_become_responsive_pictures_with_dimensions_and_lazy_loading(db):
    name = _stored()

    html = make_article(body=f"Text\n\n![A street at night](/media/{name})").body_html

    assert '<picture><source type="image/webp" srcset="' in html
    assert 'width="2000" height="1000"' in html
    assert 'loading="lazy"' in html
    assert 'alt="A street at night"' in html
    assert 'sizes="(min-width: 46rem) 42rem, 100vw"' in html


def test_a_missing_body_image_keeps_its_tag(db):
    html = make_article(body="![gone](/media/uploads/none.jpg)").body_html

    assert '<img loading="lazy" decoding="async" alt="gone" src="/media/uploads/none.jpg">' in html


# ---- Nothing but pixels: text hidden in an image's metadata does not survive -----------------

PAYLOAD = b"<script>alert(1)</script>"


def _gif_with_an_application_extension(gif: bytes, identifier: bytes, data: bytes) -> bytes:
    """Insert an application extension (as XMP in GIF is carried) after the global header."""
    block = b"\x21\xff\x0b" + identifier
    for start in range(0, len(data), 255):
        chunk = data[start : start + 255]
        block += bytes([len(chunk)]) + chunk
    packed = gif[10]
    color_table = 3 * 2 ** ((packed & 0x07) + 1) if packed & 0x80 else 0
    at = 13 + color_table
    return gif[:at] + block + b"\x00" + gif[at:]


def _gif_application_extensions(gif: bytes) -> list[bytes]:
    """The identifiers of a GIF's application extension blocks, read block by block."""
    packed = gif[10]
    at = 13 + (3 * 2 ** ((packed & 0x07) + 1) if packed & 0x80 else 0)
    identifiers = []
    while gif[at] != 0x3B:  # trailer
        if gif[at] == 0x21:  # extension: introducer, label, data sub-blocks
            label, at = gif[at + 1], at + 2
        else:  # image descriptor, optional local colour table, LZW code size, sub-blocks
            flags = gif[at + 9]
            at += 10 + (3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0) + 1
            label = None
        first = at
        while gif[at]:
            at += gif[at] + 1
        at += 1
        if label == 0xFF:
            identifiers.append(gif[first + 1 : first + 12])
    return identifiers


def _still_gif_with_hidden_text():
    out = io.BytesIO()
    Image.new("P", (40, 30), 3).save(out, format="GIF", comment=PAYLOAD)
    return _gif_with_an_application_extension(out.getvalue(), b"XMP DataXMP", PAYLOAD)


def _animated_gif_with_hidden_text():
    frames = []
    for step in range(3):
        frame = Image.new("P", (40, 30), 0)
        frame.putpalette([255, 255, 255, 200, 80, 40, 40, 80, 200])
        frame.paste(1 + step % 2, (step * 10, 0, step * 10 + 10, 30))
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(
        out, format="GIF", save_all=True, append_images=frames[1:],
        duration=[100, 200, 300], loop=0, transparency=0, comment=PAYLOAD,
    )  # fmt: skip
    return _gif_with_an_application_extension(out.getvalue(), b"XMP DataXMP", PAYLOAD)


def test_a_still_gif_loses_its_comment_and_application_extensions():
    original = _still_gif_with_hidden_text()
    assert original.count(PAYLOAD) == 2

    cleaned = clean_image(upload(original, name="still.gif")).read()

    assert PAYLOAD not in cleaned
    assert b"\x21\xfe" not in cleaned  # no comment extension at all
    assert _gif_application_extensions(cleaned) == []
    assert Image.open(io.BytesIO(cleaned)).size == (40, 30)


def test_an_animated_gif_loses_its_comment_and_keeps_only_the_loop_extension():
    original = _animated_gif_with_hidden_text()
    assert original.count(PAYLOAD) == 2

    cleaned = clean_image(upload(original, name="moving.gif")).read()

    assert PAYLOAD not in cleaned
    assert b"\x21\xfe" not in cleaned
    assert _gif_application_extensions(cleaned) == [b"NETSCAPE2.0"]


def test_an_animated_gif_keeps_its_frames_timing_loop_and_transparency():
    cleaned = Image.open(clean_image(upload(_animated_gif_with_hidden_text(), name="a.gif")))

    assert cleaned.n_frames == 3
    assert cleaned.info["loop"] == 0
    durations = []
    for index in range(3):
        cleaned.seek(index)
        durations.append(cleaned.info["duration"])
        assert cleaned.convert("RGBA").getpixel((35, 0))[3] == 0  # still see-through
    assert durations == [100, 200, 300]


def _exif_describing_payload():
    exif = Image.Exif()
    exif[0x010E] = PAYLOAD.decode()  # ImageDescription
    return exif.tobytes()


def _png_with_text_chunks():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", PAYLOAD)  # tEXt
    info.add_itxt("XML:com.adobe.xmp", PAYLOAD.decode())  # iTXt
    info.add_text("Description", PAYLOAD, zip=True)  # zTXt (compressed: check the chunks too)
    return image_bytes("PNG", size=(40, 30), pnginfo=info)


@pytest.mark.parametrize(
    "original",
    [
        pytest.param(lambda: image_bytes("JPEG", size=(40, 30), comment=PAYLOAD), id="jpeg-com"),
        pytest.param(_png_with_text_chunks, id="png-text-itxt-ztxt"),
        pytest.param(
            lambda: image_bytes(
                "WEBP", size=(40, 30), xmp=PAYLOAD, exif=_exif_describing_payload()
            ),
            id="webp-xmp-exif",
        ),
    ],
)
def test_text_in_jpeg_png_and_webp_metadata_does_not_survive(original):
    data = original()
    assert PAYLOAD in data

    cleaned = clean_image(upload(data)).read()

    assert PAYLOAD not in cleaned
    reopened = Image.open(io.BytesIO(cleaned))
    assert not reopened.getexif()
    assert not {"comment", "xmp", "exif", "Comment", "XML:com.adobe.xmp", "Description"} & set(
        reopened.info
    )  # COM segments, XMP and EXIF, PNG tEXt / iTXt / zTXt (compressed, so unseen above)


def test_an_image_with_unreadable_exif_is_accepted_without_it():
    data = image_bytes("PNG", size=(40, 30), exif=b"Exif\x00\x00" + PAYLOAD)

    cleaned = clean_image(upload(data, name="odd.png")).read()

    assert PAYLOAD not in cleaned
    assert Image.open(io.BytesIO(cleaned)).size == (40, 30)


def test_an_animation_with_too_many_pixels_in_all_is_refused_clearly():
    frames = [Image.new("P", (2000, 2000), color) for color in range(60)]
    data = io.BytesIO()
    frames[0].save(data, format="GIF", save_all=True, append_images=frames[1:])
    upload = SimpleUploadedFile("long.gif", data.getvalue(), content_type="image/gif")

    with pytest.raises(ValidationError, match="60 frames of 2000×2000 pixels"):
        clean_image(upload)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_colour_profile_stuffed_with_bytes_does_not_survive(fmt):
    data = image_bytes(fmt, size=(40, 30), icc_profile=b"\0" * 128 + PAYLOAD)
    assert PAYLOAD in Image.open(io.BytesIO(data)).info["icc_profile"]  # PNG compresses it

    cleaned = clean_image(upload(data, name=f"odd.{fmt.lower()}")).read()

    reopened = Image.open(io.BytesIO(cleaned))
    assert reopened.size == (40, 30)
    assert "icc_profile" not in reopened.info
    assert PAYLOAD not in cleaned


def test_a_real_colour_profile_is_applied_to_the_pixels_then_dropped():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = image_bytes("PNG", size=(40, 30), icc_profile=srgb)

    cleaned = Image.open(io.BytesIO(clean_image(upload(data, name="srgb.png")).read()))

    assert "icc_profile" not in cleaned.info
    assert cleaned.getpixel((0, 0))[:3] == pytest.approx((200, 80, 40), abs=2)  # colours kept
