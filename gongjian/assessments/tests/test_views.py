"""The assessment pages, per role and always with the outsider: rule sets (list, tree, import with every error
listed, export), months (create, compute, publish with a confirmation), rankings and red flags scoped by publication,
and the score sheet with its drill-down to problems, manual scores and adjustments."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.translation import gettext
from openpyxl import load_workbook

from gongjian.assessments import importexport, services
from gongjian.assessments.choices import AssessmentStatus, DeductionSource
from gongjian.assessments.models import Adjustment, Assessment, Deduction, ManualEntry, RuleItem, RuleSet, ScoreSheet
from gongjian.assessments.rulespec import parse_ruleset
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import at, reported
from gongjian.organizations.choices import UnitLevel
from gongjian.testing.factories import UnitFactory

pytestmark = pytest.mark.django_db

MONTH = datetime.date(2026, 3, 1)
M = "2026-03"


# --- helpers --------------------------------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response) -> str:
    return response.content.decode()


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def compute(django_capture_on_commit_callbacks):
    """Press a month's compute button: its job runs as the request commits (the immediate task
    backend). Returns the response — a redirect to the job's page — and the job as that page shows it."""

    def press(client, month, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/assessments/{month}/compute/", data or {})
        assert response.status_code == 302 and re.fullmatch(r"/jobs/\d+/", response["Location"]), response
        return response, json.loads(client.get(f"{response['Location']}status/").content)

    return press


def rules(**changes) -> dict:
    """A small rule set: a deduction item, a manual item, and an evidence item for communities."""
    data = {
        "name": "测试市社区共建考评细则",
        "version": 1,
        "effective_from": "2026-01",
        "total_points": 20,
        "levels": ["community", "compound"],
        "flag_level": "compound",
        "red_flag_threshold": "0.5",
        "list_size": 3,
        "policy": [{"when": "red_flag", "kind": "commendation"}],
        "items": [
            {
                "code": "1",
                "name": "环境卫生",
                "points": 15,
                "children": [
                    {
                        "code": "1.1",
                        "name": "无乱堆乱放",
                        "points": 10,
                        "method": "deduct",
                        "per_occurrence": "1",
                        "categories": ["06036"],
                    },
                    {"code": "1.2", "name": "宣传阵地规范", "points": 5, "method": "manual"},
                ],
            },
            {
                "code": "2",
                "name": "台帐资料",
                "points": 5,
                "children": [
                    {"code": "2.1", "name": "会议记录齐全", "points": 5, "method": "evidence", "level": "community"}
                ],
            },
        ],
    }
    data.update(changes)
    return data


def known_categories() -> set[str]:
    return set(Category.objects.values_list("code", flat=True))


@pytest.fixture
def ruleset(people, small_city) -> RuleSet:
    spec = parse_ruleset(rules(), known_categories=known_categories())
    return services.ruleset_create(user=people.city_admin, city=small_city.city, spec=spec)


@pytest.fixture
def problems(people, small_city) -> list:
    """Two problems of clutter at compound_a1 in March, reported by the city's inspector."""
    return [
        reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 5, 10), address="3幢楼道口"),
        reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 12, 15), address="5幢车棚"),
    ]


@pytest.fixture
def march(people, small_city, ruleset, problems) -> Assessment:
    """March, computed but not published."""
    assessment = services.assessment_create(user=people.city_admin, city=small_city.city, month=MONTH)
    services.assessment_compute(user=people.city_admin, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def published(people, march) -> Assessment:
    services.assessment_publish(user=people.city_admin, assessment=march)
    march.refresh_from_db()
    return march


def sheet_url(unit, month: str = M) -> str:
    return f"/assessments/{month}/units/{unit.pk}/"


def ranking_units(page: str) -> set[str]:
    block = re.search(r'<section id="rankings".*?</section>', page, re.S).group(0)
    return set(re.findall(r'<tr[^>]*data-unit="(\d+)"', block))


def item(code: str) -> RuleItem:
    return RuleItem.objects.get(code=code)


# --- who may open what ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_admin", 200),
        ("city_leader", 200),
        ("street_officer", 200),
        ("community_worker", 200),
        ("compound_manager", 200),
        ("inspector", 200),
        ("liaison", 200),
        ("volunteer", 403),
        ("outsider", 403),
    ],
)
def test_the_month_list_is_for_every_role_with_assessment_access(people, march, who, status):
    response = signed_in(getattr(people, who)).get("/assessments/")
    assert response.status_code == status
    if status == 200:
        assert f'data-month="{M}"' in html(response)


