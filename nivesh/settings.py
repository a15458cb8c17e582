"""Settings read from the environment (prefix NIVESH_), built in main()/load(), never at import.

One class per deployable concern so that a predictor image does not need the
variables a training component reads, and each default is written once here.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nivesh.cluster.secrets import FEEDBACK_TOKEN, RETRAIN_TOKEN

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout (or site-packages in an image)
# The prediction log's pseudonym key where none is set: accepted on loopback only (nivesh.auth).
LOCAL_HASH_KEY = "nivesh-local-only"


# The prediction log's spill journal holds at most this much per server (its emptyDir's
# sizeLimit in a pod is a little larger, nivesh.cluster.pods.JOURNAL_VOLUME).
PREDICTION_JOURNAL_MAX_MB = 512


class Workspace(BaseSettings):
    """Where local state lives and which feature store backs it."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.cwd() / "var")
    feature_repo: Path = PROJECT_ROOT / "feature_repo"
    # redis://host:port/db; when set, Feast uses feature_store.redis.yaml.
    redis_url: str | None = None

    @field_validator("home", "feature_repo")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        """NIVESH_HOME=var means ./var: absolute, since MLflow and KFP tasks need file URIs."""
        return value.expanduser().resolve()

    def path(self, *parts: str) -> Path:
        """A path under the workspace home, with its parent created."""
        p = self.home.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


class RegistrySettings(BaseSettings):
    """MLflow: PostgreSQL-backed server when MLFLOW_TRACKING_URI says so, else SQLite."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    tracking_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "NIVESH_TRACKING_URI")
    )
    # Storage prefix the cluster's storage initializer can read (s3://, gs://, pvc://).
    # When unset, the registered artifact's own location is used as storageUri.
    storage_uri_prefix: str | None = Field(default=None, validation_alias=AliasChoices("NIVESH_STORAGE_URI_PREFIX"))
    # The tracking server's --artifacts-destination (s3://...): its proxied mlflow-artifacts:/PATH
    # URIs are PATH under it, which is what a storage initializer can fetch.
    artifacts_destination: str | None = Field(
        default=None, validation_alias=AliasChoices("NIVESH_ARTIFACTS_DESTINATION")
    )

    def resolved_tracking_uri(self, workspace: Workspace) -> str:
        if self.tracking_uri:
            return self.tracking_uri
        return f"sqlite:///{workspace.path('mlflow', 'mlflow.db')}"


class StoreSettings(BaseSettings):
    """The prediction store: SQLite by default, PostgreSQL when a URL is given."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_", extra="ignore")

    prediction_store_url: str | None = None
    # keyed hash for identifiers in the log (the Secret nivesh-log-hash in the cluster)
    log_hash_key: str = LOCAL_HASH_KEY

    def resolved_url(self, workspace: Workspace) -> str:
        if self.prediction_store_url:
            return self.prediction_store_url
        return f"sqlite:///{workspace.path('predictions.db')}"


class ServingSettings(BaseSettings):
    """Model server process: where it listens, whether it logs predictions."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_", extra="ignore")

    # KServe listens on 0.0.0.0 in a pod; local servers (nivesh.local.processes) set 127.0.0.1.
    serve_host: str = "0.0.0.0"  # noqa: S104
    prediction_log: bool = True
    # Where the prediction log keeps batches while the store is down (an emptyDir in a pod);
    # none = the workspace's journal/ folder. Bounded: beyond it, records are dropped and counted.
    prediction_journal: Path | None = None
    prediction_journal_max_mb: int = PREDICTION_JOURNAL_MAX_MB
    # intent-classifier runtime: onnx-int8 (served) or torch-fp32 (the baseline it is measured against)
    text_runtime: str = "onnx-int8"
    # The feedback route's bearer token (a mounted Secret, nivesh.cluster.secrets.FEEDBACK_TOKEN);
    # none on loopback = the workspace's own token file.
    feedback_token_file: Path | None = Field(default=None, validation_alias=AliasChoices(FEEDBACK_TOKEN.env))
    # Set by a server started with --workers N in each of its N worker processes
    # (nivesh.serving.workers): which one this is, and how many share the ports.
    serve_worker: int | None = None
    serve_workers: int = Field(default=1, ge=1)


class LogSettings(BaseSettings):
    """What goes to the console: per-request server lines, libraries' warnings."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_", extra="ignore")

    access_log: bool = False
    show_warnings: bool = False


