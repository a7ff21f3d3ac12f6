"""The public sign-up page resists abuse: a captcha made on this server, a limit per address, and
the same answer whether or not the phone or ID number is already registered (the reviewer sees
the duplicate, the visitor never does)."""

import re

import pytest
from django.test import Client

from gongjian.accounts.throttles import SignUpRateThrottle
from gongjian.participation.choices import VolunteerStatus
from gongjian.participation.models import Volunteer
from gongjian.participation.tests.factories import id_number, phone, volunteer
from gongjian.testing.captcha import solved_captcha

pytestmark = pytest.mark.django_db

URL = "/participation/volunteers/sign-up/"


def sign_up(client: Client, community, **fields) -> object:
    form = {"community": community.pk, "name": "报名人", "phone": phone(9), "party_status": "none", **fields}
    return client.post(URL, {**form, **solved_captcha(client)})


def test_a_visitor_without_the_captcha_is_refused_and_nothing_is_saved(small_city):
    client = Client()
    form = {"community": small_city.community_a1.pk, "name": "机器人", "phone": phone(9), "party_status": "none"}
    assert client.post(URL, form).status_code == 400
    wrong = client.post(URL, {**form, "captcha_0": solved_captcha(client)["captcha_0"], "captcha_1": "WRONG"})
    assert wrong.status_code == 400
    assert not Volunteer.objects.exists()


def test_a_visitor_who_solves_the_captcha_is_signed_up(small_city):
    response = sign_up(Client(), small_city.community_a1)
    assert response.status_code == 302
    assert Volunteer.objects.get().status == VolunteerStatus.PENDING


def test_the_captcha_is_a_picture_from_this_server_and_the_page_has_no_inline_script(small_city):
    page = Client().get(URL)
    html = page.content.decode()
    image = re.search(r'<img src="(/captcha/image/[0-9a-f]+/)"', html).group(1)
    picture = Client().get(image)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "the CSP forbids inline scripts"
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_a_signed_in_user_is_not_asked_for_a_captcha(small_city, people):
    client = Client()
    client.force_login(people.volunteer)
    response = client.post(
        URL, {"community": small_city.community_a1.pk, "name": "自报名", "phone": phone(8), "party_status": "none"}
    )
    assert response.status_code == 302


def test_sign_ups_are_limited_per_address(small_city, monkeypatch):
    monkeypatch.setattr(SignUpRateThrottle, "THROTTLE_RATES", {"sign_up": "2/hour"})
    flood = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_up(flood, small_city.community_a1, phone=phone(1)).status_code == 302
    assert sign_up(flood, small_city.community_a1, phone=phone(2)).status_code == 302
    limited = sign_up(flood, small_city.community_a1, phone=phone(3))
    assert limited.status_code == 429
    assert Volunteer.objects.count() == 2
    neighbour = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_up(neighbour, small_city.community_a1, phone=phone(4)).status_code == 302


@pytest.mark.parametrize("same", ["phone", "id_number"])
def test_a_visitor_cannot_learn_whether_someone_is_registered(small_city, people, same):
    """GIVEN a volunteer registered in community A1 WHEN a visitor signs up there with the same
    phone (or ID number) THEN the visitor gets exactly the answer a new person gets, and the
    sign-up waits for review flagged as a possible duplicate."""
    volunteer(people.community_worker, small_city.community_a1, seq=1)
    new_person = sign_up(Client(), small_city.community_a1, phone=phone(5), id_number=id_number(5))
    duplicate_fields = {"phone": phone(1)} if same == "phone" else {"phone": phone(6), "id_number": id_number(1)}
    duplicate = sign_up(Client(), small_city.community_a1, **duplicate_fields)
    assert (duplicate.status_code, duplicate["Location"]) == (new_person.status_code, new_person["Location"])
    flagged = Volunteer.objects.get(status=VolunteerStatus.PENDING, possible_duplicate=True)
    assert flagged.phone == duplicate_fields["phone"]
    assert not Volunteer.objects.get(phone=phone(5)).possible_duplicate


def test_the_reviewer_sees_the_duplicate_and_cannot_accept_it(small_city, people):
    existing = volunteer(people.community_worker, small_city.community_a1, seq=1)
    sign_up(Client(), small_city.community_a1, phone=phone(1))
    pending = Volunteer.objects.get(status=VolunteerStatus.PENDING)
    worker = Client()
    worker.force_login(people.community_worker)
    page = worker.get(f"/participation/volunteers/{pending.pk}/").content.decode()
    assert 'id="possible-duplicate"' in page
    worker.post(f"/participation/volunteers/{pending.pk}/review/", {"approve": "true"})
    pending.refresh_from_db()
    assert pending.status == VolunteerStatus.PENDING, "refused: the person is already registered"
    worker.post(f"/participation/volunteers/{pending.pk}/review/", {"approve": "false"})
    pending.refresh_from_db()
    assert pending.status == VolunteerStatus.REJECTED
    assert Volunteer.objects.filter(status=VolunteerStatus.ACTIVE).get() == existing
