import datetime
import itertools

import pytest
from django.utils import timezone

from gongjian.accounts.models import User
from gongjian.archives import integrity, periods
from gongjian.archives.choices import EvidenceSource
from gongjian.archives.models import ArchiveLogEntry, ArchiveTemplate, Evidence, Meeting, MeetingDecision
from gongjian.archives.selectors import audit_unit
from gongjian.demo.archives import build_demo_archives, scene
from gongjian.demo.assessments import build_demo_assessments
from gongjian.demo.city import build_demo_city
from gongjian.demo.inspections import demo_months
from gongjian.demo.participation import build_demo_participation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_archives():
    """The city, its rule set, a year of activities and the archives (no problems: faster; the full
    command is run by test_demo.py)."""
    build_demo_city()
    build_demo_assessments(months=demo_months())
    build_demo_participation()
    return build_demo_archives()


def _unit(username):
    return User.objects.get(username=username).memberships.get().unit


def _own_findings(audit, unit):
    """Findings about the records the community filed itself (meetings and records by hand), or
    about no record at all (missing slots, mechanisms)."""
    own = {
        str(key)
        for key in Evidence.objects.current()
        .filter(unit=unit, source__in=[EvidenceSource.MANUAL, EvidenceSource.MEETING])
        .values_list("record_key", flat=True)
    }
    return [f for f in audit.findings if not f.record_key or f.record_key in own]


def test_generated_photos_differ_from_each_other_even_perceptually():
    hashes = [integrity.dhash(scene(f"seed-{n}")) for n in range(40)]
    assert min(integrity.hamming(a, b) for a, b in itertools.combinations(hashes, 2)) > 6
    assert scene("same") == scene("same")


def test_the_demo_archive_is_nearly_complete_in_community1_and_has_real_gaps_in_community2(demo_archives):
    """GIVEN the demo city WHEN the archives are built THEN the city's template is published,
    community1's year audits high with a photo without a caption among few findings, community2's
    shows every kind of gap, the hash chain verifies, and building again adds nothing."""
    assert demo_archives > 0
    assert ArchiveTemplate.objects.filter(status="published").count() == 1
    today = timezone.localdate()
    year = periods.of(periods.YEAR, today)
    community1, community2 = _unit("community1"), _unit("community2")

    audit1 = audit_unit(community1, year)
    own1 = _own_findings(audit1, community1)
    codes1 = {f.code for f in own1}
    assert audit1.percent >= 80, [f.message for f in audit1.findings]
    assert "no_caption" in codes1
    assert codes1 <= {"no_caption", "missing", "reused_photo"}, [f.message for f in own1]
    assert len(own1) <= 6, [f.message for f in own1]
    assert not audit1.missing_mechanisms
    assert not any(m.dead_letter for m in audit1.mechanisms)
    joint = Meeting.objects.filter(unit=community1, kind="joint")
    assert joint.filter(attendees__is_head=True, attendees__cobuild_unit__isnull=False).exists()
    decisions = MeetingDecision.objects.filter(meeting__unit=community1)
    if today.month > 2:
        assert decisions.filter(status="done").exists()
        assert decisions.filter(status="open", due_on__lt=today).count() == 1, "one decision is overdue"

    audit2 = audit_unit(community2, year)
    codes2 = {f.code for f in audit2.findings}
    assert {"missing", "no_photos", "outside_period", "no_mechanism"} <= codes2
    assert audit2.percent < audit1.percent
    if today >= datetime.date(today.year, 2, 9):  # community2's February meeting borrows the photo
        reused = [f for f in audit2.findings if f.code == "reused_photo"]
        # The photo borrowed from community1's joint meeting, whose title is not shown to community2.
        assert reused and not any("联席会" in f.message for f in reused)
    if today.month > 3:  # the cleaning system is set up in March; a month must have ended since
        assert any(f.code == "dead_letter" and "保洁" in f.message for f in audit2.findings)

    assert integrity.verify().ok

    tables = (ArchiveTemplate, Evidence, Meeting, ArchiveLogEntry)
    counts = [model.objects.count() for model in tables]
    assert build_demo_archives() == 0
    assert [model.objects.count() for model in tables] == counts
