"""The demo city's materials and propaganda positions, made through the real services with the demo
accounts: the city office distributed the loudspeaker recording (小喇叭, a short tone generated
here as WAV) in two versions, a 倡议书 template (Word) and a poster template (a photo); community1
confirmed the latest recording, community2 only the first. Each community of street1 has a
blackboard and a notice board with half a year of dated updates (``build_demo_positions``, run
before the assessments so their months judge them); some were updated this month, the others are
stale. Idempotent: nothing is created when the city's recording is already there."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.archives.services import FileIn
from gongjian.demo.archives import _docx, scene
from gongjian.materials import positions, services
from gongjian.materials.audio import tone_wav
from gongjian.materials.models import Material, Position
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit

RECORDING = "小喇叭用语：巩固创建成果，人人参与"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def build_demo_materials() -> int:
    """Return the number of materials created (0 when the demo's recording is already there)."""
    city = Unit.objects.get(level=UnitLevel.CITY, code="339900")
    if Material.objects.filter(owner_unit=city, title=RECORDING).exists():
        return 0
    admin = _user("city")
    worker1, worker2 = _user("community1"), _user("community2")
    with transaction.atomic():
        audio = services.material_create(
            actor=admin,
            owner_unit=city,
            kind="audio",
            title=RECORDING,
            description="三创办统一录制，各社区每天早晚在小区内播放。",
            file=FileIn("小喇叭用语.wav", tone_wav(seconds=1.5, frequency=440)),
            note="首次发放",
        )
        services.receipt_confirm(actor=worker2, version=audio.latest)
        services.material_add_version(
            actor=admin,
            material=audio,
            file=FileIn("小喇叭用语-修订.wav", tone_wav(seconds=2.0, frequency=523)),
            note="增加垃圾分类提示",
        )
        services.receipt_confirm(actor=worker1, version=audio.latest)
        proposal = services.material_create(
            actor=admin,
            owner_unit=city,
            kind="proposal",
            title="共建倡议书模板",
            file=FileIn("共建倡议书.docx", _docx("共建倡议书", ["致全体居民的一封信", "共建整洁、文明、和谐的家园。"])),
        )
        services.receipt_confirm(actor=worker1, version=proposal.latest)
        services.material_create(
            actor=admin,
            owner_unit=city,
            kind="poster",
            title="创建宣传海报模板",
            file=FileIn("宣传海报.jpg", scene("poster", label="poster")),
        )
        build_demo_positions()
    return 3


# Days before today of each position's updates: communities that keep their boards renewed every
# four weeks, and communities that let months pass (stale at some months' ends, and now).
DILIGENT_AGES = (5, 30, 58, 86, 114, 142, 170)
LAX_AGES = (45, 110, 175)


def build_demo_positions() -> int:
    """A blackboard and a notice board for each community of street1, registered 200 days ago,
    with half a year of dated updates (so the assessment's months judge them as they were);
    every other community let them go stale. Returns the positions created (0 when there)."""
    street1 = _user("street1").memberships.select_related("unit").get().unit
    communities = list(Unit.objects.filter(level=UnitLevel.COMMUNITY, parent=street1).order_by("code", "id"))
    if Position.objects.filter(unit__in=communities).exists():
        return 0
    today = timezone.localdate()
    keeper = _user("street1")
    created = 0
    for n, community in enumerate(communities):
        for kind, name in (("blackboard", "黑板报"), ("board", "宣传栏")):
            position = positions.position_register(
                actor=keeper,
                unit=community,
                kind=kind,
                name=f"{community.name}{name}",
                address=f"{community.name}服务中心门口",
                lat=29.87 + n * 0.004,
                lng=121.54 + (0.002 if kind == "board" else 0),
                photo=scene(f"position-{community.pk}-{kind}"),
            )
            Position.objects.filter(pk=position.pk).update(created_at=timezone.now() - datetime.timedelta(days=200))
            created += 1
            for age in reversed(DILIGENT_AGES if n % 2 == 0 else LAX_AGES):
                positions.position_record_update(
                    actor=keeper,
                    position=position,
                    updated_on=today - datetime.timedelta(days=age),
                    theme="文明城市创建宣传",
                    photo=scene(f"position-{community.pk}-{kind}-{age}"),
                )
    return created
