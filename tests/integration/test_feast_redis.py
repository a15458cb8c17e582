"""Feast with the Redis online store: apply, materialize, online reads, push, key TTL."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import cast

import pandas as pd
import pytest
import redis

from nivesh import features
from nivesh.catalog import CREDIT_RISK
from nivesh.errors import FeatureLookupError
from nivesh.settings import Workspace
from tests.conftest import make_workspace

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_redis_online_store_round_trip(tmp_path, redis_url, monkeypatch) -> None:
    repo = make_workspace(tmp_path, users=200)
    monkeypatch.setenv("NIVESH_REDIS_URL", redis_url)
    monkeypatch.delenv("NIVESH_FEAST_REGISTRY", raising=False)
    ws = Workspace(home=tmp_path / "var", feature_repo=repo, redis_url=redis_url)
    features.apply(ws)
    features.materialize(ws)
    store = features.open_store(ws)
    assert store.config.online_store.type == "redis"
    service = CREDIT_RISK.feature_service
    assert service is not None
    got = features.online(store, service, "user_id", ["U000001", "U000002"])
    assert got["person_income"][0] > 100_000 and got["person_home_ownership"][1] in (
        "RENT",
        "OWN",
        "MORTGAGE",
        "OTHER",
    )
    with pytest.raises(FeatureLookupError, match="U999999"):
        features.online(store, service, "user_id", ["U999999"])

    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    keys = list(client.scan_iter(count=1000))
    assert keys
    ttls = [cast(int, client.ttl(k)) for k in keys[:20]]
    assert all(0 < t <= 3600 for t in ttls), ttls  # key_ttl_seconds from feature_store.redis.yaml

    # a real-time update through the push source is visible online at once
    row = pd.DataFrame(
        [
            {
                **{k: v[0] for k, v in got.items()},
                "user_id": "U000001",
                "person_income": 4_200_000.0,
                "event_timestamp": datetime.now(UTC),
                "created_timestamp": datetime.now(UTC),
            }
        ]
    )
    store.push("user_profile_push", row)
    assert features.online(store, service, "user_id", ["U000001"])["person_income"] == [4_200_000.0]
    os.environ.pop("NIVESH_FEAST_REDIS", None)
