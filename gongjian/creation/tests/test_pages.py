"""The creation pages: the city's overview of the year's goals, a target's page, and the forms that
apply, self-assess, review and attach the certificate — each through the services, each in scope
(the outsider and a community of another city get 404; a reader without the right gets 403), and a
refused move says why in Chinese and changes nothing."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gongjian.accounts.choices import Role
from gongjian.archives.tests.factories import jpeg
from gongjian.archives.tests.test_services import docx_bytes
from gongjian.core.audit import AuditEvent
from gongjian.creation import services
from gongjian.creation.models import CreationGoal, CreationTarget
from gongjian.testing.factories import user_with_role

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def self_assess(target, user, *, met=True):
    return services.target_self_assess(user=user, target=target, answers=[met] * len(target.checklist))


def stage_of(target) -> str:
    return CreationTarget.objects.get(pk=target.pk).stage


def audits(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type="creation.creationtarget", target_id=str(target.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def cell(html: str, kind: str, col: str) -> str:
    row = re.search(rf'<tr data-kind="{kind}">(.*?)</tr>', html, re.S).group(1)
    value = re.search(rf'data-col="{col}">\s*([^<\s]*)', row).group(1)
    return value


@pytest.fixture
def a1(people, small_city):
    return services.target_apply(
        user=people.community_worker, community=small_city.community_a1, kind="civ_community", year=YEAR
    )


def test_the_city_sees_each_kinds_progress_against_its_goal(people, small_city, a1):
    """GIVEN five 文明社区 goals, a1 passed, a2 failed, b1 awaiting review and a 卫生社区 applied
    WHEN the city's leader opens the overview THEN each column counts its stage."""
    city = people.city_admin
    services.goal_set(user=city, city=small_city.city, year=YEAR, kind="civ_community", count=5)
    others = {
        name: services.target_apply(user=city, community=getattr(small_city, name), kind="civ_community", year=YEAR)
        for name in ("community_a2", "community_b1")
    }
    services.target_apply(user=city, community=small_city.community_a1, kind="san_community", year=YEAR)
    for target in (a1, others["community_a2"], others["community_b1"]):
        self_assess(target, city)
    services.target_review(user=city, target=a1, action="pass")
    services.target_review(user=city, target=others["community_a2"], action="fail", note="绿化不达标")

    html = client_for(people.city_leader).get(f"/creation/?year={YEAR}").content.decode()

    assert cell(html, "civ_community", "goal") == "5"
    assert cell(html, "civ_community", "applied") == "3"
    assert cell(html, "civ_community", "self_assessed") == "3"
    assert cell(html, "civ_community", "reviewed") == "2"
    assert cell(html, "civ_community", "passed") == "1"
    assert cell(html, "civ_community", "failed") == "1"
    assert "1/5 · 20%" in html and '<progress class="creation-meter" max="5" value="1"' in html
    assert cell(html, "san_community", "applied") == "1" and cell(html, "san_community", "self_assessed") == "0"
    assert "乙一社区" in html and "甲二社区" in html


def test_a_community_applies_and_self_assesses_and_the_city_reviews_and_certifies(people, small_city):
    worker, city = client_for(people.community_worker), client_for(people.city_admin)
    form = worker.get("/creation/apply/").content.decode()
    assert f'value="community:{small_city.community_a1.pk}"' in form and 'value="sanhua"' not in form
    assert f'value="community:{small_city.community_a2.pk}"' not in form

    subject = f"community:{small_city.community_a1.pk}"
    response = worker.post("/creation/apply/", {"subject": subject, "kind": "gar_community", "year": YEAR})
    target = CreationTarget.objects.get(community=small_city.community_a1, kind="gar_community")
    assert response.status_code == 302 and response["Location"] == f"/creation/{target.pk}/"

    n = len(target.checklist)
    answers = {f"met_{i}": "yes" for i in range(n)} | {f"note_{i}": f"第{i + 1}项已落实" for i in range(n)}
    answers |= {f"met_{n - 1}": "no", "text": "已逐项自查"}
    assert worker.post(f"/creation/{target.pk}/self-assess/", answers).status_code == 302
    target.refresh_from_db()
    assert target.stage == "self_assessed" and target.self_assessment == "已逐项自查"
    assert [row["met"] for row in target.checklist] == [True] * (n - 1) + [False]
    assert target.checklist[0]["note"] == "第1项已落实"

    assert worker.post(f"/creation/{target.pk}/review/", {"action": "pass"}).status_code == 403
    response = city.post(f"/creation/{target.pk}/review/", {"action": "pass", "note": "复核达标"})
    assert response.status_code == 302 and stage_of(target) == "passed"

    upload = SimpleUploadedFile("园林社区证书.pdf", pdf_bytes(), content_type="application/pdf")
    assert city.post(f"/creation/{target.pk}/certificate/", {"file": upload}).status_code == 302
    target.refresh_from_db()
    assert target.certificate_name == "园林社区证书.pdf" and target.certificate_type == "application/pdf"

    page = worker.get(f"/creation/{target.pk}/").content.decode()
    assert "复核达标" in page and "第1项已落实" in page and "园林社区证书.pdf" in page
    assert 'data-step="certificate" data-state="done"' in page
    streamed = worker.get(f"/creation/{target.pk}/certificate/file/?download=1")
    assert streamed.status_code == 200 and b"".join(streamed.streaming_content) == pdf_bytes()
    assert "attachment" in streamed["Content-Disposition"]
    assert audits(target) == [
        "creation.apply",
        "creation.self_assess",
        "creation.pass",
        "creation.certify",
    ]