def test_the_outsider_and_the_volunteer_cannot_find_a_month_or_a_sheet(people, small_city, march):
    for user in (people.outsider, people.volunteer):
        client = signed_in(user)
        assert client.get(f"/assessments/{M}/").status_code == 404
        assert client.get(sheet_url(small_city.community_a1)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(small_city, march):
    response = Client().get(f"/assessments/{M}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "march", "2026-03-01", "0000-00", "2026-00"])
def test_a_malformed_month_in_the_address_is_not_found(people, march, month):
    client = signed_in(people.city_admin)
    assert client.get(f"/assessments/{month}/").status_code == 404
    assert client.post(f"/assessments/{month}/compute/").status_code == 404


def test_a_month_never_assessed_is_not_found(people, march):
    assert signed_in(people.city_admin).get("/assessments/2026-04/").status_code == 404


@pytest.mark.parametrize(
    ("who", "opens", "not_found"),
    [
        ("city_admin", ["community_a1", "community_a2", "compound_b1"], []),
        ("city_leader", ["community_a1", "compound_b1"], []),
        ("street_officer", ["community_a1", "community_a2", "compound_a1"], ["community_b1", "compound_b1"]),
        ("community_worker", ["community_a1", "compound_a1"], ["community_a2", "community_b1"]),
        ("compound_manager", ["compound_a1"], ["community_a1", "compound_b1"]),
        ("liaison", ["community_b1", "compound_b1"], ["community_a1"]),
        ("outsider", [], ["community_a1", "compound_a1", "community_b1"]),
    ],
)
def test_each_role_opens_only_the_sheets_of_its_own_units(people, small_city, published, who, opens, not_found):
    client = signed_in(getattr(people, who))
    for name in opens:
        assert client.get(sheet_url(getattr(small_city, name))).status_code == 200, name
    for name in not_found:
        assert client.get(sheet_url(getattr(small_city, name))).status_code == 404, name


def test_a_sheet_of_another_city_is_not_found_even_for_the_city_admin(people, small_city, march):
    assert signed_in(people.city_admin).get(sheet_url(small_city.other_community)).status_code == 404


def test_before_publication_a_community_sees_its_own_rank_and_no_one_elses(people, small_city, march):
    page = html(signed_in(people.community_worker).get(f"/assessments/{M}/"))
    assert ranking_units(page) == {str(small_city.community_a1.pk)}
    compounds = html(signed_in(people.community_worker).get(f"/assessments/{M}/?level=compound"))
    assert ranking_units(compounds) == {str(small_city.compound_a1.pk)}
    # No red flags, red or black lists before publication for a unit that does not see the whole city.
    assert 'id="red-flags"' not in page and 'id="lists"' not in page
    sheet = ScoreSheet.objects.get(assessment=march, unit=small_city.community_a1)
    assert sheet.rank_city is not None


def test_after_publication_everyone_sees_every_rank_but_opens_only_their_own_sheets(people, small_city, published):
    page = html(signed_in(people.community_worker).get(f"/assessments/{M}/"))
    communities = {small_city.community_a1, small_city.community_a2, small_city.community_b1}
    assert ranking_units(page) == {str(u.pk) for u in communities}
    assert f'href="{sheet_url(small_city.community_a1)}"' in page
    assert f'href="{sheet_url(small_city.community_a2)}"' not in page
    assert 'id="red-flags"' in page and 'id="lists"' in page and 'id="sanctions"' in page


def test_the_city_sees_the_whole_ranking_with_ties_sharing_a_rank(people, small_city, march):
    page = html(signed_in(people.city_admin).get(f"/assessments/{M}/?level=community"))
    assert ranking_units(page) == {str(u.pk) for u in (small_city.community_a1, small_city.community_a2)} | {
        str(small_city.community_b1.pk)
    }
    # community_a1 lost 2 points through its compound; a2 and b1 are level on full points: both rank 1, a1 third.
    ranks = dict(ScoreSheet.objects.filter(assessment=march, level="community").values_list("unit__name", "rank_city"))
    assert ranks == {"甲二社区": 1, "乙一社区": 1, "甲一社区": 3}
    row = re.search(rf'<tr[^>]*data-unit="{small_city.community_a2.pk}".*?</tr>', page, re.S).group(0)
    assert re.search(r'<td class="text-center fw-semibold">1</td>', row)
    assert "100.00%" in row


def test_the_ranking_by_street_shows_street_ranks(people, small_city, march):
    page = html(signed_in(people.city_admin).get(f"/assessments/{M}/?level=community&view=street"))
    assert "甲街道" in page and "乙街道" in page
    only_b = html(signed_in(people.city_admin).get(f"/assessments/{M}/?view=street&street={small_city.street_b.pk}"))
    assert ranking_units(only_b) == {str(small_city.community_b1.pk)}


def test_a_nonsense_ranking_filter_falls_back_to_the_default_table(people, small_city, march):
    response = signed_in(people.city_admin).get(f"/assessments/{M}/?level=planet&view=x&street=abc")
    assert response.status_code == 200
    assert str(small_city.community_a1.pk) in ranking_units(html(response))


def test_the_red_flag_board_names_each_streets_holders(people, small_city, published):
    page = html(signed_in(people.street_officer).get(f"/assessments/{M}/"))
    board = re.search(r'<section id="red-flags".*?</section>', page, re.S).group(0)
    # compound_a1 lost points (80%), compound_b1 has everything (100%): each holds its street's flag.
    assert "甲一小区" in board and "乙一小区" in board
    assert "甲街道" in board and "乙街道" in board


# --- months: create, compute, publish -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["city_leader", "street_officer", "community_worker", "inspector", "liaison"])
def test_only_the_city_office_sees_the_buttons_and_may_manage_months(people, march, who):
    client = signed_in(getattr(people, who))
    page = html(client.get("/assessments/"))
    assert "month-create" not in page and "js-compute" not in page
    assert client.post("/assessments/new/", {"month": "2026-04"}).status_code == 403
    assert client.post(f"/assessments/{M}/compute/").status_code == 403
    assert client.get(f"/assessments/{M}/publish/").status_code == 403
    assert client.post(f"/assessments/{M}/publish/", {"confirm": "on"}).status_code == 403
    assert Assessment.objects.get().status == AssessmentStatus.COMPUTED


def test_the_outsider_cannot_manage_months(people, march):
    client = signed_in(people.outsider)
    assert client.post("/assessments/new/", {"month": "2026-04"}).status_code == 403
    assert client.post(f"/assessments/{M}/compute/").status_code == 404
    assert client.post(f"/assessments/{M}/publish/", {"confirm": "on"}).status_code == 404


def test_the_form_suggests_the_month_after_the_latest(people, march):
    page = html(signed_in(people.city_admin).get("/assessments/"))
    assert re.search(r'<input type="month" name="month" value="2026-04"', page)


def test_the_city_office_creates_a_month(people, ruleset):
    response = signed_in(people.city_admin).post("/assessments/new/", {"month": "2026-04"})
    assert response.status_code == 302
    created = Assessment.objects.get()
    assert (created.month, created.status, created.ruleset) == (datetime.date(2026, 4, 1), "draft", ruleset)
    assert [level for level, _ in flashed(response)] == ["success"]


def test_creating_a_month_twice_is_a_conflict_shown_as_a_message(people, march):
    response = signed_in(people.city_admin).post("/assessments/new/", {"month": M})
    assert response.status_code == 302
    assert flashed(response) == [("error", gettext("The assessment of %(month)s already exists.") % {"month": M})]
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize("value", ["", "2026-13", "next month"])
def test_a_malformed_month_is_a_form_error(people, ruleset, value):
    response = signed_in(people.city_admin).post("/assessments/new/", {"month": value})
    assert response.status_code == 400
    assert "invalid-feedback" in html(response)
    assert not Assessment.objects.exists()


def test_a_month_before_any_rule_set_is_a_form_error_and_saves_nothing(people, ruleset):
    response = signed_in(people.city_admin).post("/assessments/new/", {"month": "2025-12"})
    assert response.status_code == 400
    assert gettext("No rule set is in force in %(month)s.") % {"month": "2025-12"} in html(response)
    assert not Assessment.objects.exists()


def test_computing_runs_as_a_job_that_builds_the_sheets_and_says_how_many(
    people, small_city, ruleset, problems, compute
):
    assessment = services.assessment_create(user=people.city_admin, city=small_city.city, month=MONTH)
    client = signed_in(people.city_admin)
    response, state = compute(client, M)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPUTED
    assert ScoreSheet.objects.filter(assessment=assessment).count() == 5  # 3 communities, 2 compounds
    lines = Deduction.objects.filter(item_score__sheet__assessment=assessment).count()
    assert state["status"] == "done"
    assert state["summary"] == f"{M} 考核已计算：考核得分表 5 张，扣分记录 {lines} 条。"
    assert (state["result"]["sheets"], state["result"]["preview"]) == (5, False)
    page = html(client.get(response["Location"]))
    assert 'id="job-back" href="/assessments/"' in page
    assert signed_in(people.outsider).get(response["Location"]).status_code == 404
    assert signed_in(people.city_leader).get(f"{response['Location']}status/").status_code == 404


def test_a_second_press_while_the_computation_is_queued_follows_the_same_job(people, march):
    from gongjian.core.jobs.models import Job

    first = signed_in(people.city_admin).post(f"/assessments/{M}/compute/")  # not committed: stays queued
    second = signed_in(people.city_admin).post(f"/assessments/{M}/compute/", {"force_reason": "再算一次"})
    assert first["Location"] == second["Location"]
    job = Job.objects.get()
    assert (job.kind, job.status, job.params["force_reason"]) == ("assessments.compute", "queued", "")


def test_the_computation_page_leads_back_to_a_page_of_this_site_only(people, march, compute):
    client = signed_in(people.city_admin)
    back = sheet_url(march.city)
    response, _state = compute(client, M, {"next": back})
    assert f'id="job-back" href="{back}"' in html(client.get(response["Location"]))
    response, _state = compute(client, M, {"next": "https://evil.example/"})
    page = html(client.get(response["Location"]))
    assert 'id="job-back" href="/assessments/"' in page and "evil.example" not in page


def test_a_published_month_refuses_to_be_recomputed_with_a_message(people, small_city, published, compute):
    before = list(ScoreSheet.objects.values_list("id", "score"))
    _response, state = compute(signed_in(people.city_admin), M)
    assert state["status"] == "failed"
    assert state["message"] == "本月考核已发布，结果为最终结果。如需修正，请添加更正。"
    assert list(ScoreSheet.objects.values_list("id", "score")) == before
    page = html(signed_in(people.city_admin).get("/assessments/"))
    assert "js-compute" not in page  # no button for a published month


def test_the_publish_page_counts_the_manual_items_still_without_a_score(people, small_city, march):
    # Without scores: 1.2 for each of the 5 units, 2.1 for the 3 communities.
    page = html(signed_in(people.city_admin).get(f"/assessments/{M}/publish/"))
    assert re.search(r'id="unscored" data-count="8"', page)
    assert re.search(r'id="sheet-count">5<', page)  # 3 communities, 2 compounds
    assert re.search(r'id="deduction-count">4<', page)  # two problems, on the compound's and the community's sheet
    assert 'name="confirm"' in page
    listing = html(signed_in(people.city_admin).get("/assessments/"))
    assert 'data-count="8"' in listing
    # A score entered since counts as entered, and is flagged as not yet computed.
    services.manual_entry_set(
        user=people.city_admin,
        assessment=march,
        unit=small_city.community_a1,
        item=item("1.2"),
        score=Decimal("4"),
        reason="宣传栏未更新",
    )
    page = html(signed_in(people.city_admin).get(f"/assessments/{M}/publish/"))
    assert re.search(r'id="unscored" data-count="7"', page)
    assert re.search(r'id="stale" data-count="1"', page)
    assert re.search(r'<li data-kind="manual">', page)
    assert re.search(r'id="publish-button" disabled', page), "a stale computation cannot be published"


def test_publishing_needs_the_box_ticked(people, march):
    response = signed_in(people.city_admin).post(f"/assessments/{M}/publish/", {})
    assert response.status_code == 400
    assert gettext("Tick the box to confirm that the results are final.") in html(response)
    march.refresh_from_db()
    assert march.status == AssessmentStatus.COMPUTED


def test_publishing_with_the_box_ticked_makes_the_month_final(people, small_city, march):
    response = signed_in(people.city_admin).post(f"/assessments/{M}/publish/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == f"/assessments/{M}/"
    march.refresh_from_db()
    assert (march.status, march.published_by) == (AssessmentStatus.PUBLISHED, people.city_admin)
    assert march.sanctions.filter(kind="commendation").count() == 2  # both red-flag holders
    again = signed_in(people.city_admin).get(f"/assessments/{M}/publish/")
    assert again.status_code == 302
    assert flashed(again) == [("info", gettext("This month is already published."))]


def test_a_draft_cannot_be_published(people, small_city, ruleset):
    services.assessment_create(user=people.city_admin, city=small_city.city, month=MONTH)
    response = signed_in(people.city_admin).post(f"/assessments/{M}/publish/", {"confirm": "on"})
    assert response.status_code == 302
    assert flashed(response) == [("error", gettext("Compute the month before publishing it."))]
    assert Assessment.objects.get().status == AssessmentStatus.DRAFT


# --- the score sheet ------------------------------------------------------------------------------------------------


def test_the_sheet_traces_each_deduction_to_its_problem_photo_inspector_and_time(people, small_city, march, problems):
    response = signed_in(people.compound_manager).get(sheet_url(small_city.compound_a1))
    assert response.status_code == 200
    page = html(response)
    for problem in problems:
        assert f'href="/problems/{problem.pk}/"' in page
        photo = problem.photos.get(stage="before")
        assert f'src="/problems/photos/{photo.pk}/thumb/"' in page
        assert problem.number in page
        assert f"{problem.found_at.astimezone(at(2026, 1, 1).tzinfo):%Y-%m-%d %H:%M}" in page
    assert str(people.inspector) in page
    assert page.count('data-source="problem"') == 2
    assert "8.00" in page  # 1.1 scored 8 of 10
    assert 'id="sheet-trend-data"' in page


def test_the_drill_down_photo_is_served_to_the_sheets_reader(people, small_city, march, problems):
    photo = problems[0].photos.get(stage="before")
    response = signed_in(people.community_worker).get(f"/problems/photos/{photo.pk}/thumb/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_the_community_sheet_adds_up_its_compounds_problems(people, small_city, march):
    page = html(signed_in(people.community_worker).get(sheet_url(small_city.community_a1)))
    assert page.count('data-source="problem"') == 2
    assert page.count('data-source="not_assessed"') == 2  # 1.2 and 2.1, not yet scored


def test_the_manual_entry_and_adjustment_forms_are_for_the_city_office_only(people, small_city, march):
    assert 'id="manual"' in html(signed_in(people.city_admin).get(sheet_url(small_city.community_a1)))
    assert 'id="manual"' not in html(signed_in(people.community_worker).get(sheet_url(small_city.community_a1)))
    assert 'id="adjust"' not in html(signed_in(people.city_admin).get(sheet_url(small_city.community_a1)))


def test_the_city_office_enters_a_manual_score_then_recomputes(people, small_city, march, compute):
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.community_a1)
    response = client.post(url + "manual/", {"item": item("1.2").pk, "score": "3.5", "reason": "宣传栏内容未按月更新"})
    assert response.status_code == 302 and response["Location"] == url + "#manual"
    entry = ManualEntry.objects.get()
    assert (entry.unit, entry.item.code, entry.score, entry.author) == (
        small_city.community_a1,
        "1.2",
        Decimal("3.5"),
        people.city_admin,
    )
    page = html(client.get(url))
    assert 'id="pending-notice"' in page and "宣传栏内容未按月更新" in page

    compute(client, M, {"next": url})
    line = Deduction.objects.get(
        item_score__sheet__unit=small_city.community_a1,
        item_score__item__code="1.2",
        item_score__sheet__assessment=march,
    )
    assert (line.source, line.points, line.manual_entry) == (DeductionSource.MANUAL, Decimal("1.50"), entry)
    page = html(client.get(url))
    assert 'id="pending-notice"' not in page
    assert 'data-source="manual"' in page and "宣传栏内容未按月更新" in page and str(people.city_admin) in page


def test_a_manual_score_needs_a_reason_and_a_score_within_the_points(people, small_city, march):
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.community_a1) + "manual/"
    no_reason = client.post(url, {"item": item("1.2").pk, "score": "3", "reason": ""})
    assert no_reason.status_code == 400
    assert 'id="id_reason"' in html(no_reason) and "is-invalid" in html(no_reason)
    too_many = client.post(url, {"item": item("1.2").pk, "score": "6", "reason": "满分"})
    assert too_many.status_code == 400
    assert gettext("The score must be between 0 and %(points)s.") % {"points": Decimal("5.00")} in html(too_many)
    not_manual = client.post(url, {"item": item("1.1").pk, "score": "6", "reason": "自动扣分项"})
    assert not_manual.status_code == 400
    assert not ManualEntry.objects.exists()


def test_a_street_officer_may_not_enter_scores_and_an_outsider_finds_nothing(people, small_city, march):
    data = {"item": item("1.2").pk, "score": "3", "reason": "理由"}
    url = sheet_url(small_city.community_a1)
    assert signed_in(people.street_officer).post(url + "manual/", data).status_code == 403
    assert signed_in(people.outsider).post(url + "manual/", data).status_code == 404
    assert signed_in(people.outsider).post(url + "adjust/", {"points": "1", "reason": "x"}).status_code == 404
    assert not ManualEntry.objects.exists()


def test_a_published_month_takes_no_manual_score_it_says_so(people, small_city, published):
    response = signed_in(people.city_admin).post(
        sheet_url(small_city.community_a1) + "manual/", {"item": item("1.2").pk, "score": "3", "reason": "理由"}
    )
    assert response.status_code == 302
    assert flashed(response) == [
        (
            "error",
            gettext("This month is published: its results are final. Record a correction as an adjustment."),
        )
    ]
    assert not ManualEntry.objects.exists()


def test_an_adjustment_before_publication_is_refused_with_a_message(people, small_city, march):
    response = signed_in(people.city_admin).post(
        sheet_url(small_city.compound_a1) + "adjust/", {"points": "1", "reason": "复核后撤销一处扣分"}
    )
    assert response.status_code == 302
    assert [level for level, _ in flashed(response)] == ["error"]
    assert not Adjustment.objects.exists()


def test_the_city_office_adjusts_a_published_sheet_and_the_final_score_shows_it(people, small_city, published):
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.compound_a1)
    assert 'id="adjust"' in html(client.get(url))
    response = client.post(url + "adjust/", {"points": "1", "item": item("1.1").pk, "reason": "复核后撤销一处扣分"})
    assert response.status_code == 302 and response["Location"] == url + "#adjustments"
    adjustment = Adjustment.objects.get()
    assert (adjustment.points, adjustment.item.code, adjustment.author) == (Decimal("1"), "1.1", people.city_admin)
    page = html(signed_in(people.compound_manager).get(url))
    section = re.search(r'<section id="adjustments".*?</section>', page, re.S).group(0)
    assert "复核后撤销一处扣分" in section and "+1.00" in section and str(people.city_admin) in section
    # 13 of 15 computed (1.1: 8, 1.2: 5), plus 1.
    assert re.search(r'id="final-after-adjustments">14.00 / 15.00 · 93.33%', page)


def test_an_adjustment_needs_a_reason_and_must_change_the_score(people, small_city, published):
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.compound_a1) + "adjust/"
    assert client.post(url, {"points": "1", "reason": "  "}).status_code == 400
    zero = client.post(url, {"points": "0", "reason": "无变化"})
    assert zero.status_code == 400
    assert gettext("An adjustment must change the score.") in html(zero)
    assert client.post(url, {"points": "abc", "reason": "理由"}).status_code == 400
    assert not Adjustment.objects.exists()


