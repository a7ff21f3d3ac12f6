"""Reads for category suggestions: the history to learn from, the current model and its
suggestions for a text.

The current model's pipeline is kept in this process once loaded, keyed by the model row's id and
training time read from the database on every use — a retraining on another node (a new row) is
picked up at the next request, and nothing else lives in process memory (CONTRIBUTING.md)."""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass

import sklearn
from django.core.files.storage import default_storage
from django.db.models import F

from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Category, Problem
from gongjian.suggestions import learning
from gongjian.suggestions.models import CategoryModel

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict = {}  # {"key": (row id, trained_at), "pipeline": Pipeline}


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    score: float


#: The most recent closed problems learnt from: enough for any city's vocabulary, and a bound on
#: the memory and time a retraining takes however long the history grows.
HISTORY_LIMIT = 50_000


def training_history(limit: int = HISTORY_LIMIT) -> tuple[list[str], list[str]]:
    """The most recent closed problems' descriptions and their categories' codes (categories in use
    only): the city's own judgement, confirmed by a passed re-check."""
    rows = (
        Problem.objects.filter(status=ProblemStatus.CLOSED, category__is_active=True)
        .order_by(F("closed_at").desc(nulls_last=True), "-pk")
        .values_list("description", "category__code")[:limit]
    )
    texts, labels = [], []
    for text, code in rows.iterator(chunk_size=2000):
        texts.append(text)
        labels.append(code)
    return texts, labels


def current_model() -> CategoryModel | None:
    return CategoryModel.objects.exclude(file_name="").select_related("trained_by").first()


def _read(row: CategoryModel) -> bytes | None:
    try:
        with default_storage.open(row.file_name, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError):
        logger.error("The category model file %s is missing.", row.file_name)
        return None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        logger.error("The category model file %s does not match its recorded SHA-256; not loaded.", row.file_name)
        return None
    return data


def current_pipeline():
    """The current model's fitted pipeline, or None (no model, its file gone or altered, or
    written by another scikit-learn version — retrain then).

    Only a file this application wrote is unpickled: its name comes from the CategoryModel row
    ``services.category_model_train`` created after storing it, and its bytes must match the
    SHA-256 recorded in that row."""
    row = current_model()
    if row is None:
        return None
    key = (row.pk, row.trained_at)
    with _lock:
        if _loaded.get("key") == key:
            return _loaded["pipeline"]
    if row.library_version != sklearn.__version__:
        logger.warning(
            "The category model was trained with scikit-learn %s, this is %s; retrain with manage.py train_categories.",
            row.library_version,
            sklearn.__version__,
        )
        return None
    data = _read(row)
    if data is None:
        return None
    pipeline = learning.loads(data)
    with _lock:
        _loaded.clear()
        _loaded.update(key=key, pipeline=pipeline)
    return pipeline


def forget_loaded() -> None:
    """Drop this process's loaded model (tests)."""
    with _lock:
        _loaded.clear()


def category_suggestions(*, text: str) -> list[Suggestion]:
    """At most three categories in use for ``text``, best first; empty when there is no model,
    the text is blank or no category scores at least ``learning.MIN_SCORE``."""
    if not text or not text.strip():
        return []
    pipeline = current_pipeline()
    if pipeline is None:
        return []
    candidates = learning.suggest(pipeline, text, k=len(pipeline.classes_))
    if not candidates:
        return []
    active = {c.code: c for c in Category.objects.filter(is_active=True, code__in=[code for code, _ in candidates])}
    return [
        Suggestion(code=code, name=active[code].name, score=round(score, 3))
        for code, score in candidates
        if code in active
    ][: learning.TOP_K]
