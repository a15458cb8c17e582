"""Emit: the KServe InferenceService manifest for the registered version."""

from kfp import dsl
from kfp.dsl import Artifact, Output

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def emit_inference_service(model_name: str, version: str, output_dir: str, manifest: Output[Artifact]) -> str:
    """Writes the YAML as an artifact and, when output_dir is set, to output_dir/<model>.yaml."""
    from pathlib import Path

    from nivesh import registry
    from nivesh.cluster import k8s, storage
    from nivesh.settings import RegistrySettings, Workspace

    ws = Workspace()
    registered = registry.resolve(ws, model_name, version)
    rendered = storage.inference_service(registered, storage.storage_uri(registered, RegistrySettings()))
    body = k8s.dump(rendered)
    Path(manifest.path).write_text(body)
    manifest.metadata.update({"model": model_name, "semver": registered.semver})
    if output_dir:
        k8s.write(rendered, Path(output_dir) / f"{model_name}.yaml")
    return body
