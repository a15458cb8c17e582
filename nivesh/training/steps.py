"""The steps of a training run: prepare -> fit -> assess -> publish -> render.

KFP components and `nivesh train` call these same functions, so a model trained
from the CLI on a user's file and one trained by the pipeline differ only in data.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from nivesh import catalog, k8s, registry
from nivesh.artifact import load_manifest, restamp
from nivesh.errors import NiveshError, QualityGateError
from nivesh.evaluation import Evaluation
from nivesh.jsonobj import parse_json_object as parse_json_object  # components call steps.parse_json_object
from nivesh.reports import evaluation_html
from nivesh.settings import RegistrySettings, Workspace
from nivesh.training.base import trainer
from nivesh.training.steps_common import UNREGISTERED

MIN_ROWS = 50


@dataclass
class Prepared:
    train: pd.DataFrame
    test: pd.DataFrame
    label: str


def prepare(
    model: str,
    ws: Workspace,
    data: Path | None = None,
    options: Mapping[str, str] | None = None,
    test_fraction: float = 0.2,
    test_data: Path | None = None,
) -> Prepared:
    """Training frame from Feast / the generator (data None) or a user's file, then the
    model's own split; with `test_data`, that file is the held-out set instead."""
    spec = catalog.get(model)
    t = trainer(spec.name)
    frame, target = t.frame(ws, data, options or {})
    if len(frame) < MIN_ROWS:
        raise NiveshError(f"{model}: only {len(frame)} labelled rows; need at least {MIN_ROWS} to train and hold out")
    if test_data is not None:
        test, _ = t.frame(ws, test_data, options or {})
        return Prepared(frame.reset_index(drop=True), test.reset_index(drop=True), target)
    train, test = t.split(frame, target, test_fraction)
    return Prepared(train, test, target)


def fit(model: str, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any] | None = None) -> Path:
    trainer(model).fit(train, label, out, params or {})
    return out


@dataclass
class Assessment:
    evaluation: Evaluation
    passed: bool
    gate: str
    html: str


def assess(model: str, artifact: Path, test: pd.DataFrame, label: str) -> Assessment:
    """Held-out metrics and the catalogue's quality gate (not raised here; see enforce)."""
    spec = catalog.get(model)
    ev = trainer(model).evaluate(artifact, test, label)
    gate = str(spec.gate)
    passed = spec.gate.passes(ev.metrics)
    stamped = load_manifest(artifact).version
    version = "candidate" if stamped == UNREGISTERED else stamped
    return Assessment(ev, passed, gate, evaluation_html(spec.name, version, ev, gate, passed))


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


def storage_uri(version: registry.RegisteredVersion) -> str:
    """Where the cluster's storage initializer fetches the version: under
    NIVESH_STORAGE_URI_PREFIX (s3://, gs://, pvc://) when set, else the registered artifact,
    with a tracking server's proxied mlflow-artifacts:/PATH turned into PATH under its
    artifacts destination (KServe cannot fetch through MLflow)."""
    settings = RegistrySettings()
    if settings.storage_uri_prefix:
        return f"{settings.storage_uri_prefix.rstrip('/')}/{version.name}/{version.semver}"
    source = version.source
    if source.startswith("mlflow-artifacts:") and settings.artifacts_destination:
        path = urlparse(source).path.lstrip("/")  # mlflow-artifacts://host:port/PATH or mlflow-artifacts:/PATH
        return f"{settings.artifacts_destination.rstrip('/')}/{path}"
    return source


def render(model: str, version: registry.RegisteredVersion, namespace: str | None = None) -> dict[str, Any]:
    return k8s.inference_service(catalog.get(model), storage_uri(version), version.semver, version.version, namespace)
