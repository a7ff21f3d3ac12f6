"""Official results that cannot go out wrong: the calendar is enforced, a computation the records
have moved past cannot be published, late events of a published month are carried to the first
open month, and a rule set is corrected in place only while no published month uses it."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from gongjian.assessments import services
from gongjian.assessments.choices import AssessmentStatus, DeductionSource
from gongjian.assessments.freshness import changes_since_computed
from gongjian.assessments.models import Deduction, ItemScore, ScoreSheet
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.assessments.tests.test_engine import RULES
from gongjian.core.errors import Conflict
from gongjian.core.models import AuditEvent
from gongjian.inspections import services as inspections
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import at, jpeg_bytes, reported
from gongjian.organizations.services import unit_update

pytestmark = pytest.mark.django_db

NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)
JAN = datetime.date(2027, 1, 1)
AFTER_NOV = datetime.date(2026, 12, 6)  # "today" in these tests: November is over, December running
AFTER_DEC = datetime.date(2027, 1, 2)


def spec(**changes):
    data = {**RULES, **changes}
    return parse_ruleset(data, known_categories=set(Category.objects.values_list("code", flat=True)))


@pytest.fixture
def rules(small_city, people):
    return services.ruleset_create(user=people.city_admin, city=small_city.city, spec=spec())


def open_month(people, city, month, **kw):
    return services.assessment_create(user=people.city_admin, city=city, month=month, **kw)


def compute(people, assessment, *, today=AFTER_NOV, **kw):
    return services.assessment_compute(user=people.city_admin, assessment=assessment, today=today, **kw)


def publish(people, assessment, *, today=AFTER_NOV):
    return services.assessment_publish(user=people.city_admin, assessment=assessment, today=today)


def lines(assessment, unit, source=None):
    rows = Deduction.objects.filter(item_score__sheet__assessment=assessment, item_score__sheet__unit=unit)
    return rows.filter(source=source) if source else rows


def clutter_in_november(people, small_city, *, day=10, now=None):
    return reported(
        people.inspector, small_city.compound_a1, now=now or at(2026, 11, day, 10), found_at=at(2026, 11, day, 9)
    )


def send_back(people, problem, *, now):
    inspections.rectification_submit(
        user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes()], now=now
    )
    return inspections.rectification_review(
        user=people.inspector, problem=problem, passed=False, note="未清理干净", now=now + datetime.timedelta(hours=1)
    )


# --- the calendar ----------------------------------------------------------------------------------------------------


def test_a_month_cannot_be_opened_before_it_starts(rules, small_city, people):
    with pytest.raises(ValidationError) as refused:
        open_month(people, small_city.city, JAN, today=AFTER_NOV)
    assert "not started" in str(refused.value) or "尚未开始" in str(refused.value)


def test_the_city_office_may_open_a_month_early_with_a_reason_that_is_recorded(rules, small_city, people):
    assessment = open_month(people, small_city.city, JAN, today=AFTER_NOV, force_reason="元旦前布置检查")
    assert assessment.early_open_reason == "元旦前布置检查"
    assert [reason for _what, reason in assessment.calendar_overrides] == ["元旦前布置检查"]
    event = AuditEvent.objects.get(action="assessment.create", target_id=str(assessment.pk))
    assert event.note == "元旦前布置检查"


def test_a_month_that_has_not_started_cannot_be_computed(rules, small_city, people):
    assessment = open_month(people, small_city.city, JAN, today=AFTER_NOV, force_reason="提前布置")
    with pytest.raises(Conflict):
        compute(people, assessment, today=AFTER_NOV)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT
    assert not ScoreSheet.objects.filter(assessment=assessment).exists()


def test_computing_a_running_month_gives_a_month_to_date_preview_that_cannot_be_published(rules, small_city, people):
    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    compute(people, december, today=AFTER_NOV, as_of=at(2026, 12, 6, 12))
    december.refresh_from_db()
    assert (december.status, december.is_preview, december.preview_day) == (AssessmentStatus.COMPUTED, True, 6)
    assert ScoreSheet.objects.filter(assessment=december).exists()
    with pytest.raises(Conflict) as refused:
        publish(people, december, today=AFTER_NOV)
    assert "preview" in str(refused.value) or "预览" in str(refused.value)
    with pytest.raises(Conflict):  # still a preview after the month ended: it must be computed again
        publish(people, december, today=AFTER_DEC)
    compute(people, december, today=AFTER_DEC)
    publish(people, december, today=AFTER_DEC)
    december.refresh_from_db()
    assert (december.status, december.is_preview) == (AssessmentStatus.PUBLISHED, False)


def test_closing_a_month_early_with_a_reason_makes_it_final_and_publishable(rules, small_city, people):
    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    compute(people, december, today=AFTER_NOV, as_of=at(2026, 12, 6, 12), force_reason="省检前提前结算")
    december.refresh_from_db()
    assert (december.is_preview, december.early_close_reason) == (False, "省检前提前结算")
    compute(people, december, today=AFTER_NOV, as_of=at(2026, 12, 6, 13))  # a month closed early stays closed
    december.refresh_from_db()
    assert december.is_preview is False
    publish(people, december, today=AFTER_NOV)
    december.refresh_from_db()
    assert december.status == AssessmentStatus.PUBLISHED
    assert ("省检前提前结算" in reason for _what, reason in december.calendar_overrides)
    assert AuditEvent.objects.get(action="assessment.publish", target_id=str(december.pk)).note == "省检前提前结算"


def test_a_month_that_has_not_ended_is_never_published_from_an_ordinary_computation(rules, small_city, people):
    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    compute(people, december, today=AFTER_NOV)
    with pytest.raises(Conflict):
        publish(people, december, today=datetime.date(2026, 12, 31))


# --- stale computations ----------------------------------------------------------------------------------------------


def test_a_problem_reported_after_the_computation_blocks_publication_until_recomputed(rules, small_city, people):
    """GIVEN November computed with nothing found
    WHEN a problem found in November is reported, THEN publishing is refused, naming the change;
    AND after computing again the month publishes and the sheet has the deduction."""
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    problem = clutter_in_november(people, small_city, now=at(2026, 12, 6, 9))

    with pytest.raises(Conflict) as refused:
        publish(people, november)
    assert "1" in str(refused.value)
    november.refresh_from_db()
    assert november.status == AssessmentStatus.COMPUTED
    freshness = changes_since_computed(november)
    assert [(c.kind, c.count) for c in freshness.changes] == [("reported", 1)]
    assert freshness.changes[0].links == [(problem.number, f"/problems/{problem.pk}/")]

    compute(people, november)
    assert not changes_since_computed(november).stale
    publish(people, november)
    line = lines(november, small_city.compound_a1, DeductionSource.PROBLEM).get()
    assert (line.problem_id, line.points) == (problem.pk, D("1.00"))


@pytest.fixture
def computed_november(rules, small_city, people):
    """November with one open clutter problem (deadline in November) and one from October whose
    deadline is in November, computed."""
    problem = clutter_in_november(people, small_city, day=27)
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    assert not changes_since_computed(november).stale
    return november, problem


def _approve_extension(people, problem):
    extension = inspections.extension_request(
        user=people.community_worker,
        problem=problem,
        reason="需要施工队",
        requested_deadline=at(2026, 12, 10, 23, 59),
        now=at(2026, 11, 28, 9),
    )
    inspections.extension_decide(
        user=people.street_officer, extension=extension, approve=True, now=at(2026, 11, 28, 10)
    )


CHANGES = {
    "rectified": lambda people, problem, assessment, city: inspections.rectification_submit(
        user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes()], now=at(2026, 11, 28, 9)
    ),
    "rechecked": lambda people, problem, assessment, city: send_back(people, problem, now=at(2026, 11, 28, 9)),
    "voided": lambda people, problem, assessment, city: inspections.problem_void(
        user=people.city_admin, problem=problem, reason="重复上报", now=at(2026, 11, 28, 9)
    ),
    "extended": lambda people, problem, assessment, city: _approve_extension(people, problem),
    "manual": lambda people, problem, assessment, city: services.manual_entry_set(
        user=people.city_admin,
        assessment=assessment,
        unit=city.community_a1,
        item=assessment.ruleset.items.get(code="2.1"),
        score=D("3"),
        reason="活动未开展",
    ),
    "ruleset": lambda people, problem, assessment, city: services.ruleset_update(
        user=people.city_admin, ruleset=assessment.ruleset, spec=spec(overdue_deduction="1")
    ),
    # The problem's community moves to another street: its problems are rescoped.
    "rescoped": lambda people, problem, assessment, city: unit_update(
        actor=people.city_admin, unit=city.community_a1, parent=city.street_b
    ),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_change_after_the_computation_makes_the_month_stale(kind, computed_november, small_city, people):
    november, problem = computed_november
    CHANGES[kind](people, problem, november, small_city)
    freshness = changes_since_computed(november)
    assert kind in [c.kind for c in freshness.changes]
    with pytest.raises(Conflict):
        publish(people, november)
    compute(people, november)
    assert not changes_since_computed(november).stale
    publish(people, november)


def test_a_problem_moved_with_its_unit_is_audited_and_makes_its_month_stale(computed_november, small_city, people):
    november, problem = computed_november
    unit_update(actor=people.city_admin, unit=small_city.community_a1, parent=small_city.street_b)
    problem.refresh_from_db()
    assert problem.street_id == small_city.street_b.pk
    event = AuditEvent.objects.get(action="problem.rescope", target_id=str(problem.pk))
    assert event.actor == people.city_admin
    assert event.changes == {"street_id": [small_city.street_a.pk, small_city.street_b.pk]}
    freshness = changes_since_computed(november)
    assert [(c.kind, c.count) for c in freshness.changes] == [("rescoped", 1)]
    assert freshness.changes[0].links == [(problem.number, f"/problems/{problem.pk}/")]
    with pytest.raises(Conflict):
        publish(people, november)


def test_a_problem_moved_out_of_the_city_makes_the_citys_month_stale(computed_november, small_city, people):
    november, problem = computed_november
    unit_update(actor=people.city_admin, unit=small_city.community_a1, parent=small_city.other_city)
    assert [c.kind for c in changes_since_computed(november).changes] == ["rescoped"]
    with pytest.raises(Conflict):
        publish(people, november)


def test_moving_a_unit_without_problems_in_the_month_leaves_it_fresh(computed_november, small_city, people):
    november, _problem = computed_november
    unit_update(actor=people.city_admin, unit=small_city.community_a2, parent=small_city.street_b)
    assert not AuditEvent.objects.filter(action="problem.rescope").exists()
    assert not changes_since_computed(november).stale
    publish(people, november)


def test_changes_outside_the_month_leave_it_fresh(computed_november, small_city, people):
    november, _problem = computed_november
    reported(people.inspector, small_city.compound_a1, now=at(2026, 12, 6, 9))  # found in December
    other = reported(people.inspector, small_city.compound_a1, now=at(2026, 10, 5, 9), found_at=at(2026, 10, 5, 8))
    inspections.problem_void(user=people.city_admin, problem=other, reason="重复", now=at(2026, 10, 5, 10))
    assert not changes_since_computed(november).stale
    publish(people, november)


def test_archive_evidence_changes_are_counted_through_the_settings_hook(computed_november, settings, monkeypatch):
    from gongjian.assessments.models import RuleItem

    november, _problem = computed_november
    settings.ASSESSMENT_EVIDENCE_CHANGES = "gongjian.assessments.tests.test_results_integrity.two_changes"
    assert not changes_since_computed(november).stale, "the rule set has no evidence items yet"
    RuleItem.objects.filter(ruleset=november.ruleset, code="2.1").update(method="evidence")
    assert [(c.kind, c.count) for c in changes_since_computed(november).changes] == [("evidence", 2)]


def two_changes(*, city_id, month, since):
    return 2


# --- late events after publication -----------------------------------------------------------------------------------


def test_a_rework_after_publication_is_carried_to_the_first_open_month(rules, small_city, people):
    """GIVEN a November problem, November computed and published
    WHEN its rectification is sent back in December (a rework of November),
    THEN November's sheet stays as published, December's sheet counts the rework, carried from
    2026-11, and December is stale if it was computed before the rework."""
    problem = clutter_in_november(people, small_city, day=20)
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    publish(people, november)
    published_lines = list(lines(november, small_city.compound_a1).values_list("source", "points"))

    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    compute(people, december, today=AFTER_DEC)
    send_back(people, problem, now=at(2026, 12, 3, 9))
    assert "rechecked" in [c.kind for c in changes_since_computed(december).changes]

    compute(people, december, today=AFTER_DEC)
    carried = lines(december, small_city.compound_a1, DeductionSource.REWORK).get()
    assert (carried.problem_id, carried.points, carried.carried_from) == (problem.pk, D("0.50"), NOV)
    assert list(lines(november, small_city.compound_a1).values_list("source", "points")) == published_lines
    community = lines(december, small_city.community_a1, DeductionSource.REWORK).get()
    assert community.carried_from == NOV, "the community's sheet adds up its compounds' cases"

    compute(people, december, today=AFTER_DEC)  # recomputing does not count it twice
    assert lines(december, small_city.compound_a1, DeductionSource.REWORK).count() == 1


def test_a_relapse_reported_after_publication_is_carried_and_a_counted_rework_is_not(rules, small_city, people):
    origin = reported(people.inspector, small_city.compound_a1, now=at(2026, 10, 28, 9), found_at=at(2026, 10, 28, 8))
    inspections.rectification_submit(
        user=people.community_worker, problem=origin, note="已清理", photos=[jpeg_bytes()], now=at(2026, 10, 28, 12)
    )
    inspections.rectification_review(user=people.inspector, problem=origin, passed=True, now=at(2026, 10, 28, 14))
    counted = clutter_in_november(people, small_city, day=3)
    send_back(people, counted, now=at(2026, 11, 4, 9))  # before November's computation: counted there
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    publish(people, november)
    assert lines(november, small_city.compound_a1, DeductionSource.REWORK).count() == 1

    relapse = reported(  # found in November at the same place, entered only after publication
        people.inspector, small_city.compound_a1, now=at(2026, 12, 2, 9), found_at=at(2026, 11, 20, 9)
    )
    assert relapse.relapse_of_id == origin.pk
    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    compute(people, december, today=AFTER_DEC)
    carried = lines(december, small_city.compound_a1, DeductionSource.RELAPSE).get()
    assert (carried.problem_id, carried.carried_from) == (relapse.pk, NOV)
    assert not lines(december, small_city.compound_a1, DeductionSource.REWORK).exists()


def test_an_overdue_after_an_early_close_is_carried_to_the_next_month(rules, small_city, people):
    problem = clutter_in_november(people, small_city, day=18)  # deadline a few working days later
    november = open_month(people, small_city.city, NOV)
    compute(people, november, today=datetime.date(2026, 11, 19), as_of=at(2026, 11, 19, 9), force_reason="省检")
    publish(people, november, today=datetime.date(2026, 11, 19))
    assert not lines(november, small_city.compound_a1, DeductionSource.OVERDUE).exists()

    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    compute(people, december, today=AFTER_DEC)
    carried = lines(december, small_city.compound_a1, DeductionSource.OVERDUE).get()
    assert (carried.problem_id, carried.carried_from) == (problem.pk, NOV)


def test_late_events_go_to_the_first_open_month_only(rules, small_city, people):
    problem = clutter_in_november(people, small_city, day=20)
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    publish(people, november)
    december = open_month(people, small_city.city, DEC, today=AFTER_NOV)
    january = open_month(people, small_city.city, JAN, today=AFTER_NOV, force_reason="测试")
    send_back(people, problem, now=at(2026, 12, 3, 9))
    compute(people, january, today=datetime.date(2027, 2, 1))
    assert not lines(january, small_city.compound_a1, DeductionSource.REWORK).exists()
    compute(people, december, today=AFTER_DEC)
    assert lines(december, small_city.compound_a1, DeductionSource.REWORK).get().carried_from == NOV


# --- correcting a rule set -------------------------------------------------------------------------------------------


def test_a_rule_set_no_published_month_uses_is_corrected_in_place(rules, small_city, people):
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    item_ids = dict(rules.items.values_list("code", "id"))
    corrected = {**RULES, "name": "测试细则（更正）", "overdue_deduction": "1"}
    corrected["items"] = [dict(RULES["items"][0]), dict(RULES["items"][1])]
    corrected["items"][0]["children"] = [
        {**RULES["items"][0]["children"][0], "name": "无乱堆乱放（含楼道）"},
        *RULES["items"][0]["children"][1:],
    ]
    services.ruleset_update(user=people.city_admin, ruleset=rules, spec=spec(**corrected))
    rules.refresh_from_db()
    assert (rules.name, rules.version, rules.overdue_deduction) == ("测试细则（更正）", 1, D("1"))
    assert dict(rules.items.values_list("code", "id")) == item_ids, "items keep their ids"
    assert rules.items.get(code="1.1").name == "无乱堆乱放（含楼道）"
    assert [c.kind for c in changes_since_computed(november).changes] == ["ruleset"]
    event = AuditEvent.objects.get(action="ruleset.update")
    assert event.changes["changed"] == ["1.1"] and event.changes["stale_months"] == ["2026-11"]


def test_removing_an_item_drops_it_from_unpublished_computations(rules, small_city, people):
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    corrected = {**RULES, "total_points": 12}
    corrected["items"] = [
        {**RULES["items"][0], "points": 7, "children": RULES["items"][0]["children"][:1]
         + RULES["items"][0]["children"][2:]},
        RULES["items"][1],
    ]  # fmt: skip
    services.ruleset_update(user=people.city_admin, ruleset=rules, spec=spec(**corrected))
    assert not rules.items.filter(code="1.2").exists()
    assert not ItemScore.objects.filter(sheet__assessment=november, item__code="1.2").exists()


def test_a_rule_set_used_by_a_published_month_is_frozen(rules, small_city, people):
    november = open_month(people, small_city.city, NOV)
    compute(people, november)
    publish(people, november)
    with pytest.raises(Conflict) as refused:
        services.ruleset_update(user=people.city_admin, ruleset=rules, spec=spec(name="改名"))
    assert "2026-11" in str(refused.value)
    rules.refresh_from_db()
    assert rules.name == RULES["name"]


def test_only_the_city_office_corrects_a_rule_set(rules, people):
    from gongjian.core.errors import NotPermitted

    for who in ("street_officer", "city_leader", "outsider"):
        with pytest.raises(NotPermitted):
            services.ruleset_update(user=getattr(people, who), ruleset=rules, spec=spec(name="改名"))


def test_the_next_version_is_one_more_than_the_highest(rules, small_city):
    assert services.ruleset_next_version(city=small_city.city) == 2
