"""Correcting a competition's definition (name, dates, items, units) until scoring starts: through
the service (same checks as creating, audited from → to, nothing written when nothing differs,
refused once a result exists) and on its page (the creation form pre-filled, 400 at the fields,
403 for readers, 404 outside the scope, the refusal after the first result); an edit and a first
result at the same moment cannot both win (PostgreSQL)."""

import datetime
import threading
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import translation

from gongjian.accounts.choices import Role
from gongjian.competitions import services
from gongjian.competitions.models import Competition, CompetitionItem, Entry, Participant
from gongjian.competitions.tests.helpers import ITEMS, make_competition, score
from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.inspections.tests.test_services import fresh, postgres_only
from gongjian.testing.factories import CobuildUnitFactory, user_with_role

pytestmark = pytest.mark.django_db

EDITED_ITEMS = (
    "A1 | 门前三包责任落实 | 25 | deduct | 5\nA2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0\nA4 | 垃圾分类 | 45 | points"
)


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


def definition(competition: Competition) -> dict:
    """Everything an edit may change, and the audit trail, to show that nothing changed."""
    competition = Competition.objects.get(pk=competition.pk)
    return {
        "name": competition.name,
        "dates": (competition.starts_on, competition.ends_on),
        "items": [(i.pk, i.as_line(), i.position) for i in competition.items.all()],
        "units": sorted(competition.participants.values_list("pk", "cobuild_unit_id")),
        "events": AuditEvent.objects.count(),
    }


def as_given(competition: Competition, **changed) -> dict:
    """The service's arguments for the competition's definition as it stands, with ``changed``."""
    return {
        "name": competition.name,
        "starts_on": competition.starts_on,
        "ends_on": competition.ends_on,
        "items_text": "\n".join(item.as_line() for item in competition.items.all()),
        "cobuild_units": [p.cobuild_unit for p in competition.participants.select_related("cobuild_unit")],
        **changed,
    }


def edit(user, competition, **changed):
    return services.competition_edit(user=user, competition=competition, **as_given(competition, **changed))


# --- the service ---------------------------------------------------------------------------------------------------


def test_an_edit_changes_the_items_and_units_and_is_audited_from_and_to(people, small_city):
    """GIVEN a draft competition of four units and items A1–A3
    WHEN the city office renames it, moves its end, changes A1's points, replaces A3 by A4,
    drops 乙一企业 and adds 甲三企业
    THEN the competition holds the new definition (A1 and the kept units keep their rows) and one
    competition.edit event says who changed what from what to what."""
    setup = make_competition(people, small_city)
    competition = setup.competition
    a1_item = setup.item("A1")
    newcomer = CobuildUnitFactory(name="甲三企业", kind="enterprise", located_in=small_city.community_a2)
    units = [setup.a1.cobuild_unit, setup.a2.cobuild_unit, setup.own.cobuild_unit, newcomer]

    edit(
        people.city_admin,
        competition,
        name="2026年度环境达标竞赛",
        ends_on=datetime.date(2026, 10, 31),
        items_text=EDITED_ITEMS,
        cobuild_units=units,
    )

    competition = Competition.objects.get(pk=competition.pk)
    assert (competition.name, competition.ends_on) == ("2026年度环境达标竞赛", datetime.date(2026, 10, 31))
    assert [(i.code, i.points, i.per_occurrence) for i in competition.items.all()] == [
        ("A1", D("25.00"), D("5.00")),
        ("A2", D("30.00"), None),
        ("A4", D("45.00"), None),
    ]
    assert competition.items.get(code="A1").pk == a1_item.pk
    assert sorted(competition.participants.values_list("cobuild_unit__name", flat=True)) == sorted(
        u.name for u in units
    )
    assert competition.participants.get(cobuild_unit=setup.a1.cobuild_unit).pk == setup.a1.pk
    new = competition.participants.get(cobuild_unit=newcomer)
    assert (new.place, new.street, new.kind) == (small_city.community_a2, small_city.street_a, "enterprise")

    event = AuditEvent.objects.get(action="competition.edit")
    assert event.actor == people.city_admin and event.at is not None
    assert event.target_id == str(competition.pk)
    assert event.changes["name"] == {"from": "2026年企事业单位内外环境管理达标竞赛", "to": "2026年度环境达标竞赛"}
    assert event.changes["ends_on"] == {"from": "2026-09-30", "to": "2026-10-31"}
    assert "starts_on" not in event.changes
    assert event.changes["items"] == {
        "from": [
            "A1 | 门前三包责任落实 | 20 | deduct | 3",
            "A2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0",
            "A3 | 绿化养护 | 50 | points",
        ],
        "to": EDITED_ITEMS.splitlines(),
    }
    assert event.changes["units"] == {
        "added": [{"id": newcomer.pk, "name": "甲三企业"}],
        "removed": [{"id": setup.b1.cobuild_unit_id, "name": "乙一企业"}],
    }


