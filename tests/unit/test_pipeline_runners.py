"""kfp.local's two runners: what a containerized step is given (the run itself is in
tests/integration/test_containers.py, with the images built)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nivesh.errors import NiveshError
from nivesh.settings import Workspace
from nivesh.training import containers, runs


def test_a_step_gets_the_workspace_and_the_cluster_settings_set_here(tmp_path: Path) -> None:
    ws = Workspace(home=tmp_path / "var", feature_repo=tmp_path / "repo")
    given = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:5000", "NIVESH_REDIS_URL": "", "AWS_SECRET_ACCESS_KEY": "x"}
    env = containers.step_environment(ws, given)
    assert env == {
        "NIVESH_HOME": str(tmp_path / "var"),
        "NIVESH_FEATURE_REPO": str(tmp_path / "repo"),
        "MLFLOW_TRACKING_URI": "http://127.0.0.1:5000",
    }  # nothing else from this shell leaks into the container; empty settings are not passed


def test_folders_are_mounted_at_their_own_paths_once(tmp_path: Path) -> None:
    outer, inner, other = tmp_path / "ws", tmp_path / "ws" / "var", tmp_path / "manifests"
    for f in (outer, inner, other):
        f.mkdir(parents=True)
    got = containers.mounts([inner, outer, other, outer])
    assert sorted((m["Source"], m["Target"], m["ReadOnly"]) for m in got) == [
        (str(other), str(other), False),
        (str(outer), str(outer), False),
    ]


def test_an_unknown_runner_is_refused_with_the_choices(tmp_path: Path) -> None:
    ws = Workspace(home=tmp_path / "var", feature_repo=tmp_path / "repo")
    with pytest.raises(NiveshError, match="subprocess, containers"):
        runs.run_local("credit-risk", ws, "kubernetes")


def test_the_images_a_pipeline_needs_come_from_its_steps() -> None:
    from nivesh.cluster import images

    assert runs.images_of("credit-risk") == [images.COMPONENT_IMAGE]
    assert runs.images_of("intent-classifier-gpu") == sorted([images.COMPONENT_IMAGE, images.COMPONENT_GPU_IMAGE])
