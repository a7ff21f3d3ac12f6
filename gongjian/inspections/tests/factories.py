"""Factories and helpers for the inspections tests: categories, problems made straight in the database (for lists
and statistics), and photos made with Pillow (so no test depends on a fixture file)."""

from __future__ import annotations

import datetime
import functools
import io
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import factory
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from gongjian.inspections.choices import PointType, ProblemStatus
from gongjian.inspections.models import Category, Problem
from gongjian.testing.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0, second=0) -> datetime.datetime:
    """A moment on Beijing time, the zone the city works in."""
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# --- photos ---------------------------------------------------------------------------------------------------------


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    # Whole hundredths of a second of arc, so that float error never makes 60 seconds.
    total = round(abs(value) * 360_000)
    degrees, rest = divmod(total, 360_000)
    minutes, hundredths = divmod(rest, 6_000)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(hundredths, 100)


def jpeg_bytes(*, size=(64, 48), colour=(200, 60, 40), gps: tuple[float, float] | None = None) -> bytes:
    """A small JPEG; with ``gps=(lat, lng)`` it carries the position in EXIF as a phone writes it."""
    image = Image.new("RGB", size, colour)
    params = {"quality": 90}
    if gps is not None:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        lat, lng = gps
        exif.get_ifd(0x8825).update(
            {1: "N" if lat >= 0 else "S", 2: _dms(lat), 3: "E" if lng >= 0 else "W", 4: _dms(lng)}
        )
        params["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def noisy_jpeg(size=(300, 200)) -> bytes:
    """Random pixels, so that half of the file is clearly an incomplete picture."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = noisy_jpeg()
    return data[: len(data) // 2]


@functools.cache
def png_bomb() -> bytes:
    """A PNG of some 90 kB that decodes to 20000×20000 pixels (one bit each): 400 megapixels. Made once."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 1).save(buffer, "PNG")
    return buffer.getvalue()


def not_an_image() -> bytes:
    return b"This is a shopping list, not a photo.\n" * 20


@functools.cache
def thirty_megabytes() -> bytes:
    """A real JPEG padded to 30 MB: refused for its size before anything looks at it."""
    data = jpeg_bytes()
    return data + b"\0" * (30 * 1024 * 1024 - len(data))


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files() -> set[str]:
    """Every file under MEDIA_ROOT, relative to it."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


# --- models ---------------------------------------------------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"X{n:04d}")
    name = factory.Sequence(lambda n: f"测试类别{n}")
    group = "测试"
    deadline_amount = 2
    deadline_unit = "days"
    relapse_window_days = 30
    is_active = True


class ProblemFactory(factory.django.DjangoModelFactory):
    """A problem row written directly, bypassing the services: for lists, exports and statistics where the
    exact state matters more than how it was reached. ``unit`` must be given."""

    class Meta:
        model = Problem

    number = factory.Sequence(lambda n: f"F{n:012d}")
    category = factory.SubFactory(CategoryFactory)
    point_type = PointType.COMPOUND
    address = factory.Sequence(lambda n: f"测试路{n}号")
    description = "测试问题"
    found_at = factory.LazyFunction(lambda: at(2026, 3, 2, 9))
    reporter = factory.SubFactory(UserFactory)
    status = ProblemStatus.OPEN
    deadline = factory.LazyAttribute(lambda p: p.found_at + datetime.timedelta(days=2))
    original_deadline = factory.LazyAttribute(lambda p: p.deadline)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Like the service, copy the unit's ancestry into the scope columns.
        from gongjian.inspections.rescope import scope_columns_for

        for column, value in scope_columns_for(kwargs["unit"]).items():
            kwargs.setdefault(column, value)
        return super()._create(model_class, *args, **kwargs)


def reported(user, unit, *, code: str = "06036", now: datetime.datetime | None = None, photos=None, **kw) -> Problem:
    """A problem reported through the service, with one photo unless ``photos`` are given."""
    from gongjian.inspections import services

    return services.problem_report(
        user=user,
        category=Category.objects.get(code=code),
        unit=unit,
        description=kw.pop("description", "楼道堆放杂物"),
        address=kw.pop("address", "3幢2单元"),
        point_type=kw.pop("point_type", PointType.COMPOUND),
        photos=[jpeg_bytes()] if photos is None else photos,
        now=now,
        **kw,
    )
