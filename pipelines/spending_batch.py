"""spending-batch: forecast every user's spending, sharded across parallel tasks (ParallelFor)."""

from kfp import dsl

from components.spending_batch import collect_forecasts, forecast_shard, list_shards
from nivesh.cluster import secrets
from pipelines.training import on_training_nodes, step_resources, use_secret

PARALLELISM = 4  # shards forecast at once (a compile-time setting in KFP)
SHARD_CPU, SHARD_MEMORY = "1", "2G"  # one Prophet fit at a time per shard


@dsl.pipeline(name="spending-batch", description="Monthly forecasts for all users, sharded across parallel tasks")
def spending_batch_pipeline(shards: int = 4, horizon: int = 6, version: str = "staging") -> None:
    listed = list_shards(shards=shards).set_caching_options(False)
    with dsl.ParallelFor(listed.output, parallelism=PARALLELISM) as shard:
        part = forecast_shard(shard=shard, shards=shards, horizon=horizon, version=version)
        part.set_display_name("forecast shard").set_caching_options(False)
        on_training_nodes(part, SHARD_CPU, SHARD_MEMORY)
        use_secret(part, secrets.MLFLOW)
        use_secret(part, secrets.REDIS)
    collected = collect_forecasts(parts=dsl.Collected(part.outputs["forecasts"])).set_caching_options(False)
    step_resources(listed, collected)
