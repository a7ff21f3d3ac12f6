"""Builders for archive tests: a rule set with evidence items, the city's published template,
photos with a capture time, and records filed through the services (never written behind their
back, so the hash chain holds)."""

from __future__ import annotations

import datetime
import io
import random

from PIL import Image

from gongjian.archives import periods, services
from gongjian.archives.choices import EvidenceKind, Interval
from gongjian.archives.services import FileIn, RequirementIn, SectionIn
from gongjian.assessments.models import RuleItem
from gongjian.assessments.tests.test_importexport import make_ruleset, rules

EVIDENCE_ITEMS = [
    {"code": "3.1", "name": "共建例会记录", "points": "6", "method": "evidence", "level": "community"},
    {"code": "3.2", "name": "年度计划与总结", "points": "2", "method": "evidence", "level": "community"},
    {"code": "3.3", "name": "四支队伍花名册", "points": "2", "method": "evidence", "level": "community"},
]


def archive_ruleset(user, city):
    """The test rule set plus a group "3 台帐资料" of three evidence items (10 points)."""
    data = rules()
    data["total_points"] = "30"
    data["items"].append({"code": "3", "name": "台帐资料", "points": "10", "children": EVIDENCE_ITEMS})
    return make_ruleset(user, city, **{k: v for k, v in data.items() if k != "name"})


def item(ruleset, code: str) -> RuleItem:
    return RuleItem.objects.get(ruleset=ruleset, code=code)


def published_template(user, ruleset):
    """Meetings every month with two captioned photos; the year's plan and summary; the roster."""
    template = services.template_create(
        user=user,
        ruleset=ruleset,
        name="2026年台帐资料样本",
        sections=[
            SectionIn(
                title="一、共建例会",
                rule_item=item(ruleset, "3.1"),
                guidance="每月例会记录，附两张以上带说明的照片",
                requirements=(
                    RequirementIn(
                        description="每月至少一次会议记录，至少两张带说明的照片",
                        kinds=(EvidenceKind.MEETING,),
                        interval=Interval.MONTHLY,
                        min_records=1,
                        min_photos=2,
                    ),
                ),
            ),
            SectionIn(
                title="二、年度计划与总结",
                rule_item=item(ruleset, "3.2"),
                requirements=(
                    RequirementIn(
                        description="年度工作计划和总结",
                        kinds=(EvidenceKind.DOCUMENT, EvidenceKind.TEXT),
                        interval=Interval.YEARLY,
                        min_records=2,
                    ),
                ),
            ),
            SectionIn(
                title="三、四支队伍花名册",
                rule_item=item(ruleset, "3.3"),
                requirements=(
                    RequirementIn(
                        description="四支队伍花名册",
                        kinds=(EvidenceKind.DOCUMENT,),
                        interval=Interval.YEARLY,
                        min_records=1,
                    ),
                ),
            ),
        ],
    )
    return services.template_publish(user=user, template=template)


def jpeg(
    *, seed: int = 0, taken: datetime.datetime | None = None, size: tuple[int, int] = (640, 480), quality: int = 85
) -> bytes:
    """A photo that looks like no other seed's (random blocks), optionally with an EXIF capture time."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    block = max(size) // 8
    for _ in range(40):
        x, y = rng.randrange(0, size[0]), rng.randrange(0, size[1])
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        image.paste(colour, (x, y, min(size[0], x + block), min(size[1], y + block)))
    exif = Image.Exif()
    if taken is not None:
        exif[0x8769] = {0x9003: taken.strftime("%Y:%m:%d %H:%M:%S")}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif.tobytes() if taken else b"")
    return buffer.getvalue()


def photo(seed: int, caption: str = "", day: datetime.date | None = None) -> FileIn:
    taken = datetime.datetime.combine(day, datetime.time(10, 0)) if day else None
    return FileIn(name=f"IMG_{seed:04d}.jpg", data=jpeg(seed=seed, taken=taken), caption=caption)


def record(
    user, unit, ruleset, *, code="3.1", kind=EvidenceKind.MEETING, day=datetime.date(2026, 3, 10), files=(), **kw
):
    """A record filed by the service in the month of ``day``."""
    return services.evidence_create(
        user=user,
        unit=unit,
        period=kw.pop("period", periods.of(periods.MONTH, day)),
        kind=kind,
        title=kw.pop("title", f"{day:%m}月共建例会"),
        date=day,
        rule_items=[item(ruleset, code)],
        files=list(files),
        **kw,
    )


def binder_job(unit, *, period: str = "2026", format: str = "pdf", requested_by=None, **job_fields):
    """A binder job as a worker left it (``job_fields`` on its background job: status, stage...)."""
    import os

    from gongjian.archives.models import BinderJob
    from gongjian.core.jobs import liveness
    from gongjian.core.jobs.models import Job, JobStatus

    when = periods.parse(period)
    if job_fields.get("status") == JobStatus.RUNNING:
        # Run by this very process, so it is not taken for a job whose worker died.
        job_fields = {"worker_host": liveness.HOST, "worker_pid": os.getpid(), **job_fields}
    job = Job.objects.create(
        kind="archives.binder",
        task_path="gongjian.archives.tasks.binder_build",
        unit=unit,
        perm="archive.view",
        requested_by=requested_by,
        **job_fields,
    )
    return BinderJob.objects.create(unit=unit, period_kind=when.kind, period_start=when.start, format=format, job=job)
