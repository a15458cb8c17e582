"""Champion / challenger: promote the new version to `production` only if it beats the
current production version on the same held-out rows; otherwise it stays in `staging`
with the reason tagged on the version."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Dataset, Input, Metrics

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def compare_with_production(
    model_name: str, version: str, test_data: Input[Dataset], metrics: Input[Metrics]
) -> NamedTuple("Compared", [("decision", str), ("reason", str)]):
    from collections import namedtuple

    import pandas as pd

    from nivesh import catalog, registry
    from nivesh.settings import Workspace
    from nivesh.training import champion

    ws = Workspace()
    challenger = registry.resolve(ws, model_name, version)
    value = float(metrics.metadata[catalog.get(model_name).gate.metric])
    test = pd.read_parquet(test_data.path)
    decision = champion.decide(model_name, challenger, value, test, test_data.metadata["label"], ws)
    return namedtuple("Compared", ["decision", "reason"])(decision.decision, decision.reason)
