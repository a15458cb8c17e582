"""`nivesh deploy` / `nivesh rollback`: put a registered version in an environment.

One command does what a promotion needs: resolve the version, render its
InferenceService (storage URI, version labels, `canaryTrafficPercent`), apply it with
server-side apply (or write the YAML for GitOps), point the environment's MLflow alias
at it, and record the deployment in `model_deployments`, failed ones too.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nivesh import catalog, registry
from nivesh.cluster import k8s, overlays, storage
from nivesh.cluster.deploy_log import APPLIED, DEPLOY, FAILED, RENDERED, ROLLBACK, Deployment, DeploymentLog
from nivesh.cluster.environments import Environment, environment
from nivesh.errors import NiveshError
from nivesh.settings import RegistrySettings, Workspace

FIELD_MANAGER = "nivesh-deploy"
APPLY_TIMEOUT_S = 30
ACTOR_ENV = "NIVESH_DEPLOY_ACTOR"  # CI sets the pipeline's identity; else the login name


MODE_ANNOTATION = "serving.kserve.io/deploymentMode"


def render(version: registry.RegisteredVersion, env: Environment, canary: int | None, uri: str) -> dict[str, Any]:
    """The version's InferenceService shaped by `env`'s overlay (mode, replicas); with
    `canary`, the new predictor revision gets that share of traffic and the last
    rolled-out one the rest."""
    body = overlays.apply(storage.inference_service(version, uri, env.namespace), env.overlay_name)
    if canary is not None:
        mode = body["metadata"]["annotations"].get(MODE_ANNOTATION)
        if mode != "Serverless":
            raise NiveshError(f"--canary needs KServe's Serverless mode; --env {env.name} runs {mode}")
        if not 1 <= canary <= 99:
            raise NiveshError(f"--canary must be a percentage from 1 to 99, got {canary}")
        body["spec"]["predictor"]["canaryTrafficPercent"] = canary
    return body


def apply(body: dict[str, Any]) -> None:
    """Server-side apply with the Kubernetes API (the pod's ServiceAccount, else kubeconfig):
    one PATCH of the whole object, so fields another manager owns are taken over (force)."""
    from kubernetes import client, config

    try:
        config.load_incluster_config()
    except config.ConfigException:
        try:  # KUBECONFIG read now: the client library reads it once, when first imported
            config.load_kube_config(config_file=os.environ.get("KUBECONFIG"))
        except (config.ConfigException, FileNotFoundError) as exc:
            raise NiveshError(f"no Kubernetes cluster configured ({exc}); use --output DIR for GitOps") from exc
    group, version = body["apiVersion"].split("/")
    meta = body["metadata"]
    path = f"/apis/{group}/{version}/namespaces/{meta['namespace']}/{body['kind'].lower()}s/{meta['name']}"
    with client.ApiClient() as api:
        api.call_api(
            path,
            "PATCH",
            query_params=[("fieldManager", FIELD_MANAGER), ("force", "true")],
            header_params={"Content-Type": "application/apply-patch+yaml", "Accept": "application/json"},
            body=body,
            auth_settings=["BearerToken"],
            response_type="object",
            _request_timeout=APPLY_TIMEOUT_S,
        )


def actor() -> str:
    return os.environ.get(ACTOR_ENV) or getpass.getuser()


@dataclass(frozen=True)
class Outcome:
    deployment: Deployment
    manifest: str
    status: str
    record_id: int | None
    path: Path | None = None
    warnings: tuple[str, ...] = ()


def deploy(
    ws: Workspace,
    model: str,
    ref: str,
    env_name: str,
    registry_settings: RegistrySettings,
    store_url: str,
    canary: int | None = None,
    dry_run: bool = False,
    output: Path | None = None,
    action: str = DEPLOY,
) -> Outcome:
    """Render, then apply (or write to `output`, or, with `dry_run`, only render); the alias
    moves and a row is recorded unless it is a dry run. A failed apply is recorded and raised."""
    catalog.get(model)  # an unknown name fails here, naming the models, not as "not registered"
    env = environment(env_name)
    version = registry.resolve(ws, model, ref)
    uri = storage.storage_uri(version, registry_settings)
    body = render(version, env, canary, uri)
    manifest = k8s.dump(body)
    log = DeploymentLog(store_url)
    current = log.current(model, env.name)
    deployment = Deployment(
        model=model,
        version=version.semver,
        mlflow_version=version.version,
        environment=env.name,
        namespace=env.namespace,
        canary_percent=canary,
        action=action,
        previous_version=current["version"] if current else None,
        storage_uri=uri,
        deployed_by=actor(),
    )
    warnings = storage_warnings(deployment.storage_uri)
    if dry_run:
        return Outcome(deployment, manifest, "dry-run", None, warnings=warnings)
    path = None
    if output is not None:
        path = k8s.write(body, output / env.name / f"{model}.yaml")
        status, detail = RENDERED, str(path)
    else:
        try:
            apply(body)
        except Exception as exc:  # the record says why; the caller sees the error
            log.add(deployment, FAILED, f"{type(exc).__name__}: {exc}")
            raise NiveshError(f"{model} {version.semver} was not applied to {env.name}: {exc}") from exc
        status, detail = APPLIED, None
    registry.connect(ws).set_registered_model_alias(model, env.alias, version.version)
    return Outcome(deployment, manifest, status, log.add(deployment, status, detail), path, warnings)


# what KServe's storage initializer fetches from; anything else (a local path) a pod cannot read
CLUSTER_STORAGE_SCHEMES = ("s3://", "gs://", "pvc://", "hdfs://", "webhdfs://", "https://", "http://", "oci://")


def storage_warnings(storage_uri: str) -> tuple[str, ...]:
    """A storage URI no pod can read is allowed (a dry run, a test cluster with a hostPath)
    but said out loud: the registry here stores artifacts locally."""
    if storage_uri.startswith(CLUSTER_STORAGE_SCHEMES):
        return ()
    return (
        f"STORAGE_URI {storage_uri} is local to this machine: the cluster's storage initializer cannot fetch it; "
        "set NIVESH_STORAGE_URI_PREFIX (s3://, gs://, pvc://) to where the artifacts are published",
    )


def rollback(
    ws: Workspace,
    model: str,
    env_name: str,
    registry_settings: RegistrySettings,
    store_url: str,
    output: Path | None = None,
) -> Outcome:
    """Back to the version that ran before the current one, with all traffic."""
    env = environment(env_name)
    previous = DeploymentLog(store_url).before_current(model, env.name)
    if previous is None:
        raise NiveshError(f"{model} has no earlier version deployed to {env.name} to roll back to")
    return deploy(
        ws, model, previous["version"], env.name, registry_settings, store_url, output=output, action=ROLLBACK
    )
