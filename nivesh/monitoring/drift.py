"""Data drift of a model's logged inputs against its training reference, with Evidently.

Reference = the sample of training rows stored in the registered artifact (computed
once at training, not per run); current = the predictor's logged inputs over a time
window, sampled to a bound, because Evidently's cost grows with rows and columns.
Evidently 0.7 has no Prometheus exporter: values are read off the snapshot and
pushed with prometheus-client.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

from nivesh.monitoring import gauges as g
from nivesh.monitoring import series
from nivesh.monitoring.text import TextProfile, shape
from nivesh.store.predictions import PredictionStore, rows_to_frame

log = logging.getLogger(__name__)
SMALL_SAMPLE = 1000  # rows; where Evidently itself switches from p-values to distances
SMALL_SAMPLE_TESTS = {"num_method": "ks", "cat_method": "chisquare"}  # both p-value tests


@dataclass
class ColumnDrift:
    score: float
    method: str
    drifted: bool


@dataclass
class DriftResult:
    model: str
    version: str
    drift_share: float
    threshold: float
    rows_compared: int
    reference_rows: int
    columns: dict[str, ColumnDrift] = field(default_factory=dict)
    report: Path | None = None
    finished_at: float = field(default_factory=time.time)

    @property
    def drifted_columns(self) -> int:
        return sum(c.drifted for c in self.columns.values())

    @property
    def alert(self) -> bool:
        return self.drift_share > self.threshold


@dataclass(frozen=True)
class MonitorView:
    """Which columns of the reference (and of the logged traffic) the monitor compares.

    Columns are logged input names, logged output names (prediction drift), text
    descriptors of `text_input` (text models) or series descriptors of `series_input`
    (the spending forecaster): the artifact's manifest says which.
    """

    numerical: list[str]
    categorical: list[str]
    text_input: str | None = None
    series_input: str | None = None

    @property
    def columns(self) -> list[str]:
        return self.numerical + self.categorical

    @classmethod
    def from_manifest(cls, extra: dict[str, object]) -> MonitorView:
        monitor = extra["monitor"]
        assert isinstance(monitor, dict)
        return cls(
            list(monitor["numerical"]),
            list(monitor["categorical"]),
            monitor.get("text_input"),
            monitor.get("series_input"),
        )

    @property
    def described_input(self) -> str | None:
        """The logged input whose descriptors (not its raw value) are compared."""
        return self.text_input or self.series_input


def current_window(
    store: PredictionStore,
    model: str,
    view: MonitorView,
    hours: float,
    max_rows: int,
    now: datetime | None = None,
    profile: TextProfile | None = None,
    version: str | None = None,
) -> pd.DataFrame:
    """Logged predictor traffic of the last `hours` as the view's columns, at most `max_rows` rows
    (text and series inputs: their descriptors, a text's with the artifact's `profile`); with
    `version`, only that version's requests (its reference is the one compared with)."""
    since = (now or datetime.now(UTC)) - timedelta(hours=hours)
    rows = store.window(model, since, limit=max_rows)
    if version is not None:
        rows = [r for r in rows if r["version"] == version]
    source = view.described_input
    if source is None:
        frame = rows_to_frame(rows, view.columns)
    else:
        raw = rows_to_frame(rows, [source])[source].tolist()
        if view.series_input is not None:
            described = series.describe(raw)
        else:
            described = profile.describe(raw) if profile is not None else shape(raw)
        logged = [c for c in view.columns if c not in described.columns]
        frame = described[[c for c in view.columns if c in described.columns]].join(rows_to_frame(rows, logged))
        frame = frame[view.columns]
    if len(frame) > max_rows:
        frame = frame.sample(max_rows, random_state=0)
    return frame.reset_index(drop=True)


def _typed(frame: pd.DataFrame, view: MonitorView) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name in view.numerical:
        out[name] = pd.to_numeric(frame[name], errors="coerce")
    for name in view.categorical:
        out[name] = frame[name].astype("string")
    return out


def stat_tests(reference_rows: int, current_rows: int) -> dict[str, str]:
    """Evidently picks its tests by the reference's size alone: distances (Wasserstein,
    Jensen-Shannon) above 1,000 rows, which on a window of a few hundred rows are mostly
    sampling noise and alert on unchanged traffic. Choose by the smaller sample instead:
    p-value tests (K-S, chi-square) while either side is small, Evidently's distances once
    both are large (where p-values flag differences too small to matter)."""
    if min(reference_rows, current_rows) <= SMALL_SAMPLE:
        return dict(SMALL_SAMPLE_TESTS)
    return {}


def compute(
    model: str,
    version: str,
    view: MonitorView,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    threshold: float,
    report_path: Path | None,
) -> DriftResult:
    """Run Evidently's DataDriftPreset and read the per-column scores off the snapshot."""
    result = DriftResult(model, version, 0.0, threshold, len(current), len(reference))
    if current.empty:
        log.warning("%s: no logged predictions to compare", model)
        return result
    definition = DataDefinition(numerical_columns=view.numerical, categorical_columns=view.categorical)
    snapshot = Report([DataDriftPreset(drift_share=threshold, **stat_tests(len(reference), len(current)))]).run(
        Dataset.from_pandas(_typed(current, view), data_definition=definition),
        Dataset.from_pandas(_typed(reference, view), data_definition=definition),
    )
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("DriftedColumnsCount"):
            result.drift_share = float(metric["value"]["share"])
        elif config["type"].endswith("ValueDrift"):
            score = float(metric["value"])
            method = str(config["method"])
            limit = float(config["threshold"])
            # p-value tests drift when small, distances when large; Evidently names its own
            # choice by display name ("K-S p_value"), a chosen one by id ("ks")
            p_value = "p_value" in method or method in SMALL_SAMPLE_TESTS.values()
            drifted = score < limit if p_value else score > limit
            result.columns[str(config["column"])] = ColumnDrift(score, method, drifted)
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(report_path))
        result.report = report_path
    return result


def push(result: DriftResult, gateway: str, timeout_s: float) -> None:
    """One push per model (grouping key `model`), replacing that model's previous values."""
    registry = CollectorRegistry()
    labels = {"model": result.model, "version": result.version}

    def gauge(pushed: g.Pushed, value: float, **extra: str) -> None:
        if pushed.name not in gauges:
            gauges[pushed.name] = Gauge(pushed.name, pushed.doc, [*labels, *extra], registry=registry)
        gauges[pushed.name].labels(**labels, **extra).set(value)

    gauges: dict[str, Gauge] = {}
    gauge(g.DRIFT_SHARE, result.drift_share)
    gauge(g.DRIFT_THRESHOLD, result.threshold)
    gauge(g.DRIFT_COLUMNS_DRIFTED, result.drifted_columns)
    gauge(g.DRIFT_ROWS_COMPARED, result.rows_compared)
    for column, c in result.columns.items():
        gauge(g.DRIFT_COLUMN_SCORE, c.score, column=column, method=c.method)
        gauge(g.DRIFT_COLUMN_DRIFTED, float(c.drifted), column=column)
    gauge(g.LAST_RUN, result.finished_at)
    if result.rows_compared:
        gauge(g.LAST_SUCCESS, result.finished_at)
    push_to_gateway(
        gateway,
        job=g.PUSH_JOB,
        registry=registry,
        grouping_key={"model": result.model},
        timeout=timeout_s,
    )
