"""The report page's lists (the categories ranked by the year's reports, every unit the inspector may
report at) are built only when the page is shown: a report that goes through checks the category and
unit it names with one small query each, and a refused one shows the whole lists again."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongjian.inspections.models import Problem
from gongjian.inspections.tests.factories import jpeg_bytes, reported, upload

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report(place, **extra) -> dict:
    data = {"category": "06036", "unit": str(place.pk), "point_type": "compound", "severity": "normal"}
    data.update({"description": "楼道堆放纸箱", "address": "", "latitude": "", "longitude": ""})
    data.update({"photos": [upload(jpeg_bytes())]}, **extra)
    return data


def picked(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"', page)


def test_a_report_that_goes_through_neither_ranks_the_categories_nor_lists_the_units(people, small_city):
    client = signed_in(people.street_officer)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/problems/report/", report(small_city.compound_a1))
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.pk}/"
    assert (problem.unit, problem.category.code) == (small_city.compound_a1, "06036")
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [q for q in sql if "GROUP BY" in q and "inspections_problem" in q]  # the year's ranking
    units_read = [q for q in sql if q.startswith('SELECT "organizations_unit"."id", "organizations_unit"."created_at"')]
    assert units_read and all(f'"organizations_unit"."id" = {small_city.compound_a1.pk}' in q for q in units_read)


def test_a_refused_report_shows_every_unit_and_the_ranked_categories_again(people, small_city):
    """GIVEN the city's reports make 09006 the most frequent category
    WHEN a report is refused (no description)
    THEN the page shows the same units and categories, in the same order, as the blank page."""
    for _ in range(2):
        reported(people.inspector, small_city.compound_a1, code="09006")
    client = signed_in(people.street_officer)
    blank = client.get("/problems/report/").content.decode()
    refused = client.post("/problems/report/", report(small_city.compound_a1, description=""))
    assert refused.status_code == 400
    page = refused.content.decode()
    assert picked(page, "unit") == picked(blank, "unit") and len(picked(page, "unit")) > 1
    assert picked(page, "category") == picked(blank, "category") and picked(page, "category")[0] == "09006"
    assert f'value="{small_city.compound_a1.pk}" required' in page and " checked>" in page


@pytest.mark.parametrize(
    "sent",
    ["{pk} ", "0{pk}", "+{pk}", "{wide}", "99999999999999999999", "1e3", "abc", ""],
    ids=["trailing-space", "leading-zero", "plus", "full-width-digits", "huge", "exponent", "letters", "empty"],
)
def test_a_unit_is_taken_only_exactly_as_the_list_writes_it(people, small_city, sent):
    pk = small_city.compound_a1.pk
    wide = "".join(chr(0xFF10 + int(d)) for d in str(pk))
    data = report(small_city.compound_a1, unit=sent.format(pk=pk, wide=wide))
    response = signed_in(people.street_officer).post("/problems/report/", data, **JSON)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["unit"]
    assert not Problem.objects.exists()


def test_a_category_is_taken_only_exactly_as_the_list_writes_it(people, small_city):
    client = signed_in(people.street_officer)
    for sent in ("06036 ", "６036", "0603", "nope", "06\x0036", "06036" * 3):
        response = client.post("/problems/report/", report(small_city.compound_a1, category=sent), **JSON)
        assert response.status_code == 400 and list(response.json()["errors"]) == ["category"]
    assert not Problem.objects.exists()


def test_a_unit_outside_scope_is_refused_though_it_exists(people, small_city):
    response = signed_in(people.street_officer).post("/problems/report/", report(small_city.compound_b1), **JSON)
    assert response.status_code == 400 and list(response.json()["errors"]) == ["unit"]
