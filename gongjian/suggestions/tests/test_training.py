"""Training on the closed problems: the command, the stored model and its row, loading it once per
process, and too little history giving no model."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from gongjian.core.jobs.models import Job
from gongjian.core.models import AuditEvent
from gongjian.inspections.choices import ProblemStatus
from gongjian.suggestions import selectors, services
from gongjian.suggestions.models import CategoryModel

pytestmark = pytest.mark.django_db


def train_command(*args) -> str:
    out = io.StringIO()
    call_command("train_categories", *args, stdout=out)
    return out.getvalue()


def figure(output: str, label: str) -> float:
    return float(re.search(rf"{label} accuracy on the held-out part: ([0-9.]+)", output).group(1))


def test_the_command_trains_on_closed_problems_and_prints_the_held_out_accuracy(closed_history, people):
    """GIVEN 30 closed problems in each of six categories, and open and void ones that do not count
    WHEN train_categories runs
    THEN it prints the sample sizes and a top-3 accuracy of at least 0.9, stores the model and records it"""
    closed_history(30)
    closed_history(5, status=ProblemStatus.OPEN, seed=8)
    closed_history(5, status=ProblemStatus.VOID, seed=9)

    output = train_command("--user", "city_admin")

    assert "closed problems read: 180" in output
    assert "learnt from: 180 problems in 6 categories" in output
    assert "held out: 36 (stratified, seed 2026); trained on: 144" in output
    assert figure(output, "top-3") >= 0.9
    assert figure(output, "top-1") >= 0.8
    model = CategoryModel.objects.get()
    assert (model.examples, model.train_size, model.test_size) == (180, 144, 36)
    assert model.trained_by == people.city_admin
    assert model.top3 == pytest.approx(figure(output, "top-3"), abs=0.001)
    assert default_storage.exists(model.file_name)
    assert model.file_name.startswith("suggestions/")
    event = AuditEvent.objects.get(action="category_model.train")
    assert event.actor == people.city_admin and event.target_id == str(model.pk)


def test_too_little_history_stores_no_model_and_says_why(closed_history):
    closed_history(9)  # 54 closed problems, fewer than 60

    with pytest.raises(CommandError, match="Only 54 closed problems to learn from; at least 60 are needed"):
        train_command()

    assert not CategoryModel.objects.exists()
    assert not AuditEvent.objects.filter(action="category_model.train").exists()
    assert selectors.category_suggestions(text="小区南门电动车乱停放") == []


def test_the_thresholds_can_be_lowered_for_a_small_city(closed_history):
    closed_history(9)
    output = train_command("--min-examples", "50")
    assert "learnt from: 54 problems" in output
    assert CategoryModel.objects.count() == 1


def test_too_little_history_after_a_good_model_keeps_the_good_model(closed_history):
    closed_history(20)
    services.category_model_train()
    first = CategoryModel.objects.get()

    outcome = services.category_model_train(thresholds=services.learning.Thresholds(min_examples=500))

    assert outcome.model is None and outcome.refusal == services.learning.TOO_FEW_EXAMPLES
    assert selectors.current_model() == first
    assert selectors.category_suggestions(text="小区南门电动车乱停放")[0].code == "09010"


def test_a_retraining_becomes_current_and_only_one_earlier_file_is_kept(
    closed_history, django_capture_on_commit_callbacks
):
    closed_history(20)
    now = timezone.now()
    models = []
    for hours in (0, 1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            models.append(services.category_model_train(now=now + datetime.timedelta(hours=hours)).model)
    first, second, third = (CategoryModel.objects.get(pk=m.pk) for m in models)

    assert selectors.current_model() == third
    assert first.file_name == "" and not default_storage.exists(models[0].file_name)
    assert default_storage.exists(second.file_name) and default_storage.exists(third.file_name)


def test_the_model_is_loaded_once_per_process_and_a_retraining_elsewhere_is_picked_up(closed_history):
    closed_history(20)
    services.category_model_train()
    loaded = selectors.current_pipeline()
    assert selectors.current_pipeline() is loaded

    services.category_model_train(now=timezone.now() + datetime.timedelta(minutes=5))  # as another node would

    assert selectors.current_pipeline() is not loaded


def test_a_model_file_altered_in_storage_is_never_unpickled(closed_history, caplog):
    closed_history(20)
    model = services.category_model_train().model
    default_storage.delete(model.file_name)
    default_storage.save(model.file_name, ContentFile(b"not what the application wrote"))

    assert selectors.current_pipeline() is None
    assert selectors.category_suggestions(text="小区南门电动车乱停放") == []
    assert "does not match its recorded SHA-256" in caplog.text


def test_a_model_from_another_scikit_learn_version_is_not_loaded(closed_history, caplog):
    closed_history(20)
    model = services.category_model_train().model
    CategoryModel.objects.filter(pk=model.pk).update(library_version="0.1")

    assert selectors.current_pipeline() is None
    assert "retrain" in caplog.text


@pytest.mark.parametrize("who", ["inspector", "community_worker", "outsider"])
def test_only_the_city_office_retrains(closed_history, people, who):
    closed_history(20)
    with pytest.raises(CommandError, match="Only the city office"):
        train_command("--user", getattr(people, who).username)
    assert not CategoryModel.objects.exists()


def test_an_unknown_user_is_refused():
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        train_command("--user", "nobody")


def test_the_command_queues_a_background_job_that_trains(closed_history, django_capture_on_commit_callbacks):
    closed_history(20)
    with django_capture_on_commit_callbacks(execute=True):
        output = train_command("--background")

    job = Job.objects.get(kind="suggestions.train")
    assert f"queued as job {job.pk}" in output
    job.refresh_from_db()
    assert job.status == "done"
    assert job.result["trained"] is True and job.result["model"] == CategoryModel.objects.get().pk
    assert job.result["summary"].startswith("Trained on 120 closed problems; on 24 held out:")


@pytest.mark.s3
@pytest.mark.engine_independent  # the storage is under test; training is tested on both engines above
def test_the_model_lives_in_the_s3_bucket_too(closed_history, s3_storage):
    closed_history(20)
    model = services.category_model_train().model

    assert any(key.endswith(model.file_name) for key in s3_storage.objects())
    assert selectors.category_suggestions(text="小区南门电动车乱停放")[0].code == "09010"


def test_the_history_is_the_most_recent_closed_problems_up_to_a_limit(closed_history):
    closed_history(2)
    from gongjian.inspections.models import Problem

    newest = list(Problem.objects.order_by("-pk")[:3])
    for offset, problem in enumerate(newest):
        Problem.objects.filter(pk=problem.pk).update(closed_at=timezone.now() - datetime.timedelta(days=offset))

    texts, labels = selectors.training_history(limit=3)

    assert texts == [p.description for p in newest]
    assert labels == [p.category.code for p in newest]
