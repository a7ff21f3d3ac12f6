"""Each role lands on its work (docs/homes.md): the inspector on today's re-checks by place, the
community on its queue (overdue first, in working days) and its archive, the street on its
communities' standing, the liaison on its obligations, the volunteer on activities to join, the
city on the leader summary; the outsider sees nothing of anyone's."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from gongjian.accounts.choices import Role
from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.organizations.models import Pairing
from gongjian.participation.choices import ActivityStatus
from gongjian.participation.models import Activity, ActivityType, Obligation, ObligationRecord
from gongjian.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def section(response, role):
    found = [s for s in response.context["sections"] if s.role == role]
    assert len(found) == 1, [s.role for s in response.context["sections"]]
    return found[0]


def days(n: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=n)


def problem(unit, *, status=ProblemStatus.OPEN, deadline_in=5.0, found_ago=0.01, **kw):
    return ProblemFactory(unit=unit, status=status, found_at=days(-found_ago), deadline=days(deadline_in), **kw)


@pytest.fixture
def cases(small_city):
    c = small_city
    return {
        "late_a1": problem(c.compound_a1, deadline_in=-20, address="甲一小区3栋"),
        "soon_a1": problem(c.community_a1, deadline_in=9, address="甲一社区活动室"),
        "late_a2": problem(c.community_a2, deadline_in=-3, address="甲二社区门口"),
        "late_b1": problem(c.compound_b1, deadline_in=-8, address="乙一小区北门"),
        "done_a1": problem(c.compound_a1, status=ProblemStatus.SUBMITTED, deadline_in=-1, address="甲一小区5栋"),
        "done_a2": problem(c.community_a2, status=ProblemStatus.SUBMITTED, deadline_in=2, address="甲二社区广场"),
        "done_b1": problem(c.community_b1, status=ProblemStatus.SUBMITTED, deadline_in=2, address="乙一社区广场"),
        "elsewhere": problem(c.other_community, deadline_in=-30, address="邻市某路"),
    }


def test_the_community_worker_lands_on_its_queue_overdue_first_in_working_days(client, people, cases):
    response = home(client, people.community_worker)

    queue = section(response, Role.COMMUNITY_WORKER)
    assert [p.address for p in queue.data["problems"]] == ["甲一小区3栋", "甲一社区活动室"]
    assert queue.data["total"] == 2 and queue.data["overdue"] == 1
    html = response.content.decode()
    assert re.search(r"超期 \d+ 个工作日", html) and re.search(r"剩 \d+ 个工作日", html)
    for other in ("甲二社区门口", "乙一小区北门", "邻市某路", "甲一小区5栋"):
        assert other not in html


def test_the_community_worker_sees_how_complete_this_month_s_archive_is(client, people, cases):
    response = home(client, people.community_worker)

    archive = section(response, Role.COMMUNITY_WORKER).data["archive"]
    assert archive["period"] == f"{timezone.localdate():%Y-%m}"
    assert archive["has_template"] is False  # the small city has published no template
    assert "市里尚未发布台帐资料样本" in response.content.decode()


def test_the_compound_manager_s_queue_holds_only_its_compound(client, people, cases):
    queue = section(home(client, people.compound_manager), Role.COMPOUND_MANAGER)

    assert [p.address for p in queue.data["problems"]] == ["甲一小区3栋"]
    assert queue.data["archive"] is None


def test_the_inspector_lands_on_today_s_re_checks_ordered_by_place(client, people, small_city, cases):
    cases["done_a2"].reporter = people.inspector
    cases["done_a2"].save()

    today = section(home(client, people.inspector), Role.INSPECTOR)

    # 甲街道 (甲一社区 then 甲二社区) before 乙街道, by the units' codes; nothing still open.
    assert [p.address for p in today.data["problems"]] == ["甲一小区5栋", "甲二社区广场", "乙一社区广场"]
    assert today.data["total"] == 3 and today.data["mine"] == 1


def test_a_street_inspector_re_checks_only_its_street(client, people, cases):
    today = section(home(client, people.street_inspector), Role.INSPECTOR)

    assert [p.address for p in today.data["problems"]] == ["乙一社区广场"]


def test_the_street_sees_its_communities_standing(client, people, small_city, cases):
    response = home(client, people.street_officer)

    street = section(response, Role.STREET_OFFICER)
    rows = {row["unit"].name: row for row in street.data["rows"]}
    assert set(rows) == {"甲一社区", "甲二社区"}
    assert (rows["甲一社区"]["open"], rows["甲一社区"]["overdue"], rows["甲一社区"]["found"]) == (2, 1, 3)
    assert (rows["甲二社区"]["open"], rows["甲二社区"]["overdue"]) == (1, 1)
    assert street.data["overdue"] == 2 and street.data["overview"] is True
    assert "乙一社区" not in response.content.decode()


def test_the_liaison_sees_its_pairing_obligations_against_the_year_s_target(client, people, small_city):
    pairing = Pairing.objects.get(community=small_city.community_b1)
    behind = Obligation.objects.create(pairing=pairing, text="每月开展一次共建活动", yearly_target=12)
    ahead = Obligation.objects.create(pairing=pairing, text="开放单位食堂", yearly_target=1)
    ObligationRecord.objects.create(
        obligation=ahead, date=timezone.localdate(), note="已开放", recorded_by=people.city_admin
    )

    response = home(client, people.liaison)

    liaison = section(response, Role.COBUILD_LIAISON)
    [row] = liaison.data["rows"]
    assert row["pairing"] == pairing
    lines = {line.obligation: line for line in row["lines"]}
    month = timezone.localdate().month
    assert (lines[behind].done, lines[behind].met) == (0, False) and lines[behind].due == month
    assert (lines[ahead].done, lines[ahead].met) == (1, True)
    assert liaison.data["behind"] == 1
    assert "每月开展一次共建活动" in response.content.decode()


def _activity(community, title, *, starts_in, status=ActivityStatus.PLANNED, by):
    return Activity.objects.create(
        title=title,
        type=ActivityType.objects.order_by("sort_order").first(),
        community=community,
        organiser="社区居委会",
        status=status,
        starts_at=days(starts_in),
        place="社区广场",
        held_on=timezone.localdate() if status == ActivityStatus.HELD else None,
        created_by=by,
    )


def test_the_volunteer_sees_upcoming_activities_of_its_community_soonest_first(client, people, small_city):
    _activity(small_city.community_a1, "周末大扫除", starts_in=6, by=people.community_worker)
    _activity(small_city.community_a1, "垃圾分类宣传", starts_in=2, by=people.community_worker)
    _activity(small_city.community_a1, "上周的清扫", starts_in=-7, by=people.community_worker)
    worker = people.community_worker
    _activity(small_city.community_a1, "已经办过的活动", starts_in=3, status=ActivityStatus.HELD, by=worker)
    _activity(small_city.community_b1, "别的社区的活动", starts_in=1, by=people.community_worker)

    response = home(client, people.volunteer)

    volunteer = section(response, Role.VOLUNTEER)
    assert [a.title for a in volunteer.data["activities"]] == ["垃圾分类宣传", "周末大扫除"]
    assert "别的社区的活动" not in response.content.decode()


def test_the_city_leader_lands_on_the_leader_summary(client, people, cases):
    response = home(client, people.city_leader)

    leader = section(response, Role.CITY_LEADER)
    figures = leader.data["figures"]
    assert figures["overdue_now"] == 3  # a1, a2 and b1; the other city is not this leader's
    assert 'href="/overview/"' in response.content.decode()


def test_a_person_with_several_roles_gets_a_section_for_each(client, people, small_city, cases):
    MembershipFactory(user=people.community_worker, role=Role.VOLUNTEER, unit=small_city.community_a1)

    response = home(client, people.community_worker)

    assert [s.role for s in response.context["sections"]] == [Role.COMMUNITY_WORKER, Role.VOLUNTEER]


def test_the_outsider_sees_nothing_of_anyone_s(client, people, cases):
    response = home(client, people.outsider)

    assert response.context["sections"] == []
    html = response.content.decode()
    assert "您还没有任何角色" in html
    for case in cases.values():
        assert case.address not in html


@pytest.mark.parametrize("who", ["community_worker", "inspector", "street_officer", "city_leader"])
def test_a_home_costs_as_many_queries_with_twenty_problems_as_with_two(client, people, small_city, who):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(getattr(people, who))

    def queries() -> int:
        cache.clear()  # the leader's figures are gathered again each time
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    for status in (ProblemStatus.OPEN, ProblemStatus.SUBMITTED):
        problem(small_city.compound_a1, status=status, deadline_in=-2)
    queries()  # the first request of a session also builds the actor
    few = queries()
    for index in range(18):
        problem(small_city.compound_a1, status=[ProblemStatus.OPEN, ProblemStatus.SUBMITTED][index % 2])
    assert queries() == few


def test_someone_who_signed_up_as_a_volunteer_without_the_role_finds_their_record_from_home(client, people, small_city):
    from gongjian.participation.tests.factories import volunteer

    record = volunteer(people.community_worker, small_city.community_a1)
    record.user = people.outsider
    record.save()

    html = home(client, people.outsider).content.decode()

    assert 'href="/participation/me/"' in html
    assert 'href="/participation/me/"' not in home(client, people.street_officer).content.decode()
