"""Each process keeps users' grants under their access stamp (gongjian/accounts/access.py,
signals.py): a request after the first costs no membership query, and any change to what a user
may see shows at their next request."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongjian.accounts.access import Perm, actor_for
from gongjian.accounts.choices import Role
from gongjian.accounts.models import Membership, User
from gongjian.accounts.services import membership_grant, membership_revoke
from gongjian.organizations.models import Pairing
from gongjian.organizations.services import pairing_create
from gongjian.testing.factories import CobuildUnitFactory

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    """The user as the next request loads it (with its current access stamp)."""
    return User.objects.get(pk=user.pk)


def membership_queries(user) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        actor = actor_for(user)
    return actor, sum("accounts_membership" in q["sql"] for q in queries.captured_queries)


def test_the_second_request_of_a_user_costs_no_membership_query(people):
    first, first_queries = membership_queries(fresh(people.street_officer))
    second, second_queries = membership_queries(fresh(people.street_officer))

    assert (first_queries, second_queries) == (1, 0)
    assert second == first
    assert second.root_unit_ids(Perm.PROBLEM_VIEW) == {people.street_officer.memberships.get().unit_id}


def test_the_api_and_pages_after_the_first_request_skip_the_membership_query(client, people):
    client.force_login(people.community_worker)
    client.get("/problems/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/problems/")

    assert response.status_code == 200
    assert not any("accounts_membership" in q["sql"] for q in queries.captured_queries)


def test_a_new_membership_shows_at_the_next_request(people, small_city):
    before = actor_for(fresh(people.outsider))
    assert before.root_unit_ids(Perm.PROBLEM_VIEW) == frozenset()

    membership_grant(actor=None, user=people.outsider, role=Role.COMMUNITY_WORKER, unit=small_city.community_b1)

    after = actor_for(fresh(people.outsider))
    assert after.root_unit_ids(Perm.PROBLEM_VIEW) == {small_city.community_b1.pk}


def test_a_revoked_membership_shows_at_the_next_request(people, small_city):
    assert actor_for(fresh(people.street_officer)).has_perm(Perm.PROBLEM_REPORT)

    membership_revoke(actor=None, membership=Membership.objects.get(user=people.street_officer))

    assert not actor_for(fresh(people.street_officer)).has_perm(Perm.PROBLEM_REPORT)


def test_a_membership_deleted_outright_shows_at_the_next_request(people):
    assert actor_for(fresh(people.inspector)).has_perm(Perm.PROBLEM_REVIEW)

    Membership.objects.filter(user=people.inspector).delete()

    assert actor_for(fresh(people.inspector)).roles == frozenset()


def test_a_new_pairing_reaches_the_liaison_at_the_next_request(people, small_city):
    liaison_membership = Membership.objects.get(user=people.liaison)
    before = actor_for(fresh(people.liaison)).root_unit_ids(Perm.PROBLEM_VIEW)
    assert small_city.community_a2.pk not in before

    pairing_create(
        actor=None,
        cobuild_unit=liaison_membership.cobuild_unit,
        community=small_city.community_a2,
        started_on=datetime.date(2026, 1, 1),
    )

    after = actor_for(fresh(people.liaison)).root_unit_ids(Perm.PROBLEM_VIEW)
    assert small_city.community_a2.pk in after


def test_an_ended_pairing_leaves_the_liaison_at_the_next_request(people, small_city):
    assert small_city.community_b1.pk in actor_for(fresh(people.liaison)).root_unit_ids(Perm.PROBLEM_VIEW)

    Pairing.objects.get(community=small_city.community_b1).delete()

    assert small_city.community_b1.pk not in actor_for(fresh(people.liaison)).root_unit_ids(Perm.PROBLEM_VIEW)


def test_a_pairing_of_another_unit_leaves_this_liaison_kept_actor_alone(people, small_city):
    stamp = fresh(people.liaison).access_stamp

    pairing_create(
        actor=None,
        cobuild_unit=CobuildUnitFactory(),
        community=small_city.community_a1,
        started_on=datetime.date(2026, 1, 1),
    )

    assert fresh(people.liaison).access_stamp == stamp


def test_a_unit_whose_level_changes_renews_the_grants_of_its_members(people, small_city):
    assert actor_for(fresh(people.street_officer)).level_of(small_city.street_a.pk) == "street"

    small_city.street_a.level = "district"
    small_city.street_a.save()

    assert actor_for(fresh(people.street_officer)).level_of(small_city.street_a.pk) == "district"


def test_a_user_made_superuser_sees_everything_at_the_next_request(people):
    assert not actor_for(fresh(people.outsider)).sees_everything(Perm.PROBLEM_VIEW)

    User.objects.filter(pk=people.outsider.pk).update(is_superuser=True)

    assert actor_for(fresh(people.outsider)).sees_everything(Perm.PROBLEM_VIEW)


def test_the_outsider_stays_without_grants_request_after_request(people):
    for _ in range(2):
        actor = actor_for(fresh(people.outsider))
        assert actor.grants == () and not actor.has_perm(Perm.UNIT_VIEW)
