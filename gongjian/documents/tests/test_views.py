"""The documents' pages: the bulletin's draft for sign-off is the city office's alone."""

from __future__ import annotations

import datetime
import io
from unittest import mock

import pytest
from django.test import Client
from docx import Document

from gongjian.assessments import rulespec, services
from gongjian.documents.tests.test_bulletin import RULES
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(small_city, people):
    admin = people.city_admin
    known = set(Category.objects.values_list("code", flat=True))
    services.ruleset_create(
        user=admin, city=small_city.city, spec=rulespec.parse_ruleset(RULES, known_categories=known)
    )
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 9, 1, 10)):
        assessment = services.assessment_create(user=admin, city=small_city.city, month=datetime.date(2026, 8, 1))
        services.assessment_compute(user=admin, assessment=assessment)
    return assessment


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_city_office_downloads_the_draft_marked_for_sign_off(people, computed):
    response = client_for(people.city_admin).get("/documents/bulletin/2026-08/draft.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    assert document.paragraphs[0].text == "征求意见稿"
    month_page = client_for(people.city_admin).get("/assessments/2026-08/")
    assert b"/documents/bulletin/2026-08/draft.pdf" in month_page.content


@pytest.mark.parametrize("who", ["community_worker", "street_officer", "outsider"])
def test_no_one_else_sees_the_draft(people, computed, who):
    response = client_for(getattr(people, who)).get("/documents/bulletin/2026-08/draft.pdf")
    assert response.status_code == 404


def test_a_month_not_computed_sends_the_office_back_with_the_reason(people, small_city, computed):
    response = client_for(people.city_admin).get("/documents/bulletin/2026-13/draft.pdf")
    assert response.status_code == 404
