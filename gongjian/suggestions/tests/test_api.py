"""GET /api/v1/categories/suggest/: who may ask, what comes back, and what is refused."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gongjian.inspections.models import Category
from gongjian.suggestions import services
from gongjian.suggestions.api import TEXT_MAX_LENGTH

pytestmark = pytest.mark.django_db

SUGGEST = "/api/v1/categories/suggest/"


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def trained(closed_history):
    closed_history(20)
    return services.category_model_train().model


def test_an_inspector_gets_at_most_three_categories_best_first(trained, people):
    response = client_for(people.inspector).get(SUGGEST, {"text": "小区南门电动车乱停放"})

    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0] == {"code": "09010", "name": "非机动车乱停放", "score": suggestions[0]["score"]}
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True) and all(0.15 <= s <= 1 for s in scores)


def test_a_street_officer_and_the_city_office_may_ask_too(trained, people):
    for user in (people.street_officer, people.city_admin):
        assert client_for(user).get(SUGGEST, {"text": "垃圾桶满溢"}).json()["suggestions"][0]["code"] == "06042"


def test_without_a_model_the_answer_is_an_empty_list(people):
    response = client_for(people.inspector).get(SUGGEST, {"text": "小区南门电动车乱停放"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": []}


def test_too_little_history_gives_no_model_and_no_suggestion(closed_history, people):
    closed_history(9)
    assert services.category_model_train().model is None
    assert client_for(people.inspector).get(SUGGEST, {"text": "小区南门电动车乱停放"}).json() == {"suggestions": []}


@pytest.mark.parametrize("text", ["", "今天天气很好"])
def test_a_blank_or_unrelated_text_gets_an_empty_list(trained, people, text):
    assert client_for(people.inspector).get(SUGGEST, {"text": text}).json() == {"suggestions": []}


def test_a_category_no_longer_in_use_is_not_suggested(trained, people):
    Category.objects.filter(code="09010").update(is_active=False)
    codes = [
        s["code"] for s in client_for(people.inspector).get(SUGGEST, {"text": "电动车乱停放"}).json()["suggestions"]
    ]
    assert "09010" not in codes


def test_control_characters_are_cleaned_before_the_model_reads_the_text(trained, people):
    client = client_for(people.inspector)
    clean = client.get(SUGGEST, {"text": "电动车乱停放"}).json()
    assert client.get(SUGGEST, {"text": "电动\x00车乱\x1b停放"}).json() == clean


def test_an_over_long_text_is_a_translated_400(trained, people):
    response = client_for(people.inspector).get(SUGGEST, {"text": "电" * (TEXT_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert response.json() == {"text": [f"最多填写 {TEXT_MAX_LENGTH} 个字符。"]}


def test_a_text_of_the_longest_length_is_read(trained, people):
    assert client_for(people.inspector).get(SUGGEST, {"text": "电动车乱停放" * 83}).status_code == 200


def test_a_missing_text_is_a_400_naming_the_field(people):
    response = client_for(people.inspector).get(SUGGEST)
    assert response.status_code == 400
    assert list(response.json()) == ["text"]


def test_anonymous_callers_are_refused(trained):
    response = APIClient().get(SUGGEST, {"text": "电动车乱停放"})
    assert response.status_code == 401


@pytest.mark.parametrize("who", ["outsider", "volunteer", "community_worker", "liaison", "city_leader"])
def test_those_who_do_not_report_problems_get_403(trained, people, who):
    response = client_for(getattr(people, who)).get(SUGGEST, {"text": "电动车乱停放"})
    assert response.status_code == 403
    assert response.json() == {"detail": "只有上报问题的人员可获得类别推荐。"}


def test_a_token_works_as_for_every_other_endpoint(trained, people):
    from gongjian.accounts.tokens import api_token_issue

    _token, key = api_token_issue(user=people.inspector)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(SUGGEST, {"text": "电动车乱停放"}).status_code == 200


def test_the_categories_list_still_answers_beside_it(people):
    response = client_for(people.inspector).get("/api/v1/categories/06036/")
    assert response.status_code == 200 and response.json()["code"] == "06036"
