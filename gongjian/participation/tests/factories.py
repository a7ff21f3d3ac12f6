"""Helpers for the participation tests: generated (not real) ID and phone numbers, volunteers and
activities made through the services, and sheets made with openpyxl."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from openpyxl import Workbook

from gongjian.inspections.tests.factories import at, jpeg_bytes  # noqa: F401
from gongjian.participation import services
from gongjian.participation.models import ActivityType
from gongjian.participation.privacy import id_check_digit


def id_number(seq: int, *, birth: str = "19900101", region: str = "339902") -> str:
    """A well-formed ID number of the unassigned demo region (never a real person's)."""
    first17 = f"{region}{birth}{seq % 1000:03d}"
    return first17 + id_check_digit(first17)


def wrong_check_digit(value: str) -> str:
    digits = "0123456789X"
    return value[:17] + digits[(digits.index(value[17]) + 1) % 11]


def phone(seq: int) -> str:
    return f"139{seq:08d}"


def volunteer(worker, community, seq: int = 1, **fields):
    return services.volunteer_register(
        user=worker,
        community=community,
        name=fields.pop("name", f"志愿者{seq}"),
        phone=fields.pop("phone", phone(seq)),
        id_number=fields.pop("id_number", id_number(seq)),
        **fields,
    )


def activity_type(code: str = "cleanup") -> ActivityType:
    return ActivityType.objects.get(code=code)


def activity(worker, community, *, code: str = "cleanup", when=None, status: str = "held", **kw):
    return services.activity_record(
        user=worker,
        community=community,
        type=activity_type(code),
        title=kw.pop("title", "楼道大清扫"),
        organiser=kw.pop("organiser", "社区居委会"),
        status=status,
        starts_at=when or at(2026, 3, 7, 9),
        place=kw.pop("place", "社区广场"),
        now=kw.pop("now", at(2026, 6, 30, 18)),
        **kw,
    )


def hours(volunteer, h: str = "2"):
    return services.VolunteerHours(volunteer=volunteer, hours=Decimal(h))


def xlsx(rows: list[list], *, merge: str | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["姓名", "手机号", "身份证号", "党员类型", "工作单位", "特长", "服务时间"]


def today() -> datetime.date:
    return datetime.date.today()
