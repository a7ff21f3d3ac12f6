"""The OpenAPI schema: behind sign-in in production, and saying what the endpoints really do
(errors in the shapes of api/errors.py, the status codes they give, pagination only where the
endpoint pages, months as YYYY-MM text)."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operation(schema, path, method):
    return schema["paths"][path][method]


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_its_docs_need_sign_in_in_production(url, people, settings):
    assert settings.DEBUG is False
    assert APIClient().get(url).status_code in (401, 403)
    client = Client()
    client.force_login(people.outsider)
    assert client.get(url).status_code == 200


def test_error_answers_are_documented_in_their_real_shape(schema):
    detail = operation(schema, "/api/v1/problems/{id}/", "get")["responses"]
    assert {"200", "401", "403", "404"} <= set(detail)
    assert detail["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    review = operation(schema, "/api/v1/problems/{id}/review/", "post")["responses"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(review)
    assert review["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationError")
    token = operation(schema, "/api/v1/auth/token/", "post")["responses"]
    assert {"200", "400", "429"} <= set(token) and "401" not in token


def test_a_validation_error_may_name_any_field(schema):
    component = schema["components"]["schemas"]["ValidationError"]
    assert component.get("additionalProperties", True) is not False
    assert "required" not in component


def test_lists_are_declared_paginated_only_where_they_page(schema):
    def is_paginated(path):
        body = operation(schema, path, "get")["responses"]["200"]["content"]["application/json"]["schema"]
        ref = body.get("$ref", "")
        return ref.split("/")[-1].startswith("Paginated")

    assert is_paginated("/api/v1/problems/")
    assert not is_paginated("/api/v1/auth/tokens/")


def test_the_token_list_answers_as_declared(people):
    client = APIClient()
    client.force_authenticate(people.city_admin)
    assert isinstance(client.get("/api/v1/auth/tokens/").json(), list)


def test_a_rule_sets_month_is_text_of_a_month(schema):
    month = schema["components"]["schemas"]["RuleSetSummary"]["properties"]["effective_from"]
    assert month["type"] == "string" and month["pattern"] == r"^\d{4}-\d{2}$"
    assert "format" not in month


def test_a_rule_set_with_a_yes_no_where_grades_belong_is_a_400_not_a_500(people):
    """Found by schemathesis: ``"grades": false`` made the rule set parser raise."""
    client = APIClient()
    client.force_authenticate(people.city_admin)
    body = {
        "name": "细则",
        "version": 1,
        "effective_from": "2026-01",
        "total_points": "100",
        "items": [{"code": "1", "name": "项", "points": "10", "method": "grade", "grades": False}],
    }
    response = client.post("/api/v1/rulesets/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]
