"""Prepare: point-in-time join from Feast (or a labelled file), then a stratified split."""

from kfp import dsl
from kfp.dsl import Dataset, Output

from nivesh.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def prepare_training_data(
    model_name: str,
    source: str,
    label: str,
    test_fraction: float,
    train_data: Output[Dataset],
    test_data: Output[Dataset],
) -> None:
    """source: an entity parquet (joined in Feast) or a labelled CSV; empty = the repo's applications."""
    from pathlib import Path

    from nivesh.settings import Workspace
    from nivesh.training import steps

    prepared = steps.prepare(model_name, Workspace(), Path(source) if source else None, label or None, test_fraction)
    prepared.train.to_parquet(train_data.path, index=False)
    prepared.test.to_parquet(test_data.path, index=False)
    for artifact, frame in ((train_data, prepared.train), (test_data, prepared.test)):
        artifact.metadata.update({"label": prepared.label, "rows": len(frame), "columns": list(frame.columns)})
