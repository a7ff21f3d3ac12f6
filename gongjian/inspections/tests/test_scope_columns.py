"""Problems carry their unit's ancestry so scoping is an indexed equality; it must always agree
with walking the tree, and follow a unit that moves."""

import pytest

from gongjian.accounts.access import Perm, actor_for, restrict
from gongjian.inspections.models import Problem
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.organizations.services import unit_update
from gongjian.organizations.tree import subtree_ids_sql

pytestmark = pytest.mark.django_db

PLACES = ["community_a1", "compound_a1", "community_a2", "community_b1", "compound_b1", "other_community"]
PEOPLE = [
    "city_admin", "city_leader", "street_officer", "community_worker", "compound_manager", "inspector",
    "street_inspector", "liaison", "volunteer", "outsider",
]  # fmt: skip


@pytest.fixture
def problems(small_city):
    return {place: ProblemFactory(unit=getattr(small_city, place)) for place in PLACES}


def test_a_problem_copies_its_units_ancestry(small_city, problems):
    p = problems["compound_a1"]
    assert (p.city_id, p.district_id, p.street_id, p.community_id) == (
        small_city.city.pk,
        small_city.district.pk,
        small_city.street_a.pk,
        small_city.community_a1.pk,
    )
    at_community = problems["community_b1"]
    assert (at_community.street_id, at_community.community_id) == (small_city.street_b.pk, small_city.community_b1.pk)


@pytest.mark.parametrize("who", PEOPLE)
def test_scoping_by_columns_agrees_with_walking_the_tree(people, problems, who):
    actor = actor_for(getattr(people, who))
    by_columns = set(restrict(Problem.objects.all(), actor, Perm.PROBLEM_VIEW).values_list("id", flat=True))
    roots = actor.root_unit_ids(Perm.PROBLEM_VIEW) if actor.has_perm(Perm.PROBLEM_VIEW) else set()
    by_tree = set(Problem.objects.filter(unit_id__in=subtree_ids_sql(roots)).values_list("id", flat=True))
    assert by_columns == by_tree


def test_moving_a_compound_moves_its_problems_into_the_new_street(small_city, people, problems):
    problem = problems["compound_a1"]
    unit_update(actor=people.city_admin, unit=small_city.compound_a1, parent=small_city.community_b1)
    problem.refresh_from_db()
    assert (problem.street_id, problem.community_id) == (small_city.street_b.pk, small_city.community_b1.pk)
    officer_a = type(people.street_officer).objects.get(pk=people.street_officer.pk)
    assert not restrict(Problem.objects.filter(pk=problem.pk), actor_for(officer_a), Perm.PROBLEM_VIEW).exists()
    assert restrict(
        Problem.objects.filter(pk=problem.pk), actor_for(people.street_inspector), Perm.PROBLEM_VIEW
    ).exists()
