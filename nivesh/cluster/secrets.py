"""The Kubernetes Secrets Nivesh workloads read, and which key becomes which variable.

One home for Secret names and keys: pipelines (kfp-kubernetes `use_secret_as_env`)
and rendered manifests (`secretKeyRef`) both read these, so a renamed key is
changed once. Values are never here: a platform team creates the Secrets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SecretEnv:
    """A Secret and the environment variables its keys fill."""

    name: str
    keys: tuple[tuple[str, str], ...]  # (secret key, environment variable)
    # Optional Secrets may be absent: a workload then runs without them (the advisor offline).
    optional: bool = False

    @property
    def key_to_env(self) -> dict[str, str]:
        return dict(self.keys)

    def env(self) -> list[dict[str, Any]]:
        """Container `env` entries (secretKeyRef) for every key."""
        out = []
        for key, var in self.keys:
            ref: dict[str, Any] = {"name": self.name, "key": key}
            if self.optional:
                ref["optional"] = True
            out.append({"name": var, "valueFrom": {"secretKeyRef": ref}})
        return out


# artifacts-destination: the object store behind the server's mlflow-artifacts:/ URIs, so the
# InferenceServices a pipeline or `nivesh deploy` writes name a URI the storage initializer reads
MLFLOW = SecretEnv(
    "nivesh-mlflow",
    (("tracking-uri", "MLFLOW_TRACKING_URI"), ("artifacts-destination", "NIVESH_ARTIFACTS_DESTINATION")),
)
# The tracking server itself: its backend store (postgresql+psycopg://...) and artifact bucket.
MLFLOW_SERVER = SecretEnv(
    MLFLOW.name,
    (("backend-store-uri", "BACKEND_STORE_URI"), ("artifacts-destination", "ARTIFACTS_DESTINATION")),
)
# PostgreSQL's own credentials (the MLflow store and the prediction store live in it).
POSTGRES = SecretEnv("nivesh-postgres", (("user", "POSTGRES_USER"), ("password", "POSTGRES_PASSWORD")))
REDIS = SecretEnv("nivesh-redis", (("url", "NIVESH_REDIS_URL"),))
# The prediction store as its writers and readers see it (servers, monitors, the webhook):
# a role that may SELECT and INSERT (UPDATE on the records tables), never change the schema.
PREDICTION_STORE = SecretEnv("nivesh-prediction-store", (("url", "NIVESH_PREDICTION_STORE_URL"),))
# The same database as its owner sees it: only the migrations Job (`nivesh db upgrade`) reads it.
STORE_OWNER = SecretEnv("nivesh-store-owner", (("url", "NIVESH_PREDICTION_STORE_URL"),))
# Vertex AI for the advisor: project and region (a tuned endpoint comes with the model
# version). Credentials are not here: Workload Identity binds the pod's ServiceAccount.
VERTEX = SecretEnv(
    "nivesh-vertex",
    (("project", "NIVESH_VERTEX_PROJECT"), ("region", "NIVESH_VERTEX_REGION")),
    optional=True,
)
# The tuning pipeline also needs the bucket its datasets go to.
VERTEX_TUNING = SecretEnv(VERTEX.name, (*VERTEX.keys, ("staging-uri", "NIVESH_VERTEX_STAGING_URI")))
# Where no Workload Identity is set up for the pipeline's runner, a service-account key
# may be mounted from this optional Secret (key `key.json`); Vertex code reads it there.
GOOGLE_KEY_SECRET = "nivesh-google-credentials"  # noqa: S105 - a Secret name, not a value
GOOGLE_KEY_DIR = "/var/secrets/google"
GOOGLE_KEY_FILE = "key.json"

# The keyed hash that turns user ids into pseudonyms in the prediction log. A server bound
# beyond loopback refuses to start with the built-in local key (nivesh.auth.log_hash_key).
LOG_HASH = SecretEnv("nivesh-log-hash", (("key", "NIVESH_LOG_HASH_KEY"),))


@dataclass(frozen=True)
class SecretFile:
    """One key of a Secret mounted as a file, its path given to the process in `env`: tokens
    a server reads at start (a file, not a variable, so it never shows in `kubectl describe`
    or a crash dump's environment). Only that key is projected into the pod."""

    name: str
    key: str
    mount_dir: str
    env: str  # the variable that names the file
    volume_name: str

    @property
    def path(self) -> str:
        return f"{self.mount_dir}/{self.key}"

    def env_entry(self) -> dict[str, Any]:
        return {"name": self.env, "value": self.path}

    def volume(self) -> dict[str, Any]:
        items = [{"key": self.key, "path": self.key}]
        return {"name": self.volume_name, "secret": {"secretName": self.name, "items": items, "defaultMode": 0o440}}

    def mount(self) -> dict[str, Any]:
        return {"name": self.volume_name, "mountPath": self.mount_dir, "readOnly": True}


# Alertmanager's credentials live in the Secret nivesh-alertmanager (mounted at
# ALERTMANAGER_SECRETS_DIR in its pod); the bearer token it sends the retrain webhook is one
# of its keys, so the webhook mounts that one key and the two can never disagree.
ALERTMANAGER_SECRET = "nivesh-alertmanager"  # noqa: S105 - a Secret name, not a value
ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets"
RETRAIN_TOKEN = SecretFile(
    ALERTMANAGER_SECRET,
    "retrain-webhook-token",
    "/var/run/secrets/nivesh/retrain-webhook",
    "NIVESH_RETRAIN_TOKEN_FILE",
    "retrain-token",
)
# The app back end's token for POST /v2/models/<name>/feedback (ground-truth labels).
FEEDBACK_TOKEN = SecretFile(
    "nivesh-feedback-token", "token", "/var/run/secrets/nivesh/feedback", "NIVESH_FEEDBACK_TOKEN_FILE", "feedback-token"
)
