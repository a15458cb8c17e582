"""Where a cluster's storage initializer fetches a registered version (the STORAGE_URI).

One home for the layout `PREFIX/<model>/<semver>`: `nivesh deploy`, the pipeline's emit
step and the base manifests all build the URI here, so what the base shows and what a
deployment applies cannot drift apart.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from nivesh import catalog, registry
from nivesh.cluster import k8s
from nivesh.settings import RegistrySettings

# What the base manifests show until `nivesh deploy` renders a real version; a cluster sets
# NIVESH_STORAGE_URI_PREFIX (s3://, gs://, pvc://) to where it syncs versions.
BASE_PREFIX = "s3://nivesh-models"


def prefixed(prefix: str, model: str, semver: str) -> str:
    """A version's place under a storage prefix: PREFIX/<model>/<semver>."""
    return f"{prefix.rstrip('/')}/{model}/{semver}"


def storage_uri(version: registry.RegisteredVersion, settings: RegistrySettings) -> str:
    """Under the configured prefix when set, else the registered artifact, with a tracking
    server's proxied mlflow-artifacts:/PATH turned into PATH under its artifacts destination
    (KServe cannot fetch through MLflow)."""
    if settings.storage_uri_prefix:
        return prefixed(settings.storage_uri_prefix, version.name, version.semver)
    source = version.source
    if source.startswith("mlflow-artifacts:") and settings.artifacts_destination:
        path = urlparse(source).path.lstrip("/")  # mlflow-artifacts://host:port/PATH or mlflow-artifacts:/PATH
        return f"{settings.artifacts_destination.rstrip('/')}/{path}"
    return source


def inference_service(version: registry.RegisteredVersion, uri: str, namespace: str | None = None) -> dict[str, Any]:
    """The InferenceService that serves `version`, fetched from `uri` (see storage_uri)."""
    return k8s.inference_service(catalog.get(version.name), uri, version.semver, version.version, namespace)
