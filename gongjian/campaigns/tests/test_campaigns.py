"""Campaigns (专项整治): problems tagged at report time and by the backfill, the figures counted by
hand on the small city, scope (a street, a community, the outsider), the closing report in Word
(read back, opened by LibreOffice, filed in the archive) and the API."""

import datetime
import io
import json
import subprocess
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from docx import Document
from freezegun import freeze_time

from gongjian.accounts.access import actor_for
from gongjian.archives.models import Evidence
from gongjian.archives.tests.factories import archive_ruleset, published_template
from gongjian.campaigns import selectors, services
from gongjian.campaigns.models import Campaign
from gongjian.core.audit import AuditEvent
from gongjian.core.errors import NotPermitted
from gongjian.documents.tests.layout import SOFFICE, docx_to_pdf
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.tests.factories import CategoryFactory, ProblemFactory, at, reported

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def cats(db):
    return {
        code: CategoryFactory(code=code, name=name) for code, name in (("06036", "乱堆物料"), ("01001", "道路破损"))
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def campaign_of(people, small_city, **kw):
    values = {"name": "大清扫", "starts_on": D(2026, 3, 2), "ends_on": D(2026, 5, 31)}
    values.update(kw)
    return services.campaign_declare(user=people.city_admin, city=small_city.city, **values)


def test_a_problem_reported_in_the_campaign_is_tagged_and_one_outside_its_period_category_or_units_is_not(
    people, small_city, cats
):
    c = small_city
    campaign = campaign_of(people, small_city, categories=[cats["06036"]], units=[c.street_a])
    inside = reported(people.inspector, c.compound_a1, now=at(2026, 3, 10, 9))
    other_unit = reported(people.inspector, c.compound_b1, now=at(2026, 3, 10, 9))
    other_category = reported(people.inspector, c.compound_a1, code="01001", now=at(2026, 3, 10, 9))
    after = reported(people.inspector, c.community_a2, now=at(2026, 6, 1, 9))
    assert list(campaign.problems.all()) == [inside]
    assert not (other_unit.campaigns.exists() or other_category.campaigns.exists() or after.campaigns.exists())


def test_declaring_a_campaign_tags_the_problems_already_reported_in_it_once(people, small_city, cats):
    c = small_city
    before = ProblemFactory(unit=c.compound_b1, category=cats["01001"], found_at=at(2026, 3, 5, 9))
    early = ProblemFactory(unit=c.compound_b1, category=cats["01001"], found_at=at(2026, 3, 1, 23, 59))
    elsewhere = ProblemFactory(unit=c.other_community, category=cats["01001"], found_at=at(2026, 3, 5, 9))
    campaign = campaign_of(people, small_city, level="community")
    assert list(campaign.problems.all()) == [before]
    assert services.campaign_backfill(campaign) == 0
    assert not early.campaigns.exists() and not elsewhere.campaigns.exists()
    event = AuditEvent.objects.get(action="campaign.declare")
    assert event.changes["tagged"] == 1 and event.changes["level"] == "community"


def test_only_the_city_office_declares_and_bad_input_is_refused_with_nothing_saved(people, small_city, cats):
    with pytest.raises(NotPermitted):
        services.campaign_declare(
            user=people.street_officer,
            city=small_city.city,
            name="x",
            starts_on=D(2026, 3, 2),
            ends_on=D(2026, 3, 3),
            level="street",
        )
    for bad in (
        {"ends_on": D(2026, 3, 1), "level": "street"},
        {"level": "street", "units": [small_city.street_a]},
        {},
        {"units": [small_city.other_community]},
        {"name": " ", "level": "street"},
    ):
        with pytest.raises(ValidationError):
            campaign_of(people, small_city, **bad)
    assert not Campaign.objects.exists()


def test_the_same_campaign_declared_twice_is_refused_and_another_period_or_name_is_not(people, small_city, cats):
    first = campaign_of(people, small_city, level="street")
    with pytest.raises(ValidationError) as refused:
        campaign_of(
            people, small_city, name=" 大清扫 ", starts_on=D(2026, 5, 1), ends_on=D(2026, 6, 30), level="street"
        )
    assert "name" in refused.value.message_dict
    assert list(Campaign.objects.all()) == [first]
    campaign_of(people, small_city, starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 30), level="street")
    campaign_of(people, small_city, name="夏季大清扫", level="street")
    assert Campaign.objects.count() == 3


