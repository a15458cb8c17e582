"""Start the Vertex AI supervised tuning job on the uploaded dataset."""

from kfp import dsl

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def start_tuning_job(train_uri: str, validation_uri: str, display_name: str) -> str:
    """Base model, epochs and adapter size from NIVESH_VERTEX_* settings; returns the job's name."""
    from nivesh.advisor import vertex
    from nivesh.settings import VertexSettings

    settings = VertexSettings()
    return vertex.start_tuning(vertex.client(settings), settings, train_uri, validation_uri or None, display_name)
