"""A person who may see personal data at a volunteer's community reveals that one volunteer's full
phone and ID number on purpose: a POST with a reason (never a GET), never cached, audited with who,
whose, when and where (address and browser). Everyone else is refused: outside their places 404,
inside them without the right 403. A volunteer sees their own numbers in full without asking."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gongjian.core.models import AuditEvent
from gongjian.participation.tests.factories import id_number, phone, volunteer

pytestmark = pytest.mark.django_db

FULL_PHONE, FULL_ID = phone(42), id_number(42)

# What each role gets when revealing the volunteer of community_a1.
REVEAL = {
    "city_admin": 200,
    "community_worker": 200,
    "city_leader": 403,
    "street_officer": 403,
    "volunteer": 403,  # their own record, already shown in full
    "compound_manager": 404,
    "inspector": 404,
    "street_inspector": 404,
    "liaison": 404,
    "outsider": 404,
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


def browser(user) -> Client:
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) 测试", REMOTE_ADDR="10.1.2.3")
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient(HTTP_USER_AGENT="gongjian-client/1.0", REMOTE_ADDR="10.9.8.7")
    client.force_authenticate(user)
    return client


def reveals():
    return AuditEvent.objects.filter(action="volunteer.reveal")


@pytest.mark.parametrize("who", sorted(REVEAL))
def test_the_page_reveals_only_for_the_right_role_and_scope(registered, people, who):
    response = browser(getattr(people, who)).post(
        f"/participation/volunteers/{registered.pk}/reveal/", {"reason": "核实服务时长"}
    )
    assert response.status_code == REVEAL[who]
    text = response.content.decode()
    assert (FULL_PHONE in text and FULL_ID in text) is (REVEAL[who] == 200)
    assert reveals().count() == (1 if REVEAL[who] == 200 else 0)


@pytest.mark.parametrize("who", sorted(REVEAL))
def test_the_api_reveals_only_for_the_right_role_and_scope(registered, people, who):
    response = api(getattr(people, who)).post(
        f"/api/v1/volunteers/{registered.pk}/reveal/", {"reason": "核实服务时长"}, format="json"
    )
    assert response.status_code == REVEAL[who]
    if REVEAL[who] == 200:
        assert response.json() == {"id": registered.pk, "phone": FULL_PHONE, "id_number": FULL_ID}
        assert "no-store" in response["Cache-Control"]
    assert reveals().count() == (1 if REVEAL[who] == 200 else 0)


def test_a_reveal_is_audited_with_who_whose_when_and_where(registered, people):
    response = browser(people.community_worker).post(
        f"/participation/volunteers/{registered.pk}/reveal/", {"reason": "电话回访"}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    event = reveals().get()
    assert event.actor == people.community_worker
    assert (event.target_type, event.target_id) == ("participation.volunteer", str(registered.pk))
    assert event.at is not None and event.note == "电话回访"
    assert event.changes["ip"] == "10.1.2.3" and "iPhone" in event.changes["user_agent"]
    assert FULL_PHONE not in str(event.changes) and FULL_ID not in str(event.changes)


def test_the_api_reveal_records_its_caller_too(registered, people):
    api(people.city_admin).post(f"/api/v1/volunteers/{registered.pk}/reveal/", {"reason": "核对"}, format="json")
    event = reveals().get()
    assert (event.actor, event.changes["ip"], event.changes["user_agent"]) == (
        people.city_admin,
        "10.9.8.7",
        "gongjian-client/1.0",
    )


@pytest.mark.parametrize("reason", ["", "   ", "长" * 201])
def test_a_reveal_without_a_sound_reason_shows_nothing_and_records_nothing(registered, people, reason):
    response = browser(people.community_worker).post(
        f"/participation/volunteers/{registered.pk}/reveal/", {"reason": reason}
    )
    assert response.status_code == 400
    assert FULL_PHONE not in response.content.decode()
    assert not reveals().exists()
    assert (
        api(people.community_worker)
        .post(f"/api/v1/volunteers/{registered.pk}/reveal/", {"reason": reason}, format="json")
        .status_code
        == 400
    )
    assert not reveals().exists()


def test_a_reveal_is_never_a_get(registered, people):
    assert browser(people.community_worker).get(f"/participation/volunteers/{registered.pk}/reveal/").status_code == 405
    assert api(people.community_worker).get(f"/api/v1/volunteers/{registered.pk}/reveal/").status_code == 405
    assert not reveals().exists()


def test_the_volunteer_page_offers_the_reveal_only_to_those_who_may(registered, people):
    assert (
        'id="reveal-form"'
        in browser(people.community_worker).get(f"/participation/volunteers/{registered.pk}/").content.decode()
    )
    assert (
        'id="reveal-form"'
        not in browser(people.city_leader).get(f"/participation/volunteers/{registered.pk}/").content.decode()
    )


def test_a_volunteer_sees_their_own_numbers_in_full_without_asking(registered, people):
    client = browser(people.volunteer)
    for url in ("/participation/me/", f"/participation/volunteers/{registered.pk}/"):
        text = client.get(url).content.decode()
        assert FULL_PHONE in text and FULL_ID in text, url
    own = api(people.volunteer).get(f"/api/v1/volunteers/{registered.pk}/").json()
    assert (own["phone"], own["id_number"], own["revealed"]) == (FULL_PHONE, FULL_ID, True)
    assert not reveals().exists()
