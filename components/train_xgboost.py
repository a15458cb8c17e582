"""Train: XGBoost classifier saved as a Nivesh artifact (XGBoost JSON + manifest)."""

from kfp import dsl
from kfp.dsl import Dataset, Input, Model, Output

from nivesh.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def train_xgboost(model_name: str, train_data: Input[Dataset], model: Output[Model]) -> None:
    from pathlib import Path

    import pandas as pd

    from nivesh.training import steps

    label = train_data.metadata["label"]
    steps.fit(model_name, pd.read_parquet(train_data.path), label, Path(model.path))
    model.metadata.update({"framework": "xgboost", "label": label})
