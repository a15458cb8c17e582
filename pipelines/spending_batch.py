"""spending-batch: forecast every user's spending, sharded across parallel tasks (ParallelFor)."""

from kfp import dsl

from components.spending_batch import collect_forecasts, forecast_shard, list_shards
from nivesh import secrets
from pipelines.training import use_secret

PARALLELISM = 4  # shards forecast at once (a compile-time setting in KFP)


@dsl.pipeline(name="spending-batch", description="Monthly forecasts for all users, sharded across parallel tasks")
def spending_batch_pipeline(shards: int = 4, horizon: int = 6, version: str = "staging") -> None:
    listed = list_shards(shards=shards).set_caching_options(False)
    with dsl.ParallelFor(listed.output, parallelism=PARALLELISM) as shard:
        part = forecast_shard(shard=shard, shards=shards, horizon=horizon, version=version)
        part.set_display_name("forecast shard").set_cpu_request("1").set_memory_request("2G").set_caching_options(False)
        use_secret(part, secrets.MLFLOW)
        use_secret(part, secrets.REDIS)
    collect_forecasts(parts=dsl.Collected(part.outputs["forecasts"])).set_caching_options(False)
