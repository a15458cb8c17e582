"""MLflow model registry: semantic versions, aliases, and where a version's files live.

Registered model = catalogue name. Each version carries tags `semver` (v1.0.0,
v1.1.0 ...; the major part moves when the input signature changes), `feature_service`
and `data_fingerprint`, and gets the `staging` alias on registration.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlflow.artifacts import download_artifacts
from mlflow.entities import Metric, Param, RunTag
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from nivesh.artifact import Manifest, load_manifest
from nivesh.errors import NiveshError
from nivesh.settings import RegistrySettings, Workspace

log = logging.getLogger(__name__)
STAGING = "staging"
PRODUCTION = "production"
ARTIFACT_PATH = "model"

FIRST_SEMVER = "v1.0.0"  # a model's first registered version


@dataclass(frozen=True)
class RegisteredVersion:
    name: str
    version: str  # MLflow's integer version, as a string
    semver: str
    source: str  # artifact URI the predictor's storage initializer downloads
    run_id: str


def connect(workspace: Workspace, settings: RegistrySettings | None = None) -> MlflowClient:
    """A client on the workspace's tracking server. Nothing process-wide is set (no
    mlflow.set_tracking_uri, which also exports MLFLOW_TRACKING_URI to every child process):
    two workspaces in one process each get their own registry."""
    uri = (settings or RegistrySettings()).resolved_tracking_uri(workspace)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _experiment(client: MlflowClient, workspace: Workspace, name: str) -> str:
    exp = client.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    location = None
    if client.tracking_uri.startswith("sqlite:"):
        location = workspace.path("mlflow", "artifacts", name).as_uri()
    return str(client.create_experiment(name, artifact_location=location))


def versions(client: MlflowClient, name: str) -> list[ModelVersion]:
    try:
        return list(client.search_model_versions(f"name='{name}'"))
    except MlflowException:
        return []


def aliases(client: MlflowClient, name: str) -> dict[str, str]:
    """alias -> MLflow version number; empty for a model never registered."""
    try:
        return {str(k): str(v) for k, v in client.get_registered_model(name).aliases.items()}
    except MlflowException:
        return {}


def next_semver(client: MlflowClient, name: str, inputs: list[str]) -> str:
    """v1.0.0 first; minor bump for the same inputs, major bump when inputs change."""
    tagged = [v for v in versions(client, name) if "semver" in v.tags]
    if not tagged:
        return FIRST_SEMVER
    latest = max(tagged, key=lambda v: int(v.version))
    major, minor, _ = (int(x) for x in latest.tags["semver"].lstrip("v").split("."))
    if json.loads(latest.tags.get("inputs", "[]")) != inputs:
        return f"v{major + 1}.0.0"
    return f"v{major}.{minor + 1}.0"


def register(
    workspace: Workspace,
    artifact_dir: Path,
    params: dict[str, Any] | None = None,
    alias: str = STAGING,
) -> RegisteredVersion:
    """Log the verified artifact as a run of the model's experiment and register it."""
    manifest = load_manifest(artifact_dir)
    client = connect(workspace)
    experiment_id = _experiment(client, workspace, manifest.name)
    inputs = [i["name"] for i in manifest.signature["inputs"]]
    run_id = client.create_run(experiment_id, run_name=f"{manifest.name}-{manifest.version}").info.run_id
    try:
        client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), int(time.time() * 1000), 0) for k, v in manifest.metrics.items()],
            params=[Param(k, str(v)[:500]) for k, v in (params or {}).items()],
            tags=[RunTag("semver", manifest.version), RunTag("data_fingerprint", manifest.data_fingerprint)],
        )
        client.log_artifacts(run_id, str(artifact_dir), artifact_path=ARTIFACT_PATH)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    try:
        client.create_registered_model(manifest.name, description=f"Nivesh {manifest.name}")
    except MlflowException as exc:
        if "already exists" not in str(exc).lower() and "RESOURCE_ALREADY_EXISTS" not in str(exc):
            raise
    source = f"{client.get_run(run_id).info.artifact_uri}/{ARTIFACT_PATH}"
    mv = client.create_model_version(
        manifest.name,
        source=source,
        run_id=run_id,
        tags={
            "semver": manifest.version,
            "framework": manifest.framework,
            "feature_service": manifest.feature_service or "",
            "data_fingerprint": manifest.data_fingerprint,
            "inputs": json.dumps(inputs),
            **{f"metric.{k}": f"{v:.6g}" for k, v in manifest.metrics.items()},
            # what a model adds about itself (the advisor: Vertex base model, tuning job, endpoint)
            **{str(k): str(v) for k, v in manifest.extra.get("registry_tags", {}).items()},
        },
    )
    client.set_registered_model_alias(manifest.name, alias, mv.version)
    log.info("registered %s version %s (%s) as %s", manifest.name, mv.version, manifest.version, alias)
    return RegisteredVersion(manifest.name, str(mv.version), manifest.version, source, run_id)


def resolve(workspace: Workspace, name: str, ref: str = STAGING) -> RegisteredVersion:
    """A version by alias (staging, production), MLflow number, or semver tag."""
    client = connect(workspace)
    try:
        if ref.startswith("v"):
            known = versions(client, name)
            matches = [v for v in known if v.tags.get("semver") == ref]
            if not matches:
                tags = sorted({str(v.tags.get("semver")) for v in known if v.tags.get("semver")})
                raise NiveshError(f"{name} has no version tagged {ref}; registered: {', '.join(tags) or 'none'}")
            mv = matches[0]
        elif ref.isdigit():
            mv = client.get_model_version(name, ref)
        else:
            mv = client.get_model_version_by_alias(name, ref)
    except MlflowException as exc:
        raise NiveshError(f"{name}@{ref} is not registered (run `nivesh pipeline run {name}` first)") from exc
    return RegisteredVersion(name, str(mv.version), mv.tags.get("semver", ""), str(mv.source), str(mv.run_id))


def download(workspace: Workspace, version: RegisteredVersion, dst: Path) -> tuple[Path, Manifest]:
    """Fetch a registered artifact and verify it before anyone loads it."""
    client = connect(workspace)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    dst.mkdir(parents=True, exist_ok=True)
    local = Path(download_artifacts(artifact_uri=version.source, dst_path=str(dst), tracking_uri=client.tracking_uri))
    return local, load_manifest(local)
