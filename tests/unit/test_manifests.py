"""Manifests: rendered files fresh, every overlay builds, objects strictly valid, pods restricted."""

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from nivesh import catalog, k8s, manifests
from nivesh.catalog import MODELS
from tests.conftest import PROJECT

OVERLAYS = sorted(p.name for p in (PROJECT / "manifests" / "overlays").iterdir() if p.is_dir())
ISVC_SCHEMA = PROJECT.parent / "shared" / "schemas" / "kserve-inferenceservice-v1beta1.json"


def build(overlay: str) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl not installed")
    out = subprocess.run(
        ["kubectl", "kustomize", str(PROJECT / "manifests" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def strict(schema: Any) -> Any:
    """additionalProperties: false on every object that lists properties (the CRD never does)."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out.setdefault("additionalProperties", False)
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def test_rendered_manifests_are_fresh() -> None:
    for rel, obj in manifests.rendered().items():
        path = PROJECT / "manifests" / rel
        assert path.is_file(), f"{rel} missing: run `nivesh render`"
        assert yaml.safe_load(path.read_text()) == obj, f"{rel} is stale: run `nivesh render`"


def test_dashboard_files_are_fresh_and_valid_json() -> None:
    import json

    files = manifests.dashboard_files()
    assert len(files) == len(MODELS) + 1
    for path, text in files.items():
        assert path.is_file() and path.read_text() == text, f"{path} is stale: run `nivesh render`"
        board = json.loads(text)
        assert board["uid"] and all(t["expr"] for p in board["panels"] for t in p["targets"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_kinds_pass_kubernetes_validate_strict(overlay: str) -> None:
    import kubernetes_validate

    for doc in build(overlay):
        if doc["apiVersion"].startswith(("serving.kserve.io", "monitoring.coreos.com")):
            continue
        kubernetes_validate.validate(doc, "1.33.0", strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inference_services_pass_the_kserve_schema_strictly(overlay: str) -> None:
    if not ISVC_SCHEMA.is_file():
        pytest.skip(f"{ISVC_SCHEMA} not present")
    validator = jsonschema.Draft7Validator(strict(json.loads(ISVC_SCHEMA.read_text())))
    isvcs = [d for d in build(overlay) if d["kind"] == "InferenceService"]
    assert {d["metadata"]["name"] for d in isvcs} == set(catalog.MODELS)
    for doc in isvcs:
        body = copy.deepcopy(doc)
        meta = body.pop("metadata")
        assert meta["name"] in catalog.MODELS and meta["namespace"]
        errors = sorted(validator.iter_errors({**body, "metadata": {}}), key=str)
        assert not errors, [e.message for e in errors[:5]]


def _pod_specs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    if doc["kind"] in ("Deployment", "StatefulSet"):
        return [spec["template"]["spec"]]
    if doc["kind"] == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["spec"]]
    if doc["kind"] == "InferenceService":
        return [spec[c] for c in ("predictor", "transformer") if c in spec]
    return []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_restricted_limited_and_uses_secret_refs(overlay: str) -> None:
    docs = build(overlay)
    assert not [d for d in docs if d["kind"] == "Secret"], "secrets must be referenced, never inlined"
    containers = 0
    for doc in docs:
        for pod in _pod_specs(doc):
            for c in pod.get("containers", []) + pod.get("initContainers", []):
                containers += 1
                where = f"{overlay}/{doc['kind']}/{doc['metadata']['name']}/{c['name']}"
                sc = c.get("securityContext", {})
                assert sc.get("allowPrivilegeEscalation") is False, where
                assert sc.get("capabilities", {}).get("drop") == ["ALL"], where
                assert sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
                assert sc.get("runAsNonRoot") or pod.get("securityContext", {}).get("runAsNonRoot"), where
                assert {"cpu", "memory"} <= set(c["resources"]["requests"]) <= set(c["resources"]["limits"]), where
                for env in c.get("env", []):
                    name = env["name"].upper()
                    if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN", "_URL", "URI")):
                        assert "valueFrom" in env or not any(
                            s in str(env.get("value", "")) for s in ("@", "password")
                        ), f"{where}: {env['name']} inlines a credential"
    assert containers >= 8


def test_emitted_isvc_uses_the_version_storage_and_images() -> None:
    from nivesh.images import SERVING_IMAGE

    body = k8s.inference_service(catalog.CREDIT_RISK, "s3://bucket/credit-risk/v1.2.0", "v1.2.0", "3")
    predictor = body["spec"]["predictor"]["containers"][0]
    assert {"name": "STORAGE_URI", "value": "s3://bucket/credit-risk/v1.2.0"} in predictor["env"]
    assert predictor["image"] == SERVING_IMAGE
    assert "--predictor_protocol=v2" in body["spec"]["transformer"]["containers"][0]["args"]
    assert body["metadata"]["labels"]["nivesh.in/model-version"] == "v1.2.0"


def test_compiled_pipelines_are_fresh(tmp_path: Path) -> None:
    from nivesh import pipelines

    for name in pipelines.PIPELINES:
        fresh = pipelines.compile_pipeline(name, tmp_path / f"{name}.yaml").read_text()
        committed = pipelines.compiled_path(name)
        assert committed.is_file(), f"{committed} missing: run `make compile`"
        assert committed.read_text() == fresh, f"{committed} is stale: run `make compile`"


def test_compiled_pipeline_is_a_kfp_ir_with_the_component_image() -> None:
    from nivesh import pipelines
    from nivesh.images import COMPONENT_IMAGE

    docs = list(yaml.safe_load_all(pipelines.compiled_path("credit-risk").read_text()))
    ir = docs[0]
    assert ir["pipelineInfo"]["name"] == "credit-risk" and ir["schemaVersion"] == "2.1.0"
    images = {e["container"]["image"] for e in ir["deploymentSpec"]["executors"].values()}
    assert images == {COMPONENT_IMAGE}
    assert set(ir["root"]["dag"]["tasks"]) == {
        "prepare-training-data",
        "train-model",
        "evaluate-model",
        "register-model",
        "emit-inference-service",
        "compare-with-production",
    }
