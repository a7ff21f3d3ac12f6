"""Open311 GeoReport v2: every document in JSON and XML against the schemas, every error case,
keys, moderation through tokens, and no personal data in any response."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongjian.inspections import services as inspections
from gongjian.inspections.models import Problem
from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.residents import services
from gongjian.residents.choices import ReportChannel, ReportStatus
from gongjian.residents.models import Open311Application, ResidentReport, ServiceAttribute
from gongjian.residents.open311_format import parse_xml
from gongjian.residents.tests.conftest import NAME, PHONE, a_report, both_formats, upload, validate

BASE = "/open311/v2/"


@pytest.fixture
def key(db):
    _app, key = services.application_create(user=None, name="城市随手拍小程序")
    return key


@pytest.fixture
def question(garbage):
    return ServiceAttribute.objects.create(
        resident_category=garbage,
        code="size",
        description="有多少？",
        datatype="singlevaluelist",
        required=True,
        order=1,
        values={"small": "一袋", "large": "一车"},
    )


@pytest.fixture
def listed(garbage, placed_city, people):
    """A resident's report accepted (with a phone number typed into the description)."""
    report, token = a_report(garbage, description=f"垃圾很多，请联系 {PHONE}")
    problem = services.report_accept(user=people.street_officer, report=report, unit=placed_city.compound_a1)
    return problem, token


def _parse(response, fmt):
    return json.loads(response.content) if fmt == "json" else parse_xml(response.content)


def test_discovery_in_both_formats(client, db):
    for response, document in both_formats(client, BASE + "discovery", "discovery"):
        assert response.status_code == 200
        assert document["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    xml = client.get(BASE + "discovery.xml")
    assert xml["Content-Type"].startswith("text/xml") and xml.content.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>'
    )


def test_services_list_the_public_categories_with_string_codes(client, garbage, question):
    for response, document in both_formats(client, BASE + "services", "services"):
        assert response.status_code == 200
        entry = next(s for s in document if s["service_code"] == "garbage")
        assert entry["service_name"] == "垃圾没人清" and entry["metadata"] is True


def test_a_category_that_is_not_public_is_not_a_service(client, garbage):
    garbage.is_public = False
    garbage.save()
    assert "garbage" not in {s["service_code"] for s in json.loads(client.get(BASE + "services.json").content)}
    assert client.get(BASE + "services/garbage.json").status_code == 404


def test_a_service_definition_lists_the_extra_questions(client, question):
    for response, document in both_formats(client, BASE + "services/garbage", "service_definition"):
        assert response.status_code == 200
        attribute = document["attributes"][0]
        assert attribute["code"] == "size" and attribute["required"] is True
        assert {"key": "small", "name": "一袋"} in attribute["values"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404_with_an_errors_document(client, db, fmt):
    response = client.get(f"{BASE}services/nothing.{fmt}")
    assert response.status_code == 404
    document = _parse(response, fmt)
    validate("errors", document)
    assert document[0]["code"] == 404


def test_requests_list_accepted_problems_with_iso_datetimes_and_no_personal_data(client, listed):
    problem, _token = listed
    for response, document in both_formats(client, BASE + "requests", "requests"):
        assert response.status_code == 200
        entry = next(r for r in document if r["service_request_id"] == problem.number)
        assert entry["status"] == "open" and entry["service_code"] == "garbage"
        assert entry["requested_datetime"].endswith("+08:00")
        assert entry["media_url"].endswith(".jpg")
        body = response.content.decode()
        assert PHONE not in body and NAME not in body
    media = client.get(entry["media_url"].replace("http://testserver", ""))
    assert media.status_code == 200


def test_pending_and_rejected_reports_are_never_listed(client, garbage, placed_city, people):
    a_report(garbage)
    rejected, _ = a_report(garbage, device_id="d2")
    services.report_reject(user=people.city_admin, report=rejected, reason="重复")
    assert json.loads(client.get(BASE + "requests.json").content) == []


def test_one_request_by_id_in_both_formats_and_404_for_an_unknown_one(client, listed):
    problem, _token = listed
    for response, document in both_formats(client, f"{BASE}requests/{problem.number}", "requests"):
        assert response.status_code == 200
        assert [r["service_request_id"] for r in document] == [problem.number]
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}requests/SP000.{fmt}")
        assert response.status_code == 404
        validate("errors", _parse(response, fmt))


def test_filters_by_id_code_status_and_dates(client, listed, people, placed_city, garbage):
    problem, _token = listed
    get = lambda **q: [r["service_request_id"] for r in json.loads(client.get(BASE + "requests.json", q).content)]  # noqa: E731
    assert get(service_request_id=f"{problem.number},NOPE") == [problem.number]
    assert get(service_code="garbage") == [problem.number]
    assert get(status="closed") == []
    assert get(status="open") == [problem.number]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert get(start_date=tomorrow) == []
    assert get(end_date="2000-01-01T00:00:00+08:00") == []


