"""The tuning pipeline's steps around Vertex: upload the artifact's tuning dataset, and
record the tuned model in a copy of the artifact (its endpoint for the predictor, and
tags for the registry: base model, tuning job, dataset fingerprint)."""

from __future__ import annotations

import shutil
from pathlib import Path

from nivesh.advisor import gcs
from nivesh.advisor.vertex import TunedModel, default_credentials
from nivesh.artifact import load_manifest, write_manifest
from nivesh.errors import NiveshError
from nivesh.settings import VertexSettings


def upload_dataset(artifact: Path, settings: VertexSettings, credentials: object = None) -> dict[str, str]:
    """The artifact's train / validation JSONL to `settings.staging_uri`; their gs:// URIs."""
    if not settings.configured or not settings.staging_uri:
        raise NiveshError(
            "tuning needs NIVESH_VERTEX_PROJECT and NIVESH_VERTEX_STAGING_URI (gs://bucket/prefix); "
            "without them the advisor stays on its offline answers"
        )
    extra = load_manifest(artifact).extra
    folder = artifact / extra["tuning_dir"]
    files = {split: folder / f"{split}.jsonl" for split in ("train", "validation")}
    files = {k: v for k, v in files.items() if v.is_file() and v.stat().st_size > 0}
    if "train" not in files:
        raise NiveshError(f"{folder}: no train.jsonl; train the advisor's artifact first")
    return gcs.upload(
        files,
        settings.staging_uri,
        settings.project,
        credentials if credentials is not None else default_credentials(),
        settings.storage_endpoint,
    )


def attach(artifact: Path, out: Path, tuned: TunedModel) -> None:
    """A copy of `artifact` whose manifest names the tuned endpoint (re-hashed)."""
    shutil.copytree(artifact, out, dirs_exist_ok=True)
    manifest = load_manifest(out)
    manifest.extra["vertex_endpoint"] = tuned.endpoint
    manifest.extra["registry_tags"] = {
        "vertex.base_model": tuned.base_model,
        "vertex.tuning_job": tuned.job,
        "vertex.tuned_model": tuned.model,
        "vertex.endpoint": tuned.endpoint,
        "tuning_dataset_fingerprint": manifest.extra.get("dataset_fingerprint", ""),
    }
    write_manifest(out, manifest)
