"""The platform beside the models, rendered from code: ServiceAccounts, the deployer's Role,
PostgreSQL, MLflow, Redis, the Pushgateway and the Feast materialize CronJob.

Names, ports, the non-root user and the security contexts come from nivesh.cluster.pods
and Secret names from nivesh.cluster.secrets, the same values the models' objects and
the NetworkPolicies use; `nivesh render` writes them under manifests/base/platform.
"""

from __future__ import annotations

from typing import Any

from nivesh import catalog
from nivesh.cluster import pods, secrets
from nivesh.cluster.images import COMPONENT
from nivesh.cluster.pods import PLATFORM_SA, SECURITY_CONTEXT, STORE_MIGRATE, PlatformService

# Third-party images, pinned; `nivesh-component` is resolved by the base kustomization.
POSTGRES_IMAGE = "postgres:15.10"
REDIS_IMAGE = "redis:7.2.7"
PUSHGATEWAY_IMAGE = "prom/pushgateway:v1.11.0"
POSTGRES_DB = "nivesh"
POSTGRES_UID = 999  # the official postgres and redis images' user
NOBODY_UID = 65534  # the Pushgateway image's user
# Containers keep their image's user (set on the pod); everything else as for our own images.
HARDENED = {k: v for k, v in SECURITY_CONTEXT.items() if k not in ("runAsUser", "runAsGroup", "readOnlyRootFilesystem")}
READ_ONLY = HARDENED | {"readOnlyRootFilesystem": True}

SERVICE_ACCOUNTS: dict[str, str] = {
    pods.MONITOR_SA: "Drift and quality monitors: read the prediction store and MLflow, push gauges.",
    pods.MODEL_READER_SA: (
        "Predictors' storage initializer reads model artifacts with this identity (bind cloud IAM here)."
    ),
    PLATFORM_SA: "PostgreSQL, MLflow, Redis, the Pushgateway and Feast materialize.",
    pods.GOOGLE_SA: (
        "financial-advisor predictor: reads its artifact and calls Vertex AI. Bind it with Workload Identity "
        "(overlay annotation iam.gke.io/gcp-service-account) to a Google service account with "
        "roles/aiplatform.user; no key file is mounted."
    ),
    pods.RETRAINER_SA: (
        "The retraining webhook: creates runs through the Kubeflow Pipelines API (grant it the pipeline-runner "
        "role in the kubeflow profile) and reads MLflow; it never calls the Kubernetes API."
    ),
}


def service_accounts() -> list[dict[str, Any]]:
    """Workloads here never call the Kubernetes API: no token is mounted (the deployer aside)."""
    transformers = {
        pods.transformer_sa(spec.name): f"{spec.name} transformer: its mesh identity (only it calls its predictor)."
        for spec in catalog.MODELS.values()
        if spec.separate_transformer
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "annotations": {"description": description}},
            "automountServiceAccountToken": False,
        }
        for name, description in (SERVICE_ACCOUNTS | transformers).items()
    ]


def deployer() -> list[dict[str, Any]]:
    """The one identity that changes cluster objects: `nivesh deploy` / `nivesh rollback` (an
    in-cluster CI job) may only read and server-side apply InferenceServices here."""
    name = pods.DEPLOYER_SA
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": name},
            "rules": [
                {
                    "apiGroups": ["serving.kserve.io"],
                    "resources": ["inferenceservices"],
                    "verbs": ["get", "list", "watch", "create", "patch"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name}],
        },
    ]


def _service(svc: PlatformService, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": svc.name}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {
            "selector": {"app.kubernetes.io/name": svc.name},
            "ports": [{"name": svc.port_name, "port": svc.port, "targetPort": svc.port}],
        },
    }


def _resources(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu_limit, "memory": memory_limit}}


