"""/api/v1/evidence/, /meetings/, /mechanisms/, /archive-templates/, /archives/ and /binders/: scoped
reads (the outsider sees nothing), uploads judged by their content, versions that cannot be
silently overwritten, the completeness audit, and binders from request to download."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from docx import Document
from rest_framework.test import APIClient

from gongjian.accounts.choices import Role
from gongjian.archives import periods, selectors
from gongjian.archives.choices import JobStatus, MechanismKind
from gongjian.archives.models import ArchiveTemplate, BinderJob, Evidence, EvidenceFile, Mechanism, Meeting
from gongjian.archives.tests.factories import archive_ruleset, binder_job, item, jpeg, photo, published_template, record
from gongjian.archives.tests.test_services import docx_bytes
from gongjian.assessments.tests.test_importexport import make_ruleset
from gongjian.inspections.tests.factories import upload
from gongjian.testing.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

EVIDENCE = "/api/v1/evidence/"
MEETINGS = "/api/v1/meetings/"
MECHANISMS = "/api/v1/mechanisms/"
TEMPLATES = "/api/v1/archive-templates/"
COMPLETENESS = "/api/v1/archives/completeness/"
SKELETON = "/api/v1/archives/skeleton/"
BINDERS = "/api/v1/binders/"
MARCH = datetime.date(2026, 3, 10)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def ruleset(people, small_city):
    ruleset = archive_ruleset(people.city_admin, small_city.city)
    published_template(people.city_admin, ruleset)
    return ruleset


@pytest.fixture
def a1_record(people, small_city, ruleset):
    """March's meeting record of community A1: one captioned photo and one without a caption."""
    return record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        day=MARCH,
        title="三月共建例会",
        files=[photo(1, "会场", MARCH), photo(2, "", MARCH)],
    )


@pytest.fixture
def a2_record(people, small_city, ruleset):
    return record(people.street_officer, small_city.community_a2, ruleset, day=MARCH, title="甲二社区三月例会")


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def new_record(unit, ruleset, **overrides) -> dict:
    data = {
        "unit": unit.pk,
        "period": "2026-03",
        "kind": "meeting",
        "title": "三月共建例会",
        "date": "2026-03-10",
        "rule_items": [item(ruleset, "3.1").pk],
        "text": "议题：垃圾分类",
    }
    return {**data, **overrides}


def stored() -> tuple[int, int]:
    return Evidence.objects.count(), EvidenceFile.objects.count()


