"""Which category a problem's description belongs to — the pure part: plain texts and labels in,
a fitted model and its held-out figures out. No database, no storage (see ``services`` and
``selectors`` for those).

The model reads Chinese without word segmentation: every run of one to three characters of the
description is a feature (``TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3))``), weighed by
TF-IDF and fed to a multinomial logistic regression, whose class probabilities are the scores the
API shows. Before the saved model is fitted on the whole history, a stratified part is held out
(fixed seed) and the same recipe fitted on the rest is measured on it: top-1 (the first suggestion
is right) and top-3 (the right category is among the three offered).

Too little history gives no model rather than a bad one (``Thresholds``): a category needs
``min_per_category`` closed problems to be learnt at all (rarer ones are left out and never
suggested), and the categories that qualify need ``min_examples`` problems between them, at
least ``min_categories`` of them.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import joblib
from django.utils.translation import gettext_noop
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

#: How many suggestions are offered at most.
TOP_K = 3
#: A suggestion scoring less than this (a probability, 0–1) is not offered: with the default
#: taxonomy's 23 categories a guess at random scores about 0.04.
MIN_SCORE = 0.15
#: A text sharing no run of two or three characters with the history gets no suggestion at all
#: (single characters alone are no evidence: "今天天气很好" is no category).
MIN_KNOWN_NGRAMS = 1


@dataclass(frozen=True)
class Thresholds:
    """How much history a model needs, and how it is measured."""

    min_examples: int = 60
    min_per_category: int = 5
    min_categories: int = 2
    holdout: float = 0.2
    seed: int = 2026


TOO_FEW_CATEGORIES = gettext_noop(
    "Only %(found)s categories have at least %(per)s closed problems; at least %(needed)s are needed."
)
TOO_FEW_EXAMPLES = gettext_noop("Only %(found)s closed problems to learn from; at least %(needed)s are needed.")


class NotEnoughHistory(Exception):
    """Too little history to learn from; ``message`` is an English msgid, ``params`` its values."""

    def __init__(self, message: str, **params):
        super().__init__(message % params)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Evaluation:
    """Figures on the held-out part, of a model fitted on the rest."""

    train_size: int
    test_size: int
    top1: float
    top3: float


@dataclass
class Trained:
    pipeline: Pipeline
    evaluation: Evaluation
    examples: int  # problems learnt from (after leaving out rare categories)
    categories: list[str]  # the labels the model knows
    left_out: dict[str, int] = field(default_factory=dict)  # rare labels and their counts


def usable_history(
    texts: Sequence[str], labels: Sequence[str], thresholds: Thresholds
) -> tuple[list[str], list[str], dict[str, int]]:
    """The examples whose label has at least ``min_per_category`` (non-blank) examples, and the
    labels left out with their counts."""
    pairs = [(text.strip(), label) for text, label in zip(texts, labels, strict=True) if text and text.strip()]
    counts = Counter(label for _, label in pairs)
    left_out = {label: n for label, n in sorted(counts.items()) if n < thresholds.min_per_category}
    kept = [(text, label) for text, label in pairs if label not in left_out]
    return [t for t, _ in kept], [label for _, label in kept], left_out


def check_enough(labels: Sequence[str], thresholds: Thresholds) -> None:
    """Raise NotEnoughHistory unless the (already filtered) labels are enough to learn from."""
    categories = len(set(labels))
    if categories < thresholds.min_categories:
        raise NotEnoughHistory(
            TOO_FEW_CATEGORIES,
            found=categories,
            per=thresholds.min_per_category,
            needed=thresholds.min_categories,
        )
    if len(labels) < thresholds.min_examples:
        raise NotEnoughHistory(
            TOO_FEW_EXAMPLES,
            found=len(labels),
            needed=thresholds.min_examples,
        )


def build_pipeline() -> Pipeline:
    return Pipeline(
        [
            ("ngrams", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)),
            ("classifier", LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")),
        ]
    )


def ranked(pipeline: Pipeline, texts: Sequence[str]) -> list[list[tuple[str, float]]]:
    """For each text, every label the model knows with its probability, best first (ties by label)."""
    probabilities = pipeline.predict_proba(list(texts))
    classes = [str(c) for c in pipeline.classes_]
    return [
        sorted(zip(classes, (float(p) for p in row), strict=True), key=lambda pair: (-pair[1], pair[0]))
        for row in probabilities
    ]


def top_k_accuracy(pipeline: Pipeline, texts: Sequence[str], labels: Sequence[str], k: int) -> float:
    if not texts:
        return 0.0
    hits = sum(label in {c for c, _ in row[:k]} for row, label in zip(ranked(pipeline, texts), labels, strict=True))
    return hits / len(texts)


def train(texts: Sequence[str], labels: Sequence[str], thresholds: Thresholds | None = None) -> Trained:
    """Measure the recipe on a held-out part, then fit the model to keep on all the history.
    Raises NotEnoughHistory when the history is too thin (nothing is fitted then)."""
    thresholds = thresholds or Thresholds()
    texts, labels, left_out = usable_history(texts, labels, thresholds)
    check_enough(labels, thresholds)
    categories = sorted(set(labels))
    # Stratified: each category keeps its share in both parts (every category at least one held out).
    test_size = max(math.ceil(len(labels) * thresholds.holdout), len(categories))
    train_texts, test_texts, train_labels, test_labels = train_test_split(
        texts, labels, test_size=test_size, stratify=labels, random_state=thresholds.seed
    )
    measured = build_pipeline().fit(train_texts, train_labels)
    evaluation = Evaluation(
        train_size=len(train_texts),
        test_size=len(test_texts),
        top1=top_k_accuracy(measured, test_texts, test_labels, 1),
        top3=top_k_accuracy(measured, test_texts, test_labels, TOP_K),
    )
    pipeline = build_pipeline().fit(texts, labels)
    return Trained(
        pipeline=pipeline, evaluation=evaluation, examples=len(labels), categories=categories, left_out=left_out
    )


def suggest(
    pipeline: Pipeline,
    text: str,
    *,
    allowed: set[str] | None = None,
    k: int = TOP_K,
    min_score: float = MIN_SCORE,
) -> list[tuple[str, float]]:
    """At most ``k`` (label, score) pairs for ``text``, best first, each scoring at least
    ``min_score`` and (when given) in ``allowed``; empty for a blank text or one sharing fewer
    than ``MIN_KNOWN_NGRAMS`` runs of two or three characters with what the model learnt."""
    if not text or not text.strip() or known_ngrams(pipeline, text) < MIN_KNOWN_NGRAMS:
        return []
    best = [(label, score) for label, score in ranked(pipeline, [text.strip()])[0] if score >= min_score]
    if allowed is not None:
        best = [(label, score) for label, score in best if label in allowed]
    return best[:k]


def known_ngrams(pipeline: Pipeline, text: str) -> int:
    """How many distinct runs of two or more characters of ``text`` the model has seen."""
    vectorizer = pipeline.named_steps["ngrams"]
    grams = {gram for gram in vectorizer.build_analyzer()(text) if len(gram.strip()) >= 2}
    return sum(gram in vectorizer.vocabulary_ for gram in grams)


def dumps(pipeline: Pipeline) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def loads(data: bytes) -> Pipeline:
    """Unpickle a model. Unpickling runs code: call this only on bytes this application wrote
    itself — ``selectors.current_pipeline`` reads the file named by the current CategoryModel row
    and checks its SHA-256 against that row first. Never on an upload or anything a user sent."""
    return joblib.load(io.BytesIO(data))