@pytest.fixture
def counted(people, small_city, cats):
    """Two weeks (W10: 2 – 8 March 2026, W11: 9 – 15 March), every community; counted by hand:
    甲一 found 2 (one closed, one relapse), 甲二 found 1 (closed after the period), 乙一 found 1
    (sent back for rework: a relapse); a voided problem and another city's are not counted."""
    c = small_city
    k = cats["06036"]
    origin = ProblemFactory(unit=c.compound_a1, category=k, found_at=at(2026, 1, 5, 9), status=ProblemStatus.CLOSED)
    ProblemFactory(
        unit=c.compound_a1,
        category=k,
        found_at=at(2026, 3, 2, 9),
        status=ProblemStatus.CLOSED,
        closed_at=at(2026, 3, 4, 9),
    )
    ProblemFactory(unit=c.community_a1, category=k, found_at=at(2026, 3, 3, 9), relapse_of=origin)
    ProblemFactory(
        unit=c.community_a2,
        category=k,
        found_at=at(2026, 3, 10, 9),
        status=ProblemStatus.CLOSED,
        closed_at=at(2026, 3, 16, 9),
    )
    ProblemFactory(
        unit=c.compound_b1, category=k, found_at=at(2026, 3, 11, 9), status=ProblemStatus.SUBMITTED, rework_count=1
    )
    ProblemFactory(
        unit=c.compound_b1, category=k, found_at=at(2026, 3, 12, 9), status=ProblemStatus.VOID, void_reason="重复"
    )
    ProblemFactory(unit=c.other_community, category=k, found_at=at(2026, 3, 12, 9))
    return campaign_of(people, small_city, starts_on=D(2026, 3, 2), ends_on=D(2026, 3, 15), level="community")


def _units(result):
    return {u.name: (t.found, t.closed, t.relapse) for u, t in result.unit_rows()}


def _weeks(result):
    return {w: (t.found, t.closed, t.relapse) for w, t in result.week_rows()}


@freeze_time("2026-03-20 10:00:00+08:00")
def test_the_figures_per_unit_and_per_week_are_those_counted_by_hand(people, counted):
    result = selectors.campaign_figures(actor=actor_for(people.city_admin), campaign=counted)
    assert _units(result) == {"甲一社区": (2, 1, 1), "甲二社区": (1, 1, 0), "乙一社区": (1, 0, 1)}
    assert _weeks(result) == {"2026-W10": (2, 1, 1), "2026-W11": (2, 0, 1)}
    total = result.figures.total
    assert (total.found, total.closed, total.open, total.relapse) == (4, 2, 2, 2)


@freeze_time("2026-03-20 10:00:00+08:00")
def test_a_street_and_a_community_see_their_own_units_and_the_outsider_nothing(people, counted):
    street = selectors.campaign_figures(actor=actor_for(people.street_officer), campaign=counted)
    assert _units(street) == {"甲一社区": (2, 1, 1), "甲二社区": (1, 1, 0)}
    assert street.figures.total.found == 3
    community = selectors.campaign_figures(actor=actor_for(people.community_worker), campaign=counted)
    assert _units(community) == {"甲一社区": (2, 1, 1)}
    page = client_for(people.street_officer).get(f"/campaigns/{counted.pk}/")
    assert page.status_code == 200 and "乙一社区" not in page.content.decode() and "甲二社区" in page.content.decode()
    outsider = client_for(people.outsider)
    assert outsider.get(f"/campaigns/{counted.pk}/").status_code == 404
    assert outsider.get("/campaigns/").status_code == 404
    assert outsider.get(f"/api/v1/campaigns/{counted.pk}/").status_code == 404
    assert outsider.get("/api/v1/campaigns/").json()["results"] == []


