"""A resident reports on a phone page without an account; the office moderates it in its area."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from gongjian.core.models import AuditEvent
from gongjian.inspections.choices import ProblemSource, ProblemStatus
from gongjian.inspections.models import Problem
from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.residents import services
from gongjian.residents.choices import ReportStatus
from gongjian.residents.models import ResidentReport, Support
from gongjian.residents.privacy import open_contact
from gongjian.residents.tests.conftest import NAME, PHONE, a_report, captcha, upload

REPORT = "/residents/report/"


def _post(client, category, **extra):
    data = {
        "category": category.code,
        "description": "路口垃圾堆了三天",
        "address": "甲一路 5 号",
        "name": NAME,
        "phone": PHONE,
        "photos": upload(),
        **captcha(),
    }
    data.update(extra)
    return client.post(REPORT, data)


def test_a_resident_reports_with_a_photo_and_gets_a_number_and_a_link(client, garbage, placed_city):
    response = _post(client, garbage)
    assert response.status_code == 302
    follow = response["Location"]
    assert re.fullmatch(r"/residents/r/[\w-]{30,}/", follow)
    report = ResidentReport.objects.get()
    assert report.status == ReportStatus.PENDING
    assert report.unit == placed_city.community_a1  # nearest community to the photo's GPS position
    page = client.get(follow).content.decode()
    assert report.number in page
    assert "等待" in page or "Waiting" in page


def test_the_personal_data_is_sealed_and_only_the_masked_phone_is_kept_in_clear(client, garbage, placed_city):
    _post(client, garbage)
    report = ResidentReport.objects.get()
    assert report.phone_masked == "139****5678"
    assert PHONE not in report.contact_sealed and NAME not in report.contact_sealed
    assert open_contact(report.contact_sealed) == {"name": NAME, "phone": PHONE}


def test_the_follow_up_page_never_shows_the_name_or_the_phone(client, garbage, placed_city):
    follow = _post(client, garbage)["Location"]
    page = client.get(follow).content.decode()
    assert PHONE not in page and NAME not in page and "5678" not in page
    assert client.get(follow)["Cache-Control"].startswith("max-age=0")


def test_the_stored_photo_has_no_exif_position_or_device(client, garbage, placed_city):
    _post(client, garbage)
    photo = ResidentReport.objects.get().photos.get()
    with photo.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
    assert not image.getexif()


def test_without_the_captcha_nothing_is_recorded(client, garbage, placed_city):
    response = _post(client, garbage, captcha_1="WRONG")
    assert response.status_code == 400
    assert not ResidentReport.objects.exists()


@pytest.mark.parametrize(
    "change, field_text",
    [
        ({"photos": ""}, "照片"),
        ({"description": ""}, ""),
        ({"phone": "12345"}, "手机"),
        ({"photos": upload(b"not an image at all")}, "照片"),
    ],
)
def test_bad_input_gets_a_clear_error_and_records_nothing(client, garbage, placed_city, change, field_text):
    response = _post(client, garbage, **change)
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert not ResidentReport.objects.exists()


def test_without_a_position_or_address_or_community_the_report_is_refused(garbage, small_city):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        a_report(garbage, photos=[jpeg_bytes()], address="")


def test_an_unknown_follow_up_link_is_404(client, db):
    assert client.get("/residents/r/not-a-real-token-at-all-xxxxxxxx/").status_code == 404


# --- nearby and +1 -----------------------------------------------------------------------------------


@pytest.fixture
def open_problem(people, placed_city, garbage):
    from gongjian.inspections import services as inspections

    return inspections.problem_report(
        user=people.inspector,
        category=garbage.category,
        unit=placed_city.compound_a1,
        description="垃圾堆积",
        address="甲一路 3 号",
        point_type="back_street",
        photos=[jpeg_bytes()],
        latitude=__import__("decimal").Decimal("30.250200"),
        longitude=__import__("decimal").Decimal("120.150200"),
    )


def test_open_problems_of_the_same_category_nearby_are_offered_first(client, open_problem, garbage):
    page = client.get(
        "/residents/report/nearby/", {"category": garbage.code, "latitude": "30.250100", "longitude": "120.150100"}
    ).content.decode()
    assert open_problem.number in page and "+1" in page


def test_problems_outside_the_category_radius_are_not_offered(client, open_problem, garbage):
    page = client.get(
        "/residents/report/nearby/", {"category": garbage.code, "latitude": "30.260000", "longitude": "120.150100"}
    ).content.decode()
    assert open_problem.number not in page


def test_a_plus_one_counts_once_per_device_and_creates_no_report(client, open_problem, garbage):
    for _ in range(2):
        response = client.post(REPORT, {"plus_one": open_problem.number, "category": garbage.code, **captcha()})
        assert response.status_code == 302
    assert Support.objects.filter(problem=open_problem).count() == 1
    assert not ResidentReport.objects.exists()


def test_a_plus_one_needs_the_captcha(client, open_problem, garbage):
    response = client.post(REPORT, {"plus_one": open_problem.number, "captcha_0": "x", "captcha_1": "no"})
    assert response.status_code == 400
    assert not Support.objects.exists()


def test_plus_ones_are_shown_to_the_office_as_priority(client, open_problem, garbage, people):
    client.post(REPORT, {"plus_one": open_problem.number, **captcha()})
    a_report(garbage, latitude=open_problem.latitude, longitude=open_problem.longitude)
    client.force_login(people.street_officer)
    page = client.get("/residents/office/").content.decode()
    assert "+1" in page


# --- moderation ----------------------------------------------------------------------------------------


@pytest.fixture
def pending(garbage, placed_city):
    report, token = a_report(garbage)
    return report, token


def test_the_street_accepts_a_report_and_it_becomes_a_problem_from_a_resident(client, pending, people, placed_city):
    report, token = pending
    client.force_login(people.street_officer)
    response = client.post(
        f"/residents/office/{report.pk}/",
        {
            "action": "accept",
            "unit": placed_city.compound_a1.pk,
            "category": report.resident_category.category_id,
            "point_type": "back_street",
            "severity": "normal",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    problem = report.problem
    assert report.status == ReportStatus.ACCEPTED
    assert problem.source == ProblemSource.RESIDENT and problem.status == ProblemStatus.OPEN
    assert problem.unit == placed_city.compound_a1 and problem.photos.count() == 1
    assert AuditEvent.objects.filter(action="resident_report.accepted", target_id=str(report.pk)).exists()
    page = client.get(f"/residents/r/{token}/").content.decode()
    assert problem.number in page


def test_the_office_merges_a_report_into_a_known_problem(client, pending, people, open_problem):
    report, token = pending
    client.force_login(people.city_admin)
    client.post(f"/residents/office/{report.pk}/", {"action": "merge", "number": open_problem.number})
    report.refresh_from_db()
    assert report.status == ReportStatus.MERGED and report.problem == open_problem
    assert Problem.objects.count() == 1


def test_a_rejection_needs_a_reason_and_the_resident_reads_it(client, pending, people):
    report, token = pending
    client.force_login(people.street_officer)
    assert client.post(f"/residents/office/{report.pk}/", {"action": "reject", "reason": ""}).status_code == 400
    client.post(f"/residents/office/{report.pk}/", {"action": "reject", "reason": "不在本市范围"})
    report.refresh_from_db()
    assert report.status == ReportStatus.REJECTED
    assert "不在本市范围" in client.get(f"/residents/r/{token}/").content.decode()


def test_a_decided_report_cannot_be_decided_again(pending, people):
    from gongjian.core.errors import Conflict

    report, _token = pending
    services.report_reject(user=people.street_officer, report=report, reason="重复")
    with pytest.raises(Conflict):
        services.report_reject(user=people.street_officer, report=report, reason="again")


@pytest.mark.parametrize("who", ["outsider", "street_inspector", "community_worker", "volunteer"])
def test_outside_the_moderators_area_a_report_is_404(client, pending, people, who):
    report, _token = pending
    client.force_login(getattr(people, who))
    assert client.get(f"/residents/office/{report.pk}/").status_code == 404
    photo = report.photos.get()
    assert client.get(f"/residents/office/{report.pk}/photos/{photo.pk}/thumb/").status_code == 404
    assert report.number not in client.get("/residents/office/").content.decode()


def test_a_street_officer_of_another_street_cannot_accept_into_it(pending, people, placed_city):
    from gongjian.accounts.models import Role
    from gongjian.core.errors import NotPermitted
    from gongjian.testing.factories import user_with_role

    other = user_with_role(Role.STREET_OFFICER, unit=placed_city.street_b, username="street_b_officer")
    report, _token = pending
    with pytest.raises(NotPermitted):
        services.report_accept(user=other, report=report, unit=placed_city.compound_b1)
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING


def test_the_office_sees_the_photo_and_the_masked_phone_only(client, pending, people):
    report, _token = pending
    client.force_login(people.city_admin)
    page = client.get(f"/residents/office/{report.pk}/").content.decode()
    assert "139****5678" in page and PHONE not in page
    photo = report.photos.get()
    assert client.get(f"/residents/office/{report.pk}/photos/{photo.pk}/thumb/").status_code == 200


def test_with_a_tile_server_the_report_page_offers_a_map_to_drop_a_pin(client, garbage, placed_city, settings):
    assert 'id="resident-map"' not in client.get(REPORT).content.decode()
    settings.MAP_TILE_URL = "https://tiles.city.example/{z}/{x}/{y}.png"
    page = client.get(REPORT).content.decode()
    assert 'id="resident-map"' in page and "tiles.city.example" in page
