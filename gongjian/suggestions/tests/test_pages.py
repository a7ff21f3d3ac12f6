"""The city office's page: the current model's figures, and retraining as a background job."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongjian.core.jobs.models import Job
from gongjian.suggestions import services
from gongjian.suggestions.models import CategoryModel

pytestmark = pytest.mark.django_db

PAGE = "/suggestions/"
RETRAIN = "/suggestions/retrain/"


def test_the_city_office_sees_the_current_models_figures(client, closed_history, people):
    closed_history(20)
    model = services.category_model_train(user=people.city_admin).model
    client.force_login(people.city_admin)

    page = client.get(PAGE).content.decode()

    assert f'id="suggestions-top3">{model.top3:.2f}<' in page
    assert "09010 非机动车乱停放" in page
    assert "120 个已销号问题可供学习" in page
    assert 'id="suggestions-history"' in page


def test_without_a_model_the_page_says_so(client, people):
    client.force_login(people.city_admin)
    assert 'id="suggestions-none"' in client.get(PAGE).content.decode()


def test_the_menu_shows_the_page_to_the_city_office_only(client, people):
    client.force_login(people.city_admin)
    assert PAGE in client.get(reverse("home")).content.decode()
    client.force_login(people.inspector)
    assert PAGE not in client.get(reverse("home")).content.decode()


def test_retraining_from_the_page_runs_as_a_job(client, closed_history, people, django_capture_on_commit_callbacks):
    closed_history(20)
    client.force_login(people.city_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RETRAIN)

    job = Job.objects.get(kind="suggestions.train")
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and job.requested_by == people.city_admin
    assert CategoryModel.objects.get().trained_by == people.city_admin
    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 200


def test_a_retraining_on_too_little_history_ends_with_the_reason(
    client, closed_history, people, django_capture_on_commit_callbacks
):
    closed_history(5)
    client.force_login(people.city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RETRAIN)
    job = Job.objects.get(kind="suggestions.train")
    assert job.status == "done" and job.result["trained"] is False
    assert job.result["summary"] == "Only 30 closed problems to learn from; at least 60 are needed."
    assert not CategoryModel.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "street_officer", "city_leader", "outsider"])
def test_anyone_else_is_refused_and_nothing_is_queued(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get(PAGE).status_code == 403
    assert client.post(RETRAIN).status_code == 403
    assert not Job.objects.exists()


def test_someone_signed_out_is_sent_to_sign_in(client):
    assert client.get(PAGE).status_code == 302
    assert client.post(RETRAIN).status_code == 302


def test_the_job_is_hidden_from_others(client, closed_history, people, django_capture_on_commit_callbacks):
    closed_history(20)
    client.force_login(people.city_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RETRAIN)
    job = Job.objects.get()
    client.force_login(people.outsider)
    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 404


def test_retraining_needs_a_post(client, people):
    client.force_login(people.city_admin)
    assert client.get(RETRAIN).status_code == 405
