"""The pure part: training, measuring and suggesting on plain texts and labels (no database)."""

from __future__ import annotations

import pytest

from gongjian.suggestions import learning
from gongjian.suggestions.tests.synthetic import VOCABULARIES, synthetic_history


@pytest.fixture(scope="module")
def trained():
    texts, labels = synthetic_history(40)
    return learning.train(texts, labels)


def test_it_finds_the_known_category_among_three_on_the_held_out_synthetic_set(trained):
    assert trained.evaluation.top3 >= 0.9
    assert trained.evaluation.top1 >= 0.8
    assert trained.evaluation.test_size == 48  # 20 % of 240, stratified: 8 per category
    assert trained.evaluation.train_size == 192
    assert trained.examples == 240
    assert trained.categories == sorted(VOCABULARIES)


def test_the_figures_are_the_same_on_a_second_training(trained):
    texts, labels = synthetic_history(40)
    again = learning.train(texts, labels)
    assert again.evaluation == trained.evaluation


def test_it_suggests_the_category_whose_words_the_text_uses_first(trained):
    best = learning.suggest(trained.pipeline, "小区南门电动车乱停放")
    assert best[0][0] == "09010"
    assert len(best) <= 3
    assert [score for _, score in best] == sorted((score for _, score in best), reverse=True)
    assert all(score >= learning.MIN_SCORE for _, score in best)


@pytest.mark.parametrize("text", ["", "   ", "今天天气很好", "xyz"])
def test_a_blank_or_unrelated_text_gets_no_suggestion(trained, text):
    assert learning.suggest(trained.pipeline, text) == []


def test_only_allowed_categories_are_suggested(trained):
    best = learning.suggest(trained.pipeline, "楼道口电动车乱停放", allowed={"06036", "07001"}, min_score=0)
    assert {code for code, _ in best} <= {"06036", "07001"}


def test_a_stored_model_reads_back_the_same(trained):
    again = learning.loads(learning.dumps(trained.pipeline))
    text = "垃圾桶满溢有异味"
    assert learning.suggest(again, text) == learning.suggest(trained.pipeline, text)


@pytest.mark.parametrize(
    ("per_category", "thresholds", "message"),
    [
        (9, learning.Thresholds(), learning.TOO_FEW_EXAMPLES),  # 54 < 60 problems
        (4, learning.Thresholds(min_examples=1), learning.TOO_FEW_CATEGORIES),  # every category below 5
        (20, learning.Thresholds(min_categories=7), learning.TOO_FEW_CATEGORIES),  # 6 categories < 7
    ],
)
def test_too_little_history_trains_nothing(per_category, thresholds, message):
    texts, labels = synthetic_history(per_category)
    with pytest.raises(learning.NotEnoughHistory) as refused:
        learning.train(texts, labels, thresholds)
    assert refused.value.message == message


def test_a_rare_category_is_left_out_and_never_suggested():
    texts, labels = synthetic_history(20)
    texts += ["小广告张贴在楼道口"] * 3 + ["", "  "]
    labels += ["L0105"] * 3 + ["06036", "06036"]
    trained = learning.train(texts, labels)
    assert trained.left_out == {"L0105": 3}
    assert "L0105" not in trained.categories
    assert trained.examples == 120  # the blank descriptions are not counted
