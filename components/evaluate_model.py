"""Evaluate: held-out metrics, ROC / confusion matrix for the Kubeflow UI where the model
has them, an HTML report; fails the run when the catalogue's quality gate is not met."""

from kfp import dsl
from kfp.dsl import HTML, ClassificationMetrics, Dataset, Input, Metrics, Model, Output

from nivesh.cluster.images import COMPONENT_IMAGE


@dsl.component(base_image=COMPONENT_IMAGE, install_kfp_package=False)
def evaluate_model(
    model_name: str,
    model: Input[Model],
    test_data: Input[Dataset],
    metrics: Output[Metrics],
    classification: Output[ClassificationMetrics],
    report: Output[HTML],
) -> None:
    from pathlib import Path

    import pandas as pd

    from nivesh.training import steps

    a = steps.assess(model_name, Path(model.path), pd.read_parquet(test_data.path), test_data.metadata["label"])
    for key, value in a.evaluation.metrics.items():
        metrics.log_metric(key, float(value))
    if a.evaluation.roc is not None:
        roc = a.evaluation.roc
        classification.log_roc_curve(roc["fpr"], roc["tpr"], roc["thresholds"])
    if a.evaluation.confusion is not None:
        classification.log_confusion_matrix(list(a.evaluation.labels), a.evaluation.confusion)
    Path(report.path).write_text(a.html)
    steps.enforce(model_name, a)
