"""Abuse: a flood of reports from one address is throttled, reported to the office, and nothing it
sent is published."""

from __future__ import annotations

import json

import pytest

from gongjian.core.errors import Conflict
from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.residents import services
from gongjian.residents.models import AbuseAlert, ResidentReport
from gongjian.residents.tests.conftest import captcha, upload

REPORT = "/residents/report/"


def _report_data(category, n):
    return {
        "category": category.code,
        "description": f"第 {n} 条",
        "address": "甲一路",
        "photos": upload(jpeg_bytes(colour=(n % 255, 10, 10))),
        **captcha(),
    }


def test_a_flood_of_1000_reports_from_one_address_in_a_minute_is_throttled_reported_and_unpublished(
    client, garbage, placed_city, people
):
    codes = []
    for n in range(1000):
        client.cookies.clear()  # a script keeps no cookie, so every request is a "new device"
        codes.append(client.post(REPORT, _report_data(garbage, n)).status_code)
    assert codes.count(302) == 20  # RESIDENT_REPORT_RATE: 20 an hour per address
    assert codes.count(429) == 980

    alert = AbuseAlert.objects.get()
    assert alert.refused == 980 and alert.address_masked == "127.0.0.*"
    sent = ResidentReport.objects.all()
    assert sent.count() == 20 and all(r.held for r in sent)

    # Nothing it sent can be published: accepting is refused, Open311 lists nothing.
    with pytest.raises(Conflict):
        services.report_accept(user=people.city_admin, report=sent[0], unit=placed_city.compound_a1)
    assert json.loads(client.get("/open311/v2/requests.json").content) == []

    # The office sees the alert in the moderation queue, and can reject everything held at once.
    client.force_login(people.city_admin)
    page = client.get("/residents/office/").content.decode()
    assert 'id="abuse-alerts"' in page and "127.0.0.*" in page
    client.post(f"/residents/office/alerts/{alert.pk}/reject-held/")
    assert not ResidentReport.objects.filter(status="pending").exists()


def test_the_alert_is_the_city_offices_not_a_streets_or_the_outsiders(client, garbage, placed_city, people):
    services.abuse_alert_record(address_hash="h", address_masked="10.0.0.*", kind="reports")
    for who in ("street_officer", "outsider"):
        client.force_login(getattr(people, who))
        assert 'id="abuse-alerts"' not in client.get("/residents/office/").content.decode()
    alert = AbuseAlert.objects.get()
    assert client.post(f"/residents/office/alerts/{alert.pk}/reject-held/").status_code == 404


def test_reports_from_an_address_under_an_alert_are_held(garbage, placed_city):
    from gongjian.residents.tests.conftest import a_report

    services.abuse_alert_record(address_hash="flood", address_masked="10.0.0.*", kind="reports")
    report, _token = a_report(garbage, address_hash="flood")
    assert report.held


def test_behind_one_proxy_the_forwarded_address_is_counted_and_a_spoofed_one_is_not(
    client, garbage, placed_city, settings
):
    # Without a trusted proxy, X-Forwarded-For is ignored: changing it does not escape the limit.
    codes = []
    for n in range(25):
        client.cookies.clear()
        codes.append(client.post(REPORT, _report_data(garbage, n), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code)
    assert codes.count(429) == 5
    # Behind one proxy, the address it appended is the client's: another client has its own limit.
    settings.PROXY_COUNT = 1
    client.cookies.clear()
    assert client.post(REPORT, _report_data(garbage, 99), HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 302


def test_one_device_is_limited_even_from_changing_addresses(client, garbage, placed_city, settings):
    settings.PROXY_COUNT = 1
    codes = [
        client.post(REPORT, _report_data(garbage, n), HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(12)
    ]
    assert codes.count(302) == 10 and codes.count(429) == 2  # RESIDENT_DEVICE_RATE: 10 an hour
