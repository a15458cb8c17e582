"""Kubernetes objects Nivesh renders from code: InferenceServices and monitor CronJobs.

Rendered from the catalogue and images module so names, images and the security
context are written once; the committed manifests under manifests/base are the
output of `nivesh render` and a test keeps them fresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nivesh.catalog import ModelSpec
from nivesh.cluster import images, pods, secrets
from nivesh.cluster.images import MONITOR_IMAGE, RETRAIN_WEBHOOK_IMAGE, TRANSFORMER_IMAGE
from nivesh.cluster.pods import (
    COLLOCATED_GRPC_PORT,
    COLLOCATED_HTTP_PORT,
    GOOGLE_SA,
    GRPC_PORT,
    HOME_ENV,
    HTTP_PORT,
    MODEL_READER_SA,
    MONITOR_SA,
    POD_SECURITY_CONTEXT,
    PUSHGATEWAY,
    RETRAIN_PORT,
    RETRAINER_SA,
    SCRATCH_HOME,
    SECURITY_CONTEXT,
    TMP_MOUNT,
    TMP_VOLUME,
)

MODEL_MOUNT = "/mnt/models"


def _resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {
        "requests": {"cpu": cpu, "memory": memory},
        "limits": {"cpu": cpu_limit, "memory": memory_limit},
    }


# Training and batch tasks run on a dedicated, tainted node pool (pipelines/training.py).
TRAINING_NODE_LABEL = ("nivesh.in/pool", "training")
TRAINING_TAINT_KEY = "nivesh.in/training"
# Every other pipeline step (prepare, evaluate, register, emit, compare, upload ...).
STEP_RESOURCES = {"cpu": "500m", "memory": "1G", "cpu_limit": "1", "memory_limit": "2G"}

MONITOR_COMPONENT = "monitor"  # the monitor pods' app.kubernetes.io/component (NetworkPolicies select it)


def serving_ports() -> list[dict[str, Any]]:
    """A public server's ports: REST and gRPC. The names tell Istio the protocol, and KServe
    exposes a port whose name says grpc on the InferenceService's Service."""
    return [
        {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"},
        {"name": "grpc", "containerPort": GRPC_PORT, "protocol": "TCP"},
    ]


def inference_service(
    spec: ModelSpec,
    storage_uri: str,
    semver: str,
    registered_version: str = "",
    namespace: str | None = None,
) -> dict[str, Any]:
    """Predictor (custom container; the storage initializer puts the artifact at /mnt/models)
    and, for a model with stored features, where it reads them (ModelSpec.feature_join): in the
    predictor itself, a transformer component in front, or a transformer container in the
    predictor's pod. Every public server speaks REST and gRPC."""
    common_env = [
        {"name": "NIVESH_MODEL_VERSION", "value": semver},
        *secrets.PREDICTION_STORE.env(),
        *secrets.LOG_HASH.env(),  # a server beyond loopback refuses to start without it
    ]
    # models that take labels serve POST .../feedback, which needs the app back end's token
    token = secrets.FEEDBACK_TOKEN if spec.feedback is not None else None
    if token is not None:
        common_env.append(token.env_entry())
    common_env += [HOME_ENV, pods.JOURNAL_ENV]
    mounts = {"volumeMounts": [TMP_MOUNT, pods.JOURNAL_MOUNT, *([token.mount()] if token else [])]}
    volumes = {"volumes": [TMP_VOLUME, pods.JOURNAL_VOLUME, *([token.volume()] if token else [])]}
    grace = {"terminationGracePeriodSeconds": pods.TERMINATION_GRACE_S}
    collocated = spec.feature_join == "collocated" and spec.transformer is not None
    one_process = spec.feature_join == "one-process" and spec.transformer is not None
    http, grpc = (COLLOCATED_HTTP_PORT, COLLOCATED_GRPC_PORT) if collocated else (HTTP_PORT, GRPC_PORT)
    n = spec.workers
    predictor_container = {
        "name": "kserve-container",
        "image": images.predictor(spec).reference,
        "command": ["python", "-m", spec.predictor],
        "args": [
            f"--model_name={spec.name}",
            f"--model_dir={MODEL_MOUNT}",
            f"--http_port={http}",
            f"--grpc_port={grpc}",
            *(["--feature_join=feast"] if one_process else []),
            *([f"--workers={n}"] if n > 1 else []),
        ],
        "env": [
            {"name": "STORAGE_URI", "value": storage_uri},
            *common_env,
            *(secrets.VERTEX.env() if spec.uses_vertex else []),
            *(secrets.REDIS.env() if one_process else []),
        ],
        # collocated: the transformer container beside it holds the pod's public ports
        **({} if collocated else {"ports": serving_ports()}),
        # per serving process (--workers): its model, its log writer, a core when busy
        "resources": _resources(f"{500 * n}m", f"{512 * n}Mi", str(n), f"{n}Gi"),
        "securityContext": SECURITY_CONTEXT,
        "readinessProbe": {"httpGet": {"path": f"/v2/models/{spec.name}/ready", "port": http}},
        **mounts,
    }
    metadata: dict[str, Any] = {
        "name": spec.name,
        "labels": {
            "app.kubernetes.io/part-of": "nivesh",
            "nivesh.in/model": spec.name,
            "nivesh.in/model-version": semver,
        },
        "annotations": {
            "serving.kserve.io/deploymentMode": "RawDeployment",
            "nivesh.in/mlflow-version": registered_version,
            "nivesh.in/feature-join": spec.feature_join if spec.transformer else "none",
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(HTTP_PORT),
            "prometheus.io/path": "/metrics",
        },
    }
    if namespace:
        metadata["namespace"] = namespace
    containers = [predictor_container]
    if collocated:
        containers.append(
            _transformer_container(spec, "transformer-container", common_env, mounts, f"localhost:{http}")
        )
    body: dict[str, Any] = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": metadata,
        "spec": {
            "predictor": {
                "minReplicas": 1,
                "maxReplicas": 4,
                "serviceAccountName": GOOGLE_SA if spec.uses_vertex else MODEL_READER_SA,
                "containers": containers,
                **volumes,
                **grace,
            }
        },
    }
    if spec.separate_transformer:
        metadata["labels"]["nivesh.in/transformer"] = "feast"  # overlays patch transformers by this label
        body["spec"]["transformer"] = {
            "minReplicas": 1,
            "maxReplicas": 4,
            "serviceAccountName": pods.transformer_sa(spec.name),
            "automountServiceAccountToken": False,  # it never calls the Kubernetes API
            "containers": [_transformer_container(spec, "kserve-container", common_env, mounts, None)],
            **volumes,
            **grace,
        }
    return body


