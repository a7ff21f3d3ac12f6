"""Phone and ID numbers are masked in every list, detail, export and API response for every role —
even those holding ``Perm.PERSONAL_DATA_VIEW``, who reveal one record on purpose instead
(``test_reveal.py``); a volunteer sees only their own record, in full (and that view is audited)."""

import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from gongjian.core.models import AuditEvent
from gongjian.participation.tests.factories import id_number, phone, volunteer

pytestmark = pytest.mark.django_db

FULL_PHONE = phone(42)
FULL_ID = id_number(42)
MASKED_PHONE = f"{FULL_PHONE[:3]}****{FULL_PHONE[-4:]}"
MASKED_ID = "*" * 14 + FULL_ID[-4:]

# Who sees the volunteer of community_a1 at all, and whether in full.
SEES = {
    "city_admin": "masked",
    "community_worker": "masked",
    "city_leader": "masked",
    "street_officer": "masked",
    "volunteer": "full",  # their own record
    "compound_manager": None,
    "inspector": None,
    "street_inspector": None,
    "liaison": None,
    "outsider": None,
}


@pytest.fixture
def registered(small_city, people):
    return volunteer(
        people.community_worker,
        small_city.community_a1,
        42,
        phone=FULL_PHONE,
        id_number=FULL_ID,
        account=people.volunteer,
    )


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _expect(text: str, how: str | None) -> None:
    if how == "full":
        assert FULL_PHONE in text and FULL_ID in text
    else:
        assert FULL_PHONE not in text and FULL_ID not in text
    if how == "masked":
        assert MASKED_PHONE in text and MASKED_ID in text


def _audited(user) -> int:
    return AuditEvent.objects.filter(action="volunteer.personal_data_view", actor=user).count()


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_list_page_masks_for_every_role(registered, people, who):
    user = getattr(people, who)
    response = _client(user).get("/participation/volunteers/")
    can_list = who in ("city_admin", "community_worker", "city_leader", "street_officer")
    assert response.status_code == (200 if can_list else 403)
    if can_list:
        _expect(response.content.decode(), SEES[who])
    assert _audited(user) == 0


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_detail_page_masks_for_everyone_but_the_volunteer(registered, people, who):
    user = getattr(people, who)
    response = _client(user).get(f"/participation/volunteers/{registered.pk}/")
    assert response.status_code == (200 if SEES[who] else 404)
    if SEES[who]:
        _expect(response.content.decode(), SEES[who])
    assert _audited(user) == (1 if SEES[who] == "full" else 0)


@pytest.mark.parametrize("who", ["city_admin", "community_worker", "city_leader", "street_officer"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_mask_for_every_role(registered, people, who, fmt):
    user = getattr(people, who)
    response = _client(user).get(f"/participation/volunteers/export.{fmt}")
    assert response.status_code == 200
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))[1:]  # title row
    else:
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    _expect(" ".join(str(c) for c in rows[1]), SEES[who])
    assert _audited(user) == (1 if SEES[who] == "full" else 0)


@pytest.mark.parametrize("who", ["compound_manager", "inspector", "liaison", "volunteer", "outsider"])
def test_roles_without_the_volunteer_list_cannot_export_it(registered, people, who):
    assert _client(getattr(people, who)).get("/participation/volunteers/export.xlsx").status_code == 403


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_api_masks_and_scopes_like_the_pages_for_every_role(registered, people, who):
    user = getattr(people, who)
    client = APIClient()
    client.force_authenticate(user)
    listing = client.get("/api/v1/volunteers/")
    assert listing.status_code == 200
    results = listing.json()["results"]
    assert [r["id"] for r in results] == ([registered.pk] if SEES[who] else [])
    detail = client.get(f"/api/v1/volunteers/{registered.pk}/")
    assert detail.status_code == (200 if SEES[who] else 404)
    if SEES[who]:
        _expect(str(results[0]) + str(detail.json()), SEES[who])
        assert detail.json()["revealed"] is (SEES[who] == "full")
    assert _audited(user) == (2 if SEES[who] == "full" else 0)


def test_a_volunteer_sees_only_their_own_record_and_hours(registered, small_city, people):
    other = volunteer(people.community_worker, small_city.community_a1, 43)
    client = _client(people.volunteer)
    page = client.get("/participation/me/")
    assert page.status_code == 200 and registered.name in page.content.decode()
    _expect(page.content.decode(), "full")
    assert client.get(f"/participation/volunteers/{other.pk}/").status_code == 404
    api = APIClient()
    api.force_authenticate(people.volunteer)
    assert [r["id"] for r in api.get("/api/v1/volunteers/").json()["results"]] == [registered.pk]


def test_the_anonymous_api_caller_is_refused(registered):
    assert APIClient().get("/api/v1/volunteers/").status_code in (401, 403)


def test_an_unknown_export_format_is_not_found(registered, people):
    assert _client(people.city_admin).get("/participation/volunteers/export.pdf").status_code == 404


@pytest.mark.parametrize("who", sorted(SEES))
def test_the_team_rosters_mask_members_phones_for_every_role(registered, small_city, people, who):
    from gongjian.participation import services

    services.team_member_add(
        user=people.community_worker,
        community=small_city.community_a1,
        kind="cleaning",
        volunteer=registered,
        area="1号片区",
        schedule="每天 6:30–8:00",
    )
    user = getattr(people, who)
    client = APIClient()
    client.force_authenticate(user)
    texts = [str(client.get("/api/v1/teams/").json())]
    page = _client(user).get(f"/participation/teams/{small_city.community_a1.pk}/")
    if page.status_code == 200:
        texts.append(page.content.decode())
        export = _client(user).get(f"/participation/teams/{small_city.community_a1.pk}/?export=xlsx")
        cells = load_workbook(io.BytesIO(export.content)).worksheets
        texts.append(" ".join(str(c) for ws in cells for row in ws.iter_rows(values_only=True) for c in row))
    else:
        assert page.status_code in (403, 404)
    for text in texts:
        assert FULL_PHONE not in text
    if who in ("city_admin", "community_worker", "city_leader", "street_officer"):
        assert any(MASKED_PHONE in text for text in texts)
