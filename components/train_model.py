"""Train: the model's trainer writes a complete Nivesh artifact (payload + reference + manifest)."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def train_model(model_name: str, params: str, train_data: Input[Dataset], model: Output[Model]) -> None:
    """params: JSON object of training parameters (epochs, base_model ...); empty = defaults."""
    from pathlib import Path

    import pandas as pd

    from nivesh.artifact import load_manifest
    from nivesh.training import steps

    label = train_data.metadata["label"]
    steps.fit(
        model_name, pd.read_parquet(train_data.path), label, Path(model.path), steps.parse_json_object(params, "params")
    )
    model.metadata.update({"framework": load_manifest(Path(model.path)).framework, "label": label})