def _transformer_container(
    spec: ModelSpec, name: str, common_env: list[dict[str, Any]], mounts: dict[str, Any], predictor_host: str | None
) -> dict[str, Any]:
    """The Feast transformer: KServe sets --predictor_host for a transformer component; a
    collocated one calls the predictor container on localhost, after checking it is ready."""
    assert spec.transformer is not None
    local = [f"--predictor_host={predictor_host}", "--enable_predictor_health_check"] if predictor_host else []
    return {
        "name": name,
        "image": TRANSFORMER_IMAGE,
        "command": ["python", "-m", spec.transformer],
        "args": [
            f"--model_name={spec.name}",
            "--predictor_protocol=v2",
            f"--predictor_request_timeout_seconds={spec.predictor_timeout_s}",
            f"--http_port={HTTP_PORT}",
            f"--grpc_port={GRPC_PORT}",
            *local,
        ],
        "env": [*common_env, *secrets.REDIS.env()],
        "ports": serving_ports(),
        "resources": _resources("250m", "512Mi", "1", "1Gi"),
        "securityContext": SECURITY_CONTEXT,
        "readinessProbe": {"httpGet": {"path": f"/v2/models/{spec.name}/ready", "port": HTTP_PORT}},
        **mounts,
    }


def monitor_cronjob(spec: ModelSpec, schedule: str = "0 * * * *") -> dict[str, Any]:
    """Hourly drift job: well inside the 24 h in which drift must be alerted."""
    container = {
        "name": "monitor",
        "image": MONITOR_IMAGE,
        "command": ["nivesh", "monitor", spec.name],
        "env": [
            {"name": "NIVESH_HOME", "value": SCRATCH_HOME},
            {"name": "NIVESH_PUSHGATEWAY_URL", "value": PUSHGATEWAY.url},
            *secrets.PREDICTION_STORE.env(),
            *secrets.MLFLOW.env(),
            HOME_ENV,
        ],
        "resources": _resources("500m", "1Gi", "1", "2Gi"),
        "securityContext": SECURITY_CONTEXT,
        "volumeMounts": [TMP_MOUNT, {"name": "work", "mountPath": SCRATCH_HOME}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": f"{spec.name}-drift-monitor",
            "labels": {"nivesh.in/model": spec.name},
        },
        "spec": {
            "schedule": schedule,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 1800,
                    "template": {
                        "metadata": {
                            "labels": {
                                "nivesh.in/model": spec.name,
                                "app.kubernetes.io/component": MONITOR_COMPONENT,
                            }
                        },
                        "spec": {
                            "serviceAccountName": MONITOR_SA,
                            "automountServiceAccountToken": False,
                            "restartPolicy": "Never",
                            "securityContext": POD_SECURITY_CONTEXT,
                            "containers": [container],
                            "volumes": [TMP_VOLUME, {"name": "work", "emptyDir": {}}],
                        },
                    },
                }
            },
        },
    }


