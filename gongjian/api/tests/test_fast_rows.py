"""The fast row serialisation gives exactly DRF's rows (gongjian/api/fast_rows.py)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework import serializers

from gongjian.api.fast_rows import FastRowsMixin
from gongjian.inspections.api import LIST_FIELDS, ProblemDetailSerializer, ProblemListSerializer
from gongjian.inspections.models import Category, Problem
from gongjian.inspections.tests.factories import ProblemFactory, at

pytestmark = pytest.mark.django_db


def drf_rows(serializer_class, problems):
    """What DRF's own Serializer.to_representation makes of each problem."""
    serializer = serializer_class(problems, many=True)
    return [serializers.Serializer.to_representation(serializer.child, problem) for problem in problems]


@pytest.fixture
def varied(small_city):
    """Problems with and without coordinates, submitted or not, closed, void, and a relapse."""
    category = Category.objects.get(code="06036")
    first = ProblemFactory(
        unit=small_city.compound_a1,
        category=category,
        found_at=at(2026, 3, 2, 9),
        status="closed",
        submitted_at=at(2026, 3, 3, 10),
        latitude=Decimal("30.123456"),
        longitude=Decimal("120.654321"),
        rework_count=2,
    )
    ProblemFactory(unit=small_city.community_a2, category=category, found_at=at(2026, 3, 5), relapse_of=first)
    ProblemFactory(
        unit=small_city.community_b1,
        category=Category.objects.get(code="09006"),
        found_at=at(2026, 3, 6, 23, 59, 59),
        status="void",
        void_reason="误报",
        address="",
    )
    ProblemFactory(
        unit=small_city.compound_a1,
        category=category,
        found_at=at(2026, 2, 28),
        status="submitted",
        submitted_at=at(2026, 3, 9),
    )


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_a_page_of_the_list_is_serialised_as_drf_would(varied, zone):
    problems = list(Problem.objects.select_related("category", "unit").only(*LIST_FIELDS).order_by("id"))
    assert len(problems) == 4
    with timezone.override(zone), translation.override("en"):
        fast = ProblemListSerializer(problems, many=True).data
        assert [dict(row) for row in fast] == drf_rows(ProblemListSerializer, problems)
    assert {row["relapse_of"] for row in fast} == {None, problems[0].pk}
    assert fast[0]["latitude"] == "30.123456"
    assert fast[0]["found_at"].endswith("+08:00" if zone == "Asia/Shanghai" else "Z")


def test_a_detail_with_nested_photos_and_a_method_source_is_serialised_as_drf_would(varied, rf):
    problem = Problem.objects.select_related("category", "unit", "reporter").order_by("id").first()
    context = {"request": rf.get("/")}
    fast = ProblemDetailSerializer(problem, context=context).data
    assert dict(fast) == serializers.Serializer.to_representation(ProblemDetailSerializer(context=context), problem)


def test_fields_it_cannot_read_directly_are_read_the_drf_way(varied):
    class Probe(FastRowsMixin, serializers.ModelSerializer):
        overdue = serializers.BooleanField(source="is_overdue")  # a property
        reporter = serializers.CharField(source="reporter.__str__")  # a method through a relation
        category = serializers.CharField(source="category.code")  # a column through a required relation
        unit = serializers.StringRelatedField()  # a relation printed as text, not its key

        class Meta:
            model = Problem
            fields = ["id", "overdue", "reporter", "category", "unit", "found_at"]

    plan = {name: convert for name, _read, convert, _field in Probe()._row_plan()}
    assert plan["overdue"] is None and plan["reporter"] is None and plan["unit"] is None
    assert plan["category"] is str and plan["id"] is not None
    problems = list(Problem.objects.order_by("id"))
    assert [dict(row) for row in Probe(problems, many=True).data] == drf_rows(Probe, problems)


def test_a_missing_value_stays_null(small_city):
    problem = ProblemFactory(unit=small_city.compound_a1, latitude=None, longitude=None)
    row = ProblemListSerializer(problem).data
    assert row["latitude"] is None and row["longitude"] is None and row["relapse_of"] is None
    assert isinstance(row["found_at"], str) and datetime.datetime.fromisoformat(row["found_at"])
