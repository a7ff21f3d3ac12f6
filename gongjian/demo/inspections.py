"""Six months of inspections and problems for the demo city, in every state of the loop, made
through the real services (with the clock set back) so audit trails and timelines are genuine.
The category mix is skewed as the speech describes: clutter (乱堆杂物) about half of all."""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from gongjian.accounts.choices import Role
from gongjian.accounts.models import User
from gongjian.accounts.services import membership_grant, user_create
from gongjian.demo import names
from gongjian.demo.descriptions import describe
from gongjian.inspections import services
from gongjian.inspections.choices import InspectionKind, PointType
from gongjian.inspections.models import Category, Inspection, Problem
from gongjian.organizations.models import Unit

PROBLEMS_PER_MONTH = 60
MONTHS = 6
# Weights per category code; everything not listed gets 1.
CATEGORY_WEIGHTS = {"06036": 45, "09006": 8, "L0101": 6, "07001": 6, "06038": 4, "06001": 4, "06021": 4, "L0102": 4}
PALETTE = [(141, 110, 99), (120, 144, 156), (161, 136, 127), (104, 159, 56), (96, 125, 139), (188, 170, 164)]


def _photo(rng: random.Random, label: str, after: bool, seed: str = "") -> bytes:
    """A generated scene: a wall, the ground, and either a pile of boxes or a clean ground. The
    ``seed`` draws the scene's own shapes (windows, trees) so no two photos look alike to the
    archive's reused-photo check; it has its own generator so the demo's data stay as they were."""
    image = Image.new("RGB", (800, 600), PALETTE[rng.randrange(len(PALETTE))])
    draw = ImageDraw.Draw(image)
    scene = random.Random(f"{label}-{seed}")
    for _ in range(scene.randint(6, 10)):
        x, y = scene.randint(0, 700), scene.randint(0, 520)
        w, h = scene.randint(60, 260), scene.randint(40, 200)
        shade = scene.randint(20, 235)
        draw.rectangle([x, y, x + w, y + h], fill=(shade, scene.randint(20, 235), 255 - shade))
    draw.rectangle([0, 380, 800, 600], fill=(180, 180, 170) if after else (150, 140, 120))
    if not after:
        for _ in range(rng.randint(4, 9)):
            x, y = rng.randint(80, 650), rng.randint(300, 480)
            w, h = rng.randint(40, 120), rng.randint(30, 90)
            draw.rectangle(
                [x, y, x + w, y + h], fill=(rng.randint(90, 200), rng.randint(60, 140), 40), outline=(40, 30, 20)
            )
    draw.text((20, 20), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _workers(communities: list[Unit]) -> dict[int, User]:
    """One community worker per community to rectify problems (generated, cannot sign in)."""
    workers = {}
    for index, community in enumerate(communities):
        existing = User.objects.filter(memberships__unit=community, memberships__role=Role.COMMUNITY_WORKER).first()
        if existing is None:
            existing = user_create(
                actor=None, username=f"cw{community.code}", password=None, name=names.person_name(100 + index)
            )
            membership_grant(actor=None, user=existing, role=Role.COMMUNITY_WORKER, unit=community)
        workers[community.pk] = existing
    return workers


def _weighted_categories(rng: random.Random, categories: list[Category]) -> Category:
    weights = [CATEGORY_WEIGHTS.get(c.code, 1) for c in categories]
    return rng.choices(categories, weights=weights)[0]


def _months(now: datetime.datetime) -> list[datetime.datetime]:
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        months.append(first.replace(year=index // 12, month=index % 12 + 1))
    return months


def demo_months() -> list[datetime.date]:
    """The first days of the six months the demo covers, ending with this month."""
    return [m.date() for m in _months(timezone.localtime())]


def build_demo_inspections(seed: int = 2026) -> int:
    """Create the six months once; return the number of problems created (0 when already there)."""
    inspector = User.objects.get(username="inspector1")
    if Problem.objects.filter(reporter=inspector).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.localtime()
    city = Unit.objects.get(level="city", code="339900")
    communities = list(Unit.objects.filter(level="community").order_by("code"))
    compounds = list(Unit.objects.filter(level="compound").select_related("parent").order_by("code"))
    workers = _workers(communities)
    categories = list(Category.objects.filter(is_active=True))
    by_code = {c.code: c for c in categories}
    created = 0
    for month_start in _months(now):
        inspection = Inspection.objects.create(
            kind=InspectionKind.MONTHLY,
            title=f"{month_start:%Y年%-m月}月度考核检查",
            date=(month_start + datetime.timedelta(days=9)).date(),
            organiser=city,
        )
        inspection.inspectors.add(inspector)
        inspection.units.add(*communities)
        for _ in range(PROBLEMS_PER_MONTH):
            found_at = month_start + datetime.timedelta(
                days=rng.randint(0, 27), hours=rng.randint(8, 17), minutes=rng.randint(0, 59)
            )
            if found_at > now - datetime.timedelta(hours=2):
                continue
            compound = compounds[rng.randrange(len(compounds))]
            category = _weighted_categories(rng, categories)
            created += _play_one(rng, now, inspector, workers, compound, category, found_at, inspection)
        # A relapse: clutter back at a compound whose clutter was closed this month.
        closed = (
            Problem.objects.filter(category=by_code["06036"], status="closed", closed_at__gte=month_start)
            .order_by("closed_at")
            .first()
        )
        if closed is not None and closed.closed_at + datetime.timedelta(days=3) < now:
            created += _play_one(
                rng,
                now,
                inspector,
                workers,
                closed.unit,
                closed.category,
                closed.closed_at + datetime.timedelta(days=3),
                inspection,
            )
    _extension_requests(rng, now, workers)
    return created


def _extension_requests(rng, now, workers) -> None:
    """Two open problems whose units asked for more time, awaiting the street's decision."""
    open_in_time = Problem.objects.filter(status="open", deadline__gt=now).select_related("unit").order_by("found_at")
    for problem in open_in_time[:2]:
        services.extension_request(
            user=workers[problem.unit.parent_id],
            problem=problem,
            reason="涉及产权单位协调，需延期整改",
            requested_deadline=problem.deadline + datetime.timedelta(days=7),
            now=now - datetime.timedelta(hours=1),
        )


def _play_one(rng, now, inspector, workers, compound, category, found_at, inspection) -> int:
    worker = workers[compound.parent_id]
    lat = compound.latitude + Decimal(f"{rng.uniform(-0.0008, 0.0008):.6f}") if compound.latitude else None
    lng = compound.longitude + Decimal(f"{rng.uniform(-0.0008, 0.0008):.6f}") if compound.longitude else None
    problem = services.problem_report(
        user=inspector,
        category=category,
        unit=compound,
        description=describe(category.code, category.name, seed=f"{compound.pk}-{found_at:%Y%m%d%H%M%S}"),
        address=f"{compound.name}{rng.randint(1, 30)}幢附近",
        point_type=PointType.COMPOUND,
        photos=[_photo(rng, category.code, after=False, seed=f"{compound.pk}-{found_at:%Y%m%d%H%M%S}-before")],
        found_at=found_at,
        latitude=lat,
        longitude=lng,
        inspection=inspection,
        now=found_at,
    )
    fate = rng.random()
    if fate < 0.03:
        services.problem_void(
            user=inspector, problem=problem, reason="重复上报，作废", now=found_at + datetime.timedelta(hours=2)
        )
        return 1
    # Most units fix it in time; some are late; some never get round to it (overdue).
    span = problem.deadline - found_at
    delay = span * rng.choice([0.3, 0.5, 0.7, 0.9, 1.4]) if fate < 0.92 else None
    step = found_at
    for attempt in range(2):
        if delay is None:
            return 1
        step = step + delay
        if step > now:
            return 1
        services.rectification_submit(
            user=worker,
            problem=problem,
            note="已组织清理整改，现场恢复整洁",
            photos=[_photo(rng, category.code, after=True, seed=f"{problem.number}-{attempt}-after")],
            now=step,
        )
        problem.refresh_from_db()
        review_at = step + datetime.timedelta(hours=rng.randint(4, 30))
        recent = now - step < datetime.timedelta(days=10)
        if review_at > now or (recent and rng.random() < 0.4):
            return 1  # awaiting re-check
        passed = attempt == 1 or rng.random() > 0.12
        services.rectification_review(
            user=inspector,
            problem=problem,
            passed=passed,
            note="" if passed else "仍有杂物未清理，请返工",
            now=review_at,
        )
        problem.refresh_from_db()
        if passed:
            return 1
        step = review_at
        delay = datetime.timedelta(hours=rng.randint(6, 48))
    return 1
