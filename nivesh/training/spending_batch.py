"""Batch forecasts for many users: the user base split into shards, each forecast in its own
pipeline task (KFP ParallelFor), results collected into one table.

A user belongs to shard crc32(user_id) % shards, so every task finds its users from
the id alone and the same user always lands in the same shard.
"""

from __future__ import annotations

import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from nivesh import features, registry
from nivesh.catalog import SPENDING_PREDICTOR as SPEC
from nivesh.data import spending as sp
from nivesh.families import forecast as fc
from nivesh.settings import Workspace


def shard_of(user_id: str, shards: int) -> int:
    return zlib.crc32(user_id.encode()) % shards


def users_in_shard(ws: Workspace, shard: int, shards: int) -> list[str]:
    users = pd.read_parquet(features.data_dir(ws) / "user_spend_history.parquet", columns=["user_id"])["user_id"]
    return sorted(u for u in users.unique() if shard_of(u, shards) == shard)


def forecast_shard(ws: Workspace, shard: int, shards: int, horizon: int, ref: str = registry.STAGING) -> pd.DataFrame:
    """One row per (user, month) with the forecast, its interval and the method chosen."""
    version = registry.resolve(ws, SPEC.name, ref)
    users = users_in_shard(ws, shard, shards)
    entity_df = pd.DataFrame({"user_id": users, "event_timestamp": pd.Timestamp.now(tz="UTC")})
    assert SPEC.feature_service is not None
    joined = features.historical(features.open_store(ws), SPEC.feature_service, entity_df)
    with tempfile.TemporaryDirectory() as tmp:
        folder, _ = registry.download(ws, version, Path(tmp))
        lstm = fc.LstmForecaster.load(folder)
    rows = []
    for user, history in zip(joined["user_id"], joined[sp.HISTORY], strict=True):
        if not isinstance(history, str):
            continue  # no history stored (new user): nothing to forecast
        months, values = sp.parse_history(history)
        started = time.monotonic()
        f = fc.forecast(lstm, months, values, horizon)
        for m, y, lo, hi in zip(f.months, f.yhat, f.lower, f.upper, strict=True):
            rows.append((user, m, y, lo, hi, f.method, time.monotonic() - started, version.semver))
    return pd.DataFrame(
        rows, columns=["user_id", "month", "yhat", "lower", "upper", "method", "seconds", "model_version"]
    ).astype({"seconds": np.float64})