def test_the_default_window_is_90_days(client, listed):
    problem, _token = listed
    Problem.objects.filter(pk=problem.pk).update(found_at=timezone.now() - datetime.timedelta(days=91))
    assert json.loads(client.get(BASE + "requests.json").content) == []
    old = (timezone.now() - datetime.timedelta(days=100)).isoformat()
    assert len(json.loads(client.get(BASE + "requests.json", {"start_date": old}).content)) == 1


def test_pages_of_requests(client, garbage, placed_city, people):
    for n in range(3):
        inspections.problem_report(
            user=people.inspector,
            category=garbage.category,
            unit=placed_city.compound_a1,
            description=f"第{n}处",
            address="甲一路",
            point_type="back_street",
            photos=[jpeg_bytes(colour=(n, 2, 3))],
        )
    first = json.loads(client.get(BASE + "requests.json", {"page_size": 2}).content)
    second = json.loads(client.get(BASE + "requests.json", {"page_size": 2, "page": 2}).content)
    assert len(first) == 2 and len(second) == 1
    assert not {r["service_request_id"] for r in first} & {r["service_request_id"] for r in second}


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45"},
        {"start_date": "2026-02-01", "end_date": "2026-01-01"},
        {"status": "pending"},
        {"service_code": "nothing"},
        {"page": "0"},
        {"page_size": "1001"},
        {"page_size": "ten"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_malformed_queries_are_400_with_an_errors_document(client, db, query, fmt):
    response = client.get(f"{BASE}requests.{fmt}", query)
    assert response.status_code == 400
    validate("errors", _parse(response, fmt))


# --- POST ------------------------------------------------------------------------------------------


def _form(key, **extra):
    data = {
        "api_key": key,
        "service_code": "garbage",
        "lat": "30.250100",
        "long": "120.150100",
        "description": "垃圾",
        "first_name": "小明",
        "last_name": "王",
        "phone": PHONE,
        "email": "wang@example.cn",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_is_moderated_and_answers_a_token_that_resolves_once_accepted(client, key, placed_city, people, fmt):
    response = client.post(f"{BASE}requests.{fmt}", _form(key))
    assert response.status_code == 200
    document = _parse(response, fmt)
    validate("post_response", document)
    token = document[0]["token"]
    report = ResidentReport.objects.get()
    assert report.channel == ReportChannel.OPEN311 and report.status == ReportStatus.PENDING
    assert PHONE not in response.content.decode()

    pending = client.get(f"{BASE}tokens/{token}.{fmt}")
    validate("tokens", _parse(pending, fmt))
    assert _parse(pending, fmt)[0]["service_request_id"] is None

    problem = services.report_accept(user=people.city_admin, report=report, unit=placed_city.compound_a1)
    accepted = client.get(f"{BASE}tokens/{token}.{fmt}")
    validate("tokens", _parse(accepted, fmt))
    assert _parse(accepted, fmt)[0]["service_request_id"] == problem.number


def test_a_post_with_an_address_only_goes_to_the_city_office(client, key, placed_city):
    client.post(BASE + "requests.json", _form(key, lat="", long="", address_string="甲一路 5 号"))
    assert ResidentReport.objects.get().unit == placed_city.city


def test_a_post_with_a_photo_as_multipart_media_and_attributes(client, key, placed_city, question):
    response = client.post(
        BASE + "requests.json",
        {**_form(key), "attribute[size]": "large", "media": upload(), "media_url": "https://example.cn/p.jpg"},
    )
    assert response.status_code == 200, response.content
    report = ResidentReport.objects.get()
    assert report.attributes == {"size": "large"} and report.photos.count() == 1
    assert report.media_url == "https://example.cn/p.jpg"


@pytest.mark.parametrize(
    "change, status",
    [
        ({"api_key": ""}, 400),
        ({"api_key": "wrong"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "nothing"}, 400),
        ({"lat": "", "long": ""}, 400),
        ({"long": ""}, 400),
        ({"lat": "north"}, 400),
        ({"lat": "95"}, 400),
        ({"phone": "12"}, 400),
        ({"media_url": "javascript:alert(1)"}, 400),
        ({"attribute[colour]": "red"}, 400),
        ({"media": "not a file"}, 400),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_bad_post_is_refused_with_an_errors_document_and_records_nothing(
    client, key, placed_city, question, change, status, fmt
):
    data = {**_form(key), "attribute[size]": "small", **change}
    if change.get("media") == "not a file":
        data["media"] = upload(b"GIF89a not really")
    response = client.post(f"{BASE}requests.{fmt}", data)
    assert response.status_code == status, response.content
    validate("errors", _parse(response, fmt))
    assert not ResidentReport.objects.exists()


def test_a_required_question_left_unanswered_is_400(client, key, placed_city, question):
    assert client.post(BASE + "requests.json", _form(key)).status_code == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_token_is_404(client, db, fmt):
    response = client.get(f"{BASE}tokens/{'x' * 32}.{fmt}")
    assert response.status_code == 404
    validate("errors", _parse(response, fmt))


# --- keys ------------------------------------------------------------------------------------------


def test_the_command_issues_a_key_on_the_last_line_and_revokes_it(client, placed_city):
    out = StringIO()
    call_command("open311_key", "create", "街道 App", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert client.post(BASE + "requests.json", _form(key)).status_code == 200
    stored = Open311Application.objects.get(name="街道 App")
    assert key not in stored.key_hash and stored.key_prefix == key[:6]
    call_command("open311_key", "revoke", "街道 App", stdout=StringIO())
    assert client.post(BASE + "requests.json", _form(key)).status_code == 403


def test_the_command_refuses_a_second_application_of_the_same_name(db):
    from django.core.management.base import CommandError

    call_command("open311_key", "create", "A", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "create", "A", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("open311_key", "revoke", "B", stdout=StringIO())


def test_the_city_office_issues_and_revokes_keys_in_the_ui(client, people):
    client.force_login(people.city_admin)
    page = client.post("/residents/office/open311-keys/", {"name": "媒体 App"}).content.decode()
    app = Open311Application.objects.get(name="媒体 App")
    assert 'id="new-key"' in page
    client.post(f"/residents/office/open311-keys/{app.pk}/revoke/")
    app.refresh_from_db()
    assert app.revoked_at is not None


@pytest.mark.parametrize("who", ["outsider", "street_officer", "inspector", "city_leader"])
def test_only_the_city_office_manages_keys(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get("/residents/office/open311-keys/").status_code == 404
    app, _key = services.application_create(user=None, name=f"x-{who}")
    assert client.post(f"/residents/office/open311-keys/{app.pk}/revoke/").status_code == 404


def test_a_key_is_rate_limited(client, key, placed_city, settings):
    from rest_framework.settings import api_settings

    from gongjian.residents.limits import Open311KeyThrottle

    Open311KeyThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "open311_key": "2/min"}
    try:
        codes = [client.post(BASE + "requests.json", _form(key, phone="")).status_code for _ in range(4)]
    finally:
        Open311KeyThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [200, 200, 429, 429]
    assert ResidentReport.objects.count() == 2


def test_no_public_response_carries_the_residents_name_phone_or_email(client, key, placed_city, people, question):
    """Every public page and document, after a report with a name, phone and e-mail was accepted."""
    response = client.post(BASE + "requests.json", {**_form(key), "attribute[size]": "small", "media": upload()})
    token = json.loads(response.content)[0]["token"]
    report = ResidentReport.objects.get()
    problem = services.report_accept(user=people.city_admin, report=report, unit=placed_city.compound_a1)
    photo = report.photos.get()
    urls = [
        "/residents/report/",
        "/residents/report/nearby/?category=garbage&latitude=30.250100&longitude=120.150100",
        f"/residents/r/{token}/",
        f"/residents/r/{token}/photos/{photo.pk}/full/",
        *(
            f"{BASE}{doc}.{fmt}"
            for doc in (
                "discovery",
                "services",
                "services/garbage",
                "requests",
                f"requests/{problem.number}",
                f"tokens/{token}",
            )
            for fmt in ("json", "xml")
        ),
    ]
    for url in urls:
        client.cookies.clear()
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        secrets = [PHONE, "小明", "wang@example.cn"]
        if not response["Content-Type"].startswith("image/"):
            secrets.append(PHONE[-4:])  # not even the masked form: that is for the office only
        for secret in secrets:
            assert secret.encode() not in body, (url, secret)


def test_one_phone_or_one_device_is_limited_through_open311_too(client, key, placed_city):
    by_device = [
        client.post(BASE + "requests.json", _form(key, phone="", device_id="dev-9")).status_code for _ in range(11)
    ]
    assert by_device.count(200) == 10 and by_device[-1] == 429  # RESIDENT_DEVICE_RATE: 10 an hour
    by_phone = [client.post(BASE + "requests.json", _form(key, phone="13700000000")).status_code for _ in range(11)]
    assert by_phone.count(200) == 10 and by_phone[-1] == 429  # RESIDENT_PHONE_RATE: 10 a day