class MonitorSettings(BaseSettings):
    """Drift job knobs: which window of logged predictions, how many rows at most."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_MONITOR_", extra="ignore", populate_by_name=True)

    window_hours: float = 24.0
    max_rows: int = 5000
    # Below this many logged rows a drift verdict is noise: report, but do not judge.
    min_rows: int = 30
    # Labels arrive late (a loan's outcome): quality reads a longer window, and needs this many labels.
    quality_window_days: float = 30.0
    min_labels: int = 30
    pushgateway_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("NIVESH_PUSHGATEWAY_URL", "NIVESH_MONITOR_PUSHGATEWAY_URL"),
    )
    push_timeout_s: float = 5.0


class RetrainSettings(BaseSettings):
    """The retraining webhook: where runs start, how often a model may be retrained."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_RETRAIN_", extra="ignore")

    # The Kubeflow Pipelines API (http://ml-pipeline.kubeflow:8888 in a cluster); none = kfp.local here.
    kfp_host: str | None = None
    experiment: str = "nivesh-retraining"
    # No second run for a model within this long of the last one, whatever alert fires.
    cooldown_s: float = 6 * 3600.0
    # Bound on creating a KFP run (the client has no timeout of its own) and on a local run.
    kfp_timeout_s: float = 60.0
    local_timeout_s: float = 3 * 3600.0
    # Only these models are retrained on alerts (JSON list); none = every model. `make demo`
    # retrains credit-risk only, to keep the loop short.
    models: list[str] | None = None
    # The bearer token Alertmanager sends (a mounted Secret, nivesh.cluster.secrets.RETRAIN_TOKEN);
    # none on loopback = the workspace's own token file.
    token_file: Path | None = Field(default=None, validation_alias=AliasChoices(RETRAIN_TOKEN.env))


class VertexSettings(BaseSettings):
    """financial-advisor on Vertex AI. No project -> the offline extractive fallback.
    Credentials are never settings: Workload Identity or a mounted key file
    (GOOGLE_APPLICATION_CREDENTIALS), read by google-auth."""

    model_config = SettingsConfigDict(env_prefix="NIVESH_VERTEX_", extra="ignore")

    project: str | None = None
    region: str = "us-central1"
    # Gemini 1.5 Pro is retired; a currently tunable Gemini model.
    base_model: str = "gemini-2.5-flash"
    # The tuned model's endpoint (projects/P/locations/L/endpoints/E), set by registration.
    endpoint: str | None = None
    # gs://bucket/prefix for tuning datasets
    staging_uri: str | None = None
    epochs: int = 3
    adapter_size: str = "ADAPTER_SIZE_FOUR"
    learning_rate_multiplier: float = 1.0
    # Calls: per-attempt timeout, attempts with exponential backoff on 408/429/5xx.
    timeout_s: float = 20.0
    attempts: int = 3
    backoff_s: float = 0.5
    max_output_tokens: int = 512
    temperature: float = 0.2
    # Tuning jobs take hours: poll every poll_s, give up after max_wait_s.
    poll_s: float = 60.0
    max_wait_s: float = 6 * 3600.0
    # A private endpoint or a local stand-in (tests); None = Google's regional endpoint.
    base_url: str | None = None
    storage_endpoint: str | None = None  # the same for Cloud Storage

    @property
    def configured(self) -> bool:
        return bool(self.project)
