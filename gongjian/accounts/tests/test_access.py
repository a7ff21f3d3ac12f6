"""Who sees which units: one row per role, always with an outsider."""

import pytest
from django.http import Http404

from gongjian.accounts.access import ANONYMOUS, Perm, actor_for, get_scoped_or_404, restrict
from gongjian.accounts.choices import Role
from gongjian.organizations.models import Unit
from gongjian.testing.factories import PairingFactory, user_with_role

pytestmark = pytest.mark.django_db

ALL_IN_CITY = {
    "city",
    "district",
    "street_a",
    "street_b",
    "community_a1",
    "community_a2",
    "community_b1",
    "compound_a1",
    "compound_b1",
}
STREET_A = {"street_a", "community_a1", "community_a2", "compound_a1"}
COMMUNITY_A1 = {"community_a1", "compound_a1"}

EXPECTED_VISIBLE = {
    "city_admin": ALL_IN_CITY,
    "city_leader": ALL_IN_CITY,
    "street_officer": STREET_A,
    "community_worker": COMMUNITY_A1,
    "compound_manager": {"compound_a1"},
    "inspector": ALL_IN_CITY,
    "street_inspector": {"street_b", "community_b1", "compound_b1"},
    "liaison": {"community_b1", "compound_b1"},
    "volunteer": COMMUNITY_A1,
    "outsider": set(),
}


def _names(small_city, units):
    by_id = {getattr(small_city, field).id: field for field in small_city.__dataclass_fields__}
    return {by_id[u.id] for u in units}


@pytest.mark.parametrize("who", sorted(EXPECTED_VISIBLE))
def test_each_role_sees_exactly_its_subtree(small_city, people, who):
    actor = actor_for(getattr(people, who))
    visible = restrict(Unit.objects.all(), actor, Perm.UNIT_VIEW, unit_field="id")
    assert _names(small_city, visible) == EXPECTED_VISIBLE[who]


@pytest.mark.parametrize("who", sorted(EXPECTED_VISIBLE))
def test_nobody_in_the_city_sees_the_other_city(small_city, people, who):
    actor = actor_for(getattr(people, who))
    with pytest.raises(Http404):
        get_scoped_or_404(Unit.objects.all(), actor, Perm.UNIT_VIEW, unit_field="id", pk=small_city.other_community.pk)


def test_an_anonymous_actor_sees_nothing(small_city):
    assert not restrict(Unit.objects.all(), ANONYMOUS, Perm.UNIT_VIEW, unit_field="id").exists()


