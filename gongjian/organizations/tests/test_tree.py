import pytest
from django.core.exceptions import ValidationError

from gongjian.core.models import AuditEvent
from gongjian.organizations.choices import UnitLevel
from gongjian.organizations.models import Unit
from gongjian.organizations.rules import level_may_hold
from gongjian.organizations.services import unit_create, unit_update
from gongjian.organizations.tree import ancestors, subtree


@pytest.mark.parametrize(
    ("parent", "child", "allowed"),
    [
        (None, "city", True),
        (None, "street", False),
        ("city", "district", True),
        ("city", "street", True),  # a city without districts
        ("district", "street", True),
        ("street", "community", True),
        ("community", "compound", True),
        ("street", "compound", True),
        ("community", "street", False),
        ("compound", "compound", False),
        ("street", "city", False),
    ],
)
def test_levels_only_nest_downwards(parent, child, allowed):
    assert level_may_hold(parent, child) is allowed


@pytest.mark.django_db
def test_subtree_holds_the_root_and_every_descendant(small_city):
    names = set(subtree([small_city.street_a.pk]).values_list("name", flat=True))
    assert names == {"甲街道", "甲一社区", "甲二社区", "甲一小区"}


@pytest.mark.django_db
def test_subtree_of_several_roots_is_their_union(small_city):
    ids = set(subtree([small_city.compound_a1.pk, small_city.community_b1.pk]).values_list("id", flat=True))
    assert ids == {small_city.compound_a1.pk, small_city.community_b1.pk, small_city.compound_b1.pk}


@pytest.mark.django_db
def test_ancestors_run_from_the_root_down(small_city):
    assert [u.name for u in ancestors(small_city.compound_a1)] == ["测试市", "测试区", "甲街道", "甲一社区"]
    assert ancestors(small_city.city) == []


@pytest.mark.django_db
def test_a_deep_tree_is_walked_in_one_query(small_city, django_assert_num_queries):
    parent = small_city.compound_a1
    with django_assert_num_queries(1):
        list(subtree([small_city.city.pk]))
    assert parent.pk in set(subtree([small_city.city.pk]).values_list("id", flat=True))


@pytest.mark.django_db
def test_creating_a_unit_validates_its_level_and_is_audited(small_city, people):
    with pytest.raises(ValidationError):
        unit_create(
            actor=people.city_admin, code="X1", name="错层", level=UnitLevel.STREET, parent=small_city.community_a1
        )
    assert not Unit.objects.filter(code="X1").exists()
    unit = unit_create(
        actor=people.city_admin, code="X2", name="新小区", level=UnitLevel.COMPOUND, parent=small_city.community_a2
    )
    event = AuditEvent.objects.get(action="unit.create", target_id=str(unit.pk))
    assert event.actor == people.city_admin
    assert event.changes["name"] == [None, "新小区"]


@pytest.mark.django_db
def test_renaming_a_unit_records_old_and_new_names(small_city, people):
    unit_update(actor=people.city_admin, unit=small_city.community_a2, name="甲二新社区")
    event = AuditEvent.objects.get(action="unit.update")
    assert event.changes == {"name": ["甲二社区", "甲二新社区"]}


@pytest.mark.django_db
def test_a_duplicate_code_is_refused(small_city, people):
    with pytest.raises(ValidationError):
        unit_create(actor=None, code=small_city.city.code, name="重复", level=UnitLevel.CITY)
