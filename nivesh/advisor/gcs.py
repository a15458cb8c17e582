"""Uploading the tuning dataset to Cloud Storage, where Vertex AI tuning reads it.

google-cloud-storage with a per-request timeout and its default retry (which
retries 429 / 5xx with backoff); the URI is `gs://bucket/prefix`. `endpoint` points
the client elsewhere (a private endpoint, or the tests' local stand-in).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from nivesh.errors import NiveshError, UpstreamUnavailable


def split_uri(uri: str) -> tuple[str, str]:
    """gs://bucket/some/prefix -> ("bucket", "some/prefix")."""
    if not uri.startswith("gs://") or len(uri) <= len("gs://"):
        raise NiveshError(
            f"{uri!r} is not a Cloud Storage URI; expected gs://BUCKET/PREFIX (NIVESH_VERTEX_STAGING_URI)"
        )
    bucket, _, prefix = uri[len("gs://") :].partition("/")
    return bucket, prefix.strip("/")


def upload(
    files: dict[str, Path],
    uri: str,
    project: str | None,
    credentials: Any = None,
    endpoint: str | None = None,
    timeout_s: float = 120.0,
) -> dict[str, str]:
    """Upload each file under `uri/<sha256 prefix>/` (so a new dataset never overwrites one a
    running job reads); returns {name: gs:// URI}."""
    from google.api_core import exceptions
    from google.cloud import storage

    bucket_name, prefix = split_uri(uri)
    options = {"api_endpoint": endpoint} if endpoint else None
    client = storage.Client(project=project, credentials=credentials, client_options=options)
    bucket = client.bucket(bucket_name)
    digest = hashlib.sha256()
    for path in files.values():
        digest.update(path.read_bytes())
    folder = "/".join(p for p in (prefix, digest.hexdigest()[:16]) if p)
    out = {}
    for name, path in files.items():
        blob = bucket.blob(f"{folder}/{path.name}")
        try:
            blob.upload_from_filename(str(path), content_type="application/jsonl", timeout=timeout_s)
        except (exceptions.ServerError, exceptions.TooManyRequests, exceptions.RetryError) as exc:
            raise UpstreamUnavailable(f"Cloud Storage upload of {path.name} failed: {exc}") from exc
        except exceptions.Forbidden as exc:
            raise NiveshError(
                f"Cloud Storage refused {path.name} to gs://{bucket_name}: {exc.message}; the service account needs "
                "roles/storage.objectCreator on the bucket"
            ) from None
        out[name] = f"gs://{bucket_name}/{blob.name}"
    return out
