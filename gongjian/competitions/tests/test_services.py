"""Competitions through their services: hand-computed scores and ranks with ties, every change
audited, bad input refused with nothing changed, publish refused while stale, final after it."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from gongjian.archives.models import Evidence
from gongjian.archives.services.files import FileIn
from gongjian.archives.tests.factories import archive_ruleset, jpeg, published_template
from gongjian.competitions import services
from gongjian.competitions.models import Adjustment, Competition, Entry, Participant
from gongjian.competitions.tests.helpers import ITEMS, make_competition, score, score_the_hand_computed_case
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.testing.factories import CobuildUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


def _fresh(participant):
    return Participant.objects.get(pk=participant.pk)


def test_scores_and_ranks_are_those_computed_by_hand_with_ties(people, small_city):
    """GIVEN four units scored by an inspector WHEN the city office computes
    THEN 乙一企业 100 is first, 甲一企业 and 甲二机关 tie at 88 (both 2nd), the liaison's unit 50 is 4th;
    each street and kind of unit ranks on its own."""
    setup = make_competition(people, small_city)
    score_the_hand_computed_case(people, setup)
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    a1, a2, b1, own = (_fresh(p) for p in (setup.a1, setup.a2, setup.b1, setup.own))
    assert [p.score for p in (b1, a1, a2, own)] == [D("100.00"), D("88.00"), D("88.00"), D("50.00")]
    assert [p.rank_city for p in (b1, a1, a2, own)] == [1, 2, 2, 4]
    assert (a1.rank_street, a2.rank_street, b1.rank_street, own.rank_street) == (1, 1, 1, 2)
    assert (b1.rank_kind, a1.rank_kind) == (1, 2)  # enterprises
    assert (a2.rank_kind, own.rank_kind) == (1, 2)  # agencies
    assert (a1.rate, own.rate, a1.max_score) == (D("0.880000"), D("0.500000"), D("100.00"))
    assert (a1.missing, b1.missing) == (1, 2)
    assert setup.competition.status == "computed"


def test_every_result_change_is_audited_with_who_when_from_and_to(people, small_city):
    setup = make_competition(people, small_city)
    score(people.inspector, setup, setup.a1, "A1", 2)
    score(people.inspector, setup, setup.a1, "A1", 4, reason="复查又发现两处")
    events = list(AuditEvent.objects.filter(action="competition.entry").order_by("id"))
    assert [(e.from_state, e.to_state) for e in events] == [("", "2"), ("2", "4")]
    assert all(e.actor_id == people.inspector.pk and e.at is not None for e in events)
    assert events[1].changes["from"] == {"value": "2", "reason": "检查发现问题"}
    assert events[1].changes["to"]["lost"] == "12.00" and events[1].changes["unit"] == "甲一企业"


def test_the_same_result_again_writes_nothing(people, small_city):
    setup = make_competition(people, small_city)
    score(people.inspector, setup, setup.a1, "A1", 2)
    score(people.inspector, setup, setup.a1, "A1", 2)
    assert AuditEvent.objects.filter(action="competition.entry").count() == 1


@pytest.mark.parametrize(
    "code, value, reason, field, says",
    [
        ("A1", "1.5", "x", "value", "整数"),
        ("A2", 7, "x", "value", "档次"),
        ("A3", "60", "x", "value", "扣分须在 0 到 50"),
        ("A3", "5", "", "reason", "原因"),
    ],
)
def test_bad_results_are_refused_in_chinese_and_change_nothing(
    people, small_city, zh, code, value, reason, field, says
):
    setup = make_competition(people, small_city)
    score(people.inspector, setup, setup.a1, code, 1 if code != "A3" else "1", reason="原有")
    before = list(Entry.objects.values_list("value", "reason"))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        score(people.inspector, setup, setup.a1, code, value, reason=reason)
    assert says in " ".join(refused.value.message_dict[field])
    assert list(Entry.objects.values_list("value", "reason")) == before and AuditEvent.objects.count() == events


def test_a_photo_must_be_a_photo(people, small_city, zh):
    setup = make_competition(people, small_city)
    entry = score(people.inspector, setup, setup.a1, "A1", 1, photo=FileIn(name="现场.jpg", data=jpeg(seed=3)))
    assert entry.photo.name.endswith(".jpg")
    with pytest.raises(ValidationError) as refused:
        score(people.inspector, setup, setup.a1, "A1", 2, photo=FileIn(name="x.jpg", data=b"not an image"))
    assert "x.jpg" in refused.value.message_dict["photo"][0]
    assert Entry.objects.get().value == 1


def test_an_item_of_another_competition_is_refused(people, small_city):
    setup = make_competition(people, small_city)
    second = services.competition_create(
        user=people.city_admin,
        city=small_city.city,
        name="另一场竞赛",
        starts_on=setup.competition.starts_on,
        ends_on=setup.competition.ends_on,
        items_text=ITEMS,
        cobuild_units=[setup.a1.cobuild_unit],
    )
    with pytest.raises(ValidationError):
        services.entry_set(
            user=people.inspector, participant=setup.a1, item=second.items.get(code="A1"), value=1, reason="x"
        )


def test_a_street_inspector_scores_only_units_of_the_street(people, small_city):
    setup = make_competition(people, small_city)
    score(people.street_inspector, setup, setup.b1, "A1", 1)
    for user in (people.street_inspector, people.street_officer, people.liaison, people.outsider):
        with pytest.raises(NotPermitted):
            score(user, setup, setup.a1, "A1", 1)


def test_only_the_city_office_creates_computes_and_publishes(people, small_city):
    setup = make_competition(people, small_city)
    for user in (people.inspector, people.city_leader, people.street_officer, people.outsider):
        with pytest.raises(NotPermitted):
            services.competition_compute(user=user, competition=setup.competition)
        with pytest.raises(NotPermitted):
            services.competition_create(
                user=user, city=small_city.city, name="x", starts_on=setup.competition.starts_on,
                ends_on=setup.competition.ends_on, items_text=ITEMS, cobuild_units=[setup.a1.cobuild_unit],
            )  # fmt: skip


def test_creating_refuses_bad_items_and_units_outside_the_city_and_creates_nothing(people, small_city, zh):
    outside = CobuildUnitFactory(name="邻市企业", located_in=small_city.other_community)
    nowhere = CobuildUnitFactory(name="无处企业")
    with pytest.raises(ValidationError) as refused:
        services.competition_create(
            user=people.city_admin,
            city=small_city.city,
            name="竞赛",
            starts_on=small_city.city.created_at.date(),
            ends_on=small_city.city.created_at.date(),
            items_text="A1 | 门前 | 20 | deduct",
            cobuild_units=[outside, nowhere],
        )
    errors = refused.value.message_dict
    assert "第 1 行" in errors["items"][0] and "邻市企业" in errors["cobuild_units"][0]
    assert "无处企业" in errors["cobuild_units"][0]
    assert not Competition.objects.exists()


def test_publishing_is_refused_while_a_result_changed_after_the_computation(people, small_city, zh):
    setup = make_competition(people, small_city)
    with pytest.raises(Conflict):
        services.competition_publish(user=people.city_admin, competition=setup.competition)  # not computed
    score_the_hand_computed_case(people, setup)
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    score(people.inspector, setup, setup.b1, "A3", "10", reason="绿化带缺株")
    with pytest.raises(Conflict) as refused:
        services.competition_publish(user=people.city_admin, competition=setup.competition)
    assert "1 项结果" in refused.value.message and "重新计算" in refused.value.message
    assert Competition.objects.get().status == "computed"
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    services.competition_publish(user=people.city_admin, competition=setup.competition)
    assert _fresh(setup.b1).score == D("90.00") and Competition.objects.get().status == "published"


def test_after_publishing_nothing_changes_and_corrections_are_adjustments(people, small_city, zh):
    setup = make_competition(people, small_city)
    score_the_hand_computed_case(people, setup)
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    with pytest.raises(Conflict):
        services.adjustment_add(user=people.city_admin, participant=setup.a1, points="2", reason="x")
    services.competition_publish(user=people.city_admin, competition=setup.competition)
    with pytest.raises(Conflict) as refused:
        score(people.inspector, setup, setup.a1, "A1", 0)
    assert "已发布" in refused.value.message
    with pytest.raises(Conflict):
        services.competition_compute(user=people.city_admin, competition=setup.competition)
    with pytest.raises(Conflict):
        services.competition_publish(user=people.city_admin, competition=setup.competition)
    with pytest.raises(ValidationError):
        services.adjustment_add(user=people.city_admin, participant=setup.a1, points="2", reason=" ")
    services.adjustment_add(user=people.city_admin, participant=setup.a1, points="3", reason="复核：一处误判")
    a1 = _fresh(setup.a1)
    assert (a1.score, a1.rank_city) == (D("88.00"), 2)  # the published result stays
    assert Adjustment.objects.get().points == D("3.00")
    assert AuditEvent.objects.filter(action="competition.adjust", note="复核：一处误判").exists()
    assert Entry.objects.get(participant=setup.a1, item__code="A1").value == 2


def test_the_published_ranking_files_itself_in_the_citys_archive(
    people, small_city, django_capture_on_commit_callbacks
):
    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    setup = make_competition(people, small_city)
    score_the_hand_computed_case(people, setup)
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    assert not Evidence.objects.filter(source="compet").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.competition_publish(user=people.city_admin, competition=setup.competition)
    evidence = Evidence.objects.get(source="compet", is_current=True)
    assert evidence.unit == small_city.city and setup.competition.name in evidence.title
    assert "乙一企业" in evidence.text and "100.00" in evidence.text and "88.00" in evidence.text