def _pod(uid: int, containers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    security: dict[str, Any] = {"runAsNonRoot": True, "runAsUser": uid}
    if uid in (POSTGRES_UID, pods.RUN_AS_UID):
        security["runAsGroup"] = uid
    security["seccompProfile"] = {"type": "RuntimeDefault"}
    return {
        "serviceAccountName": PLATFORM_SA,
        "automountServiceAccountToken": False,
        **extra,
        "securityContext": security,
        "containers": containers,
    }


def _workload(kind: str, svc: PlatformService, pod: dict[str, Any], **spec: Any) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": svc.name}
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": svc.name},
        "spec": {
            **spec,
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def postgres() -> list[dict[str, Any]]:
    """The MLflow backend store and the prediction store (Secret nivesh-postgres: user, password)."""
    svc = pods.POSTGRES
    container = {
        "name": svc.name,
        "image": POSTGRES_IMAGE,
        "env": [
            {"name": "POSTGRES_DB", "value": POSTGRES_DB},
            {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
            *secrets.POSTGRES.env(),
        ],
        "ports": [{"containerPort": svc.port, "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "$(POSTGRES_USER)", "-d", POSTGRES_DB]}},
        "resources": _resources("250m", "512Mi", "1", "1Gi"),
        "securityContext": HARDENED,
        "volumeMounts": [
            {"name": "data", "mountPath": "/var/lib/postgresql/data"},
            {"name": "run", "mountPath": "/var/run/postgresql"},
        ],
    }
    pod = _pod(POSTGRES_UID, [container], volumes=[{"name": "run", "emptyDir": {}}])
    pod["securityContext"]["fsGroup"] = POSTGRES_UID
    claim = {
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
    }
    statefulset = _workload("StatefulSet", svc, pod, serviceName=svc.name)
    statefulset["spec"]["volumeClaimTemplates"] = [claim]
    return [_service(svc), statefulset]


def mlflow() -> list[dict[str, Any]]:
    """The tracking server on PostgreSQL, artifacts proxied to the models bucket (Secret nivesh-mlflow)."""
    svc = pods.MLFLOW
    container = {
        "name": svc.name,
        "image": COMPONENT.name,
        "command": ["mlflow", "server"],
        "args": [
            "--host=0.0.0.0",
            f"--port={svc.port}",
            "--backend-store-uri=$(BACKEND_STORE_URI)",
            "--artifacts-destination=$(ARTIFACTS_DESTINATION)",
            "--serve-artifacts",
        ],
        "env": [*secrets.MLFLOW_SERVER.env(), pods.HOME_ENV],
        "ports": [{"containerPort": svc.port, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/health", "port": svc.port}},
        "resources": _resources("250m", "512Mi", "1", "1Gi"),
        "securityContext": SECURITY_CONTEXT,  # our image: read-only root, /tmp writable
        "volumeMounts": [pods.TMP_MOUNT],
    }
    pod = _pod(pods.RUN_AS_UID, [container], volumes=[pods.TMP_VOLUME])
    return [_service(svc), _workload("Deployment", svc, pod)]


def redis() -> list[dict[str, Any]]:
    """Feast's online store: nothing persisted; keys expire an hour after their last write
    (feature_store.redis.yaml key_ttl_seconds) and feast-materialize refreshes them."""
    svc = pods.REDIS
    container = {
        "name": svc.name,
        "image": REDIS_IMAGE,
        "args": ["--save", "", "--appendonly", "no", "--maxmemory", "768mb", "--maxmemory-policy", "volatile-ttl"],
        "ports": [{"containerPort": svc.port, "protocol": "TCP"}],
        "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}},
        "resources": _resources("100m", "256Mi", "500m", "1Gi"),
        "securityContext": READ_ONLY,
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }
    pod = _pod(POSTGRES_UID, [container], volumes=[{"name": "data", "emptyDir": {}}])
    return [_service(svc), _workload("Deployment", svc, pod)]


def pushgateway() -> list[dict[str, Any]]:
    """Where the monitor CronJobs push their gauges; Prometheus scrapes it."""
    svc = pods.PUSHGATEWAY
    container = {
        "name": svc.name,
        "image": PUSHGATEWAY_IMAGE,
        "ports": [{"containerPort": svc.port, "protocol": "TCP"}],
        "readinessProbe": {"httpGet": {"path": "/-/ready", "port": svc.port}},
        "resources": _resources("50m", "64Mi", "250m", "256Mi"),
        "securityContext": READ_ONLY,
    }
    annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(svc.port)}
    return [_service(svc, annotations), _workload("Deployment", svc, _pod(NOBODY_UID, [container]))]


def _component_job_pod(
    name: str, command: list[str], env: list[dict[str, Any]], resources: dict[str, Any], restart: str
) -> dict[str, Any]:
    """The pod of a batch step in the component image: our user, read-only root, /tmp writable."""
    container = {
        "name": name,
        "image": COMPONENT.name,
        "command": command,
        "env": [*env, pods.HOME_ENV],
        "resources": resources,
        "securityContext": SECURITY_CONTEXT,
        "volumeMounts": [pods.TMP_MOUNT],
    }
    return _pod(pods.RUN_AS_UID, [container], restartPolicy=restart, volumes=[pods.TMP_VOLUME])


def feast_materialize() -> dict[str, Any]:
    """Rewrites the online features into Redis every 30 minutes: inside the 1 h key TTL, so
    users whose profile did not change do not expire."""
    command = ["nivesh", "features", "materialize", "--full"]
    resources = _resources("250m", "512Mi", "1", "2Gi")
    pod = _component_job_pod("materialize", command, secrets.REDIS.env(), resources, "Never")
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "feast-materialize"},
        "spec": {
            "schedule": "*/30 * * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 1500,
                    "template": {"metadata": {"labels": {"app.kubernetes.io/name": "feast-materialize"}}, "spec": pod},
                }
            },
        },
    }


def store_migrations() -> dict[str, Any]:
    """`nivesh db upgrade` with the owner's credentials: the one step that changes the prediction
    store's schema (servers only insert). Named after the newest migration, so a release that
    adds one is a new Job (a Job's template is immutable) and re-applying the same one is a no-op."""
    from nivesh.store import schema

    env = [*secrets.STORE_OWNER.env(), {"name": "NIVESH_HOME", "value": pods.SCRATCH_HOME}]
    resources = _resources("100m", "256Mi", "500m", "512Mi")
    pod = _component_job_pod("migrate", ["nivesh", "db", "upgrade"], env, resources, "OnFailure")
    labels = {"app.kubernetes.io/name": STORE_MIGRATE}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{STORE_MIGRATE}-{schema.head()}", "labels": labels},
        "spec": {
            "backoffLimit": 10,  # PostgreSQL may still be starting: retried with back-off
            "activeDeadlineSeconds": 900,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
    }


def objects() -> dict[str, dict[str, Any]]:
    """File name under manifests/base/platform -> object."""
    out: dict[str, dict[str, Any]] = {}
    for obj in [
        *service_accounts(),
        *deployer(),
        *postgres(),
        store_migrations(),
        *mlflow(),
        *redis(),
        *pushgateway(),
        feast_materialize(),
    ]:
        out[f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"] = obj
    return out