def test_a_missing_id_and_a_foreign_id_both_look_like_not_found(small_city, people):
    actor = actor_for(people.community_worker)
    for pk in (small_city.community_b1.pk, 999_999, "not-a-number"):
        with pytest.raises(Http404):
            get_scoped_or_404(Unit.objects.all(), actor, Perm.UNIT_VIEW, unit_field="id", pk=pk)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("city_admin", set(Perm)),
        (
            "city_leader",
            {
                Perm.UNIT_VIEW,
                Perm.PROBLEM_VIEW,
                Perm.ASSESSMENT_VIEW,
                Perm.MEMBER_VIEW,
                Perm.AUDIT_VIEW,
                Perm.PARTICIPATION_VIEW,
                Perm.VOLUNTEER_VIEW,
                Perm.ARCHIVE_VIEW,
                Perm.PLAN_VIEW,
                Perm.NOTICE_VIEW,
                Perm.SURVEY_VIEW,
                Perm.CREATION_VIEW,
                Perm.FUND_VIEW,
            },
        ),
        (
            "street_officer",
            {
                Perm.UNIT_VIEW,
                Perm.PROBLEM_VIEW,
                Perm.ASSESSMENT_VIEW,
                Perm.MEMBER_VIEW,
                Perm.PROBLEM_REPORT,
                Perm.PROBLEM_VOID,
                Perm.PROBLEM_EXTEND,
                Perm.PARTICIPATION_VIEW,
                Perm.VOLUNTEER_VIEW,
                Perm.ACTIVITY_MANAGE,
                Perm.PAIRING_MANAGE,
                Perm.ARCHIVE_VIEW,
                Perm.ARCHIVE_MANAGE,
                Perm.RESIDENT_MODERATE,
                Perm.PLAN_VIEW,
                Perm.PLAN_MANAGE,
                Perm.NOTICE_VIEW,
                Perm.NOTICE_SEND,
                Perm.NOTICE_REPLY,
                Perm.SURVEY_VIEW,
                Perm.CREATION_VIEW,
                Perm.CREATION_MANAGE,
                Perm.FUND_VIEW,
                Perm.FUND_MANAGE,
            },
        ),
        (
            "community_worker",
            {
                Perm.UNIT_VIEW,
                Perm.PROBLEM_VIEW,
                Perm.ASSESSMENT_VIEW,
                Perm.MEMBER_VIEW,
                Perm.PROBLEM_RECTIFY,
                Perm.PARTICIPATION_VIEW,
                Perm.VOLUNTEER_VIEW,
                Perm.VOLUNTEER_MANAGE,
                Perm.PERSONAL_DATA_VIEW,
                Perm.ACTIVITY_MANAGE,
                Perm.ARCHIVE_VIEW,
                Perm.ARCHIVE_MANAGE,
                Perm.PLAN_VIEW,
                Perm.PLAN_MANAGE,
                Perm.NOTICE_VIEW,
                Perm.NOTICE_REPLY,
                Perm.SELECTION_NOMINATE,
                Perm.SURVEY_VIEW,
                Perm.CREATION_VIEW,
                Perm.CREATION_MANAGE,
                Perm.FUND_VIEW,
                Perm.FUND_MANAGE,
            },
        ),
        (
            "compound_manager",
            {Perm.UNIT_VIEW, Perm.PROBLEM_VIEW, Perm.ASSESSMENT_VIEW, Perm.PROBLEM_RECTIFY, Perm.PARTICIPATION_VIEW},
        ),
        (
            "inspector",
            {
                Perm.UNIT_VIEW,
                Perm.PROBLEM_VIEW,
                Perm.ASSESSMENT_VIEW,
                Perm.PROBLEM_REPORT,
                Perm.PROBLEM_REVIEW,
                Perm.PROBLEM_VOID,
                Perm.PARTICIPATION_VIEW,
                Perm.ARCHIVE_VIEW,
                Perm.PLAN_VIEW,
                Perm.NOTICE_VIEW,
                Perm.CREATION_VIEW,
                Perm.COMPETITION_SCORE,
            },
        ),
        ("liaison", {Perm.UNIT_VIEW, Perm.PROBLEM_VIEW, Perm.ASSESSMENT_VIEW, Perm.PARTICIPATION_VIEW}),
        ("volunteer", {Perm.UNIT_VIEW}),
        ("outsider", set()),
    ],
)
def test_roles_grant_exactly_their_permissions(people, who, allowed):
    actor = actor_for(getattr(people, who))
    assert {perm for perm in Perm if actor.has_perm(perm)} == allowed


def test_the_city_leader_is_read_only(people):
    actor = actor_for(people.city_leader)
    assert actor.has_perm(Perm.UNIT_VIEW)
    assert not actor.has_perm(Perm.UNIT_CHANGE)
    assert not actor.has_perm(Perm.ADMIN_SITE)


def test_a_liaison_loses_sight_of_a_community_when_the_pairing_ends(small_city, people):
    import datetime

    pairing = people.liaison.memberships.get().cobuild_unit.pairings.get()
    pairing.ended_on = datetime.date(2026, 1, 31)
    pairing.save()
    # A fresh user object, as each request loads one.
    fresh = type(people.liaison).objects.get(pk=people.liaison.pk)
    actor = actor_for(fresh)
    assert not restrict(Unit.objects.all(), actor, Perm.UNIT_VIEW, unit_field="id").exists()


def test_a_liaison_sees_every_community_their_unit_is_paired_with(small_city, people):
    cobuild = people.liaison.memberships.get().cobuild_unit
    PairingFactory(cobuild_unit=cobuild, community=small_city.community_a2)
    fresh = type(people.liaison).objects.get(pk=people.liaison.pk)
    visible = restrict(Unit.objects.all(), actor_for(fresh), Perm.UNIT_VIEW, unit_field="id")
    assert _names(small_city, visible) == {"community_b1", "compound_b1", "community_a2"}


def test_a_user_with_two_memberships_sees_both_places(small_city):
    user = user_with_role(Role.COMMUNITY_WORKER, unit=small_city.community_a1)
    user.memberships.create(role=Role.COMMUNITY_WORKER, unit=small_city.community_b1)
    visible = restrict(Unit.objects.all(), actor_for(user), Perm.UNIT_VIEW, unit_field="id")
    assert _names(small_city, visible) == {"community_a1", "compound_a1", "community_b1", "compound_b1"}


def test_a_revoked_membership_grants_nothing(small_city, people):
    from gongjian.accounts.services import membership_revoke

    membership_revoke(actor=people.city_admin, membership=people.community_worker.memberships.get())
    fresh = type(people.community_worker).objects.get(pk=people.community_worker.pk)
    assert not restrict(Unit.objects.all(), actor_for(fresh), Perm.UNIT_VIEW, unit_field="id").exists()
