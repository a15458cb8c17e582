"""Upload the advisor artifact's Vertex tuning JSONL to Cloud Storage."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Input, Model

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def upload_tuning_data(model: Input[Model]) -> NamedTuple("Uploaded", [("train_uri", str), ("validation_uri", str)]):
    """Project, bucket and credentials come from the environment (NIVESH_VERTEX_*, Workload Identity)."""
    from collections import namedtuple
    from pathlib import Path

    from nivesh.advisor import tuning
    from nivesh.settings import VertexSettings

    uris = tuning.upload_dataset(Path(model.path), VertexSettings())
    return namedtuple("Uploaded", ["train_uri", "validation_uri"])(uris["train"], uris.get("validation", ""))
