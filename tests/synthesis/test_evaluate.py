import pytest

from synthesis.evaluate import multilabel_scores


def test_it_gives_f1_1_for_identical_gold_and_pred():
    gold = {"a": ["C1", "C2"], "b": ["C3"], "c": []}
    scores = multilabel_scores(gold, dict(gold))
    assert scores["n"] == 3
    assert scores["sample_f1"] == 1.0
    assert scores["micro"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert scores["macro"]["f1"] == 1.0
    assert scores["per_code"]["C1"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


def test_it_scores_partial_overlap_per_document_then_averages():
    gold = {"a": ["C1", "C2"], "b": ["C3"]}
    pred = {"a": ["C1"], "b": ["C4"]}
    scores = multilabel_scores(gold, pred)
    # a: 2*1/(2+1) = 0.6667; b: 0
    assert scores["sample_f1"] == pytest.approx(0.3333, abs=1e-4)
    # micro: tp=1, fp=1, fn=2
    assert scores["micro"]["precision"] == 0.5
    assert scores["micro"]["recall"] == pytest.approx(0.3333, abs=1e-4)
    assert scores["per_code"]["C4"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # macro over C1..C4: f1 = (1 + 0 + 0 + 0) / 4
    assert scores["macro"]["f1"] == 0.25


def test_it_counts_a_document_missing_from_pred_as_coded_with_nothing():
    scores = multilabel_scores({"a": ["C1"], "b": []}, {})
    assert scores["sample_f1"] == 0.5  # b: both empty -> 1.0; a: 0.0
    assert scores["missing_predictions"] == 2
    assert scores["micro"]["recall"] == 0.0


def test_it_ignores_predictions_for_documents_without_gold():
    scores = multilabel_scores({"a": ["C1"]}, {"a": ["C1"], "zzz": ["C9"]})
    assert scores["sample_f1"] == 1.0
    assert "C9" not in scores["per_code"]


def test_it_returns_zeros_for_an_empty_gold_set():
    scores = multilabel_scores({}, {})
    assert scores["n"] == 0 and scores["sample_f1"] == 0.0 and scores["per_code"] == {}
