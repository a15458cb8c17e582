"""The model catalogue: the one place that names each model and what it is held to.

Every other module (pipelines, servers, monitors, manifests, CLI) looks a model up
here, so a model name, its FeatureService, quality gate or serving defaults are
never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nivesh.errors import UnknownModelError


@dataclass(frozen=True)
class QualityGate:
    """A held-out metric the model must strictly exceed to be registered."""

    metric: str
    minimum: float

    def passes(self, metrics: dict[str, float]) -> bool:
        return float(metrics[self.metric]) > self.minimum


@dataclass(frozen=True)
class ModelSpec:
    """What the rest of the system needs to know about one model."""

    name: str
    task: str
    framework: str
    feature_service: str | None
    gate: QualityGate
    # Feast entity key the transformer looks features up by.
    entity_key: str | None = None
    # Request-time inputs that the client sends (merged by the transformer).
    request_fields: tuple[str, ...] = field(default_factory=tuple)
    # Columns that identify a person and are masked before anything is stored.
    identifier_fields: tuple[str, ...] = field(default_factory=tuple)
    # Drift share above which the monitor's alert fires.
    drift_share_alert: float = 0.3

    @property
    def python_name(self) -> str:
        """Module-friendly name (credit-risk -> credit_risk) for packages and files."""
        return self.name.replace("-", "_")


CREDIT_RISK = ModelSpec(
    name="credit-risk",
    task="probability of loan default",
    framework="xgboost",
    feature_service="credit_risk_v1",
    gate=QualityGate(metric="auc", minimum=0.85),
    entity_key="user_id",
    request_fields=("loan_intent", "loan_amnt", "loan_int_rate"),
    identifier_fields=("user_id", "account_number", "pan"),
)

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (CREDIT_RISK,)}


def get(name: str) -> ModelSpec:
    """Look a model up by its canonical name; the error lists the valid ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None
