import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from rest_framework.test import APIClient

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.accounts.models import Membership, User
from gongjian.assessments.models import Assessment, RuleSet, ScoreSheet
from gongjian.core.models import AuditEvent
from gongjian.demo.city import DEMO_PASSWORD, build_demo_city
from gongjian.inspections.models import Problem
from gongjian.organizations.models import CobuildUnit, Pairing, Unit
from gongjian.testing.shared import built_once

pytestmark = pytest.mark.django_db

ACCOUNTS = ["city", "leader1", "street1", "community1", "community2", "compound1", "inspector1", "unit1", "volunteer1"]


@pytest.fixture(scope="class")
def demo_city(django_db_setup, django_db_blocker):
    """The city and accounts only (fast), built once for the class's tests (each runs in a savepoint
    of its own); the full demo command is exercised once below, on an empty database."""
    with built_once(django_db_blocker, build_demo_city):
        yield


def test_the_demo_command_builds_six_months_and_running_it_twice_duplicates_nothing():
    """GIVEN an empty database WHEN `manage.py demo` runs twice THEN the second run adds nothing,
    and the first left problems in every state and six assessed months, the last unpublished."""
    call_command("demo", stdout=io.StringIO())
    tables = (Unit, User, Membership, Pairing, Problem, RuleSet, Assessment, ScoreSheet)
    before = [model.objects.count() for model in tables]
    creations = AuditEvent.objects.filter(action__endswith=".create").count()
    output = io.StringIO()
    call_command("demo", stdout=output)
    assert [model.objects.count() for model in tables] == before
    assert AuditEvent.objects.filter(action__endswith=".create").count() == creations
    assert "gongjian-demo" in output.getvalue()

    statuses = set(Problem.objects.values_list("status", flat=True))
    assert statuses == {"open", "submitted", "closed", "void"}
    assert Problem.objects.filter(relapse_of__isnull=False).exists()
    assert Problem.objects.filter(rework_count__gt=0).exists()
    top = Problem.objects.values("category__code").annotate(n=Count("id")).order_by("-n").first()
    assert top["category__code"] == "06036", "clutter is the largest share, as in the speech"
    months = list(Assessment.objects.order_by("month").values_list("status", flat=True))
    assert months == ["published"] * 5 + ["computed"]
    # The unpublished month is computed again after the archive is filled: its evidence items are
    # scored from the archive (community1's meetings keep their points; some community loses some).
    from gongjian.assessments.models import Deduction

    last = Assessment.objects.get(status="computed")
    evidence_lines = Deduction.objects.filter(item_score__sheet__assessment=last, item_score__item__method="evidence")
    assert evidence_lines.filter(source="archive").exists()


class TestTheDemoCity:
    """The city and accounts of build_demo_city, built once for these tests."""

    def test_the_demo_city_is_big_enough(self, demo_city):
        counts = {
            level: Unit.objects.filter(level=level).count()
            for level in ("city", "district", "street", "community", "compound")
        }
        assert counts == {"city": 1, "district": 2, "street": 6, "community": 30, "compound": 150}
        assert CobuildUnit.objects.count() >= 30
        city_name = Unit.objects.get(level="city").name
        assert all("\u4e00" <= ch <= "\u9fff" for ch in city_name), "names are Chinese"

    @pytest.mark.parametrize("username", ACCOUNTS)
    def test_every_demo_account_can_get_a_token(self, demo_city, username):
        response = APIClient().post(
            "/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content

    def test_the_demo_accounts_sit_where_the_brief_says(self, demo_city):
        community1 = User.objects.get(username="community1").memberships.get().unit
        community2 = User.objects.get(username="community2").memberships.get().unit
        street1 = User.objects.get(username="street1").memberships.get().unit
        assert community1.parent == street1
        assert community2.parent != street1
        liaison_unit = User.objects.get(username="unit1").memberships.get().cobuild_unit
        assert Pairing.objects.filter(cobuild_unit=liaison_unit, community=community1).exists()
        assert User.objects.get(username="volunteer1").memberships.get().unit == community1

    def test_street1_sees_community1_but_not_community2_and_city_sees_all(self, demo_city):
        community1 = User.objects.get(username="community1").memberships.get().unit
        community2 = User.objects.get(username="community2").memberships.get().unit
        street1 = actor_for(User.objects.get(username="street1"))
        city = actor_for(User.objects.get(username="city"))
        street_units = restrict(Unit.objects.all(), street1, Perm.UNIT_VIEW, unit_field="id")
        assert street_units.filter(pk=community1.pk).exists()
        assert not street_units.filter(pk=community2.pk).exists()
        assert restrict(Unit.objects.all(), city, Perm.UNIT_VIEW, unit_field="id").count() == Unit.objects.count()