RETRAIN_WEBHOOK = "nivesh-retrain-webhook"


def retrain_webhook_url(namespace: str) -> str:
    """Where an Alertmanager posts retrain alerts: the webhook Service in `namespace`."""
    return f"http://{RETRAIN_WEBHOOK}.{namespace}.svc:{RETRAIN_PORT}/alerts"


KFP_API = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
KFP_TOKEN_DIR = "/var/run/secrets/kubeflow/pipelines"  # noqa: S105 - a path: where kfp.Client looks for its token


def retrain_webhook() -> list[dict[str, Any]]:
    """The Alertmanager receiver that starts retraining runs: one replica (its decisions take a
    lock; the incident record is the source of truth), KFP API from the cluster."""
    labels = {"app.kubernetes.io/name": RETRAIN_WEBHOOK, "app.kubernetes.io/component": "retraining"}
    container = {
        "name": "webhook",
        "image": RETRAIN_WEBHOOK_IMAGE,
        "command": ["nivesh", "retrain-webhook", "--host", "0.0.0.0", "--port", str(RETRAIN_PORT)],  # noqa: S104
        "env": [
            {"name": "NIVESH_HOME", "value": SCRATCH_HOME},
            {"name": "NIVESH_RETRAIN_KFP_HOST", "value": KFP_API},
            *secrets.PREDICTION_STORE.env(),
            *secrets.MLFLOW.env(),
            secrets.RETRAIN_TOKEN.env_entry(),  # Alertmanager's bearer token: /alerts answers 401 without it
            HOME_ENV,
        ],
        "ports": [{"containerPort": RETRAIN_PORT, "protocol": "TCP", "name": "http"}],
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": RETRAIN_PORT}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": RETRAIN_PORT}, "periodSeconds": 30},
        "resources": _resources("100m", "256Mi", "500m", "512Mi"),
        "securityContext": SECURITY_CONTEXT,
        "volumeMounts": [
            TMP_MOUNT,
            {"name": "work", "mountPath": SCRATCH_HOME},
            {"name": "kfp-token", "mountPath": KFP_TOKEN_DIR, "readOnly": True},
            secrets.RETRAIN_TOKEN.mount(),
        ],
    }
    # Multi-user Kubeflow authorises API calls by the caller's ServiceAccount token with the
    # pipelines audience; the kfp Client reads it from KFP_TOKEN_DIR/token. Only this token
    # is mounted (no Kubernetes API token: automountServiceAccountToken stays false).
    kfp_token = {
        "name": "kfp-token",
        "projected": {
            "sources": [
                {
                    "serviceAccountToken": {
                        "audience": "pipelines.kubeflow.org",
                        "expirationSeconds": 7200,
                        "path": "token",
                    }
                }
            ]
        },
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": RETRAIN_WEBHOOK, "labels": labels},
        "spec": {
            "replicas": 1,
            "strategy": {"type": "Recreate"},  # never two deciders at once
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {"prometheus.io/scrape": "true", "prometheus.io/path": "/metrics/"},
                },
                "spec": {
                    "serviceAccountName": RETRAINER_SA,
                    "automountServiceAccountToken": False,
                    "securityContext": POD_SECURITY_CONTEXT,
                    "containers": [container],
                    "volumes": [
                        TMP_VOLUME,
                        {"name": "work", "emptyDir": {}},
                        kfp_token,
                        secrets.RETRAIN_TOKEN.volume(),
                    ],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": RETRAIN_WEBHOOK, "labels": labels},
        "spec": {"selector": labels, "ports": [{"name": "http", "port": RETRAIN_PORT, "targetPort": "http"}]},
    }
    return [deployment, service]


class _PlainDumper(yaml.SafeDumper):
    """No &anchors / *aliases for shared env entries: manifests are read by people and GitOps diffs."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(obj: dict[str, Any]) -> str:
    return yaml.dump(obj, Dumper=_PlainDumper, sort_keys=False)


def write(obj: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Generated by `nivesh render`; do not edit by hand.\n" + dump(obj))
    return path
