"""/api/v1/rulesets/ and /api/v1/assessments/: rule sets in and out, a month from creation to
publication, scores in and out of scope, adjustments, and every refusal (401, 403, 404, 400, 409)."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gongjian.accounts.choices import Role
from gongjian.accounts.models import User
from gongjian.assessments import importexport, services
from gongjian.assessments.choices import AssessmentStatus
from gongjian.assessments.models import Adjustment, Assessment, RuleSet
from gongjian.assessments.tests.test_importexport import edited, make_ruleset, row_of, rules, set_item, stored
from gongjian.core.jobs.models import Job
from gongjian.core.models import AuditEvent
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory, at, upload
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.django_db

RULESETS = "/api/v1/rulesets/"
ASSESSMENTS = "/api/v1/assessments/"
MARCH = f"{ASSESSMENTS}2026-03/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def compute(django_capture_on_commit_callbacks):
    """POST a month's compute action: 202 with the job, which runs as the request commits (the
    immediate task backend). Returns the job as its status URL answers it afterwards."""

    def post(client, month, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{ASSESSMENTS}{month}/compute/", data or {}, format="json")
        assert response.status_code == 202, response.content
        queued = response.json()
        assert queued["status_url"] == f"http://testserver{ASSESSMENTS}{month}/compute-jobs/{queued['id']}/"
        assert queued["page_url"] == f"http://testserver/jobs/{queued['id']}/"
        followed = client.get(queued["status_url"])
        assert followed.status_code == 200, followed.content
        return followed.json()

    return post


@pytest.fixture
def ruleset(people, small_city):
    return make_ruleset(people.city_admin, small_city.city)


@pytest.fixture
def problem(small_city):
    """Found at compound A1 in March under 06036 (item 1.1) and left open past its deadline."""
    return ProblemFactory(
        unit=small_city.compound_a1, category=Category.objects.get(code="06036"), found_at=at(2026, 3, 2, 9)
    )


@pytest.fixture
def march(people, small_city, ruleset, problem) -> Assessment:
    """March 2026, computed but not published."""
    assessment = services.assessment_create(
        user=people.city_admin, city=small_city.city, month=datetime.date(2026, 3, 1)
    )
    services.assessment_compute(user=people.city_admin, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def published(people, march) -> Assessment:
    return services.assessment_publish(user=people.city_admin, assessment=march)


def units_of(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["unit"]["name"] for row in response.json()["results"]]


def row_for(response, unit) -> dict:
    return next(row for row in response.json()["results"] if row["unit"]["id"] == unit.pk)


# --- anonymous ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", RULESETS),
        ("post", RULESETS),
        ("get", f"{RULESETS}1/"),
        ("get", f"{RULESETS}1/export.xlsx"),
        ("post", f"{RULESETS}import/"),
        ("get", ASSESSMENTS),
        ("post", ASSESSMENTS),
        ("post", f"{MARCH}compute/"),
        ("post", f"{MARCH}publish/"),
        ("get", f"{MARCH}scores/"),
        ("get", f"{MARCH}red-flags/"),
        ("post", f"{MARCH}adjustments/"),
    ],
)
def test_anonymous_callers_get_401(db, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401
    assert "detail" in response.json()


# --- rule sets: read ------------------------------------------------------------------------------------------------


def test_the_city_office_lists_its_rule_sets_page_by_page(people, small_city, ruleset):
    make_ruleset(people.city_admin, small_city.city, version=2, effective_from="2026-06")
    response = client_for(people.city_admin).get(RULESETS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [(r["version"], r["effective_from"]) for r in body["results"]] == [(2, "2026-06"), (1, "2026-01")]
    assert body["results"][1]["id"] == ruleset.pk
    assert "items" not in body["results"][0]
    assert body["results"][1] == {"id": ruleset.pk, **importexport.header_json(ruleset)}
    assert body["results"][1]["total_points"] == "20"


def test_a_rule_set_comes_in_the_json_shape_with_its_id(people, ruleset):
    response = client_for(people.city_leader).get(f"{RULESETS}{ruleset.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body == {"id": ruleset.pk, **importexport.ruleset_to_json(ruleset)}
    assert body["items"][0]["children"][0]["code"] == "1.1"


def test_the_outsider_sees_no_rule_set(people, ruleset):
    client = client_for(people.outsider)
    assert client.get(RULESETS).json()["results"] == []
    response = client.get(f"{RULESETS}{ruleset.pk}/")
    assert response.status_code == 404
    assert "detail" in response.json()
    assert client.get(f"{RULESETS}{ruleset.pk}/export.xlsx").status_code == 404


def test_a_rule_set_of_another_city_is_404(people, small_city):
    other_admin = user_with_role(Role.CITY_ADMIN, unit=small_city.other_city, username="other_admin")
    theirs = make_ruleset(other_admin, small_city.other_city)
    assert client_for(people.city_admin).get(f"{RULESETS}{theirs.pk}/").status_code == 404


# --- rule sets: create ----------------------------------------------------------------------------------------------


def test_the_city_office_creates_a_rule_set_from_the_json_shape(people, small_city):
    response = client_for(people.city_admin).post(RULESETS, rules(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "测试考评细则" and body["effective_from"] == "2026-01"
    assert body["items"][1]["children"][0]["indicator"] == "on_time_close_rate"
    ruleset = RuleSet.objects.get(pk=body["id"])
    assert ruleset.city == small_city.city
    assert ruleset.created_by == people.city_admin
    assert ruleset.items.count() == 6
    assert AuditEvent.objects.filter(action="ruleset.create").count() == 1


def test_a_bad_rule_set_is_a_400_listing_every_problem_and_saves_nothing(people):
    data = rules(total_points="30")
    data["items"][0]["children"][0]["method"] = "guess"
    data["items"][1]["children"][0]["threshold"] = "eighty"
    before = stored()
    response = client_for(people.city_admin).post(RULESETS, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert any("eighty" in e for e in body["errors"]), body
    assert stored() == before


def test_a_rule_set_whose_month_is_taken_is_a_400(people, ruleset):
    before = stored()
    response = client_for(people.city_admin).post(RULESETS, rules(version=2), format="json")
    assert response.status_code == 400
    assert any("2026-01" in e for e in response.json()["errors"])
    assert stored() == before


@pytest.mark.parametrize("who", ["community_worker", "street_officer", "city_leader", "outsider"])
def test_only_the_city_office_creates_rule_sets(people, who):
    before = stored()
    response = client_for(getattr(people, who)).post(RULESETS, rules(), format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert stored() == before


# --- rule sets: Excel and files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["export.xlsx", "export/", "export.xlsx/"])
def test_a_rule_set_downloads_as_a_workbook(people, ruleset, suffix):
    response = client_for(people.city_admin).get(f"{RULESETS}{ruleset.pk}/{suffix}")
    assert response.status_code == 200
    assert response["Content-Type"] == importexport.XLSX
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.worksheets[0].max_row == 8  # a title row, the headings and six items


def test_a_missing_rule_set_download_is_a_json_404(people):
    response = client_for(people.city_admin).get(f"{RULESETS}999999/export.xlsx")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def _next_version(workbook):
    for row in workbook.worksheets[1].iter_rows(min_row=2):
        if row[0].value == "version":
            row[1].value = 2
        if row[0].value == "effective_from":
            row[1].value = "2026-06"


def test_an_edited_workbook_imports_as_a_new_rule_set(people, ruleset):
    data = edited(importexport.ruleset_to_xlsx(ruleset), _next_version)
    response = client_for(people.city_admin).post(
        f"{RULESETS}import/", {"file": upload(data, "细则.xlsx", importexport.XLSX)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert (response.json()["version"], response.json()["effective_from"]) == (2, "2026-06")
    assert stored() == (2, 12)


def test_a_json_file_imports_as_a_rule_set(people):
    content = json.dumps(rules(), ensure_ascii=False).encode()
    response = client_for(people.city_admin).post(
        f"{RULESETS}import/", {"file": upload(content, "rules.json", "application/json")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert stored() == (1, 6)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"not a workbook at all", "rules.xlsx"),
        (b'{"name": ', "rules.json"),
    ],
    ids=["not-an-xlsx", "broken-json"],
)
def test_a_file_that_cannot_be_read_is_a_400_and_saves_nothing(people, content, name):
    response = client_for(people.city_admin).post(
        f"{RULESETS}import/", {"file": upload(content, name, "application/octet-stream")}, format="multipart"
    )
    assert response.status_code == 400
    assert len(response.json()["errors"]) == 1
    assert stored() == (0, 0)


def test_a_workbook_with_text_in_a_number_column_is_a_400_naming_row_and_column(people, ruleset):
    data = edited(importexport.ruleset_to_xlsx(ruleset), set_item(7, "points", "abc"))
    before = stored()
    response = client_for(people.city_admin).post(
        f"{RULESETS}import/", {"file": upload(data, "细则.xlsx", importexport.XLSX)}, format="multipart"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any(row_of(7) in e and "points" in e and "abc" in e for e in errors), errors
    assert stored() == before


def test_an_import_without_a_file_is_a_400_naming_the_field(people):
    response = client_for(people.city_admin).post(f"{RULESETS}import/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_a_community_worker_cannot_import(people):
    content = json.dumps(rules()).encode()
    response = client_for(people.community_worker).post(
        f"{RULESETS}import/", {"file": upload(content, "rules.json", "application/json")}, format="multipart"
    )
    assert response.status_code == 403
    assert stored() == (0, 0)


# --- months ---------------------------------------------------------------------------------------------------------


def test_the_city_office_opens_a_month_with_the_rule_set_in_force(people, ruleset):
    response = client_for(people.city_admin).post(ASSESSMENTS, {"month": "2026-03"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["month"] == "2026-03"
    assert body["status"] == "draft"
    assert body["ruleset"] == {"id": ruleset.pk, "name": ruleset.name, "version": 1}
    assert Assessment.objects.get().month == datetime.date(2026, 3, 1)


def test_a_month_that_exists_is_a_409(people, march):
    response = client_for(people.city_admin).post(ASSESSMENTS, {"month": "2026-03"}, format="json")
    assert response.status_code == 409
    assert Assessment.objects.count() == 1


def test_a_month_before_any_rule_set_is_a_400(people, ruleset):
    response = client_for(people.city_admin).post(ASSESSMENTS, {"month": "2025-12"}, format="json")
    assert response.status_code == 400
    assert "2025-12" in response.json()["detail"]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("month", ["2026-13", "march", "2026-3", "", None])
def test_a_malformed_month_is_a_400_naming_the_field(people, ruleset, month):
    response = client_for(people.city_admin).post(ASSESSMENTS, {"month": month}, format="json")
    assert response.status_code == 400
    assert "month" in response.json()


@pytest.mark.parametrize("who", ["community_worker", "outsider"])
def test_only_the_city_office_opens_a_month(people, ruleset, who):
    response = client_for(getattr(people, who)).post(ASSESSMENTS, {"month": "2026-03"}, format="json")
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_months_are_listed_and_read_by_people_of_the_city(people, march):
    client = client_for(people.community_worker)
    assert [m["month"] for m in client.get(ASSESSMENTS).json()["results"]] == ["2026-03"]
    assert client.get(MARCH).json()["status"] == "computed"
    assert client_for(people.outsider).get(ASSESSMENTS).json()["results"] == []


def test_computing_a_month_is_a_job_whose_result_is_its_summary(people, small_city, ruleset, problem, compute):
    services.assessment_create(user=people.city_admin, city=small_city.city, month=datetime.date(2026, 3, 1))
    job = compute(client_for(people.city_admin), "2026-03")
    assert (job["status"], job["progress"], job["message"]) == ("done", 100, "")
    body = job["result"]
    assert body["month"] == "2026-03" and body["status"] == "computed"
    assert body["sheets"] == 5  # three communities and two compounds
    assert body["deductions"] >= 2
    assert body["streets"] == 2
    assert job["summary"].startswith("2026-03 考核已计算：考核得分表 5 张")
    status_url = f"{MARCH}compute-jobs/{job['id']}/"
    assert client_for(people.outsider).get(status_url).status_code == 404
    assert client_for(people.community_worker).get(status_url).status_code == 404
    assert client_for(people.city_admin).get(f"{ASSESSMENTS}2026-04/compute-jobs/{job['id']}/").status_code == 404


def test_a_computation_asked_for_twice_while_queued_is_one_job(people, march):
    client = client_for(people.city_admin)
    first = client.post(f"{MARCH}compute/")  # not committed, so still queued
    second = client.post(f"{MARCH}compute/")
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"] and second.json()["status"] == "queued"


def test_a_month_is_recomputed_until_it_is_published(people, march, compute):
    client = client_for(people.city_admin)
    assert compute(client, "2026-03")["status"] == "done"
    assert client.post(f"{MARCH}publish/").status_code == 200
    job = compute(client, "2026-03")
    assert job["status"] == "failed" and job["result"] is None
    assert job["message"] == "本月考核已发布，结果为最终结果。如需修正，请添加更正。"
    stored = Job.objects.get(pk=job["id"]).message  # kept in English, shown in the reader's language
    assert stored == "This month is published: its results are final. Record a correction as an adjustment."
    assert Assessment.objects.get().status == AssessmentStatus.PUBLISHED


def test_publishing_twice_is_a_409(people, march):
    client = client_for(people.city_admin)
    first = client.post(f"{MARCH}publish/")
    assert first.status_code == 200
    assert first.json()["status"] == "published" and first.json()["published_at"]
    assert client.post(f"{MARCH}publish/").status_code == 409


def test_a_month_not_yet_computed_cannot_be_published(people, small_city, ruleset):
    services.assessment_create(user=people.city_admin, city=small_city.city, month=datetime.date(2026, 3, 1))
    assert client_for(people.city_admin).post(f"{MARCH}publish/").status_code == 409


def test_a_community_worker_cannot_compute_or_publish(people, march):
    client = client_for(people.community_worker)
    assert client.post(f"{MARCH}compute/").status_code == 403
    assert client.post(f"{MARCH}publish/").status_code == 403
    assert Assessment.objects.get().status == AssessmentStatus.COMPUTED


@pytest.mark.parametrize(
    ("method", "action"),
    [("post", "compute/"), ("post", "publish/"), ("get", "scores/"), ("get", "red-flags/"), ("get", "")],
)
def test_the_outsider_gets_404_for_a_month(people, march, method, action):
    response = getattr(client_for(people.outsider), method)(f"{MARCH}{action}")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "march", "2026-03-01"])
@pytest.mark.parametrize(("method", "action"), [("post", "compute/"), ("get", "scores/"), ("get", "")])
def test_a_malformed_month_in_the_path_is_a_json_400(people, march, month, method, action):
    response = getattr(client_for(people.city_admin), method)(f"{ASSESSMENTS}{month}/{action}")
    assert response.status_code == 400
    assert response.json() == {"month": [gettext("Give the month as YYYY-MM, e.g. 2026-03.")]}


def test_an_unknown_month_is_a_json_404(people, march):
    response = client_for(people.city_admin).post(f"{ASSESSMENTS}2026-04/compute/")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- scores ---------------------------------------------------------------------------------------------------------


def test_the_city_office_sees_every_sheet_with_its_items_and_deductions(people, small_city, march, problem):
    response = client_for(people.city_admin).get(f"{MARCH}scores/")
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 5
    compound = row_for(response, small_city.compound_a1)
    assert compound["unit"] == {"id": small_city.compound_a1.pk, "name": "甲一小区", "level": "compound"}
    assert compound["street"] == {"id": small_city.street_a.pk, "name": "甲街道"}
    assert set(compound) >= {"score", "max_score", "rate", "rank_city", "rank_street", "items", "adjustments"}
    assert compound["max_score"] == "17.00"  # 1.1, 1.2 and 2.1; 2.2 is for communities
    items = {item["code"]: item for item in compound["items"]}
    assert set(items) == {"1.1", "1.2", "2.1"}
    found = items["1.1"]["deductions"]
    expected = {"source": "problem", "points": "1.00", "reason": found[0]["reason"], "problem": problem.pk}
    assert {**expected, "carried_from": None} == found[0]
    assert {d["source"] for d in found} == {"problem", "overdue"}
    assert all(d["problem"] == problem.pk for d in found)
    assert Decimal(items["1.1"]["score"]) == Decimal("4.5")
    assert compound["adjustments"] == []
    assert all(row["items"] is not None for row in body["results"])


def test_a_community_worker_sees_only_their_own_sheets_before_publication(people, small_city, march):
    response = client_for(people.community_worker).get(f"{MARCH}scores/")
    assert sorted(units_of(response)) == sorted(["甲一社区", "甲一小区"])
    assert all(row["items"] is not None for row in response.json()["results"])


def test_after_publication_a_community_worker_sees_the_rankings_of_others_without_their_items(
    people, small_city, published
):
    response = client_for(people.community_worker).get(f"{MARCH}scores/")
    rows = response.json()["results"]
    assert len(rows) == 5
    full = {row["unit"]["name"] for row in rows if row["items"] is not None}
    assert full == {"甲一社区", "甲一小区"}
    other = row_for(response, small_city.community_b1)
    assert other["items"] is None and other["adjustments"] is None
    assert other["rank_city"] is not None and other["rate"] is not None


def test_after_publication_a_compound_manager_gets_items_for_their_own_compound_only(people, small_city, published):
    response = client_for(people.compound_manager).get(f"{MARCH}scores/?level=compound")
    assert sorted(units_of(response)) == sorted(["甲一小区", "乙一小区"])
    assert {row["unit"]["name"] for row in response.json()["results"] if row["items"] is not None} == {"甲一小区"}


def test_scores_filter_by_level_and_street(people, small_city, march):
    client = client_for(people.city_admin)
    assert sorted(units_of(client.get(f"{MARCH}scores/?level=compound"))) == sorted(["甲一小区", "乙一小区"])
    assert sorted(units_of(client.get(f"{MARCH}scores/?street={small_city.street_b.pk}"))) == sorted(
        ["乙一社区", "乙一小区"]
    )


@pytest.mark.parametrize("query", ["level=city", "street=abc"])
def test_a_bad_score_filter_is_a_400_naming_it(people, march, query):
    response = client_for(people.city_admin).get(f"{MARCH}scores/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()


def test_scores_come_page_by_page(people, march):
    client = client_for(people.city_admin)
    first = client.get(f"{MARCH}scores/?page_size=2").json()
    assert first["count"] == 5 and len(first["results"]) == 2
    assert first["previous"] is None and "page=2" in first["next"]
    last = client.get(f"{MARCH}scores/?page_size=2&page=3").json()
    assert len(last["results"]) == 1 and last["next"] is None


def _scores_queries(user_pk) -> int:
    client = client_for(User.objects.get(pk=user_pk))
    client.get(f"{MARCH}scores/")  # warm: the user's grants are then kept (accounts/access.py)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{MARCH}scores/")
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_sheets(people, small_city, march, problem):
    few = _scores_queries(people.city_admin.pk)
    for n in range(4):
        community = UnitFactory(name=f"新社区{n}", level=UnitLevel.COMMUNITY, parent=small_city.street_a)
        compound = UnitFactory(name=f"新小区{n}", level=UnitLevel.COMPOUND, parent=community)
        ProblemFactory(unit=compound, category=problem.category, found_at=at(2026, 3, 3, 9))
    services.assessment_compute(user=people.city_admin, assessment=march)
    many = _scores_queries(people.city_admin.pk)
    assert few < 20
    assert Assessment.objects.get().sheets.count() == 13
    assert many == few


# --- red flags ------------------------------------------------------------------------------------------------------


def test_the_red_flags_name_street_unit_and_rate(people, small_city, march):
    response = client_for(people.city_admin).get(f"{MARCH}red-flags/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "street": {"id": small_city.street_b.pk, "name": "乙街道"},
            "unit": {"id": small_city.compound_b1.pk, "name": "乙一小区", "level": "compound"},
            "rate": "1.000000",
        }
    ]


def test_other_streets_red_flags_show_once_the_month_is_published(people, march):
    client = client_for(people.community_worker)
    assert client.get(f"{MARCH}red-flags/").json() == []
    services.assessment_publish(user=people.city_admin, assessment=march)
    assert [flag["unit"]["name"] for flag in client.get(f"{MARCH}red-flags/").json()] == ["乙一小区"]


# --- adjustments ----------------------------------------------------------------------------------------------------


def test_the_city_office_adjusts_a_published_sheet_and_the_scores_show_it(people, small_city, published):
    client = client_for(people.city_admin)
    payload = {"unit": small_city.compound_a1.pk, "points": "-1.5", "reason": "台帐弄虚作假", "item": "1.1"}
    response = client.post(f"{MARCH}adjustments/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["points"], body["reason"], body["item"]) == ("-1.50", "台帐弄虚作假", "1.1")
    assert body["author"] == str(people.city_admin) and body["at"]
    row = row_for(client.get(f"{MARCH}scores/"), small_city.compound_a1)
    assert row["adjustments"] == [body]
    assert Decimal(row["final_score"]) == Decimal(row["score"]) - Decimal("1.5")


def test_an_adjustment_may_concern_the_whole_sheet(people, small_city, published):
    payload = {"unit": small_city.community_b1.pk, "points": "2", "reason": "复核后加分"}
    response = client_for(people.city_admin).post(f"{MARCH}adjustments/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["item"] is None


def test_an_adjustment_before_publication_is_a_409(people, small_city, march):
    payload = {"unit": small_city.compound_a1.pk, "points": "-1", "reason": "复核"}
    response = client_for(people.city_admin).post(f"{MARCH}adjustments/", payload, format="json")
    assert response.status_code == 409
    assert not Adjustment.objects.exists()


def test_an_adjustment_to_a_month_not_yet_computed_is_a_409(people, small_city, ruleset):
    services.assessment_create(user=people.city_admin, city=small_city.city, month=datetime.date(2026, 3, 1))
    payload = {"unit": small_city.compound_a1.pk, "points": "-1", "reason": "复核"}
    assert client_for(people.city_admin).post(f"{MARCH}adjustments/", payload, format="json").status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"points": "abc"}, "points"),
        ({"points": "0"}, "errors"),
        ({"reason": ""}, "reason"),
        ({"item": "9.9"}, "item"),
        ({"unit": None}, "unit"),
    ],
    ids=["text-points", "zero-points", "no-reason", "unknown-item", "no-unit"],
)
def test_a_bad_adjustment_is_a_400(people, small_city, published, change, field):
    payload = {"unit": small_city.compound_a1.pk, "points": "-1", "reason": "复核", **change}
    response = client_for(people.city_admin).post(f"{MARCH}adjustments/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Adjustment.objects.exists()


def test_a_community_worker_cannot_adjust(people, small_city, published):
    payload = {"unit": small_city.community_a1.pk, "points": "1", "reason": "复核"}
    response = client_for(people.community_worker).post(f"{MARCH}adjustments/", payload, format="json")
    assert response.status_code == 403
    assert not Adjustment.objects.exists()


def test_an_adjustment_for_a_unit_without_a_sheet_is_a_404(people, small_city, published):
    payload = {"unit": small_city.other_community.pk, "points": "1", "reason": "复核"}
    response = client_for(people.city_admin).post(f"{MARCH}adjustments/", payload, format="json")
    assert response.status_code == 404
    assert not Adjustment.objects.exists()


def test_the_outsider_cannot_adjust(people, small_city, published):
    payload = {"unit": small_city.compound_a1.pk, "points": "1", "reason": "复核"}
    assert client_for(people.outsider).post(f"{MARCH}adjustments/", payload, format="json").status_code == 404


# --- the calendar, stale computations and rule set corrections ------------------------------------------------------


def test_the_api_numbers_a_new_rule_set_itself(people, ruleset):
    response = client_for(people.city_admin).post(RULESETS, rules(version=1, effective_from="2026-06"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["version"] == 2


def test_a_rule_set_is_corrected_with_put_and_patch_while_no_published_month_uses_it(people, ruleset, march, compute):
    client = client_for(people.city_admin)
    corrected = rules(name="测试考评细则（更正）", overdue_deduction="1")
    response = client.put(f"{RULESETS}{ruleset.pk}/", corrected, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["version"]) == ("测试考评细则（更正）", 1)
    response = client.patch(f"{RULESETS}{ruleset.pk}/", {"rework_deduction": "2"}, format="json")
    assert response.status_code == 200, response.content
    ruleset.refresh_from_db()
    assert (ruleset.overdue_deduction, ruleset.rework_deduction) == (Decimal("1"), Decimal("2"))
    month = client.get(f"{ASSESSMENTS}2026-03/").json()
    assert month["stale"] is True
    assert [c["kind"] for c in month["changes"]] == ["ruleset"]
    refused = client.post(f"{ASSESSMENTS}2026-03/publish/")
    assert refused.status_code == 409
    assert compute(client, "2026-03")["status"] == "done"
    assert client.get(f"{ASSESSMENTS}2026-03/").json()["stale"] is False


def test_a_bad_correction_is_a_400_and_changes_nothing(people, ruleset):
    response = client_for(people.city_admin).patch(f"{RULESETS}{ruleset.pk}/", {"total_points": "99"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]
    ruleset.refresh_from_db()
    assert ruleset.total_points == Decimal("20")


def test_a_rule_set_used_by_a_published_month_answers_409_with_the_reason(people, ruleset, published):
    response = client_for(people.city_admin).patch(f"{RULESETS}{ruleset.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 409
    assert "2026-03" in response.json()["detail"]
    ruleset.refresh_from_db()
    assert ruleset.name == "测试考评细则"


@pytest.mark.parametrize("who", ["street_officer", "city_leader"])
def test_only_the_city_office_corrects_rule_sets(people, ruleset, who):
    response = client_for(getattr(people, who)).patch(f"{RULESETS}{ruleset.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403


def test_an_outsider_finds_no_rule_set_to_correct(people, ruleset):
    response = client_for(people.outsider).patch(f"{RULESETS}{ruleset.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 404


def test_a_month_not_started_is_refused_unless_forced_with_a_reason(people, ruleset, compute):
    client = client_for(people.city_admin)
    later = (datetime.date.today().replace(day=1) + datetime.timedelta(days=40)).strftime("%Y-%m")
    refused = client.post(ASSESSMENTS, {"month": later}, format="json")
    assert refused.status_code == 400
    assert "month" in refused.json()["detail"]
    forced = client.post(ASSESSMENTS, {"month": later, "force_reason": "提前布置"}, format="json")
    assert forced.status_code == 201, forced.content
    assert [o["reason"] for o in forced.json()["calendar_overrides"]] == ["提前布置"]
    job = compute(client, later)
    assert (job["status"], job["message"]) == ("failed", "该月尚未开始。如确需办理，须由市三创办说明理由。")


def test_a_running_month_computes_as_a_preview_that_publishing_refuses(people, ruleset, compute):
    client = client_for(people.city_admin)
    this_month = datetime.date.today().strftime("%Y-%m")
    assert client.post(ASSESSMENTS, {"month": this_month}, format="json").status_code == 201
    assert compute(client, this_month)["result"]["preview"] is True
    refused = client.post(f"{ASSESSMENTS}{this_month}/publish/")
    assert refused.status_code == 409
    assert refused.json()["detail"]
    assert compute(client, this_month, {"force_reason": "省检前提前结算"})["result"]["preview"] is False
    assert client.post(f"{ASSESSMENTS}{this_month}/publish/").status_code == 200


def test_a_stale_month_is_refused_with_the_reason(people, march, small_city):
    from gongjian.inspections.tests.factories import reported

    reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 20, 9), found_at=at(2026, 3, 20, 8))
    client = client_for(people.city_admin)
    detail = client.get(f"{ASSESSMENTS}2026-03/").json()
    assert (detail["stale"], detail["changes"][0]["kind"], detail["changes"][0]["count"]) == (True, "reported", 1)
    refused = client.post(f"{ASSESSMENTS}2026-03/publish/")
    assert refused.status_code == 409
    assert "1" in refused.json()["detail"]
