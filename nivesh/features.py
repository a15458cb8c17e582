"""Feast access for training (point-in-time joins) and serving (online reads).

Both sides go through a model's FeatureService, so the set of stored features a
model sees is defined once, in feature_repo/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
from feast import FeatureService, FeatureStore

from nivesh.errors import FeatureLookupError, NiveshError
from nivesh.settings import Workspace

LOCAL_YAML = "feature_store.yaml"
REDIS_YAML = "feature_store.redis.yaml"
FEAST_TIMEOUT_S = 300
# A Redis that does not answer fails a feature read within this long (a 503 with Retry-After
# from the transformer), instead of holding the request until the client gives up. The
# client does not retry on its own: redis-py's default (3 retries, exponential backoff)
# held a refused connection for 4 s per read, 7 s per request; the 503 tells the caller
# when to retry instead.
REDIS_TIMEOUT_S = 1.0


def redis_connection_string(url: str) -> str:
    """redis://[:password@]host:port/db -> Feast's host:port,db=N,<timeouts>[,password=...]."""
    parsed = urlparse(url)
    if parsed.scheme not in ("redis", "rediss") or not parsed.hostname:
        raise NiveshError(f"NIVESH_REDIS_URL={url!r} is not a redis:// URL (example: redis://127.0.0.1:6379/0)")
    db = (parsed.path or "/0").lstrip("/") or "0"
    timeouts = [f"socket_timeout={REDIS_TIMEOUT_S}", f"socket_connect_timeout={REDIS_TIMEOUT_S}", "retry=null"]
    parts = [f"{parsed.hostname}:{parsed.port or 6379}", f"db={db}", *timeouts]
    if parsed.password:
        parts.append(f"password={parsed.password}")
    if parsed.scheme == "rediss":
        parts.append("ssl=true")
    return ",".join(parts)


def yaml_for(workspace: Workspace) -> Path:
    """Which feature_store.yaml applies, exporting what the Redis one reads."""
    if workspace.redis_url:
        os.environ["NIVESH_FEAST_REDIS"] = redis_connection_string(workspace.redis_url)
        os.environ.setdefault("NIVESH_FEAST_REGISTRY", "data/registry.db")
        return workspace.feature_repo / REDIS_YAML
    return workspace.feature_repo / LOCAL_YAML


def data_dir(workspace: Workspace) -> Path:
    """Where the repo's FileSources read their parquet (relative paths in definitions.py)."""
    return workspace.feature_repo / "data"


def open_store(workspace: Workspace) -> FeatureStore:
    return FeatureStore(repo_path=str(workspace.feature_repo), fs_yaml_file=yaml_for(workspace))


def apply(workspace: Workspace) -> None:
    """`feast apply` through the CLI, exactly as a user runs it in feature_repo/."""
    yaml = yaml_for(workspace)
    feast = Path(sys.executable).with_name("feast")
    cmd = [str(feast), "-c", str(workspace.feature_repo), "-f", str(yaml), "apply"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=FEAST_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise NiveshError(f"feast apply failed: {result.stderr.strip().splitlines()[-1:]}")


def materialize(workspace: Workspace, end: datetime | None = None, full: bool = False) -> None:
    """materialize-incremental; `full` rewrites every row still inside the views' TTL, which
    is what refreshes Redis keys (key_ttl_seconds) of users whose profile did not change."""
    store = open_store(workspace)
    end = end or datetime.now(UTC)
    if full:
        longest = max((fv.ttl for fv in store.list_feature_views() if fv.ttl), default=timedelta(days=1))
        store.materialize(start_date=end - longest, end_date=end)
    else:
        store.materialize_incremental(end_date=end)


def historical(store: FeatureStore, service: str, entity_df: pd.DataFrame) -> pd.DataFrame:
    """Point-in-time join of the service's features onto entity rows (keys + event_timestamp)."""
    features = store.get_feature_service(service)
    return store.get_historical_features(entity_df=entity_df, features=features).to_df()


def feature_names(store: FeatureStore, service: str) -> list[str]:
    fs = store.get_feature_service(service)
    return [f.name for proj in fs.feature_view_projections for f in proj.features]


def online(
    store: FeatureStore, service: str | FeatureService, key: str, ids: Sequence[Any], require: bool = True
) -> dict[str, list[Any]]:
    """Online features for each id, in order; with `require`, an id with no stored features
    raises, naming it (without, its features are None: no recent activity, for example).

    Servers pass a FeatureService object resolved once: looking it up by name reads the
    registry and costs ~2 ms, ten times the online read itself."""
    result = store.get_online_features(features=_service(store, service), entity_rows=[{key: i} for i in ids]).to_dict()
    if require:
        _check_found(result, key, ids)
    return result


async def online_async(
    store: FeatureStore, service: str | FeatureService, key: str, ids: Sequence[Any], require: bool = True
) -> dict[str, list[Any]]:
    """Async read (Redis); SQLite has none, so callers fall back to a thread there."""
    response = await store.get_online_features_async(
        features=_service(store, service), entity_rows=[{key: i} for i in ids]
    )
    result = response.to_dict()
    if require:
        _check_found(result, key, ids)
    return result


def _service(store: FeatureStore, service: str | FeatureService) -> FeatureService:
    return store.get_feature_service(service) if isinstance(service, str) else service


def _check_found(result: dict[str, list[Any]], key: str, ids: Sequence[Any]) -> None:
    columns = [c for c in result if c != key]
    require_found([{c: result[c][i] for c in columns} for i in range(len(ids))], key, ids)


def require_found(rows: Sequence[Mapping[str, Any]], key: str, ids: Sequence[Any]) -> None:
    """Raise, naming the first id whose row holds no stored feature (unknown or expired)."""
    for row, ident in zip(rows, ids, strict=True):
        if all(value is None for name, value in row.items() if name != key):
            raise FeatureLookupError(f"{key}: no features stored for {ident!r} (unknown user or expired)")
