"""What each model's trainer provides, so prepare -> fit -> assess -> publish is one path.

A trainer module (nivesh/training/<model>.py) exposes `TRAINER`; `steps` dispatches
on the catalogue name. `options` are the data options of `nivesh train` (column
names of a user's file); `params` are training parameters (epochs, base model ...),
passed through the pipeline as JSON.
`write_trained` stamps a fresh artifact's manifest the same way for every trainer.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from nivesh import catalog
from nivesh.artifact import Manifest, fingerprint_frame, write_manifest
from nivesh.catalog import ModelSpec
from nivesh.evaluation import Evaluation
from nivesh.settings import Workspace

UNREGISTERED = "v0.0.0-unregistered"  # the version an artifact carries until publish() stamps it


class Trainer(Protocol):
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        """The labelled frame with canonical columns, and its label (target) column."""

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Train and held-out parts (stratified, grouped or by time, as the model needs)."""

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        """Train and write a complete artifact (payload, reference sample, manifest) to `out`."""

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        """Held-out metrics of the artifact as it will be served."""


def trainer(model: str) -> Trainer:
    """Imported on demand: training credit-risk does not import torch."""
    spec = catalog.get(model)
    module = importlib.import_module(spec.trainer)
    found: Trainer = module.TRAINER
    return found


def write_trained(
    out: Path,
    spec: ModelSpec,
    signature: dict[str, Any],
    train: pd.DataFrame,
    extra: dict[str, Any],
    uses_features: bool = True,
) -> Manifest:
    """Hash the artifact's files into its manifest: unregistered, no metrics yet (evaluate
    and publish add them). `uses_features=False` when this artifact was trained without
    the model's FeatureService (a user's file with other columns)."""
    return write_manifest(
        out,
        Manifest(
            name=spec.name,
            version=UNREGISTERED,
            framework=spec.framework,
            signature=signature,
            feature_service=spec.feature_service if uses_features else None,
            metrics={},
            data_fingerprint=fingerprint_frame(train),
            extra=extra,
        ),
    )
