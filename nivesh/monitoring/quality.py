"""Quality on labelled traffic: the logged predictions of the served version joined with the
labels clients posted later (nivesh.store.feedback), scored with the metric the version was
registered with, and pushed beside that registered value, so the alert
NiveshQualityBelowRegistered needs no threshold of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway
from sklearn.metrics import roc_auc_score

from nivesh.catalog import Feedback, better
from nivesh.monitoring import gauges as g


@dataclass
class QualityResult:
    model: str
    version: str
    metric: str
    value: float | None  # None: too few labels, or one class only (AUC undefined)
    registered: float | None
    labelled_rows: int
    lower_is_better: bool

    @property
    def worse(self) -> bool:
        if self.value is None or self.registered is None:
            return False
        return better(self.registered, self.value, self.lower_is_better)


def pairs(feedback: Feedback, rows: list[dict[str, Any]], labels: dict[tuple[str, int], Any]) -> tuple[list, list]:
    """(predictions, labels) for every logged row that has a label."""
    predicted, truth = [], []
    for r in rows:
        values = (r.get("outputs") or {}).get(feedback.output) or []
        for i, value in enumerate(values):
            label = labels.get((r["request_id"], i))
            if label is not None and value is not None:
                predicted.append(value)
                truth.append(label)
    return predicted, truth


def score(feedback: Feedback, predicted: list[Any], truth: list[Any]) -> float | None:
    if not truth:
        return None
    if feedback.metric == "auc":
        y = np.asarray(truth, dtype=int)
        return float(roc_auc_score(y, np.asarray(predicted, dtype=float))) if len(set(y)) == 2 else None
    if feedback.metric == "accuracy":
        return float(np.mean([str(p) == str(t) for p, t in zip(predicted, truth, strict=True)]))
    raise ValueError(f"no scorer for feedback metric {feedback.metric!r}")


def push(result: QualityResult, gateway: str, timeout_s: float) -> None:
    """Its own Pushgateway group (model, version, monitor=quality): the drift push does not erase it."""
    registry = CollectorRegistry()
    labels = {"model": result.model, "version": result.version, "metric": result.metric}
    direction = "lower_is_better" if result.lower_is_better else "higher_is_better"
    rows = Gauge(g.QUALITY_ROWS.name, g.QUALITY_ROWS.doc, [*labels], registry=registry)
    rows.labels(**labels).set(result.labelled_rows)
    if result.value is not None:
        value = Gauge(g.QUALITY_VALUE.name, g.QUALITY_VALUE.doc, [*labels, "direction"], registry=registry)
        value.labels(**labels, direction=direction).set(result.value)
    if result.registered is not None:
        registered = Gauge(g.QUALITY_REGISTERED.name, g.QUALITY_REGISTERED.doc, [*labels], registry=registry)
        registered.labels(**labels).set(result.registered)
    push_to_gateway(
        gateway,
        job=g.PUSH_JOB,
        registry=registry,
        grouping_key={"model": result.model, "monitor": "quality", "version": result.version},
        timeout=timeout_s,
    )