def test_only_the_items_may_change_and_the_units_stay_unmentioned(people, small_city):
    setup = make_competition(people, small_city)
    edit(people.city_admin, setup.competition, items_text=ITEMS.replace("绿化养护", "绿化养护及补植"))
    event = AuditEvent.objects.get(action="competition.edit")
    assert set(event.changes) == {"items"}
    assert event.changes["items"]["to"][2] == "A3 | 绿化养护及补植 | 50 | points"
    assert setup.item("A3").name == "绿化养护及补植"


def test_an_edit_that_changes_nothing_writes_nothing_and_is_not_audited(people, small_city):
    """The definition sent back as it stands (its own name is no duplicate; 20 and 20.00 are the
    same points; the units in another order) changes nothing and records no event."""
    setup = make_competition(people, small_city)
    before = definition(setup.competition)
    edit(people.city_admin, setup.competition, items_text=ITEMS.replace("| 20 |", "| 20.00 |"))
    edit(
        people.city_admin,
        setup.competition,
        cobuild_units=[p.cobuild_unit for p in (setup.own, setup.b1, setup.a2, setup.a1)],
    )
    assert definition(setup.competition) == before
    assert not AuditEvent.objects.filter(action="competition.edit").exists()


def _another_competition(people, small_city, setup):
    services.competition_create(
        user=people.city_admin,
        city=small_city.city,
        name="另一场竞赛",
        starts_on=setup.competition.starts_on,
        ends_on=setup.competition.ends_on,
        items_text=ITEMS,
        cobuild_units=[setup.a1.cobuild_unit],
    )


@pytest.mark.parametrize(
    "case, field, says",
    [
        ("bad item line", "items", "第 2 行"),
        ("no items", "items", "至少"),
        ("name of another competition", "name", "本市已有同名竞赛"),
        ("no name", "name", "竞赛名称"),
        ("ends before it starts", "ends_on", "不能早于"),
        ("unit of another city", "cobuild_units", "邻市企业"),
        ("no unit", "cobuild_units", "请选择"),
    ],
)
def test_a_bad_edit_is_refused_at_its_field_and_changes_nothing(people, small_city, zh, case, field, says):
    setup = make_competition(people, small_city)
    _another_competition(people, small_city, setup)
    units = [p.cobuild_unit for p in (setup.a1, setup.a2, setup.b1, setup.own)]
    changed = {
        "bad item line": {"items_text": "A1 | 门前 | 20 | deduct | 2\nA2 | 卫生 | 30 | grade | 0,1"},
        "no items": {"items_text": "  \n"},
        "name of another competition": {"name": "另一场竞赛"},
        "no name": {"name": " "},
        "ends before it starts": {"ends_on": datetime.date(2026, 3, 1)},
        "unit of another city": {
            "cobuild_units": [*units, CobuildUnitFactory(name="邻市企业", located_in=small_city.other_community)]
        },
        "no unit": {"cobuild_units": []},
    }[case]
    before = definition(setup.competition)
    with pytest.raises(ValidationError) as refused:
        edit(people.city_admin, setup.competition, **{"items_text": EDITED_ITEMS, **changed})
    assert says in " ".join(refused.value.message_dict[field])
    assert definition(setup.competition) == before