def test_a_co_construction_units_liaison_applies_for_its_own_unit(people, small_city):
    cobuild = small_city.community_b1.pairings.get().cobuild_unit
    liaison = client_for(people.liaison)
    form = liaison.get("/creation/apply/").content.decode()
    assert cobuild.name in form and "甲一社区" not in form
    response = liaison.post("/creation/apply/", {"subject": f"cobuild:{cobuild.pk}", "kind": "sanhua", "year": YEAR})
    target = CreationTarget.objects.get(cobuild_unit=cobuild)
    assert response.status_code == 302 and target.kind == "sanhua"
    assert 'href="/creation/"' in liaison.get("/").content.decode()  # the menu entry
    assert cobuild.name in liaison.get("/creation/").content.decode()


def test_applying_says_what_is_wrong_and_files_nothing(people, small_city, a1):
    worker = client_for(people.community_worker)
    community = f"community:{small_city.community_a1.pk}"
    twice = worker.post("/creation/apply/", {"subject": community, "kind": "civ_community", "year": YEAR})
    assert twice.status_code == 400 and "已申报" in twice.content.decode()
    wrong_kind = worker.post("/creation/apply/", {"subject": community, "kind": "sanhua", "year": YEAR})
    assert wrong_kind.status_code == 400
    sibling = worker.post(
        "/creation/apply/",
        {"subject": f"community:{small_city.community_a2.pk}", "kind": "civ_community", "year": YEAR},
    )
    assert sibling.status_code == 400
    assert CreationTarget.objects.count() == 1


def test_a_wrong_move_says_why_in_chinese_and_changes_nothing(people, a1):
    city, worker = client_for(people.city_admin), client_for(people.community_worker)
    before = audits(a1)

    response = city.post(f"/creation/{a1.pk}/review/", {"action": "pass"})
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["“已申报”阶段不能“达标”。"]
    response = city.post(f"/creation/{a1.pk}/certificate/", {"file": SimpleUploadedFile("证书.jpg", jpeg(seed=2))})
    assert response.status_code == 302 and "阶段不能" in str(list(get_messages(response.wsgi_request))[0])
    assert stage_of(a1) == "applied" and audits(a1) == before and not CreationTarget.objects.get(pk=a1.pk).certificate

    half = worker.post(f"/creation/{a1.pk}/self-assess/", {"met_0": "yes"})
    assert half.status_code == 400 and "请选择达标或未达标" in half.content.decode()
    assert stage_of(a1) == "applied"

    self_assess(a1, people.community_worker)
    again = worker.get(f"/creation/{a1.pk}/self-assess/")
    assert again.status_code == 302 and "阶段不能" in str(list(get_messages(again.wsgi_request))[0])


def test_the_city_returns_a_self_assessment_with_a_note(people, a1):
    self_assess(a1, people.community_worker)
    response = client_for(people.city_admin).post(
        f"/creation/{a1.pk}/review/", {"action": "return", "note": "第2项请补充照片"}
    )
    assert response.status_code == 302 and stage_of(a1) == "applied"
    page = client_for(people.community_worker).get(f"/creation/{a1.pk}/").content.decode()
    assert "第2项请补充照片" in page and 'id="creation-self-assess"' in page


def test_a_result_date_in_the_future_is_refused(people, a1):
    self_assess(a1, people.community_worker)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(people.city_admin).post(
        f"/creation/{a1.pk}/review/", {"action": "pass", "result_on": tomorrow.isoformat()}
    )
    assert response.status_code == 400 and stage_of(a1) == "self_assessed"
    assert "结果日期" in response.content.decode()