def test_the_sheet_shows_the_red_flag_history_of_published_months(people, small_city, published):
    page = html(signed_in(people.compound_manager).get(sheet_url(small_city.compound_a1)))
    assert re.search(rf'<section class="card mb-3" id="flag-history">.*href="/assessments/{M}/"', page, re.S)


# --- rule sets ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("city_admin", 200), ("city_leader", 200), ("community_worker", 200), ("liaison", 200), ("outsider", 403)],
)
def test_the_rules_are_public_to_everyone_assessed_by_them(people, ruleset, who, status):
    client = signed_in(getattr(people, who))
    response = client.get("/assessments/rules/")
    assert response.status_code == status
    if status == 200:
        assert f'href="/assessments/rules/{ruleset.pk}/"' in html(response)
        assert client.get(f"/assessments/rules/{ruleset.pk}/").status_code == 200
        assert client.get(f"/assessments/rules/{ruleset.pk}/export.xlsx").status_code == 200


@pytest.mark.parametrize("who", ["outsider", "volunteer"])
def test_a_rule_set_is_not_found_outside_its_city_or_without_assessment_access(people, ruleset, who):
    assert signed_in(getattr(people, who)).get(f"/assessments/rules/{ruleset.pk}/").status_code == 404
    assert signed_in(getattr(people, who)).get(f"/assessments/rules/{ruleset.pk}/export.xlsx").status_code == 404


