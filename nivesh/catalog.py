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

    # True when lower is better (errors such as MAPE): the metric must be strictly below.
    lower_is_better: bool = False

    def passes(self, metrics: dict[str, float]) -> bool:
        value = float(metrics[self.metric])
        return value < self.minimum if self.lower_is_better else value > self.minimum

    def __str__(self) -> str:
        return f"{self.metric} {'<' if self.lower_is_better else '>'} {self.minimum}"


@dataclass(frozen=True)
class Feedback:
    """Ground truth that arrives after the prediction, and the quality metric it measures.

    `metric` is one the model registers at evaluation (tag metric.<name>), so the
    monitor compares like with like; `output` is the logged output it is computed from."""

    metric: str
    output: str
    label: str  # "binary" (0 / 1) or "category" (a class name)
    meaning: str  # what a label says, for the API's error messages and docs
    lower_is_better: bool = False


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
    # What the pipeline's training task asks of the cluster.
    train_cpu: str = "1"
    train_memory: str = "2G"
    # How long a transformer waits for its predictor (a forecast fits Prophet per request).
    predictor_timeout_s: int = 10
    # p95 request latency above which the latency alert fires (the server publishes it).
    latency_objective_ms: int = 200
    # False when the FeatureService only feeds serving (the advisor's prompt context), not training.
    features_in_training: bool = True
    # Calls Vertex AI when configured: the Secret and Workload Identity the predictor needs.
    uses_vertex: bool = False
    # Serverless environments may scale it to zero replicas (a cold start is acceptable for a
    # chat answer, not for a loan decision); everything else keeps minReplicas >= 1.
    scale_to_zero: bool = False
    # Labels clients post later (POST /v2/models/<name>/feedback) and the quality they measure.
    feedback: Feedback | None = None

    @property
    def trains_on_features(self) -> bool:
        """Whether `prepare` joins the FeatureService point-in-time (and needs Redis)."""
        return self.feature_service is not None and self.features_in_training

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
    feedback=Feedback("auc", "probability", "binary", "1 if the loan defaulted, 0 if it was repaid"),
)

INTENT_CLASSIFIER = ModelSpec(
    name="intent-classifier",
    task="classify a user query into an intent",
    framework="transformers+onnxruntime",
    feature_service=None,
    gate=QualityGate(metric="accuracy", minimum=0.85),
    request_fields=("text",),
    feedback=Feedback("accuracy", "intent", "category", "the intent the user actually meant"),
    train_cpu="4",
    train_memory="6G",
)

ANOMALY_DETECTOR = ModelSpec(
    name="anomaly-detector",
    task="flag unusual transactions",
    framework="isolation-forest+autoencoder",
    feature_service="anomaly_detector_v1",
    # false-positive rate on normal held-out transactions
    gate=QualityGate(metric="fpr", minimum=0.01, lower_is_better=True),
    entity_key="user_id",
    request_fields=("amount", "merchant_category", "hour", "channel"),
    identifier_fields=("user_id", "account_number", "card_number"),
    feedback=Feedback("auc", "score", "binary", "1 if the transaction was confirmed fraud, 0 if genuine"),
)

FINANCIAL_NER = ModelSpec(
    name="financial-ner",
    task="extract MONEY, DATE, CATEGORY, MERCHANT, ACCOUNT",
    framework="spacy",
    feature_service=None,
    gate=QualityGate(metric="f1", minimum=0.9),
    request_fields=("text",),
)

SPENDING_PREDICTOR = ModelSpec(
    name="spending-predictor",
    task="forecast a user's monthly spending 6-12 months ahead",
    framework="prophet+lstm",
    feature_service="spending_predictor_v1",
    # held-out MAPE relative to seasonal naive's: below 1 means the model beats the baseline
    gate=QualityGate(metric="mape_ratio", minimum=1.0, lower_is_better=True),
    entity_key="user_id",
    identifier_fields=("user_id",),
    train_cpu="2",
    predictor_timeout_s=120,
    latency_objective_ms=2000,  # a Prophet fit per request: 0.4-0.5 s measured (benchmarks/RESULTS.md)
)

FINANCIAL_ADVISOR = ModelSpec(
    name="financial-advisor",
    task="domain advice answers with sources, behind guardrails",
    framework="gemini+retrieval",
    # the user's context for the prompt (monthly spend, savings rate, risk profile)
    feature_service="financial_advisor_v1",
    features_in_training=False,
    # right passage in the top 5 for held-out paraphrased questions
    gate=QualityGate(metric="recall_at_5", minimum=0.8),
    entity_key="user_id",
    request_fields=("question",),
    identifier_fields=("user_id",),
    predictor_timeout_s=60,  # a tuned Gemini call with retries
    latency_objective_ms=8000,  # a Gemini generation (offline answers take under 0.1 s)
    uses_vertex=True,
    scale_to_zero=True,
)

MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (CREDIT_RISK, INTENT_CLASSIFIER, FINANCIAL_NER, SPENDING_PREDICTOR, ANOMALY_DETECTOR, FINANCIAL_ADVISOR)
}


def get(name: str) -> ModelSpec:
    """Look a model up by its canonical name; the error lists the valid ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None
