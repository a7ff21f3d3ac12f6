"""The four teams, duty shifts, stairwell heads and the 门前三包 register; problems of category
L0103 pointing at a register entry; masking and scope on the pages and the API."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from gongjian.core.errors import NotPermitted
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.participation import selectors, services
from gongjian.participation.tests.factories import phone, volunteer
from gongjian.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db

HEAD_PHONE = "13912345678"


@pytest.fixture
def roster(small_city, people):
    worker, community = people.community_worker, small_city.community_a1
    v = volunteer(worker, community, 1)
    member = services.team_member_add(
        user=worker, community=community, kind="persuasion", volunteer=v, area="人民路口", schedule="周一三五 7:00-9:00"
    )
    services.duty_shift_record(user=worker, member=member, date=datetime.date(2026, 3, 2), hours=Decimal("2"))
    head = services.stairwell_head_set(
        user=worker, compound=small_city.compound_a1, building="3", entrance="2", name="楼道长甲", phone=HEAD_PHONE
    )
    duty = services.frontage_duty_add(
        user=worker,
        community=community,
        holder="好又多超市",
        address="人民路12号",
        frontage="门前12米人行道",
        responsible="店长乙",
        phone=phone(77),
        pledge=("pledge.pdf", b"%PDF-1.4 pledge"),
    )
    return v, member, head, duty


def test_duty_shifts_count_towards_the_volunteers_hours(roster):
    v, _member, _head, _duty = roster
    lines, total = selectors.volunteer_service(volunteer=v)
    assert total == Decimal("2") and lines[0].activity_id is None


def test_a_team_member_must_be_a_registered_volunteer_of_the_community(small_city, people, roster):
    v, _member, _head, _duty = roster
    with pytest.raises(ValidationError):  # already on the team
        services.team_member_add(
            user=people.community_worker,
            community=small_city.community_a1,
            kind="persuasion",
            volunteer=v,
            area="x",
            schedule="y",
        )
    other = volunteer(people.city_admin, small_city.community_b1, 2)
    with pytest.raises(ValidationError):
        services.team_member_add(
            user=people.community_worker,
            community=small_city.community_a1,
            kind="cleaning",
            volunteer=other,
            area="x",
            schedule="y",
        )
    with pytest.raises(NotPermitted):
        services.team_member_add(
            user=people.liaison, community=small_city.community_a1, kind="cleaning", volunteer=v, area="x", schedule="y"
        )


def test_a_future_or_oversized_shift_is_refused(people, roster):
    _v, member, _head, _duty = roster
    with pytest.raises(ValidationError):
        services.duty_shift_record(
            user=people.community_worker,
            member=member,
            date=datetime.date.today() + datetime.timedelta(days=1),
            hours=Decimal("2"),
        )
    with pytest.raises(ValidationError):
        services.duty_shift_record(
            user=people.community_worker, member=member, date=datetime.date(2026, 3, 3), hours=Decimal("25")
        )


def test_a_stairwell_head_needs_a_mobile_number_and_a_compound_and_is_replaced_not_duplicated(
    small_city, people, roster
):
    with pytest.raises(ValidationError):
        services.stairwell_head_set(
            user=people.community_worker,
            compound=small_city.compound_a1,
            building="1",
            entrance="1",
            name="甲",
            phone="123",
        )
    with pytest.raises(ValidationError):
        services.stairwell_head_set(
            user=people.community_worker,
            compound=small_city.community_a1,
            building="1",
            entrance="1",
            name="甲",
            phone=HEAD_PHONE,
        )
    services.stairwell_head_set(
        user=people.community_worker,
        compound=small_city.compound_a1,
        building="3",
        entrance="2",
        name="楼道长丙",
        phone=phone(8),
    )
    from gongjian.participation.models import StairwellHead

    assert list(StairwellHead.objects.values_list("name", flat=True)) == ["楼道长丙"]


def test_a_frontage_entry_needs_a_duty_and_a_real_pledge_file(small_city, people):
    base = dict(
        user=people.community_worker,
        community=small_city.community_a1,
        holder="店",
        address="路",
        frontage="门前",
        responsible="人",
        phone=phone(3),
    )
    with pytest.raises(ValidationError):
        services.frontage_duty_add(**base, cleanliness=False, order=False, greenery=False)
    with pytest.raises(ValidationError):
        services.frontage_duty_add(**base, pledge=("x.exe", b"MZ"))


def test_only_a_frontage_problem_of_the_same_community_points_at_an_entry(small_city, people, roster):
    _v, _member, _head, duty = roster
    frontage_problem = ProblemFactory(unit=small_city.compound_a1, category=Category.objects.get(code="L0103"))
    clutter = ProblemFactory(unit=small_city.compound_a1, category=Category.objects.get(code="06036"))
    elsewhere = ProblemFactory(unit=small_city.compound_b1, category=Category.objects.get(code="L0103"))
    services.frontage_problem_link(user=people.inspector, problem=frontage_problem, duty=duty)
    with pytest.raises(ValidationError):
        services.frontage_problem_link(user=people.inspector, problem=clutter, duty=duty)
    with pytest.raises(ValidationError):
        services.frontage_problem_link(user=people.inspector, problem=elsewhere, duty=duty)
    with pytest.raises(NotPermitted):
        services.frontage_problem_link(user=people.liaison, problem=frontage_problem, duty=duty)
    page = _client(people.community_worker).get(f"/participation/frontage/{duty.pk}/")
    assert page.status_code == 200 and frontage_problem.number in page.content.decode()


def test_an_inspector_links_a_problem_by_case_number_on_the_entry_page(small_city, people, roster):
    _v, _member, _head, duty = roster
    problem = ProblemFactory(unit=small_city.compound_a1, category=Category.objects.get(code="L0103"))
    response = _client(people.inspector).post(f"/participation/frontage/{duty.pk}/", {"number": problem.number})
    assert response.status_code == 302
    assert duty.problem_links.get().problem == problem


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "status", "full"),
    [
        ("city_admin", 200, True),
        ("community_worker", 200, True),
        ("street_officer", 200, False),
        ("city_leader", 200, False),
        ("compound_manager", 404, False),
        ("liaison", 404, False),
        ("street_inspector", 404, False),
        ("volunteer", 403, False),
        ("outsider", 403, False),
    ],
)
def test_the_roster_page_masks_phones_unless_the_role_may_see_them(small_city, people, roster, who, status, full):
    response = _client(getattr(people, who)).get(f"/participation/teams/{small_city.community_a1.pk}/")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "楼道长甲" in text and "人民路口" in text and "好又多超市" in text
        assert (HEAD_PHONE in text) is full
        assert (phone(77) in text) is full
        if not full:
            assert "139****5678" in text


@pytest.mark.parametrize(
    ("who", "count", "full"),
    [
        ("city_admin", 1, True),
        ("community_worker", 1, True),
        ("city_leader", 1, False),
        ("liaison", 0, False),
        ("outsider", 0, False),
    ],
)
def test_the_teams_and_frontage_api_scope_and_mask(small_city, people, roster, who, count, full):
    client = APIClient()
    client.force_authenticate(getattr(people, who))
    teams = client.get("/api/v1/teams/").json()["results"]
    duties = client.get("/api/v1/frontage-duties/").json()["results"]
    assert (len(teams), len(duties)) == (count, count)
    if count:
        # Team members are volunteers: masked for every role; the register's phones in full for
        # those who may see personal data.
        assert teams[0]["members"][0]["phone"] == phone(1)[:3] + "****" + phone(1)[-4:]
        assert (duties[0]["phone"] == phone(77)) is full
        assert duties[0]["has_pledge"] is True
    _v, _m, _h, duty = roster
    assert client.get(f"/api/v1/frontage-duties/{duty.pk}/").status_code == (200 if count else 404)


def test_the_roster_forms_add_members_shifts_heads_and_entries(small_city, people):
    v = volunteer(people.community_worker, small_city.community_a1, 5)
    client = _client(people.community_worker)
    url = f"/participation/teams/{small_city.community_a1.pk}/"
    client.post(
        url, {"action": "member", "kind": "cleaning", "volunteer": v.pk, "area": "一号楼", "schedule": "每天早上"}
    )
    member = v.team_memberships.get()
    client.post(url, {"action": "shift", "member": member.pk, "date": "2026-03-02", "hours": "1.5"})
    client.post(
        url,
        {
            "action": "stairwell",
            "compound": small_city.compound_a1.pk,
            "building": "1",
            "entrance": "1",
            "name": "甲",
            "phone": phone(6),
        },
    )
    client.post(
        url,
        {
            "action": "frontage",
            "holder": "店",
            "address": "路",
            "frontage": "门前",
            "responsible": "人",
            "phone": phone(9),
            "order": "on",
        },
    )
    assert member.shifts.get().hours == Decimal("1.5")
    assert small_city.compound_a1.stairwell_heads.count() == 1
    assert small_city.community_a1.frontage_duties.get().order is True
    assert client.post(url, {"action": "shift", "member": member.pk, "date": "bad", "hours": "x"}).status_code == 302
    assert _client(people.street_officer).post(url, {"action": "member"}).status_code == 403


def test_a_compound_of_another_community_has_no_stairwell_here(small_city, people):
    stray = UnitFactory(level="compound", parent=small_city.community_b1)
    response = _client(people.community_worker).post(
        f"/participation/teams/{small_city.community_a1.pk}/",
        {
            "action": "stairwell",
            "compound": stray.pk,
            "building": "1",
            "entrance": "1",
            "name": "甲",
            "phone": phone(6),
        },
    )
    assert response.status_code == 302 and not stray.stairwell_heads.exists()


@pytest.mark.parametrize(
    ("who", "full"), [("community_worker", True), ("street_officer", False), ("city_leader", False)]
)
def test_the_roster_export_masks_like_the_page(small_city, people, roster, who, full):
    import io

    from openpyxl import load_workbook

    response = _client(getattr(people, who)).get(f"/participation/teams/{small_city.community_a1.pk}/?export=xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = " ".join(str(c) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for c in row)
    assert "楼道长甲" in cells and "好又多超市" in cells
    assert (HEAD_PHONE in cells) is full and (phone(77) in cells) is full
