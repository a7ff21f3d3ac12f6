"""Evidence collects itself: a closed problem becomes a rectification record with its before and
after photos, a held activity an activity record, a meeting a meeting record — once each, and
brought up to date (as a new version) when its source changes."""

from __future__ import annotations

import pytest

from gongjian.archives import integrity, services
from gongjian.archives.choices import EvidenceKind, Interval
from gongjian.archives.models import Evidence
from gongjian.archives.services import RequirementIn, SectionIn
from gongjian.archives.tests.factories import archive_ruleset, item
from gongjian.inspections.tests.test_services import closed_problem
from gongjian.participation.tests.factories import activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(people, small_city):
    """A template whose item 3.2 asks for rectification and activity records every month."""
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    template = services.template_create(
        user=people.city_admin,
        ruleset=ruleset,
        name="整改与活动",
        sections=[
            SectionIn(
                title="整改与活动",
                rule_item=item(ruleset, "3.2"),
                requirements=(
                    RequirementIn(
                        description="每月整改和活动记录",
                        kinds=(EvidenceKind.RECTIFICATION, EvidenceKind.ACTIVITY),
                        interval=Interval.MONTHLY,
                    ),
                ),
            )
        ],
    )
    services.template_publish(user=people.city_admin, template=template)
    return ruleset


def test_a_closed_problem_becomes_a_rectification_record_with_before_and_after_photos(
    people, small_city, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        problem = closed_problem(people, small_city.compound_a1)
    evidence = Evidence.objects.get(source="problem", source_id=problem.pk, is_current=True)
    assert evidence.kind == EvidenceKind.RECTIFICATION
    assert evidence.unit == small_city.community_a1  # filed by the community, not the compound
    assert evidence.started_on == problem.found_at.date() and evidence.date == problem.closed_at.date()
    captions = [f.caption for f in evidence.files.all()]
    assert len(captions) == 2 and all(captions)  # a problem photo without caption gets "Before/After: address"
    assert [f.file.name for f in evidence.files.all()] == [
        p.file.name for p in sorted(problem.photos.all(), key=lambda p: p.stage != "before")
    ]
    assert item(template, "3.2") in evidence.rule_items.all()
    assert integrity.verify().ok


def test_collecting_again_changes_nothing_when_nothing_changed(people, small_city, template):
    problem = closed_problem(people, small_city.compound_a1)
    services.collect_pending()
    services.collect_pending()
    assert Evidence.objects.filter(source="problem", source_id=problem.pk).count() == 1


def test_a_held_activity_becomes_an_activity_record_and_a_planned_one_does_not(
    people, small_city, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        held = activity(people.community_worker, small_city.community_a1)
        planned = activity(people.community_worker, small_city.community_a1, status="planned", title="下月活动")
    assert Evidence.objects.filter(source="activity", source_id=held.pk, kind=EvidenceKind.ACTIVITY).exists()
    assert not Evidence.objects.filter(source="activity", source_id=planned.pk).exists()


def test_nothing_is_collected_before_a_template_asks_for_it(people, small_city):
    archive_ruleset(people.city_admin, small_city.city)
    closed_problem(people, small_city.compound_a1)
    assert services.collect_pending() == 0
    assert not Evidence.objects.exists()


def test_photos_of_a_rectification_the_recheck_rejected_are_labelled_rejected_not_after(
    people, small_city, template, django_capture_on_commit_callbacks
):
    """GIVEN a problem whose first rectification failed the re-check and whose second passed
    THEN its record labels the first attempt's photo as rejected, between the before and after photos."""
    import datetime

    from gongjian.inspections.tests.test_services import TUE_10, rectify, report, review

    with django_capture_on_commit_callbacks(execute=True):
        problem = report(people.inspector, small_city.compound_a1, code="06036", now=TUE_10)
        rectify(people.city_admin, problem, now=TUE_10 + datetime.timedelta(hours=1))
        review(people.inspector, problem, passed=False, note="仍有杂物", now=TUE_10 + datetime.timedelta(hours=2))
        rectify(people.city_admin, problem, now=TUE_10 + datetime.timedelta(hours=3))
        review(people.inspector, problem, passed=True, now=TUE_10 + datetime.timedelta(hours=4))
    evidence = Evidence.objects.get(source="problem", source_id=problem.pk, is_current=True)
    captions = [f.caption for f in evidence.files.order_by("position")]
    assert len(captions) == 3
    assert not captions[0].startswith("整改复查未通过")  # the before photo
    assert captions[1].startswith("整改复查未通过")
    assert not captions[2].startswith("整改复查未通过")
    assert sum("整改复查未通过" in c for c in captions) == 1
