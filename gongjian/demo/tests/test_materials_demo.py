"""The demo's materials and propaganda positions: a recording in two versions, receipts partly
missing, positions of street1's communities with some stale; idempotent."""

import pytest

from gongjian.demo.city import build_demo_city
from gongjian.demo.materials import build_demo_materials
from gongjian.materials import positions
from gongjian.materials.models import Material, MaterialReceipt, Position

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_recording_templates_and_some_stale_positions():
    build_demo_city()
    assert build_demo_materials() == 3
    audio = Material.objects.get(kind="audio")
    assert audio.latest.number == 2 and audio.latest.content_type == "audio/wav"
    latest = MaterialReceipt.objects.filter(version=audio.latest)
    assert [r.unit for r in latest] == [worker_unit("community1")]
    rows = positions.with_status(Position.objects.annotate(last_update=positions.Max("updates__updated_on")))
    assert any(p.is_stale for p in rows) and any(not p.is_stale for p in rows)
    assert build_demo_materials() == 0 and Material.objects.count() == 3


def worker_unit(username):
    from gongjian.accounts.models import User

    return User.objects.get(username=username).memberships.get().unit


def test_the_demo_rules_score_street1s_propaganda_positions_as_of_each_month():
    """Item 4.2 (positions_fresh_rate, 3 points, 0.05 a point short of 100 %): street1's diligent
    communities (updated 5 days ago) keep 3; the lax ones (last update 45 days ago, both positions
    stale) lose 100 × 0.05 = 5, capped at 3 → 0; communities elsewhere have no positions → 3."""
    from django.utils import timezone

    from gongjian.accounts.models import User
    from gongjian.assessments import services
    from gongjian.assessments.models import ItemScore
    from gongjian.assessments.rulespec import parse_ruleset
    from gongjian.demo.assessments import demo_rules
    from gongjian.demo.materials import build_demo_positions
    from gongjian.inspections.models import Category
    from gongjian.organizations.models import Unit

    build_demo_city()
    assert build_demo_positions() > 0 and build_demo_positions() == 0
    city = Unit.objects.get(level="city", code="339900")
    admin = User.objects.get(username="city")
    month = timezone.localdate().replace(day=1)
    spec = parse_ruleset(demo_rules(month), known_categories=set(Category.objects.values_list("code", flat=True)))
    services.ruleset_create(user=admin, city=city, spec=spec)
    assessment = services.assessment_create(user=admin, city=city, month=month)
    services.assessment_compute(user=admin, assessment=assessment)
    scores = {
        s.sheet.unit_id: s.score
        for s in ItemScore.objects.filter(sheet__assessment=assessment, item__code="4.2").select_related("sheet")
    }
    street1 = worker_unit("street1")
    mine = list(Unit.objects.filter(parent=street1, level="community").order_by("code", "id"))
    assert [str(scores[c.pk]) for c in mine] == ["3.00" if n % 2 == 0 else "0.00" for n in range(len(mine))]
    elsewhere = Unit.objects.filter(level="community").exclude(parent=street1).first()
    assert str(scores[elsewhere.pk]) == "3.00"
