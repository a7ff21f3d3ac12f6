"""Intake of the photos inspectors take on their phones: check, normalise and describe one upload.

Everything here treats the upload as hostile, because it comes straight off the internet:

* **Spoofed types.** A file name or a browser's Content-Type says nothing; the type is sniffed from the bytes, and only
  the formats phones actually produce (JPEG, PNG, WebP, and HEIC where the installed Pillow can read it) are decoded.
  Other image formats are recognised only to give a clearer refusal, and never decoded.
* **Decompression bombs.** A few kilobytes of PNG can claim 20000×20000 pixels and need gigabytes once decoded. The
  byte size is checked before anything is parsed and the pixel count is read from the header before anything is
  decoded. The limit is checked here explicitly rather than through Pillow's global ``Image.MAX_IMAGE_PIXELS``, which
  is shared by every thread and every other caller.
* **Damaged files.** A photo cut off by a dropped mobile connection must be refused, not stored half grey, so
  truncated data is an error (Pillow's ``LOAD_TRUNCATED_IMAGES`` is left False; this module never changes it).
* **Privacy.** Phones write the GPS position, device and owner details into EXIF. The position is evidence of where a
  problem was found, so it is read out and returned as data, but the stored picture is re-encoded without any EXIF or
  XMP, so files that leave the system (exports, reports, citizens' views) do not carry it along.

Pure function: no ORM, no settings; limits are arguments so callers decide them.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

__all__ = ["PhotoRejected", "ProcessedPhoto", "process_photo"]

MEGABYTE = 1024 * 1024

#: Pillow format names we decode. HEIF/HEIC only count when a plugin has registered them (see _decodable_formats).
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "HEIC")

JPEG_QUALITY = 85

#: Thumbnails are resized in two steps (Pillow's ``reducing_gap``): a whole-number box reduction, then Lanczos over
#: the last 1.25× or more. Lanczos straight from an 800×600 picture took 4.4 ms of the photo's 9 ms on the bench
#: machine (2.1 ms in two steps); the two thumbnails differ by 55 dB PSNR there, above 40 dB on pure noise.
THUMB_REDUCING_GAP = 1.25

#: ISO base media "ftyp" brands of HEIF still pictures, so that an iPhone photo is refused as an unsupported type
#: rather than as "not an image" when this Pillow cannot read HEIC.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"})

_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: What Pillow's decoders raise on damaged input; none of them means a bug on our side.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 36867
_DATETIME = 306
_GPS_LATITUDE_REF, _GPS_LATITUDE, _GPS_LONGITUDE_REF, _GPS_LONGITUDE = 1, 2, 3, 4


def _interpolate(message, params) -> str:
    return str(message) % params


# Interpolating a lazy string with % translates it on the spot; this keeps the translation for when it is shown, in
# the language of the request that shows it.
_interpolate_lazy = lazy(_interpolate, str)


class PhotoRejected(Exception):
    """The upload cannot be accepted as a photo. ``code`` is for programs, ``message`` (lazy) for people."""

    def __init__(self, code: str, message, params: dict | None = None):
        super().__init__(code)
        self.code = code
        self.params = params or {}
        self.message = _interpolate_lazy(message, self.params) if params else message

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class ProcessedPhoto:
    content: bytes
    thumbnail: bytes
    content_type: str
    original_format: str
    width: int
    height: int
    sha256: str
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None


def process_photo(
    data: bytes,
    *,
    max_bytes: int = 15 * MEGABYTE,
    max_pixels: int = 40_000_000,
    max_side: int = 2560,
    thumb_size: int = 320,
) -> ProcessedPhoto:
    """Check one uploaded photo and return it upright, as a JPEG of at most ``max_side`` pixels, with a thumbnail
    and the time and place the camera recorded. Raises PhotoRejected with a code saying why it was refused."""
    if not data:
        raise PhotoRejected("empty", _("The photo is empty."))
    if len(data) > max_bytes:
        limit = _number_for_people(max_bytes / MEGABYTE)
        raise PhotoRejected("too_large", _("The photo is larger than %(limit)s MB."), {"limit": limit})
    sha256 = hashlib.sha256(data).hexdigest()
    # Process-wide, and other libraries turn it on (WeasyPrint does, on import): a truncated upload
    # must be refused, so make sure it is off before decoding.
    ImageFile.LOAD_TRUNCATED_IMAGES = False

    with _open(data, max_pixels=max_pixels) as image:
        original_format = image.format
        # JPEG can decode straight at 1/2, 1/4 or 1/8 scale; asking for it before load() saves memory and time on
        # pictures far larger than we keep, without ever going below max_side.
        image.draft(None, (max_side, max_side))
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected("too_many_pixels", *_too_many_pixels(max_pixels))
        except _DECODE_ERRORS:
            raise PhotoRejected("broken", _("The photo is damaged or incomplete."))

        taken_at, latitude, longitude = _read_metadata(image)
        icc_profile = image.info.get("icc_profile")
        picture = _to_rgb(_upright(image))

    if max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    # The copy still carries the source's info dict (EXIF, XMP with GPS, comments); start the stored file clean.
    picture.info = {}
    if not (icc_profile and icc_profile[16:20] == b"RGB "):
        # A CMYK or grey profile attached to RGB pixels would make viewers show wrong colours.
        icc_profile = None

    thumbnail = picture.copy()
    thumbnail.thumbnail((thumb_size, thumb_size), Image.Resampling.LANCZOS, reducing_gap=THUMB_REDUCING_GAP)
    return ProcessedPhoto(
        content=_jpeg(picture, icc_profile),
        thumbnail=_jpeg(thumbnail, icc_profile),
        content_type="image/jpeg",
        original_format=original_format,
        width=picture.width,
        height=picture.height,
        sha256=sha256,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    """Identify the image and read its header only; nothing is decoded yet."""
    try:
        image = Image.open(io.BytesIO(data), formats=_decodable_formats())
    except UnidentifiedImageError:
        raise _refusal_for_unknown(data)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own, more generous, limit fired while reading the header.
        raise PhotoRejected("too_many_pixels", *_too_many_pixels(max_pixels))
    except _DECODE_ERRORS:
        # A known format whose header does not parse: our kind of file, but damaged.
        raise PhotoRejected("broken", _("The photo is damaged or incomplete."))
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise PhotoRejected("too_many_pixels", *_too_many_pixels(max_pixels))
    return image


def _decodable_formats() -> tuple[str, ...]:
    # Asked on each call, not at import, because a HEIF plugin may be registered after this module is imported.
    Image.init()
    return tuple(name for name in ACCEPTED_FORMATS if name in Image.OPEN)


def _refusal_for_unknown(data: bytes) -> PhotoRejected:
    """Tell a picture in a format we do not take from something that is no picture at all."""
    if data.startswith((_JPEG_SIGNATURE, _PNG_SIGNATURE)) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        # Pillow could not even read the header, but the signature says what the file was meant to be: most likely
        # an upload cut off early, which the inspector should hear about as such.
        return PhotoRejected("broken", _("The photo is damaged or incomplete."))
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return _unsupported_type()
    try:
        # Every plugin Pillow has, but only to read a header and learn the name; the image is never loaded.
        with Image.open(io.BytesIO(data)):
            pass
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _unsupported_type()
    except Exception:
        # Any failure here only means "not a picture Pillow knows"; the bytes are refused either way.
        return PhotoRejected("not_an_image", _("This file is not an image."))
    return _unsupported_type()


def _unsupported_type() -> PhotoRejected:
    if "HEIF" in Image.OPEN or "HEIC" in Image.OPEN:
        return PhotoRejected("unsupported_type", _("Only JPEG, PNG, WebP or HEIC photos are accepted."))
    # Without a HEIF plugin, naming HEIC would send iPhone users back with the same file.
    return PhotoRejected("unsupported_type", _("Only JPEG, PNG or WebP photos are accepted."))


def _too_many_pixels(max_pixels: int) -> tuple:
    return (
        _("The picture is too large (more than %(limit)s million pixels)."),
        {"limit": _number_for_people(max_pixels / 1_000_000)},
    )


def _number_for_people(value: float) -> str:
    return f"{round(value, 1):g}"


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        # Unreadable EXIF is no reason to refuse a picture whose pixels decoded fine; keep it as the sensor saw it.
        return image.copy()


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I"):
        # 16-bit greyscale (some PNGs) converts to 8 bits by clipping, which would turn almost everything white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info:
        # JPEG has no alpha; transparent areas (screenshots, stickers) would otherwise come out black.
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    return image.convert("RGB")


def _jpeg(image: Image.Image, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, icc_profile=icc_profile)
    return buffer.getvalue()


def _read_metadata(image: Image.Image) -> tuple[datetime | None, float | None, float | None]:
    """Capture time and position as the camera wrote them; anything unreadable is simply unknown."""
    try:
        exif = image.getexif()
        taken_at = _exif_datetime(exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL)) or _exif_datetime(
            exif.get(_DATETIME)
        )
        gps = exif.get_ifd(_GPS_IFD)
    except _DECODE_ERRORS:
        return None, None, None
    latitude = _coordinate(gps.get(_GPS_LATITUDE), gps.get(_GPS_LATITUDE_REF), positive="N", negative="S", limit=90)
    longitude = _coordinate(gps.get(_GPS_LONGITUDE), gps.get(_GPS_LONGITUDE_REF), positive="E", negative="W", limit=180)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        # Half a position is no position, and 0°, 0° is what some phones write when they had no fix.
        return taken_at, None, None
    return taken_at, latitude, longitude


def _exif_datetime(value) -> datetime | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        # Cameras without a set clock write "0000:00:00 00:00:00" or blanks.
        return None


def _coordinate(value, ref, *, positive: str, negative: str, limit: int) -> float | None:
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(ref, str) or ref.strip("\x00 ").upper() not in (positive, negative):
        return None
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    degrees, minutes, seconds = (_rational(part) for part in value)
    if degrees is None or minutes is None or seconds is None:
        return None
    if not (0 <= degrees <= limit and 0 <= minutes < 60 and 0 <= seconds < 60):
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if decimal > limit:
        return None
    if ref.strip("\x00 ").upper() == negative:
        decimal = -decimal
    return round(decimal, 6)


def _rational(value) -> float | None:
    """One EXIF RATIONAL: Pillow gives IFDRational, but raw (numerator, denominator) pairs also occur."""
    if isinstance(value, tuple):
        if len(value) != 2:
            return None
        numerator, denominator = value
        if not isinstance(numerator, int) or not isinstance(denominator, int) or denominator == 0:
            return None
        value = numerator / denominator
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    # IFDRational with a zero denominator is NaN rather than an error.
    return number if math.isfinite(number) else None


#: The earliest capture time believed: no phone in use here took its photo before 2000; a camera
#: whose clock was never set writes 1970, 1980 or year 1.
EARLIEST_CAPTURE = datetime(2000, 1, 1)
#: Clocks run a little ahead; a capture time more than this after now is a wrong clock.
CAPTURE_FUTURE_SLACK = timedelta(days=1)


def camera_time(value: datetime | None) -> datetime | None:
    """A photo's capture time made aware (cameras write local wall-clock time without a zone, and
    phones here are on the city's time), or None when it lies outside the sane window — before
    2000-01-01 or more than a day in the future. Such a time is a wrong clock or a forged header,
    never evidence, and is never stored (a year-1 time also broke pages on PostgreSQL)."""
    if value is None:
        return None
    if value.tzinfo is None and value < EARLIEST_CAPTURE:
        return None  # before making it aware: year 1 cannot be shifted into UTC
    try:
        aware = timezone.make_aware(value) if timezone.is_naive(value) else value
    except (OverflowError, ValueError):
        return None
    earliest = timezone.make_aware(EARLIEST_CAPTURE)
    if aware < earliest or aware > timezone.now() + CAPTURE_FUTURE_SLACK:
        return None
    return aware
