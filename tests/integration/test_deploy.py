"""Promotion against a real MLflow registry and the prediction store's database: a dry
run, a GitOps deploy, a canary, a rollback, a server-side apply to a stand-in Kubernetes
API and a failed one, each checked in `model_deployments`, the aliases and `nivesh status`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from nivesh import catalog, registry
from nivesh.cluster import deploy, environments, status, storage
from nivesh.cluster.deploy_log import DeploymentLog
from nivesh.errors import NiveshError
from nivesh.settings import RegistrySettings, StoreSettings, Workspace
from nivesh.store import schema
from tests.conftest import fit_and_publish
from tests.fakes_http import serve_json

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MODEL = catalog.CREDIT_RISK.name


def _kubeconfig(path: Path, server: str) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "fake", "cluster": {"server": server}}],
                "users": [{"name": "ci", "user": {"token": "t0ken"}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "ci"}}],
                "current-context": "fake",
            }
        )
    )
    return path


def test_deploy_canary_rollback_and_apply_are_recorded(
    workspace, credit_risk_prepared, tmp_path: Path, monkeypatch
) -> None:
    # its own registry and store
    ws = Workspace(home=tmp_path / "var", feature_repo=workspace.feature_repo)
    reg, store_url = RegistrySettings(), schema.prepare_local(StoreSettings().resolved_url(ws))
    monkeypatch.setenv(deploy.ACTOR_ENV, "ci-bot")
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    first_params: dict[str, Any] = {"max_depth": 2}
    v1, v2 = (
        fit_and_publish(MODEL, credit_risk_prepared, ws, tmp_path / name, params)[0]
        for name, params in (("first", first_params), ("second", {}))
    )
    log = DeploymentLog(store_url)

    dry = deploy.deploy(ws, MODEL, v1.semver, "prod", reg, store_url, dry_run=True)
    body = yaml.safe_load(dry.manifest)
    assert (
        body["metadata"]["namespace"] == "nivesh" and body["metadata"]["labels"]["nivesh.in/model-version"] == v1.semver
    )
    env = body["spec"]["predictor"]["containers"][0]["env"]
    assert {"name": "STORAGE_URI", "value": storage.storage_uri(v1, reg)} in env
    assert dry.record_id is None and log.history(MODEL) == []  # a dry run changes nothing

    out = tmp_path / "gitops"
    first = deploy.deploy(ws, MODEL, v1.semver, "staging", reg, store_url, output=out)
    assert first.path is not None
    assert first.path == out / "staging" / f"{MODEL}.yaml" and yaml.safe_load(first.path.read_text())["kind"]
    canary = deploy.deploy(ws, MODEL, v2.semver, "staging", reg, store_url, canary=10, output=out)
    assert canary.path is not None
    assert yaml.safe_load(canary.path.read_text())["spec"]["predictor"]["canaryTrafficPercent"] == 10
    assert registry.resolve(ws, MODEL, registry.STAGING).semver == v2.semver
    back = deploy.rollback(ws, MODEL, "staging", reg, store_url, output=out)
    assert back.path is not None
    assert "canaryTrafficPercent" not in yaml.safe_load(back.path.read_text())["spec"]["predictor"]
    assert registry.resolve(ws, MODEL, registry.STAGING).semver == v1.semver

    rows = log.history(MODEL, "staging")
    assert [(r["action"], r["version"], r["canary_percent"], r["previous_version"], r["status"]) for r in rows] == [
        ("rollback", v1.semver, None, v2.semver, "rendered"),
        ("deploy", v2.semver, 10, v1.semver, "rendered"),
        ("deploy", v1.semver, None, None, "rendered"),
    ]
    assert {r["deployed_by"] for r in rows} == {"ci-bot"} and all(r["namespace"] == "nivesh-staging" for r in rows)

    calls: list[dict[str, Any]] = []

    def kube(method: str, path: str, query: str, ctype: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        calls.append({"method": method, "path": path, "query": query, "ctype": ctype, "body": json.loads(raw)})
        return (403, {"kind": "Status", "message": "forbidden"}) if "forbid" in path else (200, calls[-1]["body"])

    with serve_json(kube) as url:
        monkeypatch.setenv("KUBECONFIG", str(_kubeconfig(tmp_path / "kubeconfig", url)))
        applied = deploy.deploy(ws, MODEL, v2.semver, "prod", reg, store_url)
        assert applied.status == "applied" and registry.resolve(ws, MODEL, registry.PRODUCTION).semver == v2.semver
        call = calls[-1]
        assert call["method"] == "PATCH" and call["ctype"] == "application/apply-patch+yaml"
        assert call["path"] == f"/apis/serving.kserve.io/v1beta1/namespaces/nivesh/inferenceservices/{MODEL}"
        assert "fieldManager=nivesh-deploy" in call["query"] and "force=true" in call["query"]
        assert call["body"]["metadata"]["labels"]["nivesh.in/model-version"] == v2.semver

        monkeypatch.setitem(
            environments.ENVIRONMENTS,
            "forbidden",
            environments.Environment("forbidden", "forbid", "forbidden", overlay="prod"),
        )
        with pytest.raises(NiveshError, match="was not applied"):
            deploy.deploy(ws, MODEL, v1.semver, "forbidden", reg, store_url)
    failed = log.current(MODEL, "forbidden")
    assert failed is None  # a failed apply is recorded but is not what runs
    assert (
        log.history(MODEL, "forbidden")[0]["status"] == "failed"
        and "403" in log.history(MODEL, "forbidden")[0]["detail"]
    )
    assert registry.aliases(registry.connect(ws), MODEL).get("forbidden") is None

    with pytest.raises(NiveshError, match="no earlier version"):
        deploy.rollback(ws, MODEL, "prod", reg, store_url)

    (st,) = status.gather(ws, store_url, [MODEL], gateway=None)
    by_semver = {v["semver"]: v for v in st.versions}
    assert "production" in by_semver[v2.semver]["aliases"] and "staging" in by_semver[v1.semver]["aliases"]
    assert st.deployments["staging"]["action"] == "rollback" and st.deployments["prod"]["status"] == "applied"
    # a failed attempt is shown as one, not as what runs there
    assert "forbidden" not in st.deployments and st.failed_attempts["forbidden"]["version"] == v1.semver
    assert set(st.failed_attempts) == {"forbidden"}
    assert st.monitor_error and "NIVESH_PUSHGATEWAY_URL" in st.monitor_error
