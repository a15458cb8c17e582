"""The model catalogue: the one place that names each model and what it is held to.

Every other module (pipelines, servers, monitors, manifests, CLI) looks a model up
here, so a model name, its FeatureService, quality gate or serving defaults are
never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nivesh.errors import UnknownModelError


def better(value: float, than: float, lower_is_better: bool) -> bool:
    """Whether `value` is strictly better than `than`: the one place that reads a metric's
    direction (the quality gate, champion / challenger and the quality monitor ask here)."""
    return value < than if lower_is_better else value > than


@dataclass(frozen=True)
class QualityGate:
    """A held-out metric the model must strictly exceed to be registered."""

    metric: str
    minimum: float

    # True when lower is better (errors such as MAPE): the metric must be strictly below.
    lower_is_better: bool = False

    def passes(self, metrics: dict[str, float]) -> bool:
        return better(float(metrics[self.metric]), self.minimum, self.lower_is_better)

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
class Output:
    """One v2 output tensor: a value per input row."""

    name: str
    datatype: str
    encoded: bool = False  # each value is a JSON string (a list or an object)
    # May hold the user's own words (an entity's text, a generated answer): the prediction log
    # scrubs it for personal data. The others are the model's own vocabulary and numbers.
    user_text: bool = False

    def v2(self) -> dict[str, Any]:
        """As the model's metadata (/v2/models/<name>) and its artifact's signature show it."""
        return {"name": self.name, "datatype": self.datatype, "shape": [-1]}


@dataclass(frozen=True)
class Limits:
    """What one request to the model may hold: beyond, a 400 naming the field (rows) or a
    413 (the body), before any work is spent on it."""

    max_rows: int = 1000
    max_body_bytes: int = 2 * 1024 * 1024  # a megabyte of text per row still gets its own 400
    # The longest string one value may be: a category or an id by default; models that take
    # free text (a question, a message, a spending history) allow more.
    max_value_chars: int = 256
    beyond: str = ""  # where more rows belong, said in the 400 ("use the batch pipeline")


# Free text a text model accepts per row (a chat message, an SMS, a question): longer is a
# 400, not a slow request.
FREE_TEXT_CHARS = 2000


# The ways a model with stored features can be served (ModelSpec.feature_join).
@dataclass(frozen=True)
class Accelerator:
    """What a model's GPU training pipeline (`<model>-gpu`) asks of the cluster for its
    training step: the accelerator (KFP set_accelerator_type / limit), a node selector for
    the GPU pool and a toleration of its taint (label and taint such a pool)."""

    resource: str = "nvidia.com/gpu"
    count: int = 1
    node_label: tuple[str, str] = ("nivesh.in/pool", "gpu")
    taint_key: str = "nvidia.com/gpu"


FEATURE_JOINS = ("one-process", "transformer", "collocated")
# The predictor images (nivesh.cluster.images builds one per entry, with what its models need):
# "tabular": XGBoost, scikit-learn and Feast, no torch or spaCy (a small image, fast cold starts
# for the loan decision and the fraud score); "language": torch, transformers, ONNX Runtime,
# spaCy and the Gemini client; "forecast": Prophet.
PREDICTOR_IMAGES = ("tabular", "language", "forecast")


@dataclass(frozen=True)
class ModelSpec:
    """What the rest of the system needs to know about one model."""

    name: str
    task: str
    framework: str
    feature_service: str | None
    gate: QualityGate
    # What the model answers, in order; trainers write it into the artifact's signature,
    # predictors and transformers declare it on /v2/models/<name>.
    outputs: tuple[Output, ...]
    # The output the drift monitor follows (prediction drift); the reference sample carries it.
    monitored_output: str
    # Entry points: the module whose TRAINER trains it, its KFP pipeline (module:function), the
    # KServe predictor and, for models with stored features, the Feast transformer (python -m).
    trainer: str
    pipeline: str
    predictor: str
    # Which predictor image serves it (PREDICTOR_IMAGES): the image carries its libraries.
    predictor_image: str
    transformer: str | None = None
    # Where a model with stored features reads them in a cluster (nivesh.cluster.k8s renders it):
    # "one-process": the predictor itself, in preprocess (--feature_join=feast): no hop at all;
    # "transformer": KServe's transformer component (its own pods, scaled on its own);
    # "collocated": the transformer as a second container in the predictor's pod (localhost hop).
    # The transformer package (above) holds the model's Assembly in every case.
    feature_join: str = "transformer"
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
    # Fine-tuning that wants a GPU: a second pipeline, `<model>-gpu`, trains on one (the
    # CPU pipeline stays the default: clusters without GPU nodes run it).
    train_accelerator: Accelerator | None = None
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
    # Rows of training data kept in the artifact as the drift monitor's reference (at most).
    reference_rows: int = 5000
    limits: Limits = field(default_factory=Limits)
    # Serving processes in each predictor pod of a cluster (KServe's --workers, done by
    # nivesh.serving.workers; the pod's CPU scales with it). One process saturates one core on
    # a latency-critical model (benchmarks/load.py); local launchers start one unless asked.
    workers: int = 1

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"{self.name}: workers must be 1 or more, not {self.workers}")
        names = [o.name for o in self.outputs]
        if self.monitored_output not in names:
            raise ValueError(f"{self.name}: monitored_output {self.monitored_output!r} is not one of {names}")
        if (self.transformer is None) != (self.feature_service is None):
            raise ValueError(f"{self.name}: a transformer reads the FeatureService; give both or neither")
        if self.predictor_image not in PREDICTOR_IMAGES:
            raise ValueError(f"{self.name}: predictor_image {self.predictor_image!r} is not one of {PREDICTOR_IMAGES}")
        if self.feature_join not in FEATURE_JOINS:
            raise ValueError(f"{self.name}: feature_join {self.feature_join!r} is not one of {FEATURE_JOINS}")

    @property
    def text_outputs(self) -> tuple[str, ...]:
        """The outputs the prediction log scrubs (Output.user_text)."""
        return tuple(o.name for o in self.outputs if o.user_text)

    @property
    def separate_transformer(self) -> bool:
        """A transformer component of its own (pods, ServiceAccount, policies) in a cluster."""
        return self.transformer is not None and self.feature_join == "transformer"

    @property
    def predictor_reads_features(self) -> bool:
        """The predictor's pod reads Feast (one process, or a collocated transformer container)."""
        return self.transformer is not None and self.feature_join != "transformer"

    @property
    def output_signature(self) -> list[dict[str, Any]]:
        return [o.v2() for o in self.outputs]

    @property
    def trains_on_features(self) -> bool:
        """Whether `prepare` joins the FeatureService point-in-time (and needs Redis)."""
        return self.feature_service is not None and self.features_in_training


