"""What every model's evaluation returns: metrics, plus the curves and matrices people
look at (rendered into the HTML report and, in pipelines, KFP ClassificationMetrics)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Evaluation:
    metrics: dict[str, float]
    roc: dict[str, list[float]] | None = None  # fpr, tpr, thresholds (downsampled)
    confusion: list[list[int]] | None = None  # rows = true class, columns = predicted
    labels: list[str] = field(default_factory=list)  # class names for `confusion`
    figures: dict[str, str] = field(default_factory=dict)  # title -> base64 PNG (forecasts ...)
    notes: list[str] = field(default_factory=list)  # one-line facts worth showing in the report
    extras: dict[str, object] = field(default_factory=dict)  # structured results beside metrics (per_label F1)
