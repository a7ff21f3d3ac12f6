"""The bulletin is rendered in the background once the month is published: asking for it leads to
its job's page, which is followed until the file downloads; strangers get not found."""

import io
import json

import docx
import pytest
from django.contrib.messages import get_messages
from django.test import Client

from gongjian.assessments import services
from gongjian.assessments.tests.test_engine import month  # noqa: F401  (the hand-made month)
from gongjian.core.jobs.models import Job

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def asked(client, url, capture):
    """Ask for the bulletin (its task runs as the request commits) and follow it to its file."""
    with capture(execute=True):
        response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"js-job" in page.content
    state = json.loads(client.get(f"{response['Location']}status/").content)
    assert state["status"] == "done", state
    return state, client.get(state["download_url"])


def test_an_unpublished_month_has_no_bulletin_yet(month, people):  # noqa: F811
    response = signed_in(people.city_admin).get("/assessments/2026-03/bulletin.docx")
    assert response.status_code == 302
    assert response["Location"] == "/assessments/2026-03/"
    assert not Job.objects.exists()


def test_a_community_worker_downloads_the_published_bulletin_in_word(
    month,  # noqa: F811
    people,
    django_capture_on_commit_callbacks,
):
    assessment, *_ = month
    services.assessment_publish(user=people.city_admin, assessment=assessment)
    client = signed_in(people.community_worker)
    state, response = asked(client, "/assessments/2026-03/bulletin.docx", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "attachment; filename*=UTF-8''" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(b"".join(response.streaming_content)))
    assert any("考核情况的通报" in p.text for p in document.paragraphs)


def test_the_pdf_bulletin_is_a_pdf_and_strangers_get_not_found(
    month,  # noqa: F811
    people,
    django_capture_on_commit_callbacks,
):
    assessment, *_ = month
    services.assessment_publish(user=people.city_admin, assessment=assessment)
    state, response = asked(
        signed_in(people.city_leader), "/assessments/2026-03/bulletin.pdf", django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    outsider = signed_in(people.outsider)
    assert outsider.get("/assessments/2026-03/bulletin.pdf").status_code == 404
    assert outsider.get(f"/jobs/{state['id']}/status/").status_code == 404
    assert outsider.get(state["download_url"]).status_code == 404
    assert signed_in(people.city_admin).get(f"/jobs/{state['id']}/").status_code == 404  # not theirs
    assert signed_in(people.city_admin).get("/assessments/2026-03/bulletin.odt").status_code == 404


def test_without_the_shipped_fonts_the_pdf_is_refused_with_a_message_and_outsiders_still_see_nothing(
    month,  # noqa: F811
    people,
    settings,
    tmp_path,
):
    assessment, *_ = month
    services.assessment_publish(user=people.city_admin, assessment=assessment)
    settings.FONT_DIR = tmp_path
    client = signed_in(people.city_leader)
    response = client.get("/assessments/2026-03/bulletin.pdf")
    assert response.status_code == 302 and response["Location"] == "/assessments/2026-03/"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(shown) == 1 and "make assets" in shown[0] and str(tmp_path) in shown[0]
    assert signed_in(people.outsider).get("/assessments/2026-03/bulletin.pdf").status_code == 404
