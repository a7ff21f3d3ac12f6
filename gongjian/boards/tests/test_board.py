"""The public board: anyone may read it without an account; only a PUBLISHED month ever appears on it
(a computed month does not, until the office publishes it); the city office chooses its sections
(audited, and the cached board follows at once); no person's name or phone is ever on it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from gongjian.assessments import services as assessments
from gongjian.assessments.tests.test_views import march, problems, ruleset  # noqa: F401  (fixtures)
from gongjian.boards.models import BoardSettings
from gongjian.core.models import AuditEvent
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Category, Problem
from gongjian.inspections.tests.factories import ProblemFactory, jpeg_bytes
from gongjian.participation.tests.factories import volunteer
from gongjian.residents.models import ResidentCategory
from gongjian.residents.services import report_accept, report_submit

pytestmark = pytest.mark.django_db


def board_of(city, client=None) -> str:
    response = (client or Client()).get(f"/board/{city.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def closed_this_month(unit, code="06036") -> Problem:
    return ProblemFactory(
        unit=unit, category=Category.objects.get(code=code), status=ProblemStatus.CLOSED, closed_at=timezone.now()
    )


def test_anyone_reads_the_board_without_an_account_and_only_cities_have_one(small_city):
    html = board_of(small_city.city)
    assert 'id="board-title"' in html and "测试市" in html
    assert Client().get("/board/").status_code == 200
    assert Client().get(f"/board/{small_city.street_a.pk}/").status_code == 404
    assert Client().get("/board/999999/").status_code == 404


def test_a_computed_month_stays_off_the_board_until_it_is_published(people, small_city, march):  # noqa: F811
    assert march.status == "computed"
    before = board_of(small_city.city)
    assert 'id="board-ranking"' not in before and 'id="board-red-flags"' not in before
    assert "甲一小区" not in before and "2026-03" not in before

    assessments.assessment_publish(user=people.city_admin, assessment=march)

    after = board_of(small_city.city)
    assert 'id="board-ranking"' in after and 'id="board-red-flags"' in after and 'id="board-lists"' in after
    assert "甲一小区" in after and "2026-03" in after


def test_the_office_hides_sections_audited_and_the_board_follows_at_once(people, small_city, march):  # noqa: F811
    assessments.assessment_publish(user=people.city_admin, assessment=march)
    closed_this_month(small_city.compound_a1)
    shown = board_of(small_city.city)
    for section in ("board-ranking", "board-red-flags", "board-lists", "board-closed", "board-volunteer"):
        assert f'id="{section}"' in shown

    office = signed_in(people.city_admin)
    assert office.get("/board/settings/").status_code == 200
    response = office.post("/board/settings/", {"show_red_flags": "on", "show_closed": "on"})
    assert response.status_code == 302

    hidden = board_of(small_city.city)
    assert 'id="board-red-flags"' in hidden and 'id="board-closed"' in hidden
    for section in ("board-ranking", "board-lists", "board-volunteer"):
        assert f'id="{section}"' not in hidden
    assert "/participation/volunteers/sign-up/" not in hidden
    settings = BoardSettings.objects.get(city=small_city.city)
    assert settings.version == 2
    event = AuditEvent.objects.get(action="board.settings")
    assert event.actor == people.city_admin
    assert event.changes["show_ranking"] == [True, False]


@pytest.mark.parametrize("who", ["street_officer", "community_worker", "city_leader", "outsider"])
def test_only_the_city_office_changes_the_board(people, small_city, who):
    client = signed_in(getattr(people, who))
    assert client.get("/board/settings/").status_code == 404
    assert client.post("/board/settings/", {}).status_code == 404
    assert not BoardSettings.objects.exists()


def test_a_visitor_is_sent_to_sign_in_for_the_settings(small_city):
    response = Client().get("/board/settings/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_problems_closed_this_month_are_counted_by_category_and_street(people, small_city):
    closed_this_month(small_city.compound_a1)
    closed_this_month(small_city.compound_a1)
    closed_this_month(small_city.compound_b1)
    old = closed_this_month(small_city.compound_b1)
    Problem.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timezone.timedelta(days=62))
    ProblemFactory(unit=small_city.compound_b1, category=Category.objects.get(code="06036"))  # still open
    ProblemFactory(unit=small_city.other_community, status=ProblemStatus.CLOSED, closed_at=timezone.now())
    html = board_of(small_city.city)
    assert '<p class="display-6 mb-2" id="board-closed-total">3</p>' in html
    street_rows = html.split("甲街道</span><span>")[1][:2], html.split("乙街道</span><span>")[1][:2]
    assert street_rows == ("2<", "1<")


def test_no_name_or_phone_of_a_person_is_ever_on_the_board(people, small_city, march):  # noqa: F811
    people.inspector.first_name, people.inspector.last_name = "三丰", "张"
    people.inspector.save()
    volunteer(people.community_worker, small_city.community_a1, name="李四光", phone="13900001111")
    category = ResidentCategory.objects.filter(is_active=True).first()
    report, _token = report_submit(
        resident_category=category,
        description="路口垃圾堆了三天",
        photos=[jpeg_bytes()],
        address="甲一路 5 号",
        name="王小明",
        phone="13912345678",
        device_id="device-1",
    )
    problem = report_accept(user=people.city_admin, report=report, unit=small_city.compound_a1)
    Problem.objects.filter(pk=problem.pk).update(status=ProblemStatus.CLOSED, closed_at=timezone.now())
    assessments.assessment_publish(user=people.city_admin, assessment=march)

    html = board_of(small_city.city)
    assert 'id="board-closed-total">1<' in html
    for personal in ("张三丰", "三丰", "李四光", "13900001111", "0001111", "王小明", "13912345678"):
        assert personal not in html, personal
    for user in (people.inspector, people.city_admin, people.community_worker):
        assert f">{user.username}<" not in html and str(user) not in html