def test_a_rule_set_of_another_city_is_not_found_even_for_the_city_admin(people, small_city, ruleset):
    foreign = RuleSet.objects.create(
        city=small_city.other_city, name="邻市细则", version=1, effective_from=MONTH, total_points=Decimal("0")
    )
    assert signed_in(people.city_admin).get(f"/assessments/rules/{foreign.pk}/").status_code == 404


def test_the_rule_set_page_shows_the_item_tree_with_the_method_details(people, ruleset):
    page = html(signed_in(people.city_admin).get(f"/assessments/rules/{ruleset.pk}/"))
    codes = re.findall(r'class="rule-item[^"]*" data-code="([^"]+)"', page)
    assert codes == ["1.1", "1.2", "2.1"]  # the groups are the cards' headers
    assert "环境卫生" in page and "无乱堆乱放" in page and "06036" in page and "乱堆" in page


@pytest.mark.parametrize("who", ["city_leader", "street_officer", "outsider"])
def test_only_the_city_office_imports_rule_sets(people, who):
    client = signed_in(getattr(people, who))
    assert client.get("/assessments/rules/new/").status_code == 403
    payload = json.dumps(rules(version=2, effective_from="2026-06"))
    assert client.post("/assessments/rules/new/", {"json_text": payload}).status_code == 403
    assert not RuleSet.objects.exists()


