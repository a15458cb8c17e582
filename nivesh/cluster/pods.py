"""What every Nivesh container and pod shares, written once: the user it runs as, its scratch
home, the ports its servers listen on, the security contexts, the ServiceAccounts and the
platform services (name and port) that the workloads and the NetworkPolicies name.

The Dockerfile's USER, EXPOSE and NIVESH_HOME are held to these by a test
(tests/unit/test_manifests.py), since a Dockerfile cannot import them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nivesh.settings import PREDICTION_JOURNAL_MAX_MB

RUN_AS_UID = 10001  # the images' `nivesh` user (and group); never root
# The root filesystem is read-only; this emptyDir is every container's one writable path, and
# HOME points at it (libraries' caches). NIVESH_HOME lives under it.
WRITABLE_DIR = "/tmp"  # noqa: S108 - an emptyDir per pod, never the image's layers
SCRATCH_HOME = f"{WRITABLE_DIR}/nivesh"
TMP_VOLUME: dict[str, Any] = {"name": "tmp", "emptyDir": {}}
TMP_MOUNT: dict[str, Any] = {"name": "tmp", "mountPath": WRITABLE_DIR}
HOME_ENV: dict[str, Any] = {"name": "HOME", "value": WRITABLE_DIR}
# The prediction log's spill journal (nivesh.store.journal): its own emptyDir, so that a full
# journal cannot fill /tmp, and so that it survives a container restart within the pod.
JOURNAL_DIR = "/var/lib/nivesh/journal"
JOURNAL_VOLUME: dict[str, Any] = {
    "name": "prediction-journal",
    "emptyDir": {"sizeLimit": f"{PREDICTION_JOURNAL_MAX_MB * 5 // 4}Mi"},
}
JOURNAL_MOUNT: dict[str, Any] = {"name": "prediction-journal", "mountPath": JOURNAL_DIR}
JOURNAL_ENV: dict[str, Any] = {"name": "NIVESH_PREDICTION_JOURNAL", "value": JOURNAL_DIR}
# SIGTERM to SIGKILL: above the prediction logger's close budget
# (nivesh.store.predictions.CLOSE_BUDGET_S), so a rollout writes the queue before it goes.
TERMINATION_GRACE_S = 45
HTTP_PORT = 8080  # every KServe predictor and transformer (KServe's default)
GRPC_PORT = 8081  # their Open Inference Protocol over gRPC (KServe's default)
# A predictor beside a collocated transformer container: the transformer takes 8080/8081 and
# calls the predictor on localhost (KServe's collocation layout).
COLLOCATED_HTTP_PORT = 8085
COLLOCATED_GRPC_PORT = 8086
RETRAIN_PORT = 8090  # the Alertmanager retraining webhook

SECURITY_CONTEXT: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS_UID,
    "runAsGroup": RUN_AS_UID,
    "readOnlyRootFilesystem": True,  # writes go to WRITABLE_DIR (TMP_MOUNT) only
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}

# Pods with a writable emptyDir (monitor, webhook): the volume belongs to the same non-root user.
POD_SECURITY_CONTEXT: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": RUN_AS_UID,
    "runAsGroup": RUN_AS_UID,
    "fsGroup": RUN_AS_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}

# ServiceAccounts. Only the deployer calls the Kubernetes API (platform.py binds its Role);
# every other one mounts no token.
MODEL_READER_SA = "nivesh-model-reader"
GOOGLE_SA = "nivesh-advisor"  # Workload Identity binds it to a Google service account
MONITOR_SA = "nivesh-monitor"
RETRAINER_SA = "nivesh-retrainer"
PLATFORM_SA = "nivesh-platform"
DEPLOYER_SA = "nivesh-deployer"


def transformer_sa(model: str) -> str:
    """Each model's transformer has its own identity: the mesh lets only it call its predictor."""
    return f"nivesh-{model}-transformer"


@dataclass(frozen=True)
class PlatformService:
    """A platform workload's name (Service, Deployment and app label) and port."""

    name: str
    port: int
    port_name: str = "http"  # the Service's port name

    @property
    def url(self) -> str:
        return f"http://{self.name}:{self.port}"


POSTGRES = PlatformService("postgres", 5432, "postgres")
STORE_MIGRATE = "store-migrate"  # the migrations Job's app label (NetworkPolicies) and name prefix
REDIS = PlatformService("redis", 6379, "redis")
MLFLOW = PlatformService("mlflow", 5000)
PUSHGATEWAY = PlatformService("pushgateway", 9091)