CREDIT_RISK = ModelSpec(
    name="credit-risk",
    task="probability of loan default",
    framework="xgboost",
    feature_service="credit_risk_v1",
    gate=QualityGate(metric="auc", minimum=0.85),
    outputs=(
        Output("probability", "FP32"),
        Output("decision", "BYTES"),
        Output("reason_codes", "BYTES", encoded=True),
    ),
    monitored_output="probability",
    trainer="nivesh.training.credit_risk",
    pipeline="pipelines.credit_risk:credit_risk_pipeline",
    predictor="inference_services.credit_risk",
    predictor_image="tabular",
    transformer="transformers_kserve.credit_risk",
    feature_join="one-process",  # a loan decision on the latency-critical path (benchmarks/load.py)
    workers=2,  # 1.4-1.5x the requests a second of one process on two cores (benchmarks/RESULTS.md)
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
    # accuracy on the hand-written queries (nivesh/data/text), or the held-out split for other intents
    gate=QualityGate(metric="gate_accuracy", minimum=0.9),
    outputs=(
        Output("intent", "BYTES"),
        Output("confidence", "FP32"),
        Output("out_of_scope", "BOOL"),
        Output("top_intents", "BYTES", encoded=True),
    ),
    monitored_output="intent",
    trainer="nivesh.training.intent_classifier",
    pipeline="pipelines.intent_classifier:intent_classifier_pipeline",
    predictor="inference_services.intent_classifier",
    predictor_image="language",
    # BANKING77, 7 epochs: 41 s on one H200 against 4,303 s on two CPU cores (the figures)
    train_accelerator=Accelerator(),
    reference_rows=2000,
    request_fields=("text",),
    feedback=Feedback("accuracy", "intent", "category", "the intent the user actually meant"),
    train_cpu="4",
    train_memory="6G",
    limits=Limits(max_value_chars=FREE_TEXT_CHARS),
)

