"""Feast definitions: the `user` entity, the user-profile view fed by a push source,
and one FeatureService per model. Feature names and types come from the data schema
in nivesh, so they are written once."""

from datetime import timedelta
from typing import Any

from feast import Entity, FeatureService, FeatureView, Field, FileSource, PushSource
from feast.types import Float64, String

from nivesh.advisor.context import PROFILE as ADVISOR_PROFILE
from nivesh.catalog import ANOMALY_DETECTOR, CREDIT_RISK, FINANCIAL_ADVISOR, SPENDING_PREDICTOR, ModelSpec
from nivesh.data.credit_risk import CREDIT_RISK_SCHEMA, PROFILE_FEATURES
from nivesh.data.schema import Kind
from nivesh.data.spending import HISTORY
from nivesh.data.transactions import ACTIVITY_FEATURES

user = Entity(name="user", join_keys=["user_id"], description="A Nivesh user (pseudonymous id)")

user_profile_source = FileSource(
    name="user_profile_source",
    path="data/user_profiles.parquet",
    timestamp_field="event_timestamp",
    created_timestamp_column="created_timestamp",
)

# The app pushes profile changes (new salary, new credit report) as they happen.
user_profile_push = PushSource(name="user_profile_push", batch_source=user_profile_source)


def _feast_type(name: str) -> Any:
    kind = CREDIT_RISK_SCHEMA.column(name).kind
    return String if kind is Kind.CATEGORY else Float64


def _service(spec: ModelSpec) -> str:
    """The model's FeatureService name (the catalogue gives one to every model defined here)."""
    assert spec.feature_service, spec.name
    return spec.feature_service


user_profile = FeatureView(
    name="user_profile",
    entities=[user],
    ttl=timedelta(days=400),
    schema=[Field(name=name, dtype=_feast_type(name)) for name in PROFILE_FEATURES],
    source=user_profile_push,
    online=True,
    tags={"owner": "nivesh-ml"},
)

credit_risk_v1 = FeatureService(
    name=_service(CREDIT_RISK),
    features=[user_profile],
    description=f"Stored features of the {CREDIT_RISK.name} model",
)


user_txn_activity_source = FileSource(
    name="user_txn_activity_source",
    path="data/user_txn_activity.parquet",
    timestamp_field="event_timestamp",
    created_timestamp_column="created_timestamp",
)

# The transaction stream pushes the user's fresh counts and amount statistics after
# every transaction. One-hour TTL: an hour without a push means no recent activity
# (offline joins honour the ttl; online, Redis expires keys by key_ttl_seconds).
user_txn_activity_push = PushSource(name="user_txn_activity_push", batch_source=user_txn_activity_source)

user_txn_activity = FeatureView(
    name="user_txn_activity",
    entities=[user],
    ttl=timedelta(hours=1),
    schema=[Field(name=name, dtype=Float64) for name in ACTIVITY_FEATURES],
    source=user_txn_activity_push,
    online=True,
    tags={"owner": "nivesh-ml", "freshness": "real-time"},
)

anomaly_detector_v1 = FeatureService(
    name=_service(ANOMALY_DETECTOR),
    features=[user_txn_activity],
    description=f"Stored features of the {ANOMALY_DETECTOR.name} model",
)


user_spend_history_source = FileSource(
    name="user_spend_history_source",
    path="data/user_spend_history.parquet",
    timestamp_field="event_timestamp",
    created_timestamp_column="created_timestamp",
)

# Monthly totals as one JSON value, refreshed by the monthly batch: a forecast needs the
# whole series, which one online read then returns.
user_spend_history = FeatureView(
    name="user_spend_history",
    entities=[user],
    ttl=timedelta(days=62),
    schema=[Field(name=HISTORY, dtype=String)],
    source=PushSource(name="user_spend_history_push", batch_source=user_spend_history_source),
    online=True,
    tags={"owner": "nivesh-ml", "freshness": "monthly"},
)

spending_predictor_v1 = FeatureService(
    name=_service(SPENDING_PREDICTOR),
    features=[user_spend_history],
    description=f"Stored features of the {SPENDING_PREDICTOR.name} model",
)


# The advisor's prompt context: who the user is (profile) and what they spend (history).
financial_advisor_v1 = FeatureService(
    name=_service(FINANCIAL_ADVISOR),
    features=[user_profile[list(ADVISOR_PROFILE)], user_spend_history],
    description=f"The user's context for the {FINANCIAL_ADVISOR.name} (monthly spend, savings rate, risk profile)",
)
