"""Photo intake (no database). Every picture is made here with Pillow, so nothing depends on fixture files."""

import hashlib
import io
import os
from datetime import datetime

import pytest
from django.utils import translation
from django.utils.functional import Promise
from PIL import Image, ImageChops, ImageFile, ImageFilter, ImageStat
from PIL.TiffImagePlugin import IFDRational

from gongjian.inspections.photos import THUMB_REDUCING_GAP, PhotoRejected, ProcessedPhoto, process_photo

RED = (220, 30, 30)
BLUE = (30, 30, 220)


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def noisy(size=(400, 300)) -> Image.Image:
    """Random pixels, so that the encoded file is big enough for half of it to be clearly incomplete."""
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def top_red_bottom_blue(size=(400, 300)) -> Image.Image:
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0], size[1] // 2))
    return image


def camera_exif(*, orientation=None, taken=None, modified=None, gps=None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation is not None:
        exif[0x0112] = orientation
    if modified is not None:
        exif[306] = modified
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken
    if gps is not None:
        exif.get_ifd(0x8825).update(gps)
    return exif


def camera_jpeg(image=None, **exif) -> bytes:
    return encode(image or top_red_bottom_blue(), "JPEG", quality=90, exif=camera_exif(**exif))


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rejection(data: bytes, **limits) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, **limits)
    return caught.value


def dominant(pixel) -> str:
    red, green, blue = pixel[:3]
    if red > 150 and blue < 100:
        return "red"
    if blue > 150 and red < 100:
        return "blue"
    return f"neither {pixel}"


