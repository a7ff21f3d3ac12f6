"""A questionnaire made the way the office makes it (through the services), and responses given
the way a phone gives them."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from gongjian.surveys import services
from gongjian.surveys.models import Survey, SurveyCommunity

QUESTIONS = """single | 您对小区环境卫生满意吗？ | 满意; 比较满意; 一般; 不满意 | satisfied: 满意; 比较满意
multiple | 您最希望改进哪些方面？ | 垃圾分类; 停车; 绿化 | optional
scale | 您对社区创建工作打几分？ | 1-5 | labels: 很不满意; 很满意
text | 您还有什么建议？ | optional"""

_devices = itertools.count(1)


def a_survey(*, user, city, communities=(), published=True, start=None, end=None, questions=QUESTIONS) -> Survey:
    today = timezone.localdate()
    survey = services.survey_create(
        user=user,
        city=city,
        title="2026年群众满意度调查",
        intro="",
        start_date=start or today - datetime.timedelta(days=5),
        end_date=end or today + datetime.timedelta(days=25),
        questions_text=questions,
    )
    if published:
        services.survey_publish(user=user, survey=survey, communities=list(communities))
    return survey


def link_of(survey: Survey, community) -> SurveyCommunity:
    return SurveyCommunity.objects.get(survey=survey, community=community)


def answers_for(survey: Survey, *, satisfaction="满意", scale=4, text="", many=()) -> dict:
    out = {}
    for q in survey.questions.all():
        out[q.pk] = {
            "single": [satisfaction] if satisfaction else [],
            "multiple": list(many),
            "scale": scale,
            "text": text,
        }[q.kind]
    return out


def respond(survey: Survey, community, *, times: int = 1, **answer) -> None:
    """``times`` residents of ``community`` answer (each on a phone of their own)."""
    link = link_of(survey, community)
    for _ in range(times):
        services.response_submit(link=link, answers=answers_for(survey, **answer), device_id=f"device-{next(_devices)}")
