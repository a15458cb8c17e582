"""Register: next semantic version, MLflow model version with the `staging` alias."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Input, Metrics, Model

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def register_model(model_name: str, model: Input[Model], metrics: Input[Metrics]) -> NamedTuple(
    "Registered", [("version", str), ("semver", str), ("storage_uri", str)]
):
    from collections import namedtuple
    from pathlib import Path

    from nivesh.settings import Workspace
    from nivesh.training import steps

    values = {k: float(v) for k, v in metrics.metadata.items() if isinstance(v, (int, float))}
    registered = steps.publish(model_name, Path(model.path), values, Workspace())
    out = namedtuple("Registered", ["version", "semver", "storage_uri"])
    return out(registered.version, registered.semver, registered.source)