@pytest.mark.parametrize("who", ["street_officer", "city_leader", "inspector", "liaison", "outsider"])
def test_only_the_city_office_edits_a_competition(people, small_city, who):
    setup = make_competition(people, small_city)
    before = definition(setup.competition)
    with pytest.raises(NotPermitted):
        edit(getattr(people, who), setup.competition, items_text=EDITED_ITEMS)
    assert definition(setup.competition) == before


def test_another_citys_office_cannot_edit_it(people, small_city):
    setup = make_competition(people, small_city)
    other = user_with_role(Role.CITY_ADMIN, unit=small_city.other_city, username="other_admin")
    before = definition(setup.competition)
    with pytest.raises(NotPermitted):
        edit(other, setup.competition, items_text=EDITED_ITEMS)
    assert definition(setup.competition) == before


def test_after_the_first_result_the_definition_is_fixed(people, small_city, zh):
    setup = make_competition(people, small_city)
    score(people.inspector, setup, setup.b1, "A2", 0, reason="")
    before = definition(setup.competition)
    with pytest.raises(Conflict) as refused:
        edit(people.city_admin, setup.competition, items_text=EDITED_ITEMS)
    assert "已录入评分结果" in refused.value.message
    with pytest.raises(Conflict):  # even a change of name only
        edit(people.city_admin, setup.competition, name="新名称")
    assert definition(setup.competition) == before


def test_a_computed_competition_is_no_longer_edited_even_without_results(people, small_city, zh):
    setup = make_competition(people, small_city)
    services.competition_compute(user=people.city_admin, competition=setup.competition)
    before = definition(setup.competition)
    with pytest.raises(Conflict) as refused:
        edit(people.city_admin, setup.competition, name="新名称")
    assert "竞赛已计算" in refused.value.message
    assert definition(setup.competition) == before


def test_a_result_for_an_item_or_unit_the_edit_removed_or_changed_is_refused(people, small_city, zh):
    """GIVEN an inspector's page loaded before the city office's edit (the item and unit it holds)
    WHEN the result is sent after the edit removed A3, changed A1's points and dropped 乙一企业
    THEN it is refused with a reload message and nothing is recorded; an unchanged item still works."""
    setup = make_competition(people, small_city)
    a1, a2, a3 = (setup.item(code) for code in ("A1", "A2", "A3"))
    edit(
        people.city_admin,
        setup.competition,
        items_text=EDITED_ITEMS,
        cobuild_units=[p.cobuild_unit for p in (setup.a1, setup.a2, setup.own)],
    )
    for item in (a3, a1):
        with pytest.raises(Conflict) as refused:
            services.entry_set(user=people.inspector, participant=setup.a1, item=item, value=1, reason="x")
        assert "刷新页面" in refused.value.message
    with pytest.raises(NotPermitted):  # 乙一企业 no longer takes part (when it races the edit: a Conflict)
        services.entry_set(user=people.inspector, participant=setup.b1, item=a2, value=1, reason="x")
    assert not Entry.objects.exists()
    services.entry_set(user=people.inspector, participant=setup.a1, item=a2, value=1, reason="x")
    assert Entry.objects.get().item_id == a2.pk


# --- the page ------------------------------------------------------------------------------------------------------


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def _post_data(form) -> dict:
    """What the browser sends back for the form as rendered (its bound or initial values)."""
    data = {}
    for field in form:
        value = field.value()
        data[field.name] = value.isoformat() if isinstance(value, datetime.date) else value
    return data


