"""The intent classifier's GPU pipeline, read as a cluster would run it: its training step asks
for the accelerator, lands on the GPU pool (node selector, toleration) and runs in the CUDA
image with device cuda; the CPU pipeline asks for none of that."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nivesh.catalog import INTENT_CLASSIFIER
from nivesh.cluster.images import COMPONENT_GPU_IMAGE, COMPONENT_IMAGE
from nivesh.training import runs


def _compiled(name: str, tmp_path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(runs.compile_pipeline(name, tmp_path / f"{name}.yaml").read_text()))


def _train(docs: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    spec = docs[0]
    executor = next(v for k, v in spec["deploymentSpec"]["executors"].items() if "train-model" in k)["container"]
    task = spec["root"]["dag"]["tasks"]["train-model"]
    platform = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"] if len(docs) > 1 else {}
    k8s: dict[str, Any] = next((v for k, v in platform.items() if "train-model" in k), {})
    return executor, task, k8s


def test_the_gpu_pipeline_asks_for_the_accelerator_and_the_cpu_one_does_not(tmp_path: Path) -> None:
    gpu = INTENT_CLASSIFIER.train_accelerator
    assert gpu is not None
    executor, task, k8s = _train(_compiled(f"{INTENT_CLASSIFIER.name}-gpu", tmp_path))
    assert executor["image"] == COMPONENT_GPU_IMAGE
    assert executor["resources"]["accelerator"]["resourceType"] == gpu.resource
    assert executor["resources"]["accelerator"]["resourceCount"] == str(gpu.count)
    assert task["inputs"]["parameters"]["device"]["runtimeValue"]["constant"] == "cuda"
    assert k8s["nodeSelector"]["labels"] == dict([gpu.node_label])
    assert {"key": gpu.taint_key, "operator": "Exists", "effect": "NoSchedule"} in k8s["tolerations"]

    executor, task, k8s = _train(_compiled(INTENT_CLASSIFIER.name, tmp_path))
    assert executor["image"] == COMPONENT_IMAGE and "accelerator" not in executor["resources"]
    assert "device" not in task["inputs"]["parameters"]  # the component's default: auto
    assert gpu.taint_key not in str(k8s)


def test_building_an_unknown_image_is_a_one_line_error_naming_the_known_ones() -> None:
    import pytest

    from nivesh.cluster import build
    from nivesh.errors import NiveshError

    with pytest.raises(NiveshError, match="unknown image 'nope; rm -rf /'; known: nivesh-component"):
        build.build(["nope; rm -rf /"], tool="podman")
