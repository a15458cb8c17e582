"""all-models: every model's training pipeline as one run; independent, so they run in parallel."""

from kfp import dsl

from nivesh import catalog
from nivesh.training.runs import load


@dsl.pipeline(name="all-models", description="Train, evaluate, register and emit every model (in parallel)")
def all_models_pipeline(manifest_dir: str = "") -> None:
    for spec in catalog.MODELS.values():
        load(spec.name)(manifest_dir=manifest_dir).set_display_name(spec.name)
