"""The phone pages' server side: photos sent ahead (only their uploader can use them), writes
made safe to resend (the same Idempotency-Key twice records one problem; someone else's key
reveals nothing), the nearest units first, the re-check that fails with a reason and a photo."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from gongjian.core.models import AuditEvent
from gongjian.inspections import fieldwork, nearby, selectors, services
from gongjian.inspections.choices import PhotoStage, ProblemStatus
from gongjian.inspections.models import IdempotencyKey, PhotoUpload, Problem, ProblemPhoto
from gongjian.inspections.tests.factories import (
    CategoryFactory,
    jpeg_bytes,
    media_files,
    not_an_image,
    reported,
    upload,
)
from gongjian.inspections.tests.test_services import fresh, postgres_only, run_together

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sent_ahead(client, data=None) -> dict:
    response = client.post("/problems/uploads/", {"photo": upload(data or jpeg_bytes())}, **JSON)
    assert response.status_code == 201, response.content
    return response.json()


def report(unit, **extra) -> dict:
    data = {"category": "06036", "unit": str(unit.pk), "point_type": "compound", "severity": "normal"}
    data.update({"description": "楼道堆放纸箱", "address": "", "latitude": "", "longitude": ""})
    data.update(extra)
    return data


# --- photos sent ahead --------------------------------------------------------------------------


def test_a_photo_sent_ahead_gives_a_token_its_position_and_a_preview_only_its_uploader_sees(people):
    client = signed_in(people.inspector)
    sent = sent_ahead(client, jpeg_bytes(gps=(29.3001, 120.0802)))
    assert (sent["latitude"], sent["longitude"]) == (29.3001, 120.0802)
    assert client.get(sent["thumbnail"])["Content-Type"] == "image/jpeg"
    for who in ("street_officer", "outsider"):
        assert signed_in(getattr(people, who)).get(sent["thumbnail"]).status_code == 404
    assert AuditEvent.objects.filter(action="photo.upload").count() == 1


def test_something_that_is_no_photo_is_refused_when_sent_ahead_and_nothing_is_kept(people):
    files = media_files()
    response = signed_in(people.inspector).post("/problems/uploads/", {"photo": upload(not_an_image())}, **JSON)
    assert response.status_code == 400
    assert response.json()["errors"]["photo"]
    assert PhotoUpload.objects.count() == 0 and media_files() == files


@pytest.mark.parametrize("who", ["city_leader", "volunteer", "outsider"])
def test_people_who_neither_report_nor_rectify_cannot_send_photos_ahead(people, who):
    response = signed_in(getattr(people, who)).post("/problems/uploads/", {"photo": upload(jpeg_bytes())}, **JSON)
    assert response.status_code == 403
    assert PhotoUpload.objects.count() == 0


def test_a_report_with_a_photo_sent_ahead_keeps_the_photo_and_its_position_and_drops_the_early_copy(
    people, small_city, django_capture_on_commit_callbacks
):
    client = signed_in(people.inspector)
    files = media_files()
    sent = sent_ahead(client, jpeg_bytes(gps=(29.3001, 120.0802)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/problems/report/", {**report(small_city.compound_a1), "photo_token": sent["token"]}, **JSON
        )
    assert response.status_code == 201, response.content
    problem = Problem.objects.get()
    assert response.json()["number"] == problem.number
    assert problem.photos.get().stage == PhotoStage.BEFORE
    assert (problem.latitude, problem.longitude) == (Decimal("29.300100"), Decimal("120.080200"))
    assert problem.address == small_city.compound_a1.name, "left empty, the address is the unit's name"
    assert PhotoUpload.objects.count() == 0
    assert not [name for name in media_files() - files if name.startswith("uploads/")]


def test_an_outsider_cannot_use_another_persons_photo(people, small_city):
    sent = sent_ahead(signed_in(people.inspector))
    response = signed_in(people.street_officer).post(
        "/problems/report/", {**report(small_city.compound_a1), "photo_token": sent["token"]}, **JSON
    )
    assert response.status_code == 400
    assert "photos" in response.json()["errors"]
    assert Problem.objects.count() == 0
    assert PhotoUpload.objects.filter(token=sent["token"]).exists(), "the owner can still use it"
    with pytest.raises(PhotoUpload.DoesNotExist):
        fieldwork.photo_upload_get(user=people.outsider, token=sent["token"])


def test_every_error_of_a_report_comes_back_at_once_and_the_photo_sent_ahead_is_kept(people, small_city):
    client = signed_in(people.inspector)
    sent = sent_ahead(client)
    data = {**report(small_city.compound_a1, category="", description=""), "photo_token": sent["token"], "unit": ""}
    response = client.post("/problems/report/", data, **JSON)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"category", "unit", "description"}
    # Without JavaScript the page comes back with the photo's preview and its token.
    page = client.post("/problems/report/", data)
    assert page.status_code == 400
    assert f'name="photo_token" value="{sent["token"]}"' in page.content.decode()
    assert PhotoUpload.objects.filter(token=sent["token"]).exists()


def test_a_report_without_any_photo_names_the_photo_among_the_other_errors(people, small_city):
    response = signed_in(people.inspector).post(
        "/problems/report/", report(small_city.compound_a1, description=""), **JSON
    )
    assert set(response.json()["errors"]) == {"photos", "description"}


def test_photos_never_used_are_removed_after_three_days(people):
    files = media_files()
    sent_ahead(signed_in(people.inspector))
    assert fieldwork.photo_uploads_purge() == 0
    later = datetime.datetime.now(datetime.UTC) + fieldwork.UPLOAD_KEEP + datetime.timedelta(minutes=1)
    assert fieldwork.photo_uploads_purge(now=later) == 1
    assert media_files() == files


# --- idempotency --------------------------------------------------------------------------------


def test_the_same_report_sent_twice_with_one_key_records_one_problem_and_answers_the_same(people, small_city):
    client = signed_in(people.inspector)
    key = str(uuid.uuid4())
    first = client.post(
        "/problems/report/",
        {**report(small_city.compound_a1), "photos": [upload(jpeg_bytes())]},
        HTTP_IDEMPOTENCY_KEY=key,
        **JSON,
    )
    again = client.post(
        "/problems/report/",
        {**report(small_city.compound_a1), "photos": [upload(jpeg_bytes(colour=(1, 2, 3)))]},
        HTTP_IDEMPOTENCY_KEY=key,
        **JSON,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True
    assert again.json()["id"] == first.json()["id"]
    assert Problem.objects.count() == 1 and ProblemPhoto.objects.count() == 1
    assert IdempotencyKey.objects.get().problem_id == first.json()["id"]


def test_the_same_key_from_someone_else_reveals_nothing_of_the_first_problem(people, small_city):
    key = str(uuid.uuid4())
    first = signed_in(people.inspector).post(
        "/problems/report/",
        {**report(small_city.compound_a1), "photos": [upload(jpeg_bytes())]},
        HTTP_IDEMPOTENCY_KEY=key,
        **JSON,
    )
    other = signed_in(people.street_officer).post(
        "/problems/report/",
        {**report(small_city.compound_a1, description="另一处"), "photos": [upload(jpeg_bytes(colour=(9, 9, 9)))]},
        HTTP_IDEMPOTENCY_KEY=key,
        **JSON,
    )
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"] and other.json()["replayed"] is False
    assert Problem.objects.get(pk=other.json()["id"]).reporter == people.street_officer
    outsider = signed_in(people.outsider).post(
        "/problems/report/", report(small_city.compound_a1), HTTP_IDEMPOTENCY_KEY=key, **JSON
    )
    assert outsider.status_code == 403
    assert first.json()["number"] not in outsider.content.decode()


def test_a_refused_write_leaves_no_key_so_the_corrected_resend_goes_through(people, small_city):
    client = signed_in(people.inspector)
    key = str(uuid.uuid4())
    refused = client.post("/problems/report/", report(small_city.compound_a1), HTTP_IDEMPOTENCY_KEY=key, **JSON)
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    fixed = client.post(
        "/problems/report/",
        {**report(small_city.compound_a1), "photos": [upload(jpeg_bytes())]},
        HTTP_IDEMPOTENCY_KEY=key,
        **JSON,
    )
    assert fixed.status_code == 201


def test_a_key_that_is_no_uuid_is_refused_with_the_other_errors(people, small_city):
    response = signed_in(people.inspector).post(
        "/problems/report/", report(small_city.compound_a1, description=""), HTTP_IDEMPOTENCY_KEY="again", **JSON
    )
    errors = response.json()["errors"]
    assert {"description", "photos"} <= set(errors)
    assert any("UUID" in message for message in errors["__all__"])
    assert Problem.objects.count() == 0


def test_a_key_used_for_a_report_cannot_be_replayed_as_a_rectification(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    key = uuid.uuid4()
    fieldwork.idempotent(user=people.community_worker, key=key, action="problem.rectify", run=lambda: problem)
    with pytest.raises(services.Conflict):
        fieldwork.idempotent(user=people.community_worker, key=key, action="problem.review", run=lambda: problem)


def test_a_rectification_and_a_recheck_resent_with_their_keys_happen_once(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    worker, inspector = signed_in(people.community_worker), signed_in(people.inspector)
    key = str(uuid.uuid4())
    for _ in range(2):
        rectify = {"note": "已清理", "version": "1", "photos": [upload(jpeg_bytes())]}
        response = worker.post(f"/problems/{problem.pk}/rectify/", rectify, HTTP_IDEMPOTENCY_KEY=key, **JSON)
        assert response.status_code == 200, response.content
    assert problem.rectifications.count() == 1
    key = str(uuid.uuid4())
    for _ in range(2):
        review = {
            "passed": "false",
            "note": "仍有堆物",
            "version": "2",
            "photos": [upload(jpeg_bytes(colour=(5, 5, 5)))],
        }
        response = inspector.post(f"/problems/{problem.pk}/review/", review, HTTP_IDEMPOTENCY_KEY=key, **JSON)
        assert response.status_code == 200, response.content
    problem.refresh_from_db()
    assert (problem.status, problem.rework_count) == (ProblemStatus.OPEN, 1)


# --- re-check on the phone ----------------------------------------------------------------------


@pytest.fixture
def awaiting(people, small_city):
    problem = reported(people.inspector, small_city.compound_a1)
    services.rectification_submit(user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes()])
    problem.refresh_from_db()
    return problem


def test_a_failed_recheck_needs_a_reason_and_a_photo_both_named_at_once(people, awaiting):
    response = signed_in(people.inspector).post(
        f"/problems/{awaiting.pk}/review/", {"passed": "false", "version": str(awaiting.version)}, **JSON
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"note", "photos"}
    awaiting.refresh_from_db()
    assert awaiting.status == ProblemStatus.SUBMITTED


def test_the_timeline_shows_not_passed_with_the_reason_and_the_rejected_after_photos(people, awaiting):
    client = signed_in(people.inspector)
    sent = sent_ahead(client, jpeg_bytes(colour=(0, 0, 200)))
    response = client.post(
        f"/problems/{awaiting.pk}/review/",
        {"passed": "false", "note": "仍有堆物", "version": str(awaiting.version), "photo_token": sent["token"]},
    )
    assert response.status_code == 302
    entries = selectors.problem_timeline(problem=awaiting)
    rectified, reviewed = entries[1], entries[2]
    assert rectified.rejected and [p.stage for p in rectified.photos] == [PhotoStage.AFTER]
    assert reviewed.outcome == "failed" and reviewed.note == "仍有堆物"
    assert [p.stage for p in reviewed.photos] == [PhotoStage.RECHECK]
    page = client.get(f"/problems/{awaiting.pk}/").content.decode()
    assert 'data-outcome="failed"' in page and "仍有堆物" in page
    assert "photo-rejected" in page


def test_a_passed_recheck_needs_no_photo(people, awaiting):
    response = signed_in(people.inspector).post(
        f"/problems/{awaiting.pk}/review/", {"passed": "true", "version": str(awaiting.version)}
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.status == ProblemStatus.CLOSED


@pytest.mark.parametrize("who", ["community_worker", "outsider"])
def test_the_recheck_page_is_for_inspectors_in_scope(people, awaiting, who):
    response = signed_in(getattr(people, who)).get(f"/problems/{awaiting.pk}/review/")
    if who == "outsider":
        assert response.status_code == 404
    else:
        assert 'name="passed"' not in response.content.decode()


# --- the nearest units --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        ((29.30000, 120.08000), [1, 2, 3]),  # the compound beside its community comes first
        ((29.31000, 120.08000), [3, 1, 2]),  # 1.1 km north: unit 3 is nearest
        ((29.40000, 120.08000), []),  # 11 km away: nothing is suggested
    ],
)
def test_nearest_units_most_likely_first(position, expected):
    places = [
        nearby.Place(2, "community", 29.30010, 120.08000),
        nearby.Place(1, "compound", 29.30020, 120.08000),
        nearby.Place(3, "compound", 29.30800, 120.08000),
        nearby.Place(4, "compound", None, None),
    ]
    ranked = nearby.nearest(places, latitude=position[0], longitude=position[1])
    assert [r.id for r in ranked] == expected


def test_nearest_units_are_only_those_the_person_may_report_at(people, small_city):
    for unit, lat in ((small_city.compound_a1, "29.300200"), (small_city.compound_b1, "29.300100")):
        unit.latitude, unit.longitude = Decimal(lat), Decimal("120.080000")
        unit.save()
    street_officer = signed_in(people.street_officer).get("/problems/report/nearby/?lat=29.3&lng=120.08")
    assert [u["id"] for u in street_officer.json()["units"]] == [small_city.compound_a1.pk]
    inspector = signed_in(people.inspector).get("/problems/report/nearby/?lat=29.3&lng=120.08")
    assert [u["id"] for u in inspector.json()["units"]] == [small_city.compound_b1.pk, small_city.compound_a1.pk]
    assert inspector.json()["units"][0]["distance_m"] == 11
    assert signed_in(people.outsider).get("/problems/report/nearby/?lat=29.3&lng=120.08").status_code == 403
    bad = signed_in(people.inspector).get("/problems/report/nearby/?lat=95&lng=x")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"lat", "lng"}


def test_the_citys_most_frequent_categories_come_first(people, small_city):
    for _ in range(2):
        reported(people.inspector, small_city.compound_a1, code="09006")
    reported(people.inspector, small_city.compound_a1, code="06036")
    codes = [c.code for c in selectors.categories_by_frequency()]
    assert codes[:2] == ["09006", "06036"]


# --- the installable app ------------------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root_with_its_scope_and_workbox_from_our_static(db):
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert "vendor/workbox/workbox-sw.js" in body and "googleapis" not in body
    assert "js/field.js" in body


def test_the_manifest_starts_the_app_on_the_report_page(db):
    manifest = Client().get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/problems/report/" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_the_purge_command_removes_unused_photos_and_old_keys(people, small_city):
    from io import StringIO

    from django.core.management import call_command

    sent_ahead(signed_in(people.inspector))
    problem = reported(people.inspector, small_city.compound_a1)
    fieldwork.idempotent(user=people.inspector, key=uuid.uuid4(), action="problem.report", run=lambda: problem)
    IdempotencyKey.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    PhotoUpload.objects.update(uploaded_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    out = StringIO()
    call_command("purge_field_data", stdout=out)
    assert "removed 1 unused photos and 1 idempotency keys" in out.getvalue()
    assert not PhotoUpload.objects.exists() and not IdempotencyKey.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_resends_with_one_key_at_the_same_moment_record_one_problem(people, small_city):
    """GIVEN the outbox and a second tab sending the same report at once WHEN both arrive together
    THEN the second waits on the key's unique index and answers with the first one's problem."""
    category = CategoryFactory(code="T9003", deadline_amount=2)
    key = uuid.uuid4()

    def send(colour):
        user = fresh(people.inspector)
        return fieldwork.idempotent(
            user=user,
            key=key,
            action="problem.report",
            run=lambda: services.problem_report(
                user=user,
                category=category,
                unit=small_city.compound_a1,
                description="楼道堆放杂物",
                address="3幢",
                point_type="compound",
                photos=[jpeg_bytes(colour=colour)],
            ),
        )

    results = run_together(lambda: send((1, 1, 1)), lambda: send((2, 2, 2)))
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    outcomes = [value for _kind, value in results]
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert len({o.problem.pk for o in outcomes}) == 1
    assert Problem.objects.count() == 1 and IdempotencyKey.objects.count() == 1


def test_the_api_honours_the_idempotency_key_too(people, small_city):
    from rest_framework.test import APIClient

    from gongjian.inspections.tests.test_api import create_payload

    client = APIClient()
    client.force_authenticate(people.inspector)
    key = str(uuid.uuid4())
    first = client.post(
        "/api/v1/problems/",
        create_payload(small_city.compound_a1, photos=[upload(jpeg_bytes())]),
        HTTP_IDEMPOTENCY_KEY=key,
    )
    again = client.post(
        "/api/v1/problems/",
        create_payload(small_city.compound_a1, photos=[upload(jpeg_bytes(colour=(7, 7, 7)))]),
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and Problem.objects.count() == 1
    bad = client.post(
        "/api/v1/problems/",
        create_payload(small_city.compound_a1, photos=[upload(jpeg_bytes())]),
        HTTP_IDEMPOTENCY_KEY="x",
    )
    assert bad.status_code == 400 and "idempotency_key" in bad.json()
