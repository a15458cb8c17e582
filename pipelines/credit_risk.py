"""credit-risk: prepare (Feast join) -> train -> evaluate (gate) -> register -> emit ISVC."""

from kfp import dsl, kubernetes

from components.emit_inference_service import emit_inference_service
from components.evaluate_classifier import evaluate_classifier
from components.prepare_training_data import prepare_training_data
from components.register_model import register_model
from components.train_xgboost import train_xgboost
from nivesh.catalog import CREDIT_RISK

MLFLOW_SECRET = "nivesh-mlflow"  # noqa: S105 - a Secret name, not a value
REDIS_SECRET = "nivesh-redis"  # noqa: S105 - a Secret name, not a value


@dsl.pipeline(name=CREDIT_RISK.name, description="Train, evaluate, register and deploy-render credit-risk")
def credit_risk_pipeline(
    source: str = "",
    label: str = "",
    test_fraction: float = 0.2,
    manifest_dir: str = "",
) -> None:
    prepared = prepare_training_data(
        model_name=CREDIT_RISK.name, source=source, label=label, test_fraction=test_fraction
    ).set_display_name("prepare (Feast point-in-time join)")
    trained = train_xgboost(model_name=CREDIT_RISK.name, train_data=prepared.outputs["train_data"])
    trained.set_display_name("train XGBoost").set_cpu_request("1").set_memory_request("2G").set_cpu_limit("2")
    evaluated = evaluate_classifier(
        model_name=CREDIT_RISK.name,
        model=trained.outputs["model"],
        test_data=prepared.outputs["test_data"],
    ).set_display_name("evaluate + quality gate")
    registered = register_model(
        model_name=CREDIT_RISK.name,
        model=trained.outputs["model"],
        metrics=evaluated.outputs["metrics"],
    ).set_display_name("register in MLflow (staging)")
    emitted = emit_inference_service(
        model_name=CREDIT_RISK.name, version=registered.outputs["version"], output_dir=manifest_dir
    ).set_display_name("emit InferenceService")
    for task in (registered, emitted):
        kubernetes.use_secret_as_env(
            task,
            secret_name=MLFLOW_SECRET,
            secret_key_to_env={"tracking-uri": "MLFLOW_TRACKING_URI"},
        )
    kubernetes.use_secret_as_env(prepared, secret_name=REDIS_SECRET, secret_key_to_env={"url": "NIVESH_REDIS_URL"})
    for task in (prepared, trained, evaluated, registered, emitted):
        task.set_caching_options(False)