def test_the_edit_page_is_the_creation_form_pre_filled_and_sent_back_unchanged_changes_nothing(people, small_city):
    setup = make_competition(people, small_city)
    not_taking_part = CobuildUnitFactory(name="甲四企业", located_in=small_city.community_a1)
    client = signed_in(people.city_admin)
    url = f"/competitions/{setup.competition.pk}/edit/"
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="competition-form"' in html
    assert 'value="2026年企事业单位内外环境管理达标竞赛"' in html and 'value="2026-04-01"' in html
    for line in ("A1 | 门前三包责任落实 | 20 | deduct | 3", "A2 | 内部环境卫生 | 30 | grade | 1,0.8,0.6,0"):
        assert line in html
    for participant in (setup.a1, setup.a2, setup.b1, setup.own):
        assert f'value="{participant.cobuild_unit_id}" selected' in html
    assert f'value="{not_taking_part.pk}">' in html  # offered, not selected
    before = definition(setup.competition)

    response = client.post(url, _post_data(page.context["form"]))

    assert response.status_code == 302 and response["Location"] == f"/competitions/{setup.competition.pk}/"
    assert definition(setup.competition) == before


def test_the_city_office_corrects_the_competition_on_its_page(people, small_city):
    setup = make_competition(people, small_city)
    client = signed_in(people.city_admin)
    detail = client.get(f"/competitions/{setup.competition.pk}/").content.decode()
    assert f'href="/competitions/{setup.competition.pk}/edit/"' in detail
    data = _post_data(client.get(f"/competitions/{setup.competition.pk}/edit/").context["form"])
    data.update(items=EDITED_ITEMS, cobuild_units=[setup.a1.cobuild_unit_id, setup.a2.cobuild_unit_id])
    response = client.post(f"/competitions/{setup.competition.pk}/edit/", data, follow=True)
    assert response.status_code == 200 and "竞赛信息已保存" in response.content.decode()
    assert list(setup.competition.items.values_list("code", flat=True)) == ["A1", "A2", "A4"]
    assert setup.competition.participants.count() == 2
    assert AuditEvent.objects.filter(action="competition.edit", actor=people.city_admin).count() == 1


@pytest.mark.parametrize(
    "changed, field, says",
    [
        ({"items": "A1 | 门前 | 20 | deduct"}, "items", "第 1 行"),
        ({"name": "另一场竞赛"}, "name", "本市已有同名竞赛"),
        ({"ends_on": "2026-03-01"}, "ends_on", "不能早于"),
        ({"ends_on": "不是日期"}, "ends_on", "日期"),
        ({"cobuild_units": []}, "cobuild_units", ""),
    ],
)
def test_bad_input_on_the_page_answers_400_with_the_message_at_the_field_and_changes_nothing(
    people, small_city, changed, field, says
):
    setup = make_competition(people, small_city)
    _another_competition(people, small_city, setup)
    client = signed_in(people.city_admin)
    url = f"/competitions/{setup.competition.pk}/edit/"
    data = {**_post_data(client.get(url).context["form"]), **changed}
    before = definition(setup.competition)
    response = client.post(url, data)
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert errors and says in " ".join(errors)
    assert says in response.content.decode()
    assert definition(setup.competition) == before


@pytest.mark.parametrize("who", ["city_leader", "street_officer", "inspector"])
def test_readers_of_the_competition_get_403_and_no_edit_button(people, small_city, who):
    setup = make_competition(people, small_city)
    client = signed_in(getattr(people, who))
    url = f"/competitions/{setup.competition.pk}/edit/"
    assert client.get(f"/competitions/{setup.competition.pk}/").status_code == 200
    assert "competition-edit" not in client.get(f"/competitions/{setup.competition.pk}/").content.decode()
    before = definition(setup.competition)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x", "items": EDITED_ITEMS}).status_code == 403
    assert definition(setup.competition) == before


@pytest.mark.parametrize("who", ["outsider", "other_city_admin"])
def test_outside_the_scope_the_edit_page_is_404(people, small_city, who):
    setup = make_competition(people, small_city)
    user = (
        people.outsider
        if who == "outsider"
        else user_with_role(Role.CITY_ADMIN, unit=small_city.other_city, username="other_admin")
    )
    client = signed_in(user)
    url = f"/competitions/{setup.competition.pk}/edit/"
    before = definition(setup.competition)
    assert client.get(url).status_code == 404
    assert client.post(url, {"name": "x", "items": EDITED_ITEMS}).status_code == 404
    assert definition(setup.competition) == before


