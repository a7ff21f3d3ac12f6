"""Passwords are hashed with Argon2id at OWASP's minimum; older PBKDF2 hashes still sign in and are
upgraded at that sign-in (docs/decisions/0004-password-hasher.md)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test.utils import override_settings

from config import settings as production_settings
from gongjian.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTION_HASHERS = production_settings.PASSWORD_HASHERS


def test_production_hashes_new_passwords_with_argon2id_at_19_mib_two_passes_one_lane():
    with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
        encoded = make_password("a long enough passphrase")

    algorithm, variety, version, params, *_ = encoded.split("$")
    assert (algorithm, variety) == ("argon2", "argon2id")
    assert params == "m=19456,t=2,p=1"


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_a_user_with_an_old_pbkdf2_hash_signs_in_and_the_hash_is_upgraded(client):
    user = UserFactory(username="old-hash")
    user.password = make_password("old-but-correct", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = client.post("/accounts/login/", {"username": "old-hash", "password": "old-but-correct"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


@override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS)
def test_a_wrong_password_against_an_argon2_hash_is_refused(client):
    user = UserFactory(username="argon-user")
    user.set_password("the right one")
    user.save(update_fields=["password"])

    response = client.post("/accounts/login/", {"username": "argon-user", "password": "the wrong one"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
