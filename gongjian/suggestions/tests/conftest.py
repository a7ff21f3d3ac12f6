from __future__ import annotations

import pytest

from gongjian.inspections.choices import ProblemStatus
from gongjian.inspections.models import Category
from gongjian.inspections.tests.factories import ProblemFactory
from gongjian.suggestions import selectors
from gongjian.suggestions.tests.synthetic import synthetic_history
from gongjian.testing.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_process_memo():
    selectors.forget_loaded()
    yield
    selectors.forget_loaded()


@pytest.fixture
def closed_history(small_city):
    """``closed_history(n)``: n closed problems per synthetic category (known labels), returned as
    (texts, labels)."""

    def make(per_category: int, *, status=ProblemStatus.CLOSED, seed: int = 7):
        texts, labels = synthetic_history(per_category, seed=seed)
        reporter = UserFactory()
        categories = {c.code: c for c in Category.objects.filter(code__in=set(labels))}
        for text, code in zip(texts, labels, strict=True):
            ProblemFactory(
                unit=small_city.compound_a1,
                reporter=reporter,
                category=categories[code],
                description=text,
                status=status,
                void_reason="重复上报" if status == ProblemStatus.VOID else "",
            )
        return texts, labels

    return make
