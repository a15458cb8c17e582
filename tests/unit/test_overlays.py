"""nivesh/cluster/overlays.py applies an overlay's JSON 6902 patches as kustomize does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from nivesh.cluster import overlays
from nivesh.errors import NiveshError
from nivesh.settings import PROJECT_ROOT

ISVC: dict[str, Any] = {
    "kind": "InferenceService",
    "metadata": {"name": "credit-risk", "labels": {"nivesh.in/transformer": "feast"}, "annotations": {"a/b": "x"}},
    "spec": {"predictor": {"minReplicas": 1}},
}


def _overlay(root: Path, patches: str, components: str = "") -> Path:
    (root / "overlays" / "x").mkdir(parents=True)
    (root / "overlays" / "x" / "kustomization.yaml").write_text(f"{components}patches:\n{patches}")
    return root / "overlays"


def test_patches_match_by_kind_name_and_label_and_escape_slashes(tmp_path: Path, monkeypatch) -> None:
    patches = """
  - target: {kind: InferenceService, labelSelector: nivesh.in/transformer=feast}
    patch: |-
      - {op: replace, path: /metadata/annotations/a~1b, value: y}
  - target: {kind: InferenceService, name: other}
    patch: |-
      - {op: replace, path: /spec/predictor/minReplicas, value: 9}
  - target: {kind: InferenceService, name: credit-risk}
    patch: |-
      - {op: add, path: /spec/predictor/maxReplicas, value: 8}
"""
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(_overlay(tmp_path, patches)))
    out = overlays.apply(ISVC, "x")
    assert out["metadata"]["annotations"]["a/b"] == "y" and out["spec"]["predictor"] == {
        "minReplicas": 1,
        "maxReplicas": 8,
    }
    assert ISVC["metadata"]["annotations"]["a/b"] == "x"  # the input is left alone


def test_a_replace_of_a_missing_field_and_other_patch_kinds_are_errors(tmp_path: Path, monkeypatch) -> None:
    missing = (
        "  - target: {kind: InferenceService}\n"
        "    patch: '[{op: replace, path: /spec/transformer/minReplicas, value: 0}]'\n"
    )
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(_overlay(tmp_path / "a", missing)))
    with pytest.raises(NiveshError, match="does not have"):
        overlays.apply(ISVC, "x")
    strategic = "  - target: {kind: InferenceService}\n    patch: |-\n      spec: {predictor: {minReplicas: 3}}\n"
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(_overlay(tmp_path / "b", strategic)))
    with pytest.raises(NiveshError, match="JSON 6902"):
        overlays.apply(ISVC, "x")


def test_list_positions_are_patched_as_kustomize_does(tmp_path: Path, monkeypatch) -> None:
    """Serverless drops a container's second port by position; "-" appends; a position past
    the end is an error, as in kustomize."""
    body = {**ISVC, "spec": {"predictor": {"containers": [{"ports": [{"name": "http"}, {"name": "grpc"}]}]}}}
    patches = """
  - target: {kind: InferenceService}
    patch: |-
      - {op: remove, path: /spec/predictor/containers/0/ports/1}
      - {op: add, path: /spec/predictor/containers/0/ports/-, value: {name: metrics}}
      - {op: replace, path: /spec/predictor/containers/0/ports/0, value: {name: web}}
"""
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(_overlay(tmp_path / "a", patches)))
    out = overlays.apply(body, "x")
    assert out["spec"]["predictor"]["containers"][0]["ports"] == [{"name": "web"}, {"name": "metrics"}]
    past = (
        "  - target: {kind: InferenceService}\n"
        "    patch: '[{op: remove, path: /spec/predictor/containers/0/ports/5}]'\n"
    )
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(_overlay(tmp_path / "b", past)))
    with pytest.raises(NiveshError, match="does not have"):
        overlays.apply(body, "x")


def test_an_image_reads_its_copy_and_a_missing_one_says_how_to_fix(tmp_path: Path, monkeypatch) -> None:
    # what the Dockerfile copies: manifests/overlays and manifests/components, not the base
    for part in ("overlays", "components"):
        shutil.copytree(PROJECT_ROOT / "manifests" / part, tmp_path / "manifests" / part)
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(tmp_path / "manifests" / "overlays"))
    assert overlays.patches("prod") and overlays.patches("prod") == _from_checkout("prod", monkeypatch)
    monkeypatch.setenv(overlays.OVERLAYS_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(NiveshError, match=overlays.OVERLAYS_ENV):
        overlays.patches("prod")


def _from_checkout(env: str, monkeypatch) -> list:
    monkeypatch.delenv(overlays.OVERLAYS_ENV)
    return overlays.patches(env)
