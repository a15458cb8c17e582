"""What every trainer shares: the unregistered version and the manifest of a fresh artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from nivesh.artifact import Manifest, fingerprint_frame, write_manifest
from nivesh.catalog import ModelSpec

UNREGISTERED = "v0.0.0-unregistered"  # the version an artifact carries until publish() stamps it


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
