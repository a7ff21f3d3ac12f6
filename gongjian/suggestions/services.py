"""Writes for category suggestions: training a model on the city's closed problems and recording
it (the stored file first, then its row, so no reader ever finds a row without its file)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import sklearn
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjian.accounts.access import Perm, actor_for
from gongjian.core.audit import audit_record
from gongjian.core.errors import NotPermitted
from gongjian.core.storage import save_generated
from gongjian.suggestions import learning, selectors
from gongjian.suggestions.models import CategoryModel

logger = logging.getLogger(__name__)

#: Superseded models whose files are kept besides the current one (to go back by hand if need be).
KEEP_PREVIOUS_FILES = 1


@dataclass
class TrainingOutcome:
    """What a training did: ``model`` is the new current model, or None with ``refusal`` (an
    English msgid, ``refusal_params`` its values) when the history was too thin."""

    history: int  # closed problems read
    model: CategoryModel | None = None
    refusal: str = ""
    refusal_params: dict = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def refusal_text(self) -> str:
        return _(self.refusal) % self.refusal_params if self.refusal else ""


def category_model_train(*, user=None, thresholds: learning.Thresholds | None = None, now=None) -> TrainingOutcome:
    """Train on every closed problem (description → category), measure on a held-out part, store
    the model and make it the current one. ``user`` None is the system (a command, the demo);
    a person needs the city office's category management. Too little history stores nothing and
    leaves any earlier model as it was."""
    if user is not None and not actor_for(user).has_perm(Perm.CATEGORY_MANAGE):
        raise NotPermitted(_("Only the city office retrains the category suggestions."))
    thresholds = thresholds or learning.Thresholds()
    now = now or timezone.now()
    texts, labels = selectors.training_history()
    try:
        trained = learning.train(texts, labels, thresholds)
    except learning.NotEnoughHistory as refusal:
        logger.info("Category model not trained: %s", refusal)
        return TrainingOutcome(history=len(texts), refusal=refusal.message, refusal_params=refusal.params)
    data = learning.dumps(trained.pipeline)
    name = save_generated(f"suggestions/category-model-{now:%Y%m%d-%H%M%S}.joblib", data)
    with transaction.atomic():
        model = CategoryModel.objects.create(
            file_name=name,
            sha256=hashlib.sha256(data).hexdigest(),
            library_version=sklearn.__version__,
            trained_at=now,
            trained_by=user if getattr(user, "is_authenticated", False) else None,
            examples=trained.examples,
            train_size=trained.evaluation.train_size,
            test_size=trained.evaluation.test_size,
            categories=trained.categories,
            top1=trained.evaluation.top1,
            top3=trained.evaluation.top3,
        )
        audit_record(
            actor=user,
            action="category_model.train",
            target=model,
            to_state="current",
            changes={
                "examples": model.examples,
                "test_size": model.test_size,
                "top1": round(model.top1, 4),
                "top3": round(model.top3, 4),
            },
            at=now,
        )
        retired = list(CategoryModel.objects.exclude(file_name="").exclude(pk=model.pk)[KEEP_PREVIOUS_FILES:])
        CategoryModel.objects.filter(pk__in=[r.pk for r in retired]).update(file_name="")
        transaction.on_commit(lambda: _delete_files([r.file_name for r in retired]))
    logger.info("Category model %s trained: top-1 %.3f, top-3 %.3f.", model.pk, model.top1, model.top3)
    return TrainingOutcome(history=len(texts), model=model, left_out=trained.left_out)


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete the retired category model file %s.", name)
