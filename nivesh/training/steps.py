"""The steps of a training run: prepare -> fit -> assess -> publish (rendering the
InferenceService is the cluster's: nivesh.cluster.storage).

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

import pandas as pd

from nivesh import catalog, registry
from nivesh.artifact import load_manifest, restamp
from nivesh.errors import NiveshError, QualityGateError
from nivesh.evaluation import Evaluation
from nivesh.jsonobj import parse_json_object as parse_json_object  # components call steps.parse_json_object
from nivesh.reports import evaluation_html
from nivesh.settings import Workspace
from nivesh.training.trainer import UNREGISTERED, trainer

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
