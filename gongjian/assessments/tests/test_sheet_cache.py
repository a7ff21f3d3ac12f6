"""A published score sheet's items are rendered once and kept in Django's cache
(views._sheet_items_html, selectors.published_items_key): what it shows never goes stale — a
category renamed or a reporter's name corrected shows at once — scope is checked before the cache
is read, and an open month is never cached."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from gongjian.assessments import selectors, services
from gongjian.assessments.models import ScoreSheet
from gongjian.assessments.tests import test_views
from gongjian.assessments.tests.test_views import html, sheet_url, signed_in
from gongjian.inspections import services as inspection_services

pytestmark = pytest.mark.django_db

# The month the page tests build: March computed from two problems, then published.
ruleset, problems, march, published = test_views.ruleset, test_views.problems, test_views.march, test_views.published


def items_section(page: str) -> str:
    start = page.index('<section id="items">')
    return page[start : page.index("</section>", start)]


def cached_key(assessment, unit) -> str | None:
    sheet = ScoreSheet.objects.get(assessment=assessment, unit=unit)
    with translation.override("zh-hans"):
        return selectors.published_items_key(sheet, assessment)


def test_a_published_sheet_is_rendered_once_then_read_from_the_cache_unchanged(people, small_city, published):
    client = signed_in(people.compound_manager)
    url = sheet_url(small_city.compound_a1)
    with CaptureQueriesContext(connection) as first:
        first_page = html(client.get(url))
    assert cache.get(cached_key(published, small_city.compound_a1)) is not None
    with CaptureQueriesContext(connection) as second:
        second_page = html(client.get(url))
    assert items_section(second_page) == items_section(first_page)
    assert 'data-source="problem"' in items_section(second_page)
    assert len(second) < len(first)


def test_a_renamed_category_shows_on_a_published_sheet_already_cached(people, small_city, published, problems):
    client = signed_in(people.compound_manager)
    url = sheet_url(small_city.compound_a1)
    category = problems[0].category
    assert category.name in items_section(html(client.get(url)))

    inspection_services.category_update(user=people.city_admin, category=category, name="楼道堆物（新名）")

    assert "楼道堆物（新名）" in items_section(html(client.get(url)))


def test_a_reporters_corrected_name_shows_on_a_published_sheet_already_cached(people, small_city, published):
    client = signed_in(people.compound_manager)
    url = sheet_url(small_city.compound_a1)
    assert str(people.inspector) in items_section(html(client.get(url)))

    people.inspector.name = "更正后的姓名"
    people.inspector.save(update_fields=["name"])

    assert "更正后的姓名" in items_section(html(client.get(url)))


def test_an_adjustment_shows_at_once_beside_the_cached_items(people, small_city, published):
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.compound_a1)
    client.get(url)
    sheet = ScoreSheet.objects.get(assessment=published, unit=small_city.compound_a1)

    services.adjustment_add(user=people.city_admin, sheet=sheet, points=1, reason="复核后撤销一处扣分", item=None)

    page = html(client.get(url))
    assert "复核后撤销一处扣分" in page and "+1.00" in page


def test_the_cache_opens_no_sheet_to_someone_outside_its_scope(people, small_city, published):
    url = sheet_url(small_city.compound_b1)
    assert signed_in(people.city_admin).get(url).status_code == 200  # now cached

    assert signed_in(people.compound_manager).get(url).status_code == 404  # manages compound_a1
    assert signed_in(people.outsider).get(url).status_code == 404


def test_each_language_has_its_own_copy(people, small_city, published):
    client = signed_in(people.compound_manager)
    url = sheet_url(small_city.compound_a1)
    chinese = items_section(html(client.get(url)))
    client.cookies["django_language"] = "en"
    english = items_section(html(client.get(url)))
    assert "Items and deductions" in english and "Items and deductions" not in chinese


def test_an_open_month_is_never_cached(people, small_city, march):
    assert cached_key(march, small_city.compound_a1) is None
    signed_in(people.city_admin).get(sheet_url(small_city.compound_a1))
    assert not any(str(key).find("sheet-items") >= 0 for key in getattr(cache, "_cache", {}))


def adjust_section(page: str) -> str:
    start = page.index('<section class="card mb-3" id="adjust">')
    return page[start : page.index("</section>", start)]


def without_token(section: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", section)


def test_the_blank_adjustment_form_comes_from_the_cache_as_rendered_and_errors_never_do(people, small_city, published):
    """GIVEN a published sheet the city office opened once (its blank adjustment form rendered and kept)
    WHEN it is opened again, and WHEN an adjustment is refused
    THEN the second page shows the same form, and the refused one shows the error and the value sent."""
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.compound_a1)
    first = adjust_section(html(client.get(url)))
    assert cache.get(f"{cached_key(published, small_city.compound_a1)}:adjust") is not None
    assert without_token(adjust_section(html(client.get(url)))) == without_token(first)
    assert "1.1 " in first  # the rule items are the item choices

    refused = html(client.post(url + "adjust/", {"points": "abc", "reason": "理由"}))
    assert 'aria-invalid="true"' in adjust_section(refused) and 'value="abc"' in adjust_section(refused)
    assert 'aria-invalid="true"' not in adjust_section(html(client.get(url)))


@pytest.mark.parametrize("adjusted", [False, True])
def test_a_published_sheet_read_again_takes_six_queries_and_one_more_for_its_adjustments(
    people, small_city, published, adjusted, django_assert_num_queries
):
    """The session, the user, the sheet with its month, city, rule set and whether it has
    adjustments (one statement), the names on the cached items, the unit's months (trend and red
    flags), the inbox's badge; and the adjustments when it has some."""
    client = signed_in(people.city_admin)
    url = sheet_url(small_city.compound_a1)
    if adjusted:
        sheet = ScoreSheet.objects.get(assessment=published, unit=small_city.compound_a1)
        services.adjustment_add(user=people.city_admin, sheet=sheet, points=1, reason="复核后撤销一处扣分", item=None)
    client.get(url)
    with django_assert_num_queries(7 if adjusted else 6):
        page = html(client.get(url))
    assert 'id="adjust"' in page and 'id="flag-history"' in page and "sheet-trend-data" in page
    assert ("复核后撤销一处扣分" in page) is adjusted
    assert (gettext("No adjustment.") in page) is not adjusted
