"""Retraining the category suggestions in the background (Django's task API, gongjian.core.jobs):
the job loads who asked and calls the service."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks import task

from gongjian.core.jobs import text
from gongjian.core.jobs.runner import run_job
from gongjian.core.jobs.services import job_request
from gongjian.suggestions import learning

TRAINING = gettext_noop("Training the category suggestions")
TRAINED = gettext_noop(
    "Trained on %(examples)s closed problems; on %(test_size)s held out: top-1 %(top1)s, top-3 %(top3)s."
)
text.register(TRAINING, TRAINED, learning.TOO_FEW_CATEGORIES, learning.TOO_FEW_EXAMPLES)


def _train(job, progress) -> dict:
    from gongjian.suggestions.services import category_model_train

    progress(5, TRAINING)
    outcome = category_model_train(user=job.requested_by)
    if outcome.model is None:
        return {"trained": False, "summary": text.fill(outcome.refusal, **outcome.refusal_params)}
    model = outcome.model
    figures = {
        "examples": model.examples,
        "test_size": model.test_size,
        "top1": f"{model.top1:.2f}",
        "top3": f"{model.top3:.2f}",
    }
    return {"trained": True, "model": model.pk, **figures, "summary": text.fill(TRAINED, **figures)}


@task(takes_context=True)
def category_model_train_task(context, job_id: int) -> dict:
    """Retrain the category suggestions on the closed problems."""
    return run_job(context, job_id, _train)


def train_job_request(*, user=None):
    """Queue a retraining (one at a time: a second request while one waits returns the same job)."""
    with transaction.atomic():
        job, _created = job_request(
            task=category_model_train_task,
            kind="suggestions.train",
            user=user,
            title="train_categories",
            dedupe_key="suggestions.train",
        )
    return job
