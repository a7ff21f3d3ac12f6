import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gongjian.accounts.choices import Role
from gongjian.accounts.models import Membership
from gongjian.accounts.services import membership_grant, user_create
from gongjian.core.models import AuditEvent
from gongjian.testing.factories import CobuildUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_granting_a_role_is_audited_and_idempotent(small_city, people):
    user = UserFactory()
    membership_grant(actor=people.city_admin, user=user, role=Role.COMMUNITY_WORKER, unit=small_city.community_a1)
    membership_grant(actor=people.city_admin, user=user, role=Role.COMMUNITY_WORKER, unit=small_city.community_a1)
    assert Membership.objects.filter(user=user).count() == 1
    event = AuditEvent.objects.get(action="membership.grant", target_id=str(user.memberships.get().pk))
    assert event.actor == people.city_admin
    assert event.to_state == "active"


@pytest.mark.parametrize(
    ("role", "place"),
    [
        (Role.COMMUNITY_WORKER, "street_a"),
        (Role.STREET_OFFICER, "community_a1"),
        (Role.COMPOUND_MANAGER, "community_a1"),
        (Role.VOLUNTEER, "city"),
    ],
)
def test_a_role_cannot_be_held_at_the_wrong_level(small_city, role, place):
    with pytest.raises(ValidationError):
        membership_grant(actor=None, user=UserFactory(), role=role, unit=getattr(small_city, place))


def test_a_liaison_must_belong_to_a_cobuild_unit(small_city):
    with pytest.raises(ValidationError):
        membership_grant(actor=None, user=UserFactory(), role=Role.COBUILD_LIAISON, unit=small_city.community_a1)


def test_the_database_refuses_a_membership_without_a_place(small_city):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.COMMUNITY_WORKER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.COBUILD_LIAISON, unit=small_city.city)
    Membership.objects.create(user=user, role=Role.COBUILD_LIAISON, cobuild_unit=CobuildUnitFactory())


def test_creating_a_user_hashes_the_password_and_records_it():
    user = user_create(actor=None, username="newbie", password="a-long-password-1", name="新人")
    assert user.check_password("a-long-password-1")
    assert "a-long-password-1" not in user.password
    assert AuditEvent.objects.filter(action="user.create", target_id=str(user.pk)).exists()
