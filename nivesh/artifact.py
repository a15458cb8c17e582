"""The model artifact contract: a directory of safe-format files plus a manifest.

The manifest names the model, its semantic version, framework, input/output
signature, FeatureService, metrics, training-data fingerprint and the sha256 of
every other file. `load_manifest` refuses a directory whose files do not match, so
a server never runs a model that was truncated or tampered with on its way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from nivesh.errors import ArtifactIntegrityError

MANIFEST = "nivesh-model.json"


@dataclass
class Manifest:
    name: str
    version: str
    framework: str
    signature: dict[str, Any]
    feature_service: str | None
    metrics: dict[str, float]
    data_fingerprint: str
    extra: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint_frame(frame: pd.DataFrame) -> str:
    """Stable hash of a training frame's content and column order."""
    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _payload_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def write_manifest(folder: Path, manifest: Manifest) -> Manifest:
    """Hash every file already in `folder` and write the manifest beside them."""
    manifest.files = {str(p.relative_to(folder)): sha256_file(p) for p in _payload_files(folder)}
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, sort_keys=True))
    return manifest


def load_manifest(folder: Path, name: str | None = None) -> Manifest:
    """Read and verify an artifact (and, given `name`, that it is that model's); raises
    ArtifactIntegrityError on any mismatch."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ArtifactIntegrityError(f"{folder}: no {MANIFEST}; is this a Nivesh model artifact?")
    manifest = Manifest(**json.loads(path.read_text()))
    if name is not None and manifest.name != name:
        raise ArtifactIntegrityError(f"{folder} holds {manifest.name!r}, not {name!r}")
    for rel, expected in manifest.files.items():
        f = folder / rel
        if not f.is_file():
            raise ArtifactIntegrityError(f"{folder}: {rel} is listed in the manifest but missing")
        actual = sha256_file(f)
        if actual != expected:
            raise ArtifactIntegrityError(
                f"{folder}: sha256 of {rel} is {actual[:12]}..., manifest says {expected[:12]}..."
            )
    extra_files = {str(p.relative_to(folder)) for p in _payload_files(folder)} - set(manifest.files)
    if extra_files:
        raise ArtifactIntegrityError(f"{folder}: files not in the manifest: {sorted(extra_files)}")
    return manifest


REFERENCE_FILE = "reference.parquet"


def write_reference(folder: Path, frame: pd.DataFrame, numerical: list[str], categorical: list[str]) -> dict[str, Any]:
    """The training-time sample the drift monitor compares served traffic with, and the
    manifest entries that tell the monitor how to read it (written once, at training)."""
    frame[numerical + categorical].to_parquet(folder / REFERENCE_FILE, index=False)
    return {"reference_file": REFERENCE_FILE, "monitor": {"numerical": numerical, "categorical": categorical}}


def restamp(folder: Path, version: str, metrics: dict[str, float]) -> Manifest:
    """Set the registered version and held-out metrics; payload files are re-verified."""
    manifest = load_manifest(folder)
    manifest.version = version
    manifest.metrics = dict(metrics)
    return write_manifest(folder, manifest)