ANOMALY_DETECTOR = ModelSpec(
    name="anomaly-detector",
    task="flag unusual transactions",
    framework="isolation-forest+autoencoder",
    feature_service="anomaly_detector_v1",
    # false-positive rate on normal held-out transactions
    gate=QualityGate(metric="fpr", minimum=0.01, lower_is_better=True),
    outputs=(
        Output("score", "FP32"),
        Output("anomaly", "BOOL"),
        Output("drivers", "BYTES", encoded=True),
    ),
    monitored_output="score",
    trainer="nivesh.training.anomaly_detector",
    pipeline="pipelines.anomaly_detector:anomaly_detector_pipeline",
    predictor="inference_services.anomaly_detector",
    predictor_image="tabular",
    transformer="transformers_kserve.anomaly_detector",
    feature_join="one-process",  # scored on every card transaction
    workers=2,
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
    # F1 on the hand-written set (nivesh/data/text), or the held-out split for other labels
    gate=QualityGate(metric="gate_f1", minimum=0.9),
    outputs=(
        Output("entities", "BYTES", encoded=True, user_text=True),
        # per text, the sorted distinct labels found
        Output("entity_labels", "BYTES"),
    ),
    monitored_output="entity_labels",
    trainer="nivesh.training.financial_ner",
    pipeline="pipelines.financial_ner:financial_ner_pipeline",
    predictor="inference_services.financial_ner",
    predictor_image="language",
    reference_rows=2000,
    request_fields=("text",),
    limits=Limits(max_value_chars=FREE_TEXT_CHARS),
)

SPENDING_PREDICTOR = ModelSpec(
    name="spending-predictor",
    task="forecast a user's monthly spending 6-12 months ahead",
    framework="prophet+lstm",
    feature_service="spending_predictor_v1",
    # held-out MAPE relative to seasonal naive's: below 1 means the model beats the baseline
    gate=QualityGate(metric="mape_ratio", minimum=1.0, lower_is_better=True),
    outputs=(
        Output("forecast", "BYTES", encoded=True),
        Output("method", "BYTES"),
        Output("forecast_mean", "FP64"),
        Output("backtest_mape", "FP64"),
    ),
    monitored_output="forecast_mean",
    trainer="nivesh.training.spending_predictor",
    pipeline="pipelines.spending_predictor:spending_predictor_pipeline",
    predictor="inference_services.spending_predictor",
    predictor_image="forecast",
    transformer="transformers_kserve.spending_predictor",
    entity_key="user_id",
    identifier_fields=("user_id",),
    train_cpu="2",
    predictor_timeout_s=120,
    latency_objective_ms=2000,  # a Prophet fit per request: 0.4-0.5 s measured (benchmarks/RESULTS.md)
    # each row fits Prophet several times; more belongs in the batch pipeline
    # each row fits Prophet: its history (at most spending.MAX_MONTHS months) is a JSON object
    limits=Limits(max_rows=16, max_value_chars=4096, beyond="use the batch pipeline"),
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
    outputs=(
        Output("answer", "BYTES", user_text=True),
        Output("mode", "BYTES"),  # extractive / gemini / refused
        Output("refused", "BOOL"),
        Output("sources", "BYTES", encoded=True),
        Output("rules", "BYTES", encoded=True),
    ),
    monitored_output="mode",
    trainer="nivesh.training.financial_advisor",
    pipeline="pipelines.financial_advisor:financial_advisor_pipeline",
    predictor="inference_services.financial_advisor",
    predictor_image="language",
    transformer="transformers_kserve.financial_advisor",
    entity_key="user_id",
    request_fields=("question",),
    identifier_fields=("user_id",),
    predictor_timeout_s=60,  # a tuned Gemini call with retries
    latency_objective_ms=8000,  # a Gemini generation (offline answers take under 0.1 s)
    uses_vertex=True,
    scale_to_zero=True,
    limits=Limits(max_rows=16, max_value_chars=FREE_TEXT_CHARS),  # questions per request: each may be a Gemini call
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