@freeze_time("2026-03-20 10:00:00+08:00")
def test_the_api_gives_the_figures_in_the_callers_scope(people, counted):
    assert Client().get("/api/v1/campaigns/").status_code == 401
    body = client_for(people.city_admin).get(f"/api/v1/campaigns/{counted.pk}/").json()
    assert body["figures"]["total"] == {"found": 4, "closed": 2, "open": 2, "relapse": 2}
    assert [w["week"] for w in body["figures"]["weeks"]] == ["2026-W10", "2026-W11"]
    assert body["state"] == "ended" and body["level"] == "community"
    street = client_for(people.street_officer).get("/api/v1/campaigns/").json()["results"][0]
    assert [u["unit_name"] for u in street["figures"]["units"]] == ["甲一社区", "甲二社区"]
    schema = client_for(people.city_admin).get("/api/schema/")
    assert schema.status_code == 200 and "/api/v1/campaigns/" in schema.content.decode()


@freeze_time("2026-03-20 10:00:00+08:00")
def test_the_closing_report_is_written_in_the_background_holds_the_figures_and_is_filed(
    people, small_city, counted, django_capture_on_commit_callbacks, tmp_path
):
    published_template(people.city_admin, archive_ruleset(people.city_admin, small_city.city))
    assert client_for(people.street_officer).post(f"/campaigns/{counted.pk}/report/").status_code == 403
    client = client_for(people.city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/campaigns/{counted.pk}/report/")
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    state = json.loads(client.get(f"{response['Location']}status/").content)
    assert state["status"] == "done", state
    content = b"".join(client.get(state["download_url"]).streaming_content)
    document = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "大清扫工作总结" in text
    assert "整治期间共发现问题4个，已整改销号2个，整改率50%；尚未销号2个；回潮或返工问题2个。" in text
    units = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert units[1:] == [
        ["甲一社区", "2", "1", "1", "1", "50%"],
        ["甲二社区", "1", "1", "0", "0", "100%"],
        ["乙一社区", "1", "0", "1", "1", "0%"],
        ["合计", "4", "2", "2", "2", "50%"],
    ]
    weeks = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert weeks[1:] == [["2026年第10周", "2", "1", "1"], ["2026年第11周", "2", "0", "1"]]
    counted.refresh_from_db()
    assert counted.report and counted.report_at
    record = Evidence.objects.get(source="campaign", source_id=counted.pk, is_current=True)
    assert record.unit == small_city.city and record.files.count() == 1
    assert AuditEvent.objects.filter(action="campaign.report").exists()
    if SOFFICE:
        path = tmp_path / "report.docx"
        path.write_bytes(content)
        pdf = docx_to_pdf(path, tmp_path)
        words = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "大清扫工作总结" in words and "合计" in words


@freeze_time("2026-03-10 10:00:00+08:00")
def test_no_closing_report_while_the_campaign_runs(people, counted):
    response = client_for(people.city_admin).post(f"/campaigns/{counted.pk}/report/")
    assert response.status_code == 403 and not Campaign.objects.get(pk=counted.pk).report


def test_the_city_office_declares_from_the_page_and_a_street_cannot(people, small_city, cats):
    data = {
        "name": "大清扫",
        "starts_on": "2026-03-02",
        "ends_on": "2026-05-31",
        "level": "community",
        "categories": [cats["06036"].pk],
    }
    assert client_for(people.street_officer).post("/campaigns/declare/", data).status_code == 403
    bad = client_for(people.city_admin).post("/campaigns/declare/", {**data, "ends_on": "2026-03-01"})
    assert bad.status_code == 400 and not Campaign.objects.exists()
    response = client_for(people.city_admin).post("/campaigns/declare/", data)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and list(campaign.categories.all()) == [cats["06036"]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_a_problem_is_reported_while_a_campaign_declaration_holds_the_citys_row(people, small_city, cats):
    """The declaration locks the city's row against a second declaration only (FOR NO KEY UPDATE): a
    problem pointing at the city is written meanwhile without waiting, not held up city-wide."""
    locked, release = threading.Event(), threading.Event()

    def declaration_holding_the_lock():
        try:
            with transaction.atomic():
                services.lock_city(small_city.city)
                locked.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    holder = threading.Thread(target=declaration_holding_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            problem = reported(people.inspector, small_city.compound_a1, code="06036")
        assert problem.pk and problem.city_id == small_city.city.pk
    finally:
        release.set()
        holder.join(timeout=20)
