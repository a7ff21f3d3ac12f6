"""The documents' pages: the bulletin's draft for sign-off is the city office's alone, and is
written in the background: asking for it leads to its job's page, which offers the file."""

from __future__ import annotations

import datetime
import io
import json
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from docx import Document

from gongjian.assessments import rulespec, services
from gongjian.core.jobs.models import Job
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


def followed(client, url, capture):
    """Ask for a document (its job runs as the request commits) and follow its job to the file."""
    with capture(execute=True):
        response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    state = json.loads(client.get(f"{response['Location']}status/").content)
    assert state["status"] == "done", state
    return state, client.get(state["download_url"])


def test_the_city_office_downloads_the_draft_marked_for_sign_off(people, computed, django_capture_on_commit_callbacks):
    client = client_for(people.city_admin)
    state, response = followed(client, "/documents/bulletin/2026-08/draft.docx", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    assert document.paragraphs[0].text == "征求意见稿"
    assert Job.objects.get(pk=state["id"]).params == {"month": "2026-08", "fmt": "docx", "draft": True}
    assert client_for(people.outsider).get(f"/jobs/{state['id']}/status/").status_code == 404
    assert client_for(people.city_leader).get(state["download_url"]).status_code == 404
    month_page = client_for(people.city_admin).get("/assessments/2026-08/")
    assert b"/documents/bulletin/2026-08/draft.pdf" in month_page.content


@pytest.mark.parametrize("who", ["community_worker", "street_officer", "outsider"])
def test_no_one_else_sees_the_draft(people, computed, who):
    response = client_for(getattr(people, who)).get("/documents/bulletin/2026-08/draft.pdf")
    assert response.status_code == 404


def test_a_month_not_computed_sends_the_office_back_with_the_reason(people, small_city, computed):
    response = client_for(people.city_admin).get("/documents/bulletin/2026-13/draft.pdf")
    assert response.status_code == 404
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 10, 1, 10)):
        services.assessment_create(user=people.city_admin, city=small_city.city, month=datetime.date(2026, 9, 1))
    response = client_for(people.city_admin).get("/documents/bulletin/2026-09/draft.pdf")
    assert (response.status_code, response["Location"]) == (302, "/assessments/2026-09/")
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["2026-09的考核尚未计算：请先计算，再生成通报征求意见稿。"]
    assert not Job.objects.exists()


def test_a_draft_whose_month_was_published_meanwhile_fails_with_the_reason(people, computed):
    from gongjian.assessments import tasks

    job = tasks.bulletin_request(user=people.city_admin, assessment=computed, fmt="pdf", draft=True)
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 9, 2, 10)):
        services.assessment_publish(user=people.city_admin, assessment=computed)
    tasks.bulletin_render.enqueue(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", tasks.DRAFT_PUBLISHED % {"month": "2026-08"})
    state = json.loads(client_for(people.city_admin).get(f"/jobs/{job.pk}/status/").content)
    assert state["message"] == "2026-08的考核已发布：通报已正式印发，不再出征求意见稿。"


def test_without_the_shipped_fonts_the_pdf_draft_is_refused_at_once(people, computed, settings, tmp_path):
    settings.FONT_DIR = tmp_path
    response = client_for(people.city_admin).get("/documents/bulletin/2026-08/draft.pdf")
    assert (response.status_code, response["Location"]) == (302, "/assessments/2026-08/")
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(said) == 1 and "make assets" in said[0] and str(tmp_path) in said[0]
    assert not Job.objects.exists()
    assert client_for(people.outsider).get("/documents/bulletin/2026-08/draft.pdf").status_code == 404
