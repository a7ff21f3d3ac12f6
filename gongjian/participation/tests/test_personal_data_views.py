"""Every full view of personal data is audited — the stairwell heads and 门前三包 register (page,
API, export, pledge); volunteers' numbers are masked everywhere (shown in full only when revealed
on purpose, ``test_reveal.py``), so their lists record nothing — and every response that carries
personal data tells browsers and proxies not to keep it (Cache-Control: no-store)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gongjian.core.models import AuditEvent
from gongjian.participation.tests.factories import volunteer
from gongjian.participation.tests.test_teams_and_frontage import roster  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def views_of(user) -> list[dict]:
    return list(
        AuditEvent.objects.filter(action="volunteer.personal_data_view", actor=user)
        .order_by("id")
        .values_list("changes", flat=True)
    )


@pytest.fixture
def pages(small_city, roster):  # noqa: F811
    v, _member, head, duty = roster
    community = small_city.community_a1.pk
    return {
        "volunteer list": (f"/participation/volunteers/?community={community}", None),
        "volunteer page": (f"/participation/volunteers/{v.pk}/", None),
        "volunteer export": ("/participation/volunteers/export.xlsx", None),
        "roster page": (f"/participation/teams/{community}/", None),
        "roster export": (f"/participation/teams/{community}/?export=xlsx", None),
        "frontage page": (f"/participation/frontage/{duty.pk}/", None),
        "frontage pledge": (f"/participation/frontage/{duty.pk}/pledge/", None),
        "volunteers api": ("/api/v1/volunteers/", "api"),
        "volunteer api": (f"/api/v1/volunteers/{v.pk}/", "api"),
        "teams api": ("/api/v1/teams/", "api"),
        "team api": (f"/api/v1/teams/{_member.team_id}/", "api"),
        "frontage api": ("/api/v1/frontage-duties/", "api"),
        "frontage entry api": (f"/api/v1/frontage-duties/{duty.pk}/", "api"),
    }


# What each page shows in full to a community worker: volunteers (and team members) masked.
FULL_VIEWS = {
    "volunteer list": 0,
    "volunteer page": 0,
    "volunteer export": 0,
    "roster page": 1,
    "roster export": 1,
    "frontage page": 1,
    "frontage pledge": 1,
    "volunteers api": 0,
    "volunteer api": 0,
    "teams api": 0,
    "team api": 0,
    "frontage api": 1,
    "frontage entry api": 1,
}


@pytest.mark.parametrize("what", list(FULL_VIEWS))
def test_a_full_view_is_audited_and_nothing_is_cached(people, pages, what):
    url, kind = pages[what]
    client = api(people.community_worker) if kind else browser(people.community_worker)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert len(views_of(people.community_worker)) == FULL_VIEWS[what], f"{what} audited {FULL_VIEWS[what]}"


def test_the_audit_names_the_people_of_the_register_that_were_shown(people, small_city, roster):  # noqa: F811
    v, _member, head, duty = roster
    browser(people.community_worker).get(f"/participation/teams/{small_city.community_a1.pk}/")
    (changes,) = views_of(people.community_worker)
    assert changes["volunteers"] == []  # team members (volunteers) are masked
    assert changes["stairwell_heads"] == [head.pk]
    assert changes["frontage_duties"] == [duty.pk]


@pytest.mark.parametrize("url", ["/api/v1/teams/", "/api/v1/frontage-duties/"])
def test_a_masked_view_is_not_recorded_as_a_full_one(people, roster, url):  # noqa: F811
    response = api(people.city_leader).get(url)
    assert response.status_code == 200
    assert views_of(people.city_leader) == []


def test_the_outsider_sees_nothing_and_nothing_is_recorded(people, small_city, roster):  # noqa: F811
    _v, _m, _h, duty = roster
    assert api(people.outsider).get(f"/api/v1/frontage-duties/{duty.pk}/").status_code == 404
    assert browser(people.outsider).get(f"/participation/frontage/{duty.pk}/").status_code == 404
    assert views_of(people.outsider) == []


def test_my_own_volunteer_record_is_not_cached(people, small_city):
    v = volunteer(people.community_worker, small_city.community_a1, seq=2)
    v.user = people.volunteer
    v.save()
    assert "no-store" in browser(people.volunteer).get("/participation/me/")["Cache-Control"]
