"""The menu (gongjian/core/context_processors.py): its URLs are reversed once per process, and stay
right for every role and under a sub-path."""

from __future__ import annotations

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix

from gongjian.core.context_processors import NAV_ITEMS, navigation

pytestmark = pytest.mark.django_db


def menu_urls(context) -> set[str]:
    urls = set()
    for entry in context["nav_items"]:
        urls |= {child["url"] for child in entry.get("children", [])} or {entry["url"]}
    return urls


def test_the_city_office_admin_gets_every_page_of_the_menu_but_a_volunteer_s_own_at_its_url(client, people):
    client.force_login(people.city_admin)

    response = client.get("/")

    expected = {reverse(name) for _menu, _label, name, _perm in NAV_ITEMS} - {reverse("participation:me")}
    assert menu_urls(response.context) == expected


def test_the_outsider_gets_only_the_links_open_to_everyone(client, people):
    client.force_login(people.outsider)

    response = client.get("/")

    everyone = {reverse(name) for _menu, _label, name, perm in NAV_ITEMS if perm is None}
    assert menu_urls(response.context) == everyone


def test_under_a_sub_path_the_menu_links_carry_it_and_the_root_is_unchanged_afterwards(rf, people):
    request = rf.get("/")
    request.user = people.street_officer
    previous = get_script_prefix()
    set_script_prefix("/gongjian/")  # what the WSGI handler does for SCRIPT_NAME=/gongjian
    try:
        under = navigation(request)
    finally:
        set_script_prefix(previous)
    at_root = navigation(request)

    assert menu_urls(under) and all(url.startswith("/gongjian/") for url in menu_urls(under))
    assert menu_urls(at_root) and not any(url.startswith("/gongjian/") for url in menu_urls(at_root))
