"""Menus show only what the role can use: no API docs, audit trail or administration for roles
that cannot use them, the overview and the big screen for those who lead, a volunteer's own page
for volunteers; the outsider gets the home page alone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

EVERY_ROLE_SEES = {"/"}
MENUS = {
    "city_admin": {
        "/overview/",
        "/overview/wall/",
        "/problems/queue/",
        "/problems/report/",
        "/assessments/",
        "/participation/volunteers/",
        "/archives/templates/",
        "/audit/",
        "/admin/",
        "/api/docs/",
        "/units/",
    },
    "city_leader": {"/overview/", "/overview/wall/", "/problems/queue/", "/audit/", "/api/docs/", "/units/"},
    "street_officer": {"/overview/", "/overview/wall/", "/problems/queue/", "/problems/report/", "/api/docs/"},
    "community_worker": {"/problems/queue/", "/participation/volunteers/", "/archives/", "/api/docs/"},
    "compound_manager": {"/problems/queue/", "/participation/activities/", "/api/docs/"},
    "inspector": {"/problems/queue/", "/problems/report/", "/archives/", "/api/docs/"},
    "liaison": {"/problems/queue/", "/participation/pairings/", "/api/docs/"},
    "volunteer": {"/participation/me/", "/units/"},
    "outsider": set(),
}
NEVER = {
    "city_leader": {"/admin/", "/problems/report/", "/archives/templates/", "/participation/me/"},
    "street_officer": {"/audit/", "/admin/", "/archives/templates/", "/participation/me/"},
    "community_worker": {"/overview/", "/overview/wall/", "/audit/", "/admin/", "/problems/report/"},
    "compound_manager": {"/overview/", "/audit/", "/admin/", "/participation/volunteers/", "/archives/"},
    "inspector": {"/overview/", "/audit/", "/admin/", "/participation/volunteers/"},
    "liaison": {"/overview/", "/audit/", "/admin/", "/archives/", "/participation/volunteers/"},
    "volunteer": {"/overview/", "/audit/", "/admin/", "/api/docs/", "/problems/queue/", "/archives/"},
    "outsider": {"/overview/", "/audit/", "/admin/", "/api/docs/", "/units/", "/participation/me/"},
}


def menu_urls(response) -> set[str]:
    urls = set()
    for entry in response.context["nav_items"]:
        urls |= {child["url"] for child in entry.get("children", [])} or {entry["url"]}
    return urls


@pytest.mark.parametrize("who", list(MENUS))
def test_each_role_s_menu_holds_what_it_can_use_and_nothing_it_cannot(client, people, who):
    client.force_login(getattr(people, who))

    urls = menu_urls(client.get("/"))

    assert EVERY_ROLE_SEES | MENUS[who] <= urls
    assert not (urls & NEVER.get(who, set())), urls & NEVER[who]


def test_the_outsider_s_menu_is_the_home_page_alone_and_no_api_tokens(client, people):
    client.force_login(people.outsider)

    response = client.get("/")

    assert menu_urls(response) == {"/"}
    assert 'href="/accounts/tokens/"' not in response.content.decode()


@pytest.mark.parametrize(("who", "has_tokens"), [("community_worker", True), ("volunteer", False)])
def test_api_tokens_are_offered_to_those_who_can_use_the_api(client, people, who, has_tokens):
    client.force_login(getattr(people, who))

    assert ('href="/accounts/tokens/"' in client.get("/").content.decode()) is has_tokens
