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
