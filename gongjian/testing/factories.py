"""factory-boy factories shared by every app's tests."""

from __future__ import annotations

import datetime

import factory

from gongjian.accounts.choices import Role
from gongjian.accounts.models import Membership, User
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import CobuildUnit, Pairing, Unit

PASSWORD = "correct-horse-battery"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"T{n:08d}")
    name = factory.Sequence(lambda n: f"单位{n}")
    level = UnitLevel.CITY
    parent = None


class CobuildUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CobuildUnit

    name = factory.Sequence(lambda n: f"共建单位{n}")
    kind = "agency"


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    cobuild_unit = factory.SubFactory(CobuildUnitFactory)
    started_on = datetime.date(2026, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.COMMUNITY_WORKER


def user_with_role(role: str, *, unit: Unit | None = None, cobuild_unit: CobuildUnit | None = None, **kw) -> User:
    membership = MembershipFactory(role=role, unit=unit, cobuild_unit=cobuild_unit, user=UserFactory(**kw))
    return membership.user


class UnitBoundaryFactory(factory.django.DjangoModelFactory):
    """A unit's boundary: a small triangle near (29.3, 120.08) unless ``geometry`` is given."""

    class Meta:
        model = "organizations.UnitBoundary"

    unit = factory.SubFactory(UnitFactory)
    geometry = factory.LazyFunction(
        lambda: {
            "type": "Polygon",
            "coordinates": [[[120.078, 29.298], [120.082, 29.298], [120.082, 29.302], [120.078, 29.298]]],
        }
    )
    vertex_count = 4
