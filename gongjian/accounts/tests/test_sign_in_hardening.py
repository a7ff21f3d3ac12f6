"""Sign-in cannot be turned against users: lockout per account AND address, limits per address
(wrong passwords across accounts, token requests), API tokens that expire, are revoked with the
password and on logout, and that their owner can list and revoke."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from knox.models import AuthToken
from rest_framework.test import APIClient

from gongjian.accounts.services import user_set_password
from gongjian.accounts.throttles import TokenRateThrottle
from gongjian.core.models import AuditEvent
from gongjian.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

STRANGER = "203.0.113.66"
OFFICE = "198.51.100.10"


def token_request(username, password, address=OFFICE):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def login_page(username, password, address=OFFICE):
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})


def api_as(token, address=OFFICE) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- lockout and limits ------------------------------------------------------------------------


def test_a_stranger_failing_from_elsewhere_cannot_lock_the_city_admin_out_of_the_api(people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        token_request("city_admin", "wrong", address=STRANGER)
    assert token_request("city_admin", PASSWORD, address=OFFICE).status_code == 200


def test_a_stranger_failing_from_elsewhere_cannot_lock_the_city_admin_out_of_the_login_page(people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        login_page("city_admin", "wrong", address=STRANGER)
    response = login_page("city_admin", PASSWORD, address=OFFICE)
    assert response.status_code == 302, "the real user signs in from their own address"


def test_the_stranger_himself_is_locked_out_of_that_account(people, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_request("city_admin", "wrong", address=STRANGER)
    response = token_request("city_admin", PASSWORD, address=STRANGER)
    assert response.status_code == 429


def test_password_spraying_across_accounts_from_one_address_is_stopped(people, settings):
    """GIVEN an address that tried one wrong password on several accounts (fewer than the
    per-account limit each) WHEN it then tries yet another account, even with the right password
    THEN it must wait (429) — while other addresses sign in as usual."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for username in ["city_admin", "city_leader", "street_officer", "inspector"]:
        assert token_request(username, "Password1", address=STRANGER).status_code == 400
    assert token_request("community_worker", PASSWORD, address=STRANGER).status_code == 429
    assert login_page("community_worker", PASSWORD, address=STRANGER).status_code == 429
    assert token_request("community_worker", PASSWORD, address=OFFICE).status_code == 200


def test_failures_on_the_login_page_count_for_the_api_too(people, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for username in ["city_admin", "city_leader", "street_officer"]:
        login_page(username, "wrong", address=STRANGER)
    assert token_request("inspector", PASSWORD, address=STRANGER).status_code == 429


def test_successful_sign_ins_from_a_shared_office_address_are_not_limited(people, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    for username in ["city_admin", "city_leader", "street_officer", "inspector", "community_worker"]:
        assert login_page(username, PASSWORD, address=OFFICE).status_code == 302


def test_the_token_endpoint_is_rate_limited_per_address(people, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    for _ in range(3):
        assert token_request("city_admin", PASSWORD, address=STRANGER).status_code == 200
    limited = token_request("city_admin", PASSWORD, address=STRANGER)
    assert limited.status_code == 429
    assert set(limited.json()) == {"detail"}
    assert token_request("city_admin", PASSWORD, address=OFFICE).status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(people, settings):
    settings.PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=STRANGER).post(
            "/api/v1/auth/token/", {"username": "city_admin", "password": "wrong"}, format="json"
        )
    through_proxy = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=OFFICE).post(
        "/api/v1/auth/token/", {"username": "city_admin", "password": PASSWORD}, format="json"
    )
    assert through_proxy.status_code == 200


# --- tokens --------------------------------------------------------------------------------------


def test_a_token_expires_after_its_configured_lifetime(people, settings):
    token = token_request("community_worker", PASSWORD).json()["token"]
    assert api_as(token).get("/api/v1/me/").status_code == 200
    later = timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1)
    with freeze_time(later):
        assert api_as(token).get("/api/v1/me/").status_code == 401


def test_the_token_answer_says_when_it_expires(people, settings):
    body = token_request("community_worker", PASSWORD).json()
    expiry = datetime.datetime.fromisoformat(body["expiry"])
    expected = timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert abs((expiry - expected).total_seconds()) < 60


