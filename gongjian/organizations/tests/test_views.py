"""The unit-tree browser and unit pages, per role, with an outsider."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_sign_in(small_city):
    response = Client().get(f"/units/{small_city.city.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_community_worker_sees_their_community_with_breadcrumb_and_compounds(people, small_city):
    response = signed_in(people.community_worker).get(f"/units/{small_city.community_a1.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲一社区" in html and "甲一小区" in html
    # Ancestors appear in the breadcrumb, but only the visible ones are links.
    assert "甲街道" in html
    assert f'href="/units/{small_city.street_a.pk}/"' not in html


def test_another_streets_community_is_a_friendly_not_found_page(people, small_city):
    response = signed_in(people.community_worker).get(f"/units/{small_city.community_b1.pk}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "乙一社区" not in html
    assert "页面不存在" in html


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("city_admin", "community_b1", 200),
        ("city_leader", "compound_b1", 200),
        ("street_officer", "community_a1", 200),
        ("street_officer", "community_b1", 404),
        ("inspector", "community_b1", 200),
        ("street_inspector", "community_a1", 404),
        ("liaison", "community_b1", 200),
        ("liaison", "community_a1", 404),
        ("volunteer", "community_a1", 200),
        ("volunteer", "street_a", 404),
        ("compound_manager", "community_a1", 404),
        ("outsider", "community_a1", 404),
        ("city_admin", "other_community", 404),
    ],
)
def test_unit_pages_follow_scope(people, small_city, who, unit, status):
    response = signed_in(getattr(people, who)).get(f"/units/{getattr(small_city, unit).pk}/")
    assert response.status_code == status


def test_the_browser_starts_at_the_actors_top_units(people, small_city):
    html = signed_in(people.street_officer).get("/units/").content.decode()
    assert f'href="/units/{small_city.street_a.pk}/"' in html
    assert "乙街道" not in html


def test_search_by_name_stays_inside_scope(people, small_city):
    html = signed_in(people.street_officer).get("/units/", {"q": "一"}).content.decode()
    assert "甲一社区" in html and "甲一小区" in html
    assert "乙一社区" not in html


def test_htmx_search_returns_only_the_results_fragment(people):
    response = signed_in(people.city_admin).get("/units/", {"q": "乙"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "乙一社区" in html
    assert "<html" not in html


def test_a_malformed_filter_is_a_friendly_400_not_a_500(people):
    response = signed_in(people.city_admin).get("/units/", {"parent": "abc", "level": "planet"})
    assert response.status_code == 400
    assert "无法理解" in response.content.decode()


def test_the_outsider_has_nothing_to_browse(people):
    html = signed_in(people.outsider).get("/units/").content.decode()
    assert "没有可浏览的单位" in html


def test_members_are_listed_for_roles_that_may_see_them(people, small_city):
    url = f"/units/{small_city.community_a1.pk}/"
    assert str(people.volunteer) in signed_in(people.street_officer).get(url).content.decode()
    assert str(people.community_worker) not in signed_in(people.volunteer).get(url).content.decode()
