"""Train: the model's trainer writes a complete Nivesh artifact (payload + reference + manifest)."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output

from nivesh.cluster.images import COMPONENT_GPU_IMAGE, COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def train_model(
    model_name: str, params: str, train_data: Input[Dataset], model: Output[Model], device: str = "auto"
) -> None:
    """params: JSON object of training parameters (epochs, base_model ...); empty = defaults.
    device: where a model that fine-tunes runs it (auto, cpu, cuda); others take no device."""
    from pathlib import Path

    import pandas as pd

    from nivesh.artifact import load_manifest
    from nivesh.training import steps

    label = train_data.metadata["label"]
    given = steps.parse_json_object(params, "params")
    if device != "auto":
        given["device"] = device
    steps.fit(model_name, pd.read_parquet(train_data.path), label, Path(model.path), given)
    model.metadata.update({"framework": load_manifest(Path(model.path)).framework, "label": label})


# The same step in the CUDA image, for the GPU pipelines (`<model>-gpu`).
train_model_gpu = dsl.component(base_image=COMPONENT_GPU_IMAGE, install_kfp_package=False)(train_model.python_func)
