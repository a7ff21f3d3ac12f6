"""Writes of participation: every bad input refused with a clear reason, every write audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongjian.core.errors import Conflict, NotPermitted
from gongjian.core.models import AuditEvent
from gongjian.inspections.tests.factories import media_files, not_an_image
from gongjian.participation import selectors, services
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.models import Activity, LiaisonLeader, Volunteer
from gongjian.participation.tests.factories import (
    activity,
    at,
    hours,
    id_number,
    jpeg_bytes,
    phone,
    volunteer,
    wrong_check_digit,
)
from gongjian.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db


# --- volunteers ---------------------------------------------------------------------------------


def test_a_community_worker_registers_a_volunteer_and_the_id_number_is_not_stored_in_the_clear(small_city, people):
    v = volunteer(people.community_worker, small_city.community_a1, 1, party_status="in_office", work_unit="市税务局")
    assert v.status == VolunteerStatus.ACTIVE and v.source == "worker"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Volunteer._meta.db_table} WHERE id = %s", [v.pk])
        dumped = " ".join(str(value) for value in cursor.fetchone())
    assert id_number(1) not in dumped
    assert v.id_number_last4 == id_number(1)[-4:]
    assert AuditEvent.objects.filter(action="volunteer.register", target_id=str(v.pk)).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12345678901"}, "phone"),
        ({"phone": "138123"}, "phone"),
        ({"id_number": wrong_check_digit(id_number(9))}, "id_number"),
        ({"id_number": "12345"}, "id_number"),
        ({"name": "  "}, "name"),
    ],
)
def test_it_refuses_bad_fields_naming_each(small_city, people, fields, field):
    with pytest.raises(ValidationError) as refused:
        volunteer(people.community_worker, small_city.community_a1, 2, **fields)
    assert field in refused.value.message_dict
    assert not Volunteer.objects.exists()


def test_the_check_digit_error_says_so(small_city, people, english):
    with pytest.raises(ValidationError) as refused:
        volunteer(people.community_worker, small_city.community_a1, 2, id_number=wrong_check_digit(id_number(2)))
    assert "check digit" in str(refused.value.message_dict["id_number"])


def test_the_same_phone_or_id_number_twice_in_one_community_is_a_duplicate(small_city, people):
    volunteer(people.community_worker, small_city.community_a1, 1)
    with pytest.raises(ValidationError) as same_phone:
        volunteer(people.community_worker, small_city.community_a1, 2, phone=phone(1))
    assert "phone" in same_phone.value.message_dict
    with pytest.raises(ValidationError) as same_id:
        volunteer(people.community_worker, small_city.community_a1, 3, id_number=id_number(1))
    assert "id_number" in same_id.value.message_dict
    assert Volunteer.objects.count() == 1


def test_the_same_person_may_be_registered_in_another_community(small_city, people):
    volunteer(people.community_worker, small_city.community_a1, 1)
    volunteer(people.city_admin, small_city.community_b1, 1)
    assert Volunteer.objects.count() == 2


@pytest.mark.parametrize("who", ["street_officer", "liaison", "volunteer", "city_leader", "outsider"])
def test_only_those_who_manage_volunteers_there_may_register_them(small_city, people, who):
    with pytest.raises(NotPermitted):
        volunteer(getattr(people, who), small_city.community_a1, 1)


def test_a_worker_cannot_register_volunteers_of_another_community(small_city, people):
    with pytest.raises(NotPermitted):
        volunteer(people.community_worker, small_city.community_b1, 1)


def test_a_sign_up_waits_for_review_and_the_community_accepts_it_once(small_city, people):
    v = services.volunteer_sign_up(
        community=small_city.community_a1, user=people.volunteer, name="自报名", phone=phone(5), id_number=""
    )
    assert v.status == VolunteerStatus.PENDING and v.user == people.volunteer
    services.volunteer_review(user=people.community_worker, volunteer=v, approve=True)
    v.refresh_from_db()
    assert v.status == VolunteerStatus.ACTIVE
    with pytest.raises(Conflict):
        services.volunteer_review(user=people.community_worker, volunteer=v, approve=False)


def test_a_rejected_sign_up_does_not_block_registering_the_person_again(small_city, people):
    v = services.volunteer_sign_up(community=small_city.community_a1, name="甲", phone=phone(6))
    services.volunteer_review(user=people.community_worker, volunteer=v, approve=False)
    volunteer(people.community_worker, small_city.community_a1, 6)
    assert Volunteer.objects.filter(status="active").count() == 1


def test_commendations_and_criticisms_need_a_reason_and_a_past_date(small_city, people):
    v = volunteer(people.community_worker, small_city.community_a1, 1)
    services.volunteer_sanction_add(
        user=people.community_worker,
        volunteer=v,
        kind="commendation",
        reason="劝导表现突出",
        date=datetime.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError):
        services.volunteer_sanction_add(
            user=people.community_worker, volunteer=v, kind="criticism", reason=" ", date=datetime.date(2026, 3, 1)
        )
    with pytest.raises(ValidationError):
        services.volunteer_sanction_add(
            user=people.community_worker,
            volunteer=v,
            kind="criticism",
            reason="缺勤",
            date=datetime.date.today() + datetime.timedelta(days=2),
        )
    assert v.sanctions.count() == 1


# --- activities ---------------------------------------------------------------------------------


def test_an_activity_is_recorded_with_units_hours_and_captioned_photos(small_city, people):
    from gongjian.testing.factories import PairingFactory

    pairing = PairingFactory(community=small_city.community_a1)
    v = volunteer(people.community_worker, small_city.community_a1, 1)
    a = activity(
        people.community_worker,
        small_city.community_a1,
        code="citizen_school",
        units=[services.UnitAttendance(pairing.cobuild_unit, attendees=5, head_attended=True)],
        volunteers=[hours(v, "2.5")],
        photos=[(jpeg_bytes(), "市民学校授课现场")],
    )
    assert a.units.get().head_attended
    assert a.photos.get().caption == "市民学校授课现场"
    lines, total = selectors.volunteer_service(volunteer=v)
    assert total == Decimal("2.5") and lines[0].title == a.title


def test_a_held_activity_in_the_future_is_refused(small_city, people):
    with pytest.raises(ValidationError) as refused:
        activity(people.community_worker, small_city.community_a1, when=at(2026, 7, 1, 9), now=at(2026, 6, 30, 9))
    assert "starts_at" in refused.value.message_dict
    activity(
        people.community_worker,
        small_city.community_a1,
        when=at(2026, 7, 1, 9),
        now=at(2026, 6, 30, 9),
        status="planned",
    )


def test_a_volunteer_of_another_city_cannot_be_added(small_city, people, english):
    foreign = volunteer(people.city_admin, small_city.community_a1, 1)
    other_community = small_city.other_community
    Volunteer.objects.filter(pk=foreign.pk).update(community=other_community)
    foreign.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        activity(people.community_worker, small_city.community_a1, volunteers=[hours(foreign)])
    assert "another city" in str(refused.value.message_dict["volunteers"])
    assert not Activity.objects.exists()


def test_a_unit_not_paired_with_the_community_cannot_be_listed(small_city, people):
    from gongjian.testing.factories import CobuildUnitFactory

    with pytest.raises(ValidationError) as refused:
        activity(
            people.community_worker,
            small_city.community_a1,
            units=[services.UnitAttendance(CobuildUnitFactory())],
        )
    assert "units" in refused.value.message_dict


@pytest.mark.parametrize("bad_hours", ["0", "25"])
def test_hours_outside_0_to_24_are_refused(small_city, people, bad_hours):
    v = volunteer(people.community_worker, small_city.community_a1, 1)
    with pytest.raises(ValidationError):
        activity(people.community_worker, small_city.community_a1, volunteers=[hours(v, bad_hours)])


def test_a_photo_without_a_caption_or_that_is_no_picture_is_refused_and_no_file_stays(small_city, people):
    before = media_files()
    with pytest.raises(ValidationError):
        activity(people.community_worker, small_city.community_a1, photos=[(jpeg_bytes(), " ")])
    with pytest.raises(ValidationError):
        activity(people.community_worker, small_city.community_a1, photos=[(not_an_image(), "说明")])
    assert media_files() == before
    assert not Activity.objects.exists()


def test_only_those_who_record_activities_there_may_record_them(small_city, people):
    for who in ("liaison", "volunteer", "compound_manager", "outsider"):
        with pytest.raises(NotPermitted):
            activity(getattr(people, who), small_city.community_a1)


def test_an_activity_belongs_to_a_community(small_city, people):
    with pytest.raises(ValidationError):
        activity(people.city_admin, small_city.street_a)


# --- pairings -----------------------------------------------------------------------------------


def test_each_change_of_the_leader_in_charge_is_kept(small_city, people):
    pairing = people.liaison.memberships.get().cobuild_unit.pairings.get()
    services.leader_change(user=people.city_admin, pairing=pairing, name="王一", started_on=datetime.date(2026, 1, 1))
    services.leader_change(user=people.city_admin, pairing=pairing, name="李二", started_on=datetime.date(2026, 3, 1))
    history = list(LiaisonLeader.objects.filter(pairing=pairing).order_by("started_on"))
    assert [(h.name, h.ended_on) for h in history] == [("王一", datetime.date(2026, 2, 28)), ("李二", None)]
    with pytest.raises(ValidationError):
        services.leader_change(
            user=people.city_admin, pairing=pairing, name="张三", started_on=datetime.date(2026, 2, 1)
        )


def test_a_liaison_cannot_change_their_own_pairing(small_city, people):
    pairing = people.liaison.memberships.get().cobuild_unit.pairings.get()
    with pytest.raises(NotPermitted):
        services.leader_change(user=people.liaison, pairing=pairing, name="王一", started_on=datetime.date(2026, 1, 1))


def test_a_letter_file_must_be_a_pdf_or_a_scan(small_city, people):
    pairing = people.liaison.memberships.get().cobuild_unit.pairings.get()
    with pytest.raises(ValidationError):
        services.pairing_letter_set(
            user=people.city_admin,
            pairing=pairing,
            signed_on=datetime.date(2026, 1, 5),
            head_name="赵局长",
            file=("letter.exe", b"MZ..."),
        )
    letter = services.pairing_letter_set(
        user=people.city_admin,
        pairing=pairing,
        signed_on=datetime.date(2026, 1, 5),
        head_name="赵局长",
        file=("letter.pdf", b"%PDF-1.4 test"),
    )
    assert letter.file.name.endswith(".pdf")


def test_themes_are_set_by_the_city_or_a_street(small_city, people):
    services.theme_set(
        user=people.city_admin, unit=small_city.city, month=datetime.date(2026, 3, 9), title="文明出行月"
    )
    with pytest.raises(ValidationError):
        services.theme_set(
            user=people.city_admin, unit=small_city.community_a1, month=datetime.date(2026, 3, 1), title="x"
        )
    with pytest.raises(NotPermitted):
        services.theme_set(
            user=people.community_worker, unit=small_city.street_a, month=datetime.date(2026, 3, 1), title="x"
        )


def test_city_of_finds_the_root_city(small_city):
    deep = UnitFactory(level="compound", parent=small_city.community_a1)
    assert services.city_of(deep.pk) == small_city.city.pk
    assert services.city_of(small_city.other_community.pk) == small_city.other_city.pk
