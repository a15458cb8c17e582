"""The steps of a training run: prepare -> fit -> assess -> publish -> render.

KFP components and `nivesh train` call these same functions, so a model trained
from the CLI on a user's file and one trained by the pipeline differ only in data.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from nivesh import catalog, k8s, registry
from nivesh.artifact import load_manifest, restamp
from nivesh.errors import NiveshError, QualityGateError
from nivesh.families import xgb_classifier as xgbc
from nivesh.reports import classification_html
from nivesh.settings import Workspace
from nivesh.training import credit_risk

UNREGISTERED = "v0.0.0-unregistered"


@dataclass
class Prepared:
    train: pd.DataFrame
    test: pd.DataFrame
    label: str


FrameBuilder = Callable[[Workspace, Path | None, str | None], tuple[pd.DataFrame, str]]


def _credit_risk_frame(ws: Workspace, data: Path | None, label: str | None) -> tuple[pd.DataFrame, str]:
    if data is None:
        return credit_risk.frame_from_feast(ws, ws.feature_repo / "data" / "loan_applications.parquet")
    if data.suffix == ".parquet" and label is None and "event_timestamp" in pq.read_schema(data).names:
        return credit_risk.frame_from_feast(ws, data)  # an entity dataframe: join it in Feast
    return credit_risk.frame_from_file(data, label)


FRAMES: dict[str, FrameBuilder] = {catalog.CREDIT_RISK.name: _credit_risk_frame}


def prepare(
    model: str,
    ws: Workspace,
    data: Path | None = None,
    label: str | None = None,
    test_fraction: float = 0.2,
) -> Prepared:
    """Training frame from Feast (data None, or an entity parquet) or a user's labelled file."""
    spec = catalog.get(model)
    frame, target = FRAMES[spec.name](ws, data, label)
    if len(frame) < 50:
        raise NiveshError(f"{model}: only {len(frame)} labelled rows; need at least 50 to train and hold out")
    train, test = xgbc.split(frame, target, test_fraction)
    return Prepared(train, test, target)


def fit(model: str, train: pd.DataFrame, label: str, out: Path, params: dict[str, Any] | None = None) -> Path:
    spec = catalog.get(model)
    trained = xgbc.train(train, label, params)
    xgbc.save(
        trained,
        out,
        name=spec.name,
        version=UNREGISTERED,
        feature_service=spec.feature_service,
        train_frame=train,
    )
    return out


@dataclass
class Assessment:
    evaluation: xgbc.Evaluation
    passed: bool
    gate: str
    html: str


def assess(model: str, artifact: Path, test: pd.DataFrame, label: str) -> Assessment:
    """Held-out metrics and the catalogue's quality gate (not raised here; see enforce)."""
    spec = catalog.get(model)
    loaded = xgbc.ClassifierModel(artifact, nthread=2)
    ev = xgbc.evaluate_frame(loaded, test, label)
    gate = f"{spec.gate.metric} > {spec.gate.minimum}"
    passed = spec.gate.passes(ev.metrics)
    version = "candidate" if loaded.manifest.version == UNREGISTERED else loaded.manifest.version
    return Assessment(ev, passed, gate, classification_html(spec.name, version, ev, gate, passed))


def enforce(model: str, a: Assessment) -> None:
    if not a.passed:
        metric = catalog.get(model).gate.metric
        raise QualityGateError(
            f"{model}: quality gate {a.gate} failed ({metric} = {a.evaluation.metrics[metric]:.4f}); not registering"
        )


def publish(
    model: str,
    artifact: Path,
    metrics: dict[str, float],
    ws: Workspace,
    params: dict[str, Any] | None = None,
) -> registry.RegisteredVersion:
    """Stamp the next semantic version and the metrics into a copy, then register it."""
    client = registry.connect(ws)
    inputs = [f["name"] for f in load_manifest(artifact).signature["inputs"]]
    semver = registry.next_semver(client, model, inputs)
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "model"
        shutil.copytree(artifact, staged)
        restamp(staged, semver, metrics)
        return registry.register(ws, staged, params=params)


def render(
    model: str,
    version: registry.RegisteredVersion,
    storage_uri: str | None = None,
    namespace: str | None = None,
) -> dict[str, Any]:
    return k8s.inference_service(
        catalog.get(model),
        storage_uri or version.source,
        version.semver,
        version.version,
        namespace,
    )