# --- anonymous ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", EVIDENCE),
        ("post", EVIDENCE),
        ("get", f"{EVIDENCE}1/"),
        ("patch", f"{EVIDENCE}1/"),
        ("post", f"{EVIDENCE}1/revise/"),
        ("post", f"{EVIDENCE}1/withdraw/"),
        ("get", f"{EVIDENCE}1/files/1/"),
        ("get", MEETINGS),
        ("post", MEETINGS),
        ("post", f"{MEETINGS}1/decisions/1/"),
        ("get", MECHANISMS),
        ("post", MECHANISMS),
        ("get", TEMPLATES),
        ("post", TEMPLATES),
        ("post", f"{TEMPLATES}1/publish/"),
        ("get", COMPLETENESS),
        ("get", SKELETON),
        ("get", BINDERS),
        ("post", BINDERS),
        ("get", f"{BINDERS}1/"),
        ("get", f"{BINDERS}1/download/"),
    ],
)
def test_anonymous_callers_get_401(db, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401
    assert "detail" in response.json()


# --- evidence: reading ----------------------------------------------------------------------------


def test_a_community_worker_sees_their_communitys_records_but_not_the_neighbours(
    people, small_city, a1_record, a2_record
):
    assert titles(client_for(people.community_worker).get(EVIDENCE)) == ["三月共建例会"]
    assert client_for(people.community_worker).get(f"{EVIDENCE}{a2_record.pk}/").status_code == 404
    assert sorted(titles(client_for(people.street_officer).get(EVIDENCE))) == ["三月共建例会", "甲二社区三月例会"]


def test_the_outsider_sees_no_record_and_no_file(people, a1_record):
    client = client_for(people.outsider)
    assert titles(client.get(EVIDENCE)) == []
    assert client.get(f"{EVIDENCE}{a1_record.pk}/").status_code == 404
    file_id = a1_record.files.first().pk
    response = client.get(f"{EVIDENCE}{a1_record.pk}/files/{file_id}/")
    assert response.status_code == 404 and "detail" in response.json()


def test_a_record_lists_its_files_with_hashes_captions_and_a_download_that_matches(people, a1_record):
    client = client_for(people.community_worker)
    body = client.get(f"{EVIDENCE}{a1_record.pk}/").json()
    assert body["period"] == "2026-03" and body["version"] == 1 and body["rule_items"][0]["code"] == "3.1"
    assert [(f["kind"], f["caption"]) for f in body["files"]] == [("image", "会场"), ("image", "")]
    first = body["files"][0]
    response = client.get(first["url"])
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == first["sha256"] and len(content) == first["size"]


def test_a_file_of_another_record_is_not_served_through_this_one(people, small_city, ruleset, a1_record):
    other = record(people.community_worker, small_city.community_a1, ruleset, files=[photo(9, "门口")])
    response = client_for(people.community_worker).get(f"{EVIDENCE}{a1_record.pk}/files/{other.files.get().pk}/")
    assert response.status_code == 404


def test_records_filter_by_unit_period_kind_and_item(people, small_city, ruleset, a1_record, a2_record):
    record(
        people.community_worker,
        small_city.community_a1,
        ruleset,
        code="3.3",
        kind="document",
        day=datetime.date(2026, 5, 4),
        title="四支队伍花名册",
    )
    client = client_for(people.street_officer)
    assert titles(client.get(EVIDENCE, {"unit": small_city.community_a2.pk})) == ["甲二社区三月例会"]
    assert sorted(titles(client.get(EVIDENCE, {"period": "2026-03"}))) == ["三月共建例会", "甲二社区三月例会"]
    assert titles(client.get(EVIDENCE, {"period": "2026-Q2"})) == ["四支队伍花名册"]
    assert len(titles(client.get(EVIDENCE, {"period": "2026"}))) == 3
    assert titles(client.get(EVIDENCE, {"kind": "document"})) == ["四支队伍花名册"]
    assert titles(client.get(EVIDENCE, {"rule_item": item(ruleset, "3.3").pk})) == ["四支队伍花名册"]


def test_a_bad_period_filter_is_a_400_naming_it(people, a1_record):
    response = client_for(people.community_worker).get(EVIDENCE, {"period": "2026-13"})
    assert response.status_code == 400
    assert "period" in response.json()


# --- evidence: filing -----------------------------------------------------------------------------


def test_a_community_worker_files_a_record_with_a_captioned_photo_by_multipart(people, small_city, ruleset):
    data = new_record(small_city.community_a1, ruleset, files=[upload(jpeg(seed=3), "IMG_0003.jpg")], captions=["会场"])
    response = client_for(people.community_worker).post(EVIDENCE, data, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "三月共建例会" and body["unit"]["id"] == small_city.community_a1.pk
    assert [(f["name"], f["caption"], f["kind"]) for f in body["files"]] == [("IMG_0003.jpg", "会场", "image")]
    evidence = Evidence.objects.get(pk=body["id"])
    assert evidence.created_by == people.community_worker and evidence.files.get().sha256 == body["files"][0]["sha256"]
    assert list(evidence.rule_items.values_list("code", flat=True)) == ["3.1"]


def test_a_text_record_can_be_filed_as_json(people, small_city, ruleset):
    data = new_record(small_city.community_a1, ruleset, kind="text", title="年度工作计划")
    response = client_for(people.community_worker).post(EVIDENCE, data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["files"] == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("计划.docm", docx_bytes(macros=True), "含宏"),
        ("扫描件.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Encrypt 5 0 R>>\n%%EOF", "加密"),
        ("照片.jpg", "这不是照片".encode(), "仅接收照片"),
    ],
    ids=["macro-enabled-docx", "encrypted-pdf", "text-named-jpg"],
)
def test_a_bad_file_is_refused_with_a_400_naming_it_and_nothing_is_stored(
    people, small_city, ruleset, name, data, message
):
    files = [upload(jpeg(seed=4), "ok.jpg"), upload(data, name, "application/octet-stream")]
    payload = new_record(small_city.community_a1, ruleset, files=files, captions=["会场", ""])
    response = client_for(people.community_worker).post(EVIDENCE, payload, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert message in body["detail"] and name in body["detail"] and "files" in body
    assert stored() == (0, 0)


def test_a_rule_item_of_another_city_is_a_400_and_nothing_is_stored(people, small_city, ruleset):
    other_admin = user_with_role(Role.CITY_ADMIN, unit=small_city.other_city, username="other_admin")
    theirs = make_ruleset(other_admin, small_city.other_city).items.first()
    payload = new_record(small_city.community_a1, ruleset, rule_items=[theirs.pk])
    response = client_for(people.community_worker).post(EVIDENCE, payload, format="json")
    assert response.status_code == 400
    assert str(theirs.pk) in response.json()["rule_items"][0]
    assert stored() == (0, 0)


@pytest.mark.parametrize("who", ["community_worker", "outsider"])
def test_filing_for_a_unit_outside_ones_places_is_a_400_naming_the_unit(people, small_city, ruleset, who):
    payload = new_record(small_city.community_b1, ruleset)
    response = client_for(getattr(people, who)).post(EVIDENCE, payload, format="json")
    assert response.status_code == 400
    assert "unit" in response.json()
    assert stored() == (0, 0)


def test_someone_who_reads_the_archive_but_does_not_keep_it_gets_403(people, small_city, ruleset):
    response = client_for(people.city_leader).post(
        EVIDENCE, new_record(small_city.community_a1, ruleset), format="json"
    )
    assert response.status_code == 403
    assert stored() == (0, 0)


# --- evidence: revising and withdrawing -------------------------------------------------------------


def test_a_revision_with_the_current_version_writes_the_next_version_and_keeps_the_old(people, a1_record):
    uncaptioned = a1_record.files.all()[1].pk
    response = client_for(people.community_worker).patch(
        f"{EVIDENCE}{a1_record.pk}/",
        {"version": 1, "text": "补充：决议三项", "file_captions": {str(uncaptioned): "签到表"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and body["text"] == "补充：决议三项" and body["id"] != a1_record.pk
    assert [f["caption"] for f in body["files"]] == ["会场", "签到表"]
    a1_record.refresh_from_db()
    assert not a1_record.is_current and a1_record.text != "补充：决议三项"


def test_a_revision_from_a_stale_version_is_a_409_and_changes_nothing(people, a1_record):
    client = client_for(people.community_worker)
    assert (
        client.post(f"{EVIDENCE}{a1_record.pk}/revise/", {"version": 1, "text": "first"}, format="json").status_code
        == 200
    )
    before = stored()
    response = client.post(f"{EVIDENCE}{a1_record.pk}/revise/", {"version": 1, "text": "second"}, format="json")
    assert response.status_code == 409
    assert "第 2 版" in response.json()["detail"]  # the message in the user's language
    assert stored() == before
    assert Evidence.objects.get(record_key=a1_record.record_key, is_current=True).text == "first"


def test_a_revision_without_the_version_is_a_400(people, a1_record):
    response = client_for(people.community_worker).patch(f"{EVIDENCE}{a1_record.pk}/", {"text": "x"}, format="json")
    assert response.status_code == 400 and "version" in response.json()


def test_captioning_a_file_of_another_record_is_a_400_and_changes_nothing(people, small_city, ruleset, a1_record):
    other = record(people.community_worker, small_city.community_a1, ruleset, files=[photo(9, "")])
    before = stored()
    response = client_for(people.community_worker).post(
        f"{EVIDENCE}{a1_record.pk}/revise/",
        {"version": 1, "file_captions": {str(other.files.get().pk): "偷梁换柱"}},
        format="json",
    )
    assert response.status_code == 400 and "files" in response.json()
    assert stored() == before


def test_a_withdrawn_record_leaves_the_list_but_keeps_its_versions(people, a1_record):
    client = client_for(people.community_worker)
    assert client.post(f"{EVIDENCE}{a1_record.pk}/withdraw/", {"version": 1}, format="json").status_code == 400
    response = client.post(f"{EVIDENCE}{a1_record.pk}/withdraw/", {"version": 1, "reason": "重复上传"}, format="json")
    assert response.status_code == 200 and response.json()["withdrawn"] is True
    assert titles(client.get(EVIDENCE)) == []
    assert len(titles(client.get(EVIDENCE, {"withdrawn": "true"}))) == 1
    versions = client.get(EVIDENCE, {"record": str(a1_record.record_key)}).json()["results"]
    assert [(v["version"], v["withdrawn"]) for v in versions] == [(1, False), (2, True)]


def test_the_outsider_cannot_revise_or_withdraw(people, a1_record):
    client = client_for(people.outsider)
    before = stored()
    assert (
        client.post(f"{EVIDENCE}{a1_record.pk}/revise/", {"version": 1, "text": "x"}, format="json").status_code == 404
    )
    assert client.post(f"{EVIDENCE}{a1_record.pk}/withdraw/", {"reason": "x"}, format="json").status_code == 404
    assert stored() == before


# --- meetings -------------------------------------------------------------------------------------


def test_a_meeting_with_attendees_decisions_and_a_photo_is_recorded_and_archived(people, small_city, ruleset):
    payload = {
        "unit": small_city.community_a1.pk,
        "kind": "regular",
        "title": "三月例会",
        "held_on": "2026-03-12",
        "minutes": "研究垃圾分类。",
        "attendees[0]name": "王书记",
        "attendees[0]organisation": "甲一社区",
        "attendees[1]name": "李主任",
        "decisions[0]text": "增设分类亭",
        "decisions[0]owner": "李主任",
        "decisions[0]due_on": "2026-04-30",
        "photos": [upload(jpeg(seed=5), "meeting.jpg")],
        "captions": ["会场"],
    }
    client = client_for(people.community_worker)
    response = client.post(MEETINGS, payload, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["name"] for a in body["attendees"]] == ["王书记", "李主任"]
    assert body["decisions"][0]["owner"] == "李主任" and body["decisions"][0]["status"] == "open"
    assert body["photos"][0]["caption"] == "会场" and client.get(body["photos"][0]["url"]).status_code == 200
    assert Evidence.objects.filter(source="meeting", source_id=body["id"], is_current=True).count() == 1
    assert [m["title"] for m in client.get(MEETINGS).json()["results"]] == ["三月例会"]
    assert client_for(people.outsider).get(MEETINGS).json()["results"] == []
    assert client_for(people.outsider).get(f"{MEETINGS}{body['id']}/").status_code == 404


def test_a_meeting_without_attendees_is_a_400(people, small_city):
    payload = {"unit": small_city.community_a1.pk, "kind": "regular", "title": "例会", "held_on": "2026-03-12"}
    payload |= {"minutes": "x", "attendees": []}
    response = client_for(people.community_worker).post(MEETINGS, payload, format="json")
    assert response.status_code == 400 and "attendees" in response.json()
    assert not Meeting.objects.exists()


def test_a_decision_follow_up_from_a_stale_version_is_a_409(people, small_city):
    payload = {
        "unit": small_city.community_a1.pk,
        "kind": "joint",
        "title": "联席会",
        "held_on": "2026-03-12",
        "minutes": "议定事项",
        "attendees": [{"name": "王书记"}],
        "decisions": [{"text": "修缮车棚", "owner": "物业", "due_on": "2026-04-30"}],
    }
    client = client_for(people.community_worker)
    meeting = client.post(MEETINGS, payload, format="json").json()
    url = f"{MEETINGS}{meeting['id']}/decisions/{meeting['decisions'][0]['id']}/"
    done = {"version": 1, "status": "done", "follow_up": "已完成", "done_on": "2026-04-02"}
    response = client.post(url, done, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    assert client.post(url, {**done, "follow_up": "again"}, format="json").status_code == 409
    assert client.post(f"{MEETINGS}{meeting['id']}/decisions/999999/", done, format="json").status_code == 404
    assert client_for(people.outsider).post(url, {**done, "version": 2}, format="json").status_code == 404


# --- mechanisms -----------------------------------------------------------------------------------


def test_a_mechanism_that_never_ran_is_flagged_a_dead_letter(people, small_city, ruleset):
    client = client_for(people.community_worker)
    response = client.post(
        MECHANISMS,
        {
            "unit": small_city.community_a1.pk,
            "kind": MechanismKind.CLEANING,
            "title": "甲一社区保洁制度",
            "established_on": "2026-01-05",
            "interval": "monthly",
            "rule_items": [item(ruleset, "3.2").pk],
            "text": "每日两次清扫，每月检查。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    mechanism = Mechanism.objects.get()
    rows = client.get(MECHANISMS, {"period": "2026-Q1"}).json()["results"]
    assert [(r["id"], r["dead_letter"], r["missed"]) for r in rows] == [
        (mechanism.pk, True, ["2026-01", "2026-02", "2026-03"])
    ]
    assert client_for(people.outsider).get(MECHANISMS).json()["results"] == []
    assert client.get(MECHANISMS, {"period": "Q1"}).status_code == 400


def test_a_mechanism_with_a_record_each_month_is_not_a_dead_letter(people, small_city, ruleset):
    client = client_for(people.community_worker)
    body = {"unit": small_city.community_a1.pk, "kind": "meeting", "title": "例会制度"}
    body |= {"established_on": "2026-01-05", "interval": "quarterly", "rule_items": [item(ruleset, "3.1").pk]}
    mechanism_id = client.post(MECHANISMS, {**body, "text": "每季度一次"}, format="json").json()["id"]
    payload = new_record(small_city.community_a1, ruleset, mechanism=mechanism_id, date="2026-02-10", period="2026-02")
    assert client.post(EVIDENCE, payload, format="json").status_code == 201
    row = client.get(f"{MECHANISMS}{mechanism_id}/", {"period": "2026-Q1"}).json()
    assert (row["dead_letter"], row["expected"], row["executions"]) == (False, ["2026-Q1"], 1)


# --- templates ------------------------------------------------------------------------------------


def test_the_published_template_is_read_by_everyone_who_reads_the_citys_archives(people, ruleset):
    body = client_for(people.community_worker).get(TEMPLATES).json()["results"]
    assert [t["name"] for t in body] == ["2026年台帐资料样本"]
    sections = body[0]["sections"]
    assert [s["title"] for s in sections] == ["一、共建例会", "二、年度计划与总结", "三、四支队伍花名册"]
    assert sections[0]["requirements"][0]["min_photos"] == 2 and sections[0]["rule_item"]["code"] == "3.1"
    assert client_for(people.outsider).get(TEMPLATES).json()["results"] == []
    assert client_for(people.outsider).get(f"{TEMPLATES}{body[0]['id']}/").status_code == 404


def template_payload(ruleset, **overrides) -> dict:
    data = {
        "ruleset": ruleset.pk,
        "name": "2026年台帐资料样本（修订）",
        "sections": [
            {
                "title": "一、共建例会",
                "rule_item": item(ruleset, "3.1").pk,
                "requirements": [
                    {"description": "每季度一次", "kinds": ["meeting"], "interval": "quarterly", "min_photos": 1}
                ],
            }
        ],
    }
    return {**data, **overrides}


def test_the_city_office_creates_and_publishes_a_template_once(people, ruleset):
    client = client_for(people.city_admin)
    response = client.post(TEMPLATES, template_payload(ruleset), format="json")
    assert response.status_code == 201, response.content
    template_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    assert template_id not in [t["id"] for t in client_for(people.community_worker).get(TEMPLATES).json()["results"]]
    assert client_for(people.community_worker).post(f"{TEMPLATES}{template_id}/publish/").status_code == 404
    published = client.post(f"{TEMPLATES}{template_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert client.post(f"{TEMPLATES}{template_id}/publish/").status_code == 409


@pytest.mark.parametrize("who", ["community_worker", "street_officer", "outsider"])
def test_only_the_city_office_creates_templates(people, ruleset, who):
    before = ArchiveTemplate.objects.count()
    response = client_for(getattr(people, who)).post(TEMPLATES, template_payload(ruleset), format="json")
    assert response.status_code == 403
    assert ArchiveTemplate.objects.count() == before


def test_a_template_section_for_an_item_of_another_rule_set_is_a_400(people, small_city, ruleset):
    other = make_ruleset(people.city_admin, small_city.city, version=2, effective_from="2026-06")
    payload = template_payload(ruleset)
    payload["sections"][0]["rule_item"] = other.items.first().pk
    before = ArchiveTemplate.objects.count()
    response = client_for(people.city_admin).post(TEMPLATES, payload, format="json")
    assert response.status_code == 400 and "sections" in response.json()
    assert ArchiveTemplate.objects.count() == before


# --- completeness and the skeleton ----------------------------------------------------------------


def test_the_completeness_figures_are_the_audits(people, small_city, a1_record):
    response = client_for(people.community_worker).get(
        COMPLETENESS, {"unit": small_city.community_a1.pk, "period": "2026"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    audit = selectors.audit_unit(small_city.community_a1, periods.parse("2026"))
    assert (body["percent"], body["due"], body["met"]) == (audit.percent, audit.due, audit.met)
    assert body["points_at_risk"] == f"{audit.points_at_risk:.2f}"
    assert [s["title"] for s in body["sections"]] == [s.section.title for s in audit.sections]
    assert [(s["due"], s["met"]) for s in body["sections"]] == [(s.due, s.met) for s in audit.sections]
    assert [(f["code"], f["message"]) for f in body["findings"]] == [(f.code, f.message) for f in audit.findings]
    uncaptioned = next(f for f in body["findings"] if f["code"] == "no_caption")
    assert uncaptioned["record_key"] == str(a1_record.record_key)
    assert uncaptioned["file_id"] == a1_record.files.all()[1].pk and uncaptioned["section"] is not None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2026"}, "unit"),
        ({"unit": "abc", "period": "2026"}, "unit"),
        ({"unit": "UNIT"}, "period"),
        ({"unit": "UNIT", "period": "2026-13"}, "period"),
        ({"unit": "UNIT", "period": "last year"}, "period"),
    ],
)
def test_a_bad_or_missing_unit_or_period_is_a_400_naming_it(people, small_city, ruleset, params, field):
    params = {k: small_city.community_a1.pk if v == "UNIT" else v for k, v in params.items()}
    response = client_for(people.community_worker).get(COMPLETENESS, params)
    assert response.status_code == 400
    assert field in response.json() and response.json()["detail"]


@pytest.mark.parametrize(("who", "unit"), [("outsider", "community_a1"), ("community_worker", "community_a2")])
def test_the_completeness_of_a_unit_outside_ones_places_is_404(people, small_city, ruleset, who, unit):
    params = {"unit": getattr(small_city, unit).pk, "period": "2026"}
    assert client_for(getattr(people, who)).get(COMPLETENESS, params).status_code == 404
    assert client_for(getattr(people, who)).get(SKELETON, params).status_code == 404


def test_the_skeleton_downloads_as_a_word_file(people, small_city, a1_record):
    response = client_for(people.community_worker).get(SKELETON, {"unit": small_city.community_a1.pk, "period": "2026"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "甲一社区" in text and "一、共建例会" in text


# --- binders --------------------------------------------------------------------------------------


def test_a_binder_is_requested_followed_until_done_and_downloaded_intact(
    people, small_city, a1_record, django_capture_on_commit_callbacks
):
    client = client_for(people.community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BINDERS, {"unit": small_city.community_a1.pk, "period": "2026"}, format="json")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["unit"]["id"] == small_city.community_a1.pk and job["period"] == "2026" and job["format"] == "pdf"
    for _attempt in range(10):
        job = client.get(f"{BINDERS}{job['id']}/").json()
        if job["status"] in (JobStatus.DONE, JobStatus.FAILED):
            break
    assert job["status"] == JobStatus.DONE and job["progress"] == 100, job
    download = client.get(job["download_url"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == job["sha256"]
    assert len(content) == job["size"]
    assert [j["id"] for j in client.get(BINDERS).json()["results"]] == [job["id"]]
    assert client_for(people.outsider).get(f"{BINDERS}{job['id']}/").status_code == 404
    assert client_for(people.outsider).get(f"{BINDERS}{job['id']}/download/").status_code == 404
    assert client_for(people.outsider).get(BINDERS).json()["results"] == []


@pytest.mark.parametrize(("who", "unit"), [("outsider", "community_a1"), ("community_worker", "community_b1")])
def test_a_binder_of_a_unit_outside_ones_places_is_404_and_no_job(people, small_city, ruleset, who, unit):
    response = client_for(getattr(people, who)).post(
        BINDERS, {"unit": getattr(small_city, unit).pk, "period": "2026"}, format="json"
    )
    assert response.status_code == 404
    assert not BinderJob.objects.exists()


def test_a_binder_with_a_bad_period_or_format_is_a_400(people, small_city, ruleset):
    client = client_for(people.community_worker)
    unit = small_city.community_a1.pk
    assert client.post(BINDERS, {"unit": unit, "period": "2026-Q5"}, format="json").status_code == 400
    assert client.post(BINDERS, {"unit": unit, "period": "2026", "format": "doc"}, format="json").status_code == 400
    assert not BinderJob.objects.exists()


def test_a_binder_that_is_not_done_cannot_be_downloaded(people, small_city):
    job = binder_job(small_city.community_a1)
    client = client_for(people.community_worker)
    assert client.get(f"{BINDERS}{job.pk}/").json()["download_url"] is None
    assert client.get(f"{BINDERS}{job.pk}/download/").status_code == 404


def test_the_evidence_list_costs_the_same_queries_for_one_record_or_five(people, small_city, ruleset):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(people.community_worker)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(EVIDENCE).status_code == 200
        return len(captured.captured_queries)

    record(people.community_worker, small_city.community_a1, ruleset, files=[photo(1, "会场")])
    queries()  # warm: the user's grants are then kept (accounts/access.py)
    one = queries()
    for seed in range(2, 6):
        record(people.community_worker, small_city.community_a1, ruleset, files=[photo(seed, ""), photo(seed + 10, "")])
    assert queries() == one


def test_captions_can_be_given_in_a_multipart_revision_with_a_new_photo(people, a1_record):
    uncaptioned = a1_record.files.all()[1].pk
    response = client_for(people.community_worker).post(
        f"{EVIDENCE}{a1_record.pk}/revise/",
        {
            "version": 1,
            f"file_captions.{uncaptioned}": "签到表",
            "files": [upload(jpeg(seed=7), "extra.jpg")],
            "captions": ["补拍"],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert [f["caption"] for f in response.json()["files"]] == ["会场", "签到表", "补拍"]


def test_a_jobs_stage_and_message_are_given_in_the_callers_language(people, small_city):
    from django.utils import translation

    from gongjian.core.jobs import text as jobs

    job = binder_job(
        small_city.community_a1,
        status=JobStatus.FAILED,
        stage="Preparing photos (3 of 10)",
        message=jobs.STOPPED_MESSAGE,
    )
    client = client_for(people.community_worker)
    client.cookies["django_language"] = "en"
    english = client.get(f"{BINDERS}{job.pk}/").json()
    assert (english["stage"], english["message"]) == ("Preparing photos (3 of 10)", jobs.STOPPED_MESSAGE)
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(f"{BINDERS}{job.pk}/").json()
    with translation.override("zh-hans"):
        expected = translation.gettext(jobs.STOPPED_MESSAGE)
        assert chinese["stage"] == translation.gettext("Preparing photos (%(done)s of %(total)s)") % {
            "done": 3,
            "total": 10,
        }
    assert chinese["message"] == expected != jobs.STOPPED_MESSAGE


HUGE = "99999999999999999999999"


@pytest.mark.parametrize("url", [EVIDENCE, MEETINGS, MECHANISMS, COMPLETENESS, SKELETON])
@pytest.mark.parametrize("value", [HUGE, "9223372036854775808", "abc"])
def test_an_overflowing_or_malformed_unit_in_a_query_is_a_400(people, small_city, url, value):
    response = client_for(people.city_admin).get(url, {"unit": value, "period": "2026"})
    assert response.status_code == 400 and "unit" in response.json()


@pytest.mark.parametrize("param", ["rule_item", "unit"])
def test_an_overflowing_id_filtering_the_evidence_is_a_400(people, param):
    assert client_for(people.city_admin).get(EVIDENCE, {param: HUGE}).status_code == 400


def test_an_overflowing_id_in_a_body_is_a_400_naming_the_field(people, small_city, ruleset):
    response = client_for(people.community_worker).post(
        EVIDENCE,
        {
            "unit": small_city.community_a1.pk,
            "period": "2026-03",
            "kind": "meeting",
            "title": "例会",
            "date": "2026-03-10",
            "rule_items": [int(HUGE)],
        },
        format="json",
    )
    assert response.status_code == 400 and "rule_items" in response.json()


@pytest.mark.parametrize(
    "url",
    [f"{EVIDENCE}{HUGE}/", f"{MEETINGS}{HUGE}/", f"{MECHANISMS}{HUGE}/", f"{TEMPLATES}{HUGE}/", f"{BINDERS}{HUGE}/"],
)
def test_an_overflowing_id_in_a_path_is_404(people, url):
    assert client_for(people.city_admin).get(url).status_code == 404


def test_more_files_than_one_request_may_carry_are_refused(people, small_city, ruleset):
    from gongjian.archives.uploads import MAX_FILES_PER_REQUEST

    files = [upload(b"x", f"{n}.jpg") for n in range(MAX_FILES_PER_REQUEST + 1)]
    response = client_for(people.community_worker).post(
        EVIDENCE,
        {
            "unit": small_city.community_a1.pk,
            "period": "2026-03",
            "kind": "meeting",
            "title": "例会",
            "date": "2026-03-10",
            "rule_items": [item(ruleset, "3.1").pk],
            "files": files,
        },
        format="multipart",
    )
    assert response.status_code == 400 and "files" in response.json()
    assert not Evidence.objects.exists()