def test_pasting_a_valid_rule_set_saves_it(people, small_city):
    response = signed_in(people.city_admin).post("/assessments/rules/new/", {"json_text": json.dumps(rules())})
    saved = RuleSet.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assessments/rules/{saved.pk}/"
    assert (saved.city, saved.items.count()) == (small_city.city, 5)


def test_a_rule_set_with_errors_lists_every_one_and_saves_nothing(people, small_city):
    broken = rules()
    broken["items"][0]["children"][0]["categories"] = ["99999"]
    broken["items"][1]["points"] = 6  # no longer the sum of its sub-items, nor the total
    response = signed_in(people.city_admin).post("/assessments/rules/new/", {"json_text": json.dumps(broken)})
    assert response.status_code == 400
    errors = re.search(
        r'<div class="alert alert-danger" role="alert" id="ruleset-errors">.*?</div>', html(response), re.S
    )
    items = re.findall(r"<li>(.*?)</li>", errors.group(0))
    assert len(items) == 3  # unknown category, the group's sum, the total
    assert any("99999" in i for i in items)
    assert not RuleSet.objects.exists() and not RuleItem.objects.exists()


def test_a_rule_set_for_a_month_already_covered_is_refused_and_saves_nothing(people, ruleset):
    response = signed_in(people.city_admin).post("/assessments/rules/new/", {"json_text": json.dumps(rules(version=2))})
    assert response.status_code == 400
    assert gettext("A rule set already takes effect in %(month)s.") % {"month": "2026-01"} in html(response)
    assert RuleSet.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"json_text": "{not json"},
        {"json_text": "[1, 2]"},
        {"xlsx_file": SimpleUploadedFile("rules.xlsx", b"this is not a workbook")},
        {},
    ],
    ids=["bad-json", "json-list", "not-xlsx", "nothing"],
)
def test_unreadable_input_is_an_error_and_saves_nothing(people, small_city, data):
    response = signed_in(people.city_admin).post("/assessments/rules/new/", data)
    assert response.status_code == 400
    assert 'id="ruleset-errors"' in html(response)
    assert not RuleSet.objects.exists()


