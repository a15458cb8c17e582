"""Wait for the tuning job (bounded polling) and record the tuned model in the artifact."""

from kfp import dsl
from kfp.dsl import Input, Model, Output

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def wait_for_tuning_job(job_name: str, model: Input[Model], tuned_model: Output[Model]) -> str:
    """Fails with Vertex's own message if the job fails; returns the tuned endpoint."""
    from pathlib import Path

    from nivesh.advisor import tuning, vertex
    from nivesh.settings import VertexSettings

    settings = VertexSettings()
    tuned = vertex.wait_for_tuning(vertex.client(settings), job_name, settings)
    tuning.attach(Path(model.path), Path(tuned_model.path), tuned)
    tuned_model.metadata.update({"vertex_endpoint": tuned.endpoint, "tuning_job": tuned.job})
    return tuned.endpoint
