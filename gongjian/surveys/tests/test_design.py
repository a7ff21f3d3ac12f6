"""The city office writes a questionnaire as lines of text; every mistake is named by its line; once
published its questions are frozen and a change is a new version."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from gongjian.core.errors import Conflict
from gongjian.core.models import AuditEvent
from gongjian.surveys import design, services
from gongjian.surveys.models import Survey
from gongjian.surveys.tests.factories import QUESTIONS, a_survey


def test_the_four_kinds_of_question_are_read_in_order_with_the_satisfaction_rule():
    questions = design.parse_questions(QUESTIONS)
    assert [q.kind for q in questions] == ["single", "multiple", "scale", "text"]
    first, _multiple, scale, text = questions
    assert first.is_satisfaction and first.satisfied_options == ["满意", "比较满意"]
    assert (scale.scale_min, scale.scale_max, scale.options) == (1, 5, ["很不满意", "很满意"])
    assert not text.required


def test_a_scale_can_be_the_satisfaction_question_from_a_value():
    (q,) = design.parse_questions("scale | 打几分？ | 1-5 | satisfied: >=4")
    assert q.is_satisfaction and q.satisfied_min == 4


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("rating | 打几分？ | 1-5 | satisfied: >=4", "line 1"),
        ("single | 满意吗？ | 满意 | satisfied: 满意", "at least two options"),
        ("single | 满意吗？ | 满意; 不满意 | satisfied: 很满意", "among the options"),
        ("scale | 打几分？ | 5-1 | satisfied: >=4", "range"),
        ("scale | 打几分？ | 1-5 | satisfied: >=6", "outside the scale"),
        ("text | 建议？ | satisfied: 好", "free-text"),
        ("single | 满意吗？ | 满意; 不满意", "exactly one"),
        ("single | 满意吗？ | 满意; 不满意 | satisfied: 满意\nscale | 打几分？ | 1-5 | satisfied: >=4", "exactly one"),
        ("", "at least one question"),
    ],
)
def test_a_badly_written_questionnaire_is_refused_with_the_reason(text, fragment, english):
    with pytest.raises(design.DesignInvalid) as refused:
        design.parse_questions(text)
    assert any(fragment in error for error in refused.value.errors)


def test_written_questions_read_back_to_the_same_questions():
    assert design.parse_questions(design.as_text(design.parse_questions(QUESTIONS))) == design.parse_questions(
        QUESTIONS
    )


def test_the_office_designs_through_the_page_and_it_is_audited(client, people, small_city):
    client.force_login(people.city_admin)
    response = client.post(
        "/surveys/office/new/",
        {
            "title": "满意度调查",
            "intro": "",
            "start_date": "2026-12-01",
            "end_date": "2026-12-31",
            "questions": QUESTIONS,
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and survey.questions.count() == 4
    assert survey.city == small_city.city
    assert AuditEvent.objects.filter(action="survey.create", target_id=str(survey.pk)).exists()


def test_a_mistake_in_the_design_page_changes_nothing(client, people, small_city):
    client.force_login(people.city_admin)
    response = client.post(
        "/surveys/office/new/",
        {"title": "满意度调查", "start_date": "2026-12-31", "end_date": "2026-12-01", "questions": QUESTIONS},
    )
    assert response.status_code == 400 and not Survey.objects.exists()


def test_once_published_the_questions_are_frozen_and_a_change_is_a_new_version(people, small_city):
    survey = a_survey(user=people.city_admin, city=small_city.city, communities=[small_city.community_a1])
    with pytest.raises(Conflict):
        services.survey_update(
            user=people.city_admin,
            survey=survey,
            title="改",
            intro="",
            start_date=survey.start_date,
            end_date=survey.end_date,
            questions_text="text | 只剩一个问题？",
        )
    assert survey.questions.count() == 4
    copy = services.survey_new_version(user=people.city_admin, survey=survey)
    assert (copy.version, copy.previous, copy.status) == (2, survey, "draft")
    assert design.as_text(copy.questions.all()) == design.as_text(survey.questions.all())


def test_the_edit_page_of_a_published_survey_refuses_to_change_it(client, people, small_city):
    survey = a_survey(user=people.city_admin, city=small_city.city, communities=[small_city.community_a1])
    client.force_login(people.city_admin)
    response = client.post(
        f"/surveys/office/{survey.pk}/edit/",
        {"title": "改", "start_date": "2026-12-01", "end_date": "2026-12-31", "questions": "text | 改？"},
    )
    assert response.status_code == 302 and survey.questions.count() == 4


def test_publishing_to_a_street_reaches_all_its_communities_each_with_its_link(client, people, small_city):
    survey = a_survey(user=people.city_admin, city=small_city.city, published=False)
    client.force_login(people.city_admin)
    client.post(f"/surveys/office/{survey.pk}/publish/", {"street": str(small_city.street_a.pk)})
    survey.refresh_from_db()
    assert survey.status == "published"
    assert {link.community for link in survey.communities.all()} == {small_city.community_a1, small_city.community_a2}
    assert AuditEvent.objects.filter(action="survey.publish", target_id=str(survey.pk)).exists()


def test_publishing_to_nobody_is_refused(people, small_city):
    survey = a_survey(user=people.city_admin, city=small_city.city, published=False)
    with pytest.raises(ValidationError):
        services.survey_publish(user=people.city_admin, survey=survey, communities=[])
    survey.refresh_from_db()
    assert survey.status == "draft"
