import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.accounts.models import Membership, User
from gongjian.core.models import AuditEvent
from gongjian.demo.city import DEMO_PASSWORD
from gongjian.organizations.models import CobuildUnit, Pairing, Unit

pytestmark = pytest.mark.django_db

ACCOUNTS = ["city", "leader1", "street1", "community1", "community2", "compound1", "inspector1", "unit1", "volunteer1"]


@pytest.fixture
def demo_city():
    call_command("demo", stdout=io.StringIO())


def test_the_demo_city_is_big_enough(demo_city):
    counts = {
        level: Unit.objects.filter(level=level).count()
        for level in ("city", "district", "street", "community", "compound")
    }
    assert counts == {"city": 1, "district": 2, "street": 6, "community": 30, "compound": 150}
    assert CobuildUnit.objects.count() >= 30
    city_name = Unit.objects.get(level="city").name
    assert all("\u4e00" <= ch <= "\u9fff" for ch in city_name), "names are Chinese"


def test_running_the_demo_twice_duplicates_nothing(demo_city):
    before = (Unit.objects.count(), User.objects.count(), Membership.objects.count(), Pairing.objects.count())
    creations = AuditEvent.objects.filter(action__endswith=".create").count()
    call_command("demo", stdout=io.StringIO())
    after = (Unit.objects.count(), User.objects.count(), Membership.objects.count(), Pairing.objects.count())
    assert after == before
    assert AuditEvent.objects.filter(action__endswith=".create").count() == creations


@pytest.mark.parametrize("username", ACCOUNTS)
def test_every_demo_account_can_get_a_token(demo_city, username):
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 200, response.content


def test_the_demo_accounts_sit_where_the_brief_says(demo_city):
    community1 = User.objects.get(username="community1").memberships.get().unit
    community2 = User.objects.get(username="community2").memberships.get().unit
    street1 = User.objects.get(username="street1").memberships.get().unit
    assert community1.parent == street1
    assert community2.parent != street1
    liaison_unit = User.objects.get(username="unit1").memberships.get().cobuild_unit
    assert Pairing.objects.filter(cobuild_unit=liaison_unit, community=community1).exists()
    assert User.objects.get(username="volunteer1").memberships.get().unit == community1


def test_street1_sees_community1_but_not_community2_and_city_sees_all(demo_city):
    community1 = User.objects.get(username="community1").memberships.get().unit
    community2 = User.objects.get(username="community2").memberships.get().unit
    street1 = actor_for(User.objects.get(username="street1"))
    city = actor_for(User.objects.get(username="city"))
    street_units = restrict(Unit.objects.all(), street1, Perm.UNIT_VIEW, unit_field="id")
    assert street_units.filter(pk=community1.pk).exists()
    assert not street_units.filter(pk=community2.pk).exists()
    assert restrict(Unit.objects.all(), city, Perm.UNIT_VIEW, unit_field="id").count() == Unit.objects.count()
