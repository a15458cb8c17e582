"""The registry client is per workspace: registering sets nothing process-wide (the old
`mlflow.set_tracking_uri` exported MLFLOW_TRACKING_URI to every child process, so a later
workspace in the same process, or a server it started, wrote to the first one's registry)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nivesh import registry
from nivesh.artifact import Manifest, write_manifest
from nivesh.settings import Workspace


def _artifact(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.json").write_text("{}")
    signature = {"inputs": [{"name": "x", "datatype": "FP64", "shape": [-1]}], "outputs": []}
    write_manifest(folder, Manifest("credit-risk", "v1.0.0", "test", signature, None, {"auc": 0.9}, "fp"))
    return folder


def test_two_workspaces_in_one_process_keep_their_own_registries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("NIVESH_TRACKING_URI", raising=False)
    first = Workspace(home=tmp_path / "a", feature_repo=tmp_path)
    second = Workspace(home=tmp_path / "b", feature_repo=tmp_path)
    registered = registry.register(first, _artifact(tmp_path / "m1"))
    assert "MLFLOW_TRACKING_URI" not in os.environ
    registry.register(second, _artifact(tmp_path / "m2"))
    registry.register(second, _artifact(tmp_path / "m3"))
    assert len(registry.versions(registry.connect(first), "credit-risk")) == 1
    assert len(registry.versions(registry.connect(second), "credit-risk")) == 2
    folder, manifest = registry.download(first, registered, tmp_path / "back")
    assert manifest.name == "credit-risk" and (folder / "model.json").is_file()
