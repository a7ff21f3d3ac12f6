"""Follow-up: the status page in plain words, the after-photo once closed, and "解决了吗？"."""

from __future__ import annotations

import pytest

from gongjian.core.errors import Conflict
from gongjian.inspections import services as inspections
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.tests.factories import jpeg_bytes
from gongjian.residents import services
from gongjian.residents.choices import Answer
from gongjian.residents.tests.conftest import a_report


@pytest.fixture
def closed(garbage, placed_city, people):
    report, token = a_report(garbage)
    problem = services.report_accept(user=people.street_officer, report=report, unit=placed_city.compound_a1)
    inspections.rectification_submit(
        user=people.community_worker, problem=problem, note="已清理", photos=[jpeg_bytes(colour=(10, 200, 10))]
    )
    inspections.rectification_review(user=people.inspector, problem=problem, passed=True)
    report.refresh_from_db()
    return report, token


def test_the_status_page_tells_the_story_in_plain_words_and_shows_the_after_photo(client, closed):
    report, token = closed
    page = client.get(f"/residents/r/{token}/").content.decode()
    assert 'id="after-photos"' in page and 'id="ask-solved"' in page
    photo = report.problem.photos.filter(stage="after").get()
    assert client.get(f"/residents/r/{token}/after/{photo.pk}/thumb/").status_code == 200
    before = report.problem.photos.filter(stage="before").get()
    assert client.get(f"/residents/r/{token}/after/{before.pk}/thumb/").status_code == 404


def test_the_timeline_has_one_step_per_event(closed):
    from gongjian.residents.selectors import timeline

    report, _token = closed
    texts = [str(step.text) for step in timeline(report)]
    assert len(texts) == 4  # reported, accepted, fixed, checked
    assert texts[0] and texts[-1] != texts[-2]


def test_not_solved_reopens_the_problem_as_a_rework_for_the_unit(client, closed):
    report, token = closed
    response = client.post(f"/residents/r/{token}/answer/", {"answer": "not_solved", "note": "还是很脏"})
    assert response.status_code == 302
    problem = report.problem
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and problem.rework_count == 1 and problem.closed_at is None
    assert report.answers.get().answer == Answer.NOT_SOLVED


def test_not_solved_needs_to_say_what_is_wrong(client, closed):
    report, token = closed
    client.post(f"/residents/r/{token}/answer/", {"answer": "not_solved", "note": ""})
    report.problem.refresh_from_db()
    assert report.problem.status == ProblemStatus.CLOSED and not report.answers.exists()


def test_solved_is_recorded_and_the_problem_stays_closed(client, closed):
    report, token = closed
    client.post(f"/residents/r/{token}/answer/", {"answer": "solved"})
    report.problem.refresh_from_db()
    assert report.problem.status == ProblemStatus.CLOSED
    assert report.answers.get().answer == Answer.SOLVED
    assert 'id="ask-solved"' not in client.get(f"/residents/r/{token}/").content.decode()


def test_one_answer_per_closure(closed):
    report, _token = closed
    services.followup_answer(report=report, answer=Answer.SOLVED)
    with pytest.raises(Conflict):
        services.followup_answer(report=report, answer=Answer.NOT_SOLVED, note="x")


def test_after_a_rework_and_a_new_closure_the_resident_is_asked_again(closed, people):
    report, _token = closed
    services.followup_answer(report=report, answer=Answer.NOT_SOLVED, note="还是很脏")
    problem = report.problem
    problem.refresh_from_db()
    inspections.rectification_submit(
        user=people.community_worker, problem=problem, note="再次清理", photos=[jpeg_bytes()]
    )
    inspections.rectification_review(user=people.inspector, problem=problem, passed=True)
    services.followup_answer(report=report, answer=Answer.SOLVED)
    assert report.answers.count() == 2


def test_nothing_can_be_answered_before_the_problem_is_closed(garbage, placed_city, people):
    report, _token = a_report(garbage)
    with pytest.raises(Conflict):
        services.followup_answer(report=report, answer=Answer.SOLVED)
    services.report_accept(user=people.street_officer, report=report, unit=placed_city.compound_a1)
    report.refresh_from_db()
    with pytest.raises(Conflict):
        services.followup_answer(report=report, answer=Answer.NOT_SOLVED, note="x")


def test_the_resident_cannot_reopen_a_void_problem(closed):
    from gongjian.inspections.models import Problem

    report, _token = closed
    Problem.objects.filter(pk=report.problem_id).update(status=ProblemStatus.VOID, void_reason="x")
    with pytest.raises(Conflict):
        inspections.problem_reopen(problem=report.problem, note="x")


def test_the_demo_reports_cover_every_state_and_are_built_once(db):
    from gongjian.demo.city import build_demo_city
    from gongjian.demo.residents import build_demo_residents
    from gongjian.residents.models import ResidentReport

    build_demo_city()
    assert build_demo_residents() == 5
    assert build_demo_residents() == 0
    states = set(ResidentReport.objects.values_list("status", flat=True))
    assert states == {"pending", "accepted", "rejected"}
    reopened = ResidentReport.objects.get(description__startswith="楼下堆放旧家具")
    assert reopened.problem.status == ProblemStatus.OPEN and reopened.problem.rework_count == 1
