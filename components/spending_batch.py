"""Batch forecasting components: list shards, forecast one shard, collect the shards' tables."""

from typing import List  # noqa: UP035 - KFP reads typing.List annotations

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def list_shards(shards: int) -> List[int]:  # noqa: UP006
    """0 .. shards-1: the ParallelFor items."""
    return list(range(shards))


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def forecast_shard(shard: int, shards: int, horizon: int, version: str, forecasts: Output[Dataset]) -> int:
    """Forecast every user of one shard with the registered model; returns how many users."""
    from nivesh.settings import Workspace
    from nivesh.training import spending_batch

    table = spending_batch.forecast_shard(Workspace(), shard, shards, horizon, version)
    table.to_parquet(forecasts.path, index=False)
    users = int(table["user_id"].nunique())
    forecasts.metadata.update({"shard": shard, "users": users})
    return users


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def collect_forecasts(parts: Input[List[Dataset]], forecasts: Output[Dataset]) -> int:  # noqa: UP006
    """One table of every shard's forecasts; returns the number of users forecast."""
    import pandas as pd

    table = pd.concat([pd.read_parquet(p.path) for p in parts], ignore_index=True)
    table.to_parquet(forecasts.path, index=False)
    users = int(table["user_id"].nunique())
    forecasts.metadata.update({"users": users, "rows": len(table)})
    return users