@pytest.mark.parametrize(
    "name, content",
    [
        ("证书.exe", b"MZ\x90\x00not a certificate"),
        ("证书.docx", None),  # a Word file is not a certificate
    ],
)
def test_a_certificate_is_a_pdf_or_a_picture_checked_by_content(people, a1, name, content):
    if content is None:
        content = docx_bytes()
    self_assess(a1, people.community_worker)
    services.target_review(user=people.city_admin, target=a1, action="pass")
    response = client_for(people.city_admin).post(
        f"/creation/{a1.pk}/certificate/", {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400 and not CreationTarget.objects.get(pk=a1.pk).certificate
    assert audits(a1)[-1] == "creation.pass"


def test_each_sees_the_targets_of_their_scope(people, small_city, a1):
    city = people.city_admin
    a2 = services.target_apply(user=city, community=small_city.community_a2, kind="civ_community", year=YEAR)
    b1 = services.target_apply(user=city, community=small_city.community_b1, kind="civ_community", year=YEAR)
    neighbour = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.other_community, username="neighbour")
    sees = {
        people.community_worker: {a1},
        people.street_officer: {a1, a2},
        people.city_leader: {a1, a2, b1},
        neighbour: set(),
    }
    for user, visible in sees.items():
        client = client_for(user)
        listing = client.get(f"/creation/?year={YEAR}").content.decode()
        for target in (a1, a2, b1):
            shown = f'data-target="{target.pk}"' in listing
            assert shown == (target in visible), (user.username, target.subject_name)
            assert client.get(f"/creation/{target.pk}/").status_code == (200 if target in visible else 404)
    outsider = client_for(people.outsider)
    assert outsider.get("/creation/").status_code == 404
    assert outsider.get(f"/creation/{a1.pk}/").status_code == 404
    assert outsider.get("/creation/apply/").status_code == 404
    assert outsider.post(f"/creation/{a1.pk}/review/", {"action": "pass"}).status_code == 404
    assert client_for(neighbour).post(f"/creation/{a1.pk}/self-assess/", {}).status_code == 404


def test_the_certificate_is_streamed_only_inside_scope(people, small_city, a1):
    self_assess(a1, people.community_worker)
    services.target_review(user=people.city_admin, target=a1, action="pass")
    client_for(people.city_admin).post(
        f"/creation/{a1.pk}/certificate/", {"file": SimpleUploadedFile("证书.jpg", jpeg(seed=4))}
    )
    url = f"/creation/{a1.pk}/certificate/file/"
    assert client_for(people.street_officer).get(url)["Content-Type"] == "image/jpeg"
    neighbour = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_a2, username="sibling")
    assert client_for(neighbour).get(url).status_code == 404
    assert client_for(people.outsider).get(url).status_code == 404


def test_readers_without_the_right_are_refused_with_403(people, a1):
    self_assess(a1, people.community_worker)
    leader = client_for(people.city_leader)
    assert leader.post(f"/creation/{a1.pk}/review/", {"action": "pass"}).status_code == 403
    assert leader.get("/creation/apply/").status_code == 403
    assert leader.get("/creation/goals/").status_code == 403
    assert client_for(people.street_officer).post(f"/creation/{a1.pk}/review/", {"action": "fail"}).status_code == 403
    assert client_for(people.inspector).get(f"/creation/{a1.pk}/self-assess/").status_code == 403
    assert stage_of(a1) == "self_assessed"


def test_the_city_sets_the_years_goals_in_one_form(people, small_city):
    city = client_for(people.city_admin)
    assert city.get(f"/creation/goals/?year={YEAR}").status_code == 200
    response = city.post(
        "/creation/goals/", {"year": YEAR, "count_civ_community": "4", "count_sanhua": "2", "count_gar_unit": ""}
    )
    assert response.status_code == 302
    assert dict(CreationGoal.objects.values_list("kind", "count")) == {"civ_community": 4, "sanhua": 2}
    assert AuditEvent.objects.filter(action="creation.goal").count() == 2
    city.post("/creation/goals/", {"year": YEAR, "count_civ_community": "4", "count_sanhua": "0"})
    assert dict(CreationGoal.objects.values_list("kind", "count")) == {"civ_community": 4}
    refused = city.post("/creation/goals/", {"year": YEAR, "count_civ_community": "-3"})
    assert refused.status_code == 400 and CreationGoal.objects.get().count == 4
    assert client_for(people.community_worker).post("/creation/goals/", {"year": YEAR}).status_code == 403


def test_the_overview_costs_the_same_queries_for_more_targets(people, small_city, a1):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongjian.testing.factories import PairingFactory

    city = client_for(people.city_leader)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert city.get(f"/creation/?year={YEAR}").status_code == 200
        return len(captured)

    queries()  # the first request also loads the reader's grants (kept under its access stamp)
    few = queries()
    for kind in ("san_community", "gar_community"):
        for community in (small_city.community_a2, small_city.community_b1):
            services.target_apply(user=people.city_admin, community=community, kind=kind, year=YEAR)
    cobuild = PairingFactory(community=small_city.community_a2).cobuild_unit
    services.target_apply(user=people.city_admin, cobuild_unit=cobuild, kind="civ_unit", year=YEAR)
    assert queries() == few