def test_tokens_are_stored_hashed_not_in_clear(people):
    token = token_request("community_worker", PASSWORD).json()["token"]
    stored = AuthToken.objects.get(user=people.community_worker)
    assert token not in {stored.digest, stored.token_key}


def test_changing_the_password_on_the_page_revokes_every_token(people):
    first = token_request("community_worker", PASSWORD).json()["token"]
    second = token_request("community_worker", PASSWORD).json()["token"]
    browser = Client()
    browser.force_login(people.community_worker)
    response = browser.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    assert api_as(first).get("/api/v1/me/").status_code == 401
    assert api_as(second).get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="api_token.revoke_all", target_id=str(people.community_worker.pk)).exists()


def test_a_password_set_by_a_service_revokes_every_token(people):
    token = token_request("community_worker", PASSWORD).json()["token"]
    user_set_password(actor=people.city_admin, user=people.community_worker, password="another-long-passphrase")
    assert api_as(token).get("/api/v1/me/").status_code == 401


def test_a_password_set_in_the_admin_revokes_every_token(people):
    token = token_request("community_worker", PASSWORD).json()["token"]
    admin = Client()
    admin.force_login(people.city_admin)
    response = admin.post(
        f"/admin/accounts/user/{people.community_worker.pk}/password/",
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )
    assert response.status_code == 302
    assert api_as(token).get("/api/v1/me/").status_code == 401


def test_logging_out_revokes_the_token_used_and_only_it(people):
    phone = token_request("community_worker", PASSWORD).json()["token"]
    laptop = token_request("community_worker", PASSWORD).json()["token"]
    assert api_as(phone).post("/api/v1/auth/logout/").status_code == 204
    assert api_as(phone).get("/api/v1/me/").status_code == 401
    assert api_as(laptop).get("/api/v1/me/").status_code == 200


def test_logging_out_everywhere_revokes_every_token(people):
    phone = token_request("community_worker", PASSWORD).json()["token"]
    laptop = token_request("community_worker", PASSWORD).json()["token"]
    assert api_as(phone).post("/api/v1/auth/logout-all/").status_code == 204
    assert api_as(laptop).get("/api/v1/me/").status_code == 401


def test_a_user_lists_their_tokens_without_the_secret_and_revokes_one(people):
    token = token_request("community_worker", PASSWORD).json()["token"]
    other = token_request("community_worker", PASSWORD).json()["token"]
    client = api_as(token)
    listed = client.get("/api/v1/auth/tokens/")
    assert listed.status_code == 200
    assert listed["Cache-Control"].count("no-store") == 1
    keys = [row["token_key"] for row in listed.json()]
    assert len(keys) == 2
    assert all(token not in str(row) and other not in str(row) for row in listed.json())
    assert client.delete(f"/api/v1/auth/tokens/{other[:15]}/").status_code == 204
    assert api_as(other).get("/api/v1/me/").status_code == 401
    assert api_as(token).get("/api/v1/me/").status_code == 200


def test_nobody_sees_or_revokes_someone_elses_tokens(people):
    victim = token_request("community_worker", PASSWORD).json()["token"]
    charlie = token_request("charlie", PASSWORD).json()["token"]
    assert [row["token_key"] for row in api_as(charlie).get("/api/v1/auth/tokens/").json()] == [charlie[:15]]
    assert api_as(charlie).delete(f"/api/v1/auth/tokens/{victim[:15]}/").status_code == 404
    assert api_as(victim).get("/api/v1/me/").status_code == 200


def test_the_tokens_page_lists_and_revokes_tokens_of_the_signed_in_user_only(people):
    mine = token_request("community_worker", PASSWORD).json()["token"]
    theirs = token_request("street_officer", PASSWORD).json()["token"]
    browser = Client()
    browser.force_login(people.community_worker)
    page = browser.get("/accounts/tokens/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert mine[:15] in page.content.decode()
    assert theirs[:15] not in page.content.decode()
    assert browser.post(f"/accounts/tokens/{theirs[:15]}/revoke/").status_code == 302
    assert api_as(theirs).get("/api/v1/me/").status_code == 200, "another user's token is untouched"
    browser.post(f"/accounts/tokens/{mine[:15]}/revoke/")
    assert api_as(mine).get("/api/v1/me/").status_code == 401


def test_the_tokens_page_needs_sign_in(db):
    assert Client().get("/accounts/tokens/").status_code == 302
