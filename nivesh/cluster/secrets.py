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
PREDICTION_STORE = SecretEnv("nivesh-prediction-store", (("url", "NIVESH_PREDICTION_STORE_URL"),))
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
