"""A resident answers on a phone through the community's link: a captcha, one answer per device and
per phone number, a limit per network address, and a clear message outside the period."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from gongjian.surveys.models import Answer, Response
from gongjian.surveys.tests.factories import a_survey, link_of
from gongjian.testing.captcha import solved_captcha

PHONE = "13912345678"


@pytest.fixture
def survey(people, small_city):
    cache.clear()
    return a_survey(user=people.city_admin, city=small_city.city, communities=[small_city.community_a1])


def _captcha() -> dict[str, str]:
    """A captcha answered as a person reading the picture would (the answer stored beside its key)."""
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


def _url(survey, community):
    return f"/surveys/s/{link_of(survey, community).token}/"


def _post(client, survey, community, *, captcha=True, **extra):
    url = _url(survey, community)
    q = {q.kind: q for q in survey.questions.all()}
    data = {
        f"q{q['single'].pk}": "比较满意",
        f"q{q['multiple'].pk}": ["停车", "绿化"],
        f"q{q['scale'].pk}": "4",
        f"q{q['text'].pk}": "希望多装路灯\x07",
        "phone": "",
        **(_captcha() if captcha else {}),
    }
    data.update(extra)
    return client.post(url, data)


def test_a_resident_answers_through_the_community_link_and_is_counted_for_that_community(client, survey, small_city):
    page = client.get(_url(survey, small_city.community_a1))
    assert "您对小区环境卫生满意吗？" in page.content.decode() and "甲一社区" in page.content.decode()
    url = _url(survey, small_city.community_a1)
    response = _post(client, survey, small_city.community_a1, **solved_captcha(client, url))
    assert response.status_code == 200 and "survey-thanks" in response.content.decode()
    answer = Response.objects.get()
    assert answer.community == small_city.community_a1 and answer.satisfied is True
    assert Answer.objects.get(response=answer, question__kind="text").text == "希望多装路灯"  # cleaned
    assert sorted(Answer.objects.get(response=answer, question__kind="multiple").choices) == ["停车", "绿化"]


def test_the_captcha_is_required(client, survey, small_city):
    response = _post(client, survey, small_city.community_a1, captcha=False)
    assert response.status_code == 400 and not Response.objects.exists()


def test_a_required_question_left_empty_is_refused(client, survey, small_city):
    q = survey.questions.get(kind="single")
    response = _post(client, survey, small_city.community_a1, **{f"q{q.pk}": ""})
    assert response.status_code == 400 and not Response.objects.exists()


def test_one_answer_per_device(client, survey, small_city):
    assert _post(client, survey, small_city.community_a1).status_code == 200
    again = _post(client, survey, small_city.community_a1)
    assert again.status_code == 409 and Response.objects.count() == 1
    assert 'id="survey-form"' not in client.get(_url(survey, small_city.community_a1)).content.decode()


def test_one_answer_per_phone_number_even_from_another_phone(client, survey, small_city, django_user_model):
    from django.test import Client

    assert _post(client, survey, small_city.community_a1, phone=PHONE).status_code == 200
    other = Client()
    assert _post(other, survey, small_city.community_a1, phone=PHONE).status_code == 409
    assert Response.objects.count() == 1


def test_the_phone_number_is_only_checked_as_a_format_and_never_kept(client, survey, small_city):
    assert _post(client, survey, small_city.community_a1, phone="12345").status_code == 400
    assert _post(client, survey, small_city.community_a1, phone=PHONE).status_code == 200
    stored = Response.objects.get()
    assert stored.phone_hash and PHONE not in stored.phone_hash and PHONE not in stored.device_hash


@pytest.mark.parametrize("days", [(-30, -1), (3, 10)])
def test_outside_the_period_the_resident_reads_a_clear_message(client, people, small_city, days):
    today = timezone.localdate()
    survey = a_survey(
        user=people.city_admin,
        city=small_city.city,
        communities=[small_city.community_a1],
        start=today + datetime.timedelta(days=days[0]),
        end=today + datetime.timedelta(days=days[1]),
    )
    page = client.get(_url(survey, small_city.community_a1))
    assert page.status_code == 410
    assert ("已于" if days[1] < 0 else "将于") in page.content.decode()  # 已于…结束 / 将于…开放
    assert 'id="survey-form"' not in page.content.decode()


def test_answers_from_one_network_address_are_limited(client, survey, small_city, monkeypatch):
    from django.test import Client

    from gongjian.surveys.views import SurveyAddressThrottle

    # SURVEY_ANSWER_RATE is read once at start-up (DRF); here two an hour.
    monkeypatch.setattr(SurveyAddressThrottle, "THROTTLE_RATES", {"survey_answer": "2/hour"})

    codes = [_post(Client(), survey, small_city.community_a1).status_code for _ in range(3)]
    assert codes == [200, 200, 429] and Response.objects.count() == 2


def test_the_qr_code_carries_the_community_link(client, survey, small_city):
    link = link_of(survey, small_city.community_a1)
    svg = client.get(f"/surveys/s/{link.token}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/surveys/s/{link.token}/qr.png")
    assert png.content.startswith(b"\x89PNG")
    assert client.get(f"/surveys/s/{link.token}/qr.gif").status_code == 404
    assert client.get("/surveys/s/not-a-token/").status_code == 404