def fail_if_decoded(monkeypatch):
    def refuse(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


SYDNEY_GPS = {
    1: "S",
    2: (IFDRational(33), IFDRational(52), IFDRational(3051, 100)),
    3: "W",
    4: (IFDRational(151), IFDRational(12), IFDRational(30)),
}
LANZHOU_GPS = {
    1: "N",
    2: (IFDRational(36), IFDRational(3), IFDRational(412, 10)),
    3: "E",
    4: (IFDRational(103), IFDRational(50), IFDRational(24, 10)),
}


# What is accepted, and what comes out


def test_a_plain_jpeg_comes_back_as_a_jpeg_of_the_same_size():
    data = camera_jpeg()
    photo = process_photo(data)
    assert isinstance(photo, ProcessedPhoto)
    assert photo.content_type == "image/jpeg"
    assert photo.original_format == "JPEG"
    assert (photo.width, photo.height) == (400, 300)
    stored = reopen(photo.content)
    assert stored.format == "JPEG"
    assert stored.mode == "RGB"
    assert stored.size == (400, 300)
    assert dominant(stored.getpixel((200, 20))) == "red"
    assert dominant(stored.getpixel((200, 280))) == "blue"


def test_the_fingerprint_is_the_sha256_of_the_uploaded_bytes_not_of_the_stored_file():
    data = camera_jpeg()
    photo = process_photo(data)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.sha256 != hashlib.sha256(photo.content).hexdigest()


def test_a_photo_taken_sideways_is_turned_upright_and_its_sides_swap():
    # Orientation 6: the phone was held upright, the sensor stored the picture turned a quarter to the left.
    photo = process_photo(camera_jpeg(orientation=6))
    assert (photo.width, photo.height) == (300, 400)
    stored = reopen(photo.content)
    assert stored.size == (300, 400)
    # The stored top half was red; once upright it is the right-hand half.
    assert dominant(stored.getpixel((280, 200))) == "red"
    assert dominant(stored.getpixel((20, 200))) == "blue"
    assert reopen(photo.thumbnail).size == (240, 320)


def test_the_capture_time_and_position_are_read_with_south_and_west_negative():
    photo = process_photo(camera_jpeg(taken="2024:05:06 07:08:09", modified="2024:06:01 10:00:00", gps=SYDNEY_GPS))
    assert photo.taken_at == datetime(2024, 5, 6, 7, 8, 9)
    assert photo.latitude == -33.875142
    assert photo.longitude == -151.208333


def test_a_position_north_and_east_is_positive():
    photo = process_photo(camera_jpeg(gps=LANZHOU_GPS))
    assert photo.latitude == 36.061444
    assert photo.longitude == 103.834


def test_the_modification_time_stands_in_when_the_capture_time_is_missing():
    photo = process_photo(camera_jpeg(modified="2023:01:02 03:04:05"))
    assert photo.taken_at == datetime(2023, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("written", ["0000:00:00 00:00:00", "    :  :     :  :  ", "2024-05-06T07:08:09", "yesterday"])
def test_a_malformed_capture_time_is_unknown(written):
    assert process_photo(camera_jpeg(taken=written)).taken_at is None


def test_a_photo_without_exif_has_no_time_and_no_position():
    photo = process_photo(encode(top_red_bottom_blue(), "JPEG"))
    assert (photo.taken_at, photo.latitude, photo.longitude) == (None, None, None)


@pytest.mark.parametrize(
    "gps",
    [
        {**SYDNEY_GPS, 2: (IFDRational(95), IFDRational(0), IFDRational(0))},
        {**SYDNEY_GPS, 4: (IFDRational(181), IFDRational(0), IFDRational(0))},
        {**SYDNEY_GPS, 2: (IFDRational(33), IFDRational(61), IFDRational(0))},
        {**SYDNEY_GPS, 2: (IFDRational(33), IFDRational(52), IFDRational(1, 0))},
        {**SYDNEY_GPS, 1: "X"},
        {2: SYDNEY_GPS[2], 3: "W", 4: SYDNEY_GPS[4]},
        {1: "S", 2: SYDNEY_GPS[2]},
        {1: "N", 2: (IFDRational(0), IFDRational(0), IFDRational(0)), 3: "E", 4: (IFDRational(0),) * 3},
    ],
    ids=[
        "latitude-over-90",
        "longitude-over-180",
        "61-minutes",
        "zero-denominator",
        "unknown-hemisphere",
        "no-latitude-ref",
        "no-longitude",
        "null-island",
    ],
)
def test_a_missing_or_impossible_position_is_unknown(gps):
    photo = process_photo(camera_jpeg(taken="2024:05:06 07:08:09", gps=gps))
    assert (photo.latitude, photo.longitude) == (None, None)
    assert photo.taken_at == datetime(2024, 5, 6, 7, 8, 9)


def test_the_stored_files_carry_no_exif_so_no_gps_position_leaves_with_them():
    photo = process_photo(camera_jpeg(orientation=6, taken="2024:05:06 07:08:09", gps=SYDNEY_GPS))
    assert photo.latitude is not None
    for stored_bytes in (photo.content, photo.thumbnail):
        stored = reopen(stored_bytes)
        assert "exif" not in stored.info
        assert len(stored.getexif()) == 0
        assert stored.getexif().get_ifd(0x8825) == {}
        assert b"Exif\x00\x00" not in stored_bytes
        assert b"PhoneMaker" not in stored_bytes


def test_a_big_phone_photo_is_scaled_down_and_its_thumbnail_fits_320():
    data = encode(Image.new("RGB", (4000, 3000), RED), "JPEG")
    photo = process_photo(data)
    assert (photo.width, photo.height) == (2560, 1920)
    assert reopen(photo.content).size == (2560, 1920)
    assert reopen(photo.thumbnail).size == (320, 240)


def test_the_thumbnail_made_in_two_steps_is_within_a_grey_level_of_a_fair_lanczos_resize():
    """Thumbnails are reduced by a whole number first (``THUMB_REDUCING_GAP``: faster), then by Lanczos."""
    picture = noisy((800, 600)).filter(ImageFilter.GaussianBlur(2))  # fine detail, as in a photo
    fair = picture.resize((320, 240), Image.Resampling.LANCZOS)
    fast = picture.copy()
    fast.thumbnail((320, 320), Image.Resampling.LANCZOS, reducing_gap=THUMB_REDUCING_GAP)
    assert fast.size == fair.size
    assert max(ImageStat.Stat(ImageChops.difference(fast, fair)).mean) < 1
    assert reopen(process_photo(encode(picture, "PNG")).thumbnail).size == (320, 240)


def test_the_limits_on_the_longest_side_are_arguments():
    photo = process_photo(encode(Image.new("RGB", (1000, 500), RED), "PNG"), max_side=800, thumb_size=100)
    assert (photo.width, photo.height) == (800, 400)
    assert reopen(photo.thumbnail).size == (100, 50)


def test_a_small_photo_is_not_enlarged():
    photo = process_photo(encode(Image.new("RGB", (200, 100), RED), "JPEG"))
    assert (photo.width, photo.height) == (200, 100)
    thumbnail = reopen(photo.thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (200, 100)


def test_a_transparent_png_is_laid_on_white():
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((*RED, 255), (0, 0, 50, 100))
    photo = process_photo(encode(image, "PNG"))
    assert photo.original_format == "PNG"
    stored = reopen(photo.content)
    assert stored.mode == "RGB"
    assert dominant(stored.getpixel((10, 50))) == "red"
    assert min(stored.getpixel((90, 50))) > 240


def test_a_palette_png_with_a_transparent_colour_is_laid_on_white():
    image = Image.new("P", (60, 60), 0)
    image.putpalette([0, 0, 0, *RED] + [0] * (256 - 2) * 3)
    image.paste(1, (0, 0, 30, 60))
    photo = process_photo(encode(image, "PNG", transparency=0))
    stored = reopen(photo.content)
    assert dominant(stored.getpixel((10, 30))) == "red"
    assert min(stored.getpixel((50, 30))) > 240


def test_a_16_bit_grey_png_keeps_its_grey():
    image = Image.new("I;16", (50, 50), 32768)
    photo = process_photo(encode(image, "PNG"))
    red, green, blue = reopen(photo.content).getpixel((25, 25))
    assert 120 <= red <= 136
    assert red == green == blue


def test_a_webp_is_accepted_and_turned_into_a_jpeg():
    data = encode(top_red_bottom_blue((320, 200)), "WEBP", quality=90, exif=camera_exif(gps=LANZHOU_GPS))
    photo = process_photo(data)
    assert photo.original_format == "WEBP"
    assert (photo.width, photo.height) == (320, 200)
    assert reopen(photo.content).format == "JPEG"
    assert (photo.latitude, photo.longitude) == (36.061444, 103.834)


def test_a_multi_picture_jpeg_is_accepted_and_its_first_picture_kept():
    first, second = Image.new("RGB", (120, 80), RED), Image.new("RGB", (120, 80), BLUE)
    photo = process_photo(encode(first, "MPO", save_all=True, append_images=[second]))
    assert photo.original_format == "MPO"
    assert dominant(reopen(photo.content).getpixel((60, 40))) == "red"


def test_an_rgb_colour_profile_is_kept_because_it_says_nothing_about_the_inspector():
    image_cms = pytest.importorskip("PIL.ImageCms")
    profile = image_cms.ImageCmsProfile(image_cms.createProfile("sRGB")).tobytes()
    photo = process_photo(encode(top_red_bottom_blue(), "JPEG", icc_profile=profile))
    assert reopen(photo.content).info.get("icc_profile") == profile


# What is refused, and why


def test_it_rejects_empty_bytes():
    assert rejection(b"").code == "empty"


def test_it_rejects_a_30_mb_upload_before_looking_at_it(monkeypatch):
    data = camera_jpeg() + os.urandom(1024) * (30 * 1024)
    assert len(data) > 30 * 1024 * 1024

    def refuse(*args, **kwargs):
        raise AssertionError("the upload was parsed")

    monkeypatch.setattr(Image, "open", refuse)
    error = rejection(data)
    assert error.code == "too_large"
    with translation.override("en"):
        assert str(error) == "The photo is larger than 15 MB."


def test_the_size_limit_is_an_argument():
    data = camera_jpeg()
    assert rejection(data, max_bytes=len(data) - 1).code == "too_large"
    assert process_photo(data, max_bytes=len(data)).width == 400


def test_it_rejects_a_text_file_renamed_jpg():
    error = rejection("整改通知：楼道杂物请于三日内清理。\n".encode())
    assert error.code == "not_an_image"
    with translation.override("en"):
        assert str(error) == "This file is not an image."


def test_it_rejects_a_pdf():
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" * 20
    assert rejection(data).code == "not_an_image"


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_it_rejects_other_image_formats_as_unsupported(image_format):
    error = rejection(encode(top_red_bottom_blue(), image_format))
    assert error.code == "unsupported_type"
    with translation.override("en"):
        assert str(error).startswith("Only JPEG, PNG")


@pytest.mark.skipif("HEIF" in Image.OPEN, reason="this Pillow can read HEIC, so a fake one would be merely broken")
def test_a_heic_photo_is_unsupported_rather_than_not_an_image_when_pillow_cannot_read_it():
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(2000)
    error = rejection(data)
    assert error.code == "unsupported_type"
    with translation.override("en"):
        assert str(error) == "Only JPEG, PNG or WebP photos are accepted."


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_it_rejects_a_photo_cut_off_halfway(image_format):
    data = encode(noisy(), image_format)
    error = rejection(data[: len(data) // 2])
    assert error.code == "broken"
    with translation.override("en"):
        assert str(error) == "The photo is damaged or incomplete."
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_photo_cut_off_inside_its_header_is_damaged_rather_than_not_an_image(image_format):
    assert rejection(encode(noisy(), image_format)[:20]).code == "broken"


@pytest.fixture(scope="module")
def png_of_20000_by_20000() -> bytes:
    # One bit per pixel and a single colour: 50 MB in memory for a moment, a few dozen kilobytes once compressed.
    return encode(Image.new("1", (20000, 20000), 1), "PNG")


def test_a_tiny_png_claiming_20000_by_20000_pixels_is_refused_without_decoding(png_of_20000_by_20000, monkeypatch):
    data = png_of_20000_by_20000
    assert len(data) < 200_000
    fail_if_decoded(monkeypatch)
    error = rejection(data)
    assert error.code == "too_many_pixels"
    with translation.override("en"):
        assert str(error) == "The picture is too large (more than 40 million pixels)."


def test_the_pixel_limit_holds_even_when_pillow_s_own_guard_is_switched_off(png_of_20000_by_20000, monkeypatch):
    data = png_of_20000_by_20000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    fail_if_decoded(monkeypatch)
    assert rejection(data).code == "too_many_pixels"


def test_the_pixel_limit_is_checked_below_pillow_s_own_guard(monkeypatch):
    # 48 million pixels: over our 40 million, under the 89 million at which Pillow starts to worry.
    data = encode(Image.new("L", (8000, 6000), 128), "PNG")
    fail_if_decoded(monkeypatch)
    assert rejection(data).code == "too_many_pixels"


def test_the_pixel_limit_is_an_argument():
    data = encode(Image.new("RGB", (2000, 1000), RED), "JPEG")
    error = rejection(data, max_pixels=1_000_000)
    assert error.code == "too_many_pixels"
    with translation.override("en"):
        assert str(error) == "The picture is too large (more than 1 million pixels)."
    assert process_photo(data, max_pixels=2_000_000).width == 2000


def test_the_message_is_translated_when_shown_not_when_raised():
    error = rejection(b"", max_bytes=10)
    assert isinstance(error.message, Promise)
    error = rejection(b"x" * (512 * 1024 + 1), max_bytes=512 * 1024)
    assert isinstance(error.message, Promise)
    with translation.override("en"):
        assert str(error.message) == "The photo is larger than 0.5 MB."


def test_processing_never_lets_pillow_accept_truncated_files():
    process_photo(camera_jpeg())
    rejection(camera_jpeg()[:300])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