def test_after_the_first_result_the_button_is_gone_and_the_page_answers_with_the_refusal(people, small_city):
    setup = make_competition(people, small_city)
    client = signed_in(people.city_admin)
    url = f"/competitions/{setup.competition.pk}/edit/"
    data = {**_post_data(client.get(url).context["form"]), "items": EDITED_ITEMS}
    score(people.inspector, setup, setup.a1, "A1", 1)
    assert "competition-edit" not in client.get(f"/competitions/{setup.competition.pk}/").content.decode()
    before = definition(setup.competition)
    for response in (client.get(url), client.post(url, data)):
        html = response.content.decode()
        assert response.status_code == 409
        assert "已录入评分结果" in html and 'id="competition-form"' not in html
    assert definition(setup.competition) == before


# --- at the same time, for real (PostgreSQL only) ----------------------------------------------------------------


def _first_holds_the_lock(first, second):
    """Run ``first`` in a thread that stops right after its audit record, inside its transaction
    with the competition locked; meanwhile run ``second`` here, which has to wait for the lock
    (released a moment later). Returns (outcome of first, outcome of second), each ("ok", value)
    or ("error", exception)."""
    original = services.audit_record
    holding, release = threading.Event(), threading.Event()
    outcomes = {}

    def audit_then_hold(**kwargs):
        event = original(**kwargs)
        if threading.current_thread().name == "first":
            holding.set()
            release.wait(timeout=30)
        return event

    def run(name, call):
        try:
            outcomes[name] = ("ok", call())
        except Exception as exc:  # the test looks at what was raised
            outcomes[name] = ("error", exc)

    def in_thread():
        try:
            run("first", first)
        finally:
            connection.close()

    with mock.patch("gongjian.competitions.services.audit_record", side_effect=audit_then_hold):
        thread = threading.Thread(target=in_thread, name="first")
        thread.start()
        try:
            assert holding.wait(timeout=10), "the first call never reached its audit record"
            threading.Timer(1.0, release.set).start()
            run("second", second)
        finally:
            release.set()
            thread.join(timeout=30)
    assert not thread.is_alive(), "the first call hung"
    return outcomes["first"], outcomes["second"]


@postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["edit", "result", "edit dropping the unit"])
def test_an_edit_and_a_first_result_at_the_same_moment_do_not_both_win(people, small_city, first):
    """GIVEN a draft competition and an inspector's page showing item A3
    WHEN the city office's edit (removing A3) and the inspector's first result for A3 reach the
    database together, either one first
    THEN the first wins and the second is refused (Conflict): either the edit and no result, or
    the result and the old items."""
    setup = make_competition(people, small_city)
    competition_id, a3 = setup.competition.pk, setup.item("A3")

    def do_edit():
        changed = {"items_text": EDITED_ITEMS}
        if first == "edit dropping the unit":
            changed = {"cobuild_units": [p.cobuild_unit for p in (setup.a2, setup.b1, setup.own)]}
        return edit(fresh(people.city_admin), Competition.objects.get(pk=competition_id), **changed)

    def do_result():
        return services.entry_set(
            user=fresh(people.inspector), participant=setup.a1, item=a3, value="5", reason="绿化带缺株"
        )

    calls = (do_result, do_edit) if first == "result" else (do_edit, do_result)
    won, lost = _first_holds_the_lock(*calls)
    assert won[0] == "ok", won
    assert lost[0] == "error" and isinstance(lost[1], Conflict), lost
    codes = list(CompetitionItem.objects.filter(competition_id=competition_id).values_list("code", flat=True))
    if first == "edit":
        assert codes == ["A1", "A2", "A4"] and not Entry.objects.exists()
        assert AuditEvent.objects.filter(action="competition.edit").count() == 1
    elif first == "edit dropping the unit":
        assert not Entry.objects.exists() and not Participant.objects.filter(pk=setup.a1.pk).exists()
        assert AuditEvent.objects.filter(action="competition.edit").count() == 1
    else:
        assert codes == ["A1", "A2", "A3"] and Entry.objects.get().item_id == a3.pk
        assert not AuditEvent.objects.filter(action="competition.edit").exists()
