"""Prepare: the model's training frame (Feast point-in-time join, generator or a user's file),
then the model's own held-out split."""

from kfp import dsl
from kfp.dsl import Dataset, Output

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def prepare_training_data(
    model_name: str,
    source: str,
    options: str,
    test_fraction: float,
    train_data: Output[Dataset],
    test_data: Output[Dataset],
) -> None:
    """source: a file (entity parquet joined in Feast, or labelled data); empty = the model's default data.
    options: JSON object of data options (label_column, text_column ...); empty = defaults."""
    from pathlib import Path

    from nivesh.settings import Workspace
    from nivesh.training import steps

    prepared = steps.prepare(
        model_name,
        Workspace(),
        Path(source) if source else None,
        steps.parse_json_object(options, "options"),
        test_fraction,
    )
    prepared.train.to_parquet(train_data.path, index=False)
    prepared.test.to_parquet(test_data.path, index=False)
    for artifact, frame in ((train_data, prepared.train), (test_data, prepared.test)):
        artifact.metadata.update({"label": prepared.label, "rows": len(frame), "columns": list(frame.columns)})
