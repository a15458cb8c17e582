"""Feedback labels (validated, stored once per logged request) and quality on labelled predictions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nivesh import catalog
from nivesh.errors import NiveshError
from nivesh.monitoring import quality
from nivesh.store import feedback, schema
from nivesh.store.predictions import PredictionRecord, PredictionStore

CREDIT = catalog.CREDIT_RISK
INTENT = catalog.INTENT_CLASSIFIER


@pytest.mark.parametrize(
    ("spec", "body", "message"),
    [
        (CREDIT, [1, 0], "body: expected"),
        (CREDIT, {"labels": [1]}, "id: the response id"),
        (CREDIT, {"id": "r1", "labels": []}, "labels: a non-empty list"),
        (CREDIT, {"id": "r1", "labels": [1, 2]}, "labels[1]: expected 0 or 1 (1 if the loan defaulted"),
        (CREDIT, {"id": "r1", "labels": [0.5]}, "labels[0]: expected 0 or 1"),
        (INTENT, {"id": "r1", "labels": ["check_balance", ""]}, "labels[1]: expected a class name"),
        (catalog.FINANCIAL_NER, {"id": "r1", "labels": ["x"]}, "financial-ner takes no feedback"),
    ],
)
def test_bad_feedback_names_the_field(spec: catalog.ModelSpec, body: object, message: str) -> None:
    with pytest.raises(NiveshError, match=message.replace("(", r"\(").replace("[", r"\[")):
        feedback.validate(spec, body)


def test_labels_are_stored_once_per_logged_request(tmp_path: Path) -> None:
    url = schema.prepare_local(f"sqlite:///{tmp_path / 'p.db'}")
    logged = PredictionRecord(CREDIT.name, "v1.0.0", "predictor", {"x": [1, 2, 3]}, {"p": [0.1, 0.2, 0.3]}, 200, 1.0)
    PredictionStore(url).write([logged.row((), b"k")])
    store = feedback.FeedbackStore(url)
    request_id, labels = feedback.validate(CREDIT, {"id": logged.request_id, "labels": [1, None, True]})
    assert labels == [1, None, 1]
    assert store.add(CREDIT.name, request_id, labels) == 2
    with pytest.raises(feedback.AlreadyLabelled, match="recorded already"):  # another client, or a retry
        store.add(CREDIT.name, request_id, [0, 0, 0])
    with pytest.raises(feedback.UnknownRequest, match="id: no logged prediction"):
        store.add(CREDIT.name, "made-up", [1])
    with pytest.raises(feedback.UnknownRequest):  # logged for another model
        store.add(INTENT.name, request_id, ["check_balance"])
    assert store.labels(CREDIT.name, [request_id, "r2"]) == {(request_id, 0): 1, (request_id, 2): 1}


def test_quality_joins_rows_and_labels_and_scores() -> None:
    assert CREDIT.feedback and INTENT.feedback
    rows: list[dict[str, Any]] = [
        {"request_id": "a", "outputs": {"probability": [0.9, 0.2, 0.7]}},
        {"request_id": "b", "outputs": {"probability": [0.1]}},
        {"request_id": "c", "outputs": None},  # a failed request: nothing to score
    ]
    labels = {("a", 0): 1, ("a", 1): 0, ("b", 0): 0, ("a", 2): 0}
    predicted, truth = quality.pairs(CREDIT.feedback, rows, labels)
    assert predicted == [0.9, 0.2, 0.7, 0.1] and truth == [1, 0, 0, 0]
    assert quality.score(CREDIT.feedback, predicted, truth) == 1.0
    assert quality.score(CREDIT.feedback, [0.3, 0.4], [1, 1]) is None  # one class: AUC undefined
    assert quality.score(INTENT.feedback, ["a", "b", "c", "c"], ["a", "b", "c", "d"]) == 0.75
    worse = quality.QualityResult("credit-risk", "v1.0.0", "auc", 0.7, 0.9, 40, lower_is_better=False)
    assert worse.worse and not quality.QualityResult("m", "v", "auc", 0.95, 0.9, 40, False).worse


def test_feedback_reads_an_output_the_model_really_returns() -> None:
    outputs = {
        spec.name: spec.output_signature
        for spec in (catalog.CREDIT_RISK, catalog.ANOMALY_DETECTOR, catalog.INTENT_CLASSIFIER)
    }
    with_feedback = {name: spec.feedback for name, spec in catalog.MODELS.items() if spec.feedback}
    assert set(with_feedback) == set(outputs)
    for name, fb in with_feedback.items():
        assert fb.output in {o["name"] for o in outputs[name]}, name
