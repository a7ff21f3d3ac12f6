"""The OpenAPI schema tells the truth: schemathesis sends generated requests to every operation
of /api/schema/, in-process against the Django app and the test database, as the city office and
as a community worker, and fails on any server error or any answer the schema does not describe
(status code, content type, body).

Bounded in time: SCHEMATHESIS_MAX_EXAMPLES examples per operation and role (default 4)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from gongjian.accounts import tokens
from gongjian.inspections.tests.factories import reported
from gongjian.participation.tests.factories import volunteer

# The answers' shapes come from the same views and serializers on either engine (the values that
# reach the database — NUL characters, huge numbers — are tested on both by tests/hostile), so
# make test sweeps once, in one engine's run (conftest.py: engine_independent).
pytestmark = [pytest.mark.django_db(transaction=False), pytest.mark.engine_independent]

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "4"))


def _schema() -> dict:
    import django

    django.setup()
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()

_CHECK_NAMES = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
}
CHECKS_USED = [check for check in CHECKS.get_all() if check.__name__ in _CHECK_NAMES]


@pytest.fixture(autouse=True)
def _the_test_keeps_its_connection():
    """The app is called as WSGI, so Django closes "old" connections around each request; inside the
    test's transaction that would close it (PostgreSQL). Django's own test client stops this the
    same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def city_data(small_city, people):
    """A small city with a problem and a volunteer, and a token for each role under test."""
    reported(people.inspector, small_city.compound_a1)
    volunteer(people.community_worker, small_city.community_a1, seq=1)
    return {
        "city": tokens.api_token_issue(user=people.city_admin)[1],
        "community": tokens.api_token_issue(user=people.community_worker)[1],
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_the_schema_says(case, city_data):
    for role in ("city", "community"):
        headers = {"Authorization": f"Token {city_data[role]}"}
        response = case.call(headers=headers, environ_base={"REMOTE_ADDR": "10.9.9.9"})
        case.validate_response(response, checks=CHECKS_USED, headers=headers)