def test_two_sources_at_once_are_refused(people, small_city):
    upload = SimpleUploadedFile("rules.json", json.dumps(rules()).encode())
    response = signed_in(people.city_admin).post(
        "/assessments/rules/new/", {"json_text": json.dumps(rules()), "json_file": upload}
    )
    assert response.status_code == 400
    assert not RuleSet.objects.exists()


def test_the_excel_export_can_be_edited_and_imported_as_the_next_version(people, ruleset):
    client = signed_in(people.city_admin)
    response = client.get(f"/assessments/rules/{ruleset.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    settings = next(ws for ws in workbook.worksheets if ws.cell(row=2, column=1).value == "key")  # below the title
    for row in settings.iter_rows(min_row=3):
        if row[0].value == "version":
            row[1].value = 2
        if row[0].value == "effective_from":
            row[1].value = "2026-07"
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("rules-v2.xlsx", buffer.getvalue())
    created = client.post("/assessments/rules/new/", {"xlsx_file": upload})
    assert created.status_code == 302
    v2 = RuleSet.objects.get(version=2)
    assert v2.effective_from == datetime.date(2026, 7, 1)
    assert list(v2.items.values_list("code", flat=True)) == list(ruleset.items.values_list("code", flat=True))


def test_an_excel_sheet_with_bad_rows_names_them_and_saves_nothing(people, ruleset):
    workbook = load_workbook(io.BytesIO(importexport.ruleset_to_xlsx(ruleset)))
    items = workbook.worksheets[0]
    items.cell(row=3, column=4).value = "abc"  # the points of the first leaf
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = signed_in(people.city_admin).post(
        "/assessments/rules/new/", {"xlsx_file": SimpleUploadedFile("rules.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 400
    assert "abc" in html(response)
    assert RuleSet.objects.count() == 1


def test_the_json_export_reads_back_to_the_same_rule_set(people, ruleset):
    response = signed_in(people.city_admin).get(f"/assessments/rules/{ruleset.pk}/export.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    spec = parse_ruleset(data, known_categories=known_categories())
    assert [i.code for i in spec.items] == ["1", "1.1", "1.2", "2", "2.1"]
    assert signed_in(people.city_admin).get(f"/assessments/rules/{ruleset.pk}/export.pdf").status_code == 404


# --- query counts do not grow with the rows -------------------------------------------------------------------------


def _more_units(small_city, n: int) -> None:
    for index in range(n):
        community = UnitFactory(name=f"加测{index}社区", level=UnitLevel.COMMUNITY, parent=small_city.street_a)
        UnitFactory(name=f"加测{index}小区", level=UnitLevel.COMPOUND, parent=community)


def _more_months(people, small_city, n: int) -> None:
    for month in range(4, 4 + n):
        assessment = services.assessment_create(
            user=people.city_admin, city=small_city.city, month=datetime.date(2026, month, 1)
        )
        services.assessment_compute(user=people.city_admin, assessment=assessment)


@pytest.mark.parametrize("extra", [0, 6])
def test_the_month_list_and_month_page_queries_do_not_grow_with_rows(
    people, small_city, ruleset, problems, extra, django_assert_max_num_queries
):
    _more_units(small_city, extra)
    _more_months(people, small_city, 1 + extra // 2)
    march = services.assessment_create(user=people.city_admin, city=small_city.city, month=MONTH)
    services.assessment_compute(user=people.city_admin, assessment=march)
    services.assessment_publish(user=people.city_admin, assessment=march)
    admin, worker = signed_in(people.city_admin), signed_in(people.community_worker)
    with django_assert_max_num_queries(8):
        assert admin.get("/assessments/").status_code == 200
    for view in ("city", "street"):
        with django_assert_max_num_queries(14):
            assert admin.get(f"/assessments/{M}/?level=compound&view={view}").status_code == 200
        with django_assert_max_num_queries(14):
            assert worker.get(f"/assessments/{M}/?view={view}").status_code == 200


@pytest.mark.parametrize("extra", [0, 5])
def test_the_sheet_queries_do_not_grow_with_deductions(
    people, small_city, ruleset, problems, extra, django_assert_max_num_queries
):
    for index in range(extra):
        reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 20, 9 + index))
    march = services.assessment_create(user=people.city_admin, city=small_city.city, month=MONTH)
    services.assessment_compute(user=people.city_admin, assessment=march)
    assert Deduction.objects.filter(problem__isnull=False, item_score__sheet__unit=small_city.compound_a1).count() == (
        2 + extra
    )
    admin, worker = signed_in(people.city_admin), signed_in(people.community_worker)
    with django_assert_max_num_queries(14):
        assert admin.get(sheet_url(small_city.compound_a1)).status_code == 200
    with django_assert_max_num_queries(14):
        assert worker.get(sheet_url(small_city.community_a1)).status_code == 200


@pytest.mark.parametrize("extra", [0, 3])
def test_the_rule_set_pages_queries_do_not_grow_with_rows(
    people, small_city, ruleset, extra, django_assert_max_num_queries
):
    for version in range(2, 2 + extra):
        data = rules(version=version, effective_from=f"2026-{version + 1:02d}", total_points=20 + 2 * version)
        data["items"] += [
            {"code": f"{3 + k}", "name": f"新增{k}", "points": 2, "method": "manual"} for k in range(version)
        ]
        services.ruleset_create(
            user=people.city_admin,
            city=small_city.city,
            spec=parse_ruleset(data, known_categories=known_categories()),
        )
    client = signed_in(people.city_admin)
    with django_assert_max_num_queries(7):  # the same whatever the rows; one of them is the inbox's unread badge
        assert client.get("/assessments/rules/").status_code == 200
    latest = RuleSet.objects.order_by("-version").first()
    with django_assert_max_num_queries(9):  # one for whether a published month froze it, one for the inbox badge
        assert client.get(f"/assessments/rules/{latest.pk}/").status_code == 200


# --- the calendar, stale computations, carried lines and rule set corrections ---------------------------------------


def test_the_month_page_says_the_data_changed_since_computed_with_counts_and_links(people, small_city, march, compute):
    problem = reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 25, 9), found_at=at(2026, 3, 25, 8))
    page = html(signed_in(people.city_admin).get(f"/assessments/{M}/"))
    assert re.search(r'id="stale" data-count="1"', page)
    assert f'href="/problems/{problem.pk}/"' in page
    assert 'id="recompute-stale"' in page
    publish_page = html(signed_in(people.city_admin).get(f"/assessments/{M}/publish/"))
    assert 'id="publish-refused"' in publish_page
    refused = signed_in(people.city_admin).post(f"/assessments/{M}/publish/", {"confirm": "on"})
    assert refused.status_code == 302
    assert any(level == "error" for level, _text in flashed(refused))
    march.refresh_from_db()
    assert march.status == AssessmentStatus.COMPUTED
    compute(signed_in(people.city_admin), M)
    assert 'id="stale"' not in html(signed_in(people.city_admin).get(f"/assessments/{M}/"))
    assert signed_in(people.city_admin).post(f"/assessments/{M}/publish/", {"confirm": "on"}).status_code == 302
    march.refresh_from_db()
    assert march.status == AssessmentStatus.PUBLISHED


def test_only_the_city_office_is_told_what_changed(people, small_city, march):
    reported(people.inspector, small_city.compound_a1, now=at(2026, 3, 25, 9), found_at=at(2026, 3, 25, 8))
    page = html(signed_in(people.street_officer).get(f"/assessments/{M}/"))
    assert 'id="stale"' not in page
    assert signed_in(people.outsider).get(f"/assessments/{M}/").status_code == 404


def test_a_running_month_is_labelled_month_to_date_and_offers_no_publish(people, small_city, ruleset, compute):
    today = datetime.date.today()
    month = today.strftime("%Y-%m")
    services.assessment_create(user=people.city_admin, city=small_city.city, month=today.replace(day=1))
    _response, state = compute(signed_in(people.city_admin), month)
    assert state["result"]["preview"] is True
    assert state["summary"].startswith(f"{month} 月中预览（截至 {today.day} 日）")
    page = html(signed_in(people.city_admin).get(f"/assessments/{month}/"))
    assert re.search(rf'id="month-to-date" data-day="{today.day}"', page)
    assert 'id="publish-link"' not in page
    assert 'id="close-early"' in page
    compute(signed_in(people.city_admin), month, {"force_reason": "省检前提前结算"})
    page = html(signed_in(people.city_admin).get(f"/assessments/{month}/"))
    assert 'id="month-to-date"' not in page
    assert "省检前提前结算" in page and 'id="publish-link"' in page
    sheet = ScoreSheet.objects.filter(assessment__month=today.replace(day=1)).first()
    assert "省检前提前结算" in html(signed_in(people.city_admin).get(f"/assessments/{month}/units/{sheet.unit_id}/"))


def test_a_month_not_started_needs_a_reason_to_open(people, small_city, ruleset):
    later = (datetime.date.today().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    response = signed_in(people.city_admin).post("/assessments/new/", {"month": f"{later:%Y-%m}"})
    assert response.status_code == 400
    assert not Assessment.objects.filter(month=later).exists()
    response = signed_in(people.city_admin).post(
        "/assessments/new/", {"month": f"{later:%Y-%m}", "force_reason": "提前布置检查"}
    )
    assert response.status_code == 302
    assert Assessment.objects.get(month=later).early_open_reason == "提前布置检查"


def test_a_carried_line_says_where_it_comes_from(people, small_city, march):
    line = Deduction.objects.filter(
        item_score__sheet__assessment=march, item_score__sheet__unit=small_city.compound_a1, problem__isnull=False
    ).first()
    Deduction.objects.filter(pk=line.pk).update(carried_from=datetime.date(2026, 2, 1))
    page = html(signed_in(people.city_admin).get(f"/assessments/{M}/units/{small_city.compound_a1.pk}/"))
    assert re.search(r'class="badge text-bg-secondary carried" data-from="2026-02"', page)


def test_the_city_office_corrects_a_rule_set_on_its_page(people, ruleset, march):
    page = html(signed_in(people.city_admin).get(f"/assessments/rules/{ruleset.pk}/"))
    assert 'id="ruleset-edit"' in page
    form = signed_in(people.city_admin).get(f"/assessments/rules/{ruleset.pk}/edit/")
    assert form.status_code == 200
    corrected = {**rules(), "name": "更正后的细则", "version": 7}
    response = signed_in(people.city_admin).post(
        f"/assessments/rules/{ruleset.pk}/edit/", {"json_text": json.dumps(corrected, ensure_ascii=False)}
    )
    assert response.status_code == 302
    ruleset.refresh_from_db()
    assert (ruleset.name, ruleset.version) == ("更正后的细则", 1)
    assert 'data-kind="ruleset"' in html(signed_in(people.city_admin).get(f"/assessments/{M}/"))


def test_a_frozen_rule_set_offers_no_correction_and_refuses_one(people, ruleset, published):
    page = html(signed_in(people.city_admin).get(f"/assessments/rules/{ruleset.pk}/"))
    assert 'id="ruleset-edit"' not in page and 'id="ruleset-frozen"' in page
    response = signed_in(people.city_admin).post(
        f"/assessments/rules/{ruleset.pk}/edit/", {"json_text": json.dumps(rules(), ensure_ascii=False)}
    )
    assert response.status_code == 302
    assert any(level == "error" for level, _text in flashed(response))


@pytest.mark.parametrize("who", ["street_officer", "city_leader"])
def test_only_the_city_office_opens_the_correction_page(people, ruleset, who):
    assert signed_in(getattr(people, who)).get(f"/assessments/rules/{ruleset.pk}/edit/").status_code == 403


def test_the_outsider_finds_no_rule_set_to_correct(people, ruleset):
    assert signed_in(people.outsider).get(f"/assessments/rules/{ruleset.pk}/edit/").status_code == 404


def test_the_computation_reports_per_street_in_the_readers_language(people, march, monkeypatch):
    from django.utils import translation

    from gongjian.assessments import tasks
    from gongjian.core.jobs import text
    from gongjian.core.jobs.models import Job

    seen = []
    monkeypatch.setattr(
        "gongjian.core.jobs.services.job_progress",
        lambda job_id, *, attempt, percent, stage: seen.append((percent, stage)),
    )
    monkeypatch.setattr("gongjian.core.jobs.runner.PROGRESS_EVERY_SECONDS", 0)
    job = tasks.compute_request(user=people.city_admin, assessment=march)
    tasks.month_compute.enqueue(job.pk)
    assert (Job.objects.get(pk=job.pk).status, seen[-2]) == ("done", (95, tasks.COMPUTING % {"done": 2, "total": 2}))
    assert [percent for percent, _stage in seen[:2]] == [50, 95]
    with translation.override("zh-hans"):
        assert text.shown(seen[-2][1]) == "正在计算考核得分表：第 2 个街道，共 2 个"
