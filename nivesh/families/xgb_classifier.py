"""Binary classification with XGBoost: train, evaluate, save, load and explain.

Used by credit-risk; written against a generic labelled frame so any tabular
binary target (another lender's columns) goes through the same path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

from nivesh.artifact import Manifest, fingerprint_frame, load_manifest, write_manifest, write_reference
from nivesh.catalog import CREDIT_RISK
from nivesh.errors import SchemaError
from nivesh.evaluation import Evaluation
from nivesh.families.tabular import TabularEncoder

MODEL_FILE = "model.json"  # what mlflow.xgboost writes for model_format="json"
PROBABILITY = CREDIT_RISK.monitored_output  # the reference sample carries it for prediction drift
DEFAULT_PARAMS: dict[str, Any] = {
    "objective": "binary:logistic",
    "eval_metric": "auc",
    "max_depth": 5,
    "eta": 0.05,
    "subsample": 0.85,
    "colsample_bytree": 0.85,
    "min_child_weight": 2,
    "tree_method": "hist",
    "seed": 17,
}
MAX_ROUNDS = 800
EARLY_STOPPING = 40


@dataclass
class TrainedClassifier:
    booster: xgb.Booster
    encoder: TabularEncoder
    threshold: float
    label: str
    best_iteration: int


def label_vector(frame: pd.DataFrame, label: str) -> np.ndarray:
    """The label as 0/1; names the column when it is missing or not binary."""
    if label not in frame.columns:
        raise SchemaError(label, f"label column not found; columns are: {', '.join(map(str, frame.columns))}")
    y = frame[label]
    if y.isna().any():
        raise SchemaError(label, f"label has {int(y.isna().sum())} missing values")
    values = sorted(pd.unique(y))
    if len(values) != 2:
        raise SchemaError(label, f"label must have exactly two classes, found {len(values)}: {values[:5]}")
    positive = 1 if set(values) <= {0, 1} else values[1]
    return (y == positive).to_numpy(dtype=np.int32)


def split(
    frame: pd.DataFrame, label: str, test_fraction: float = 0.2, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified held-out split, the same for the CLI and the pipeline."""
    y = label_vector(frame, label)
    train, test = train_test_split(frame, test_size=test_fraction, stratify=y, random_state=seed)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def train(frame: pd.DataFrame, label: str, params: dict[str, Any] | None = None, nthread: int = 2) -> TrainedClassifier:
    """Fit with early stopping on an inner validation split; choose the F1-best threshold there."""
    fit, val = split(frame, label, test_fraction=0.15, seed=7)
    features = fit.drop(columns=[label])
    encoder = TabularEncoder.fit(features)
    dfit = xgb.DMatrix(encoder.transform(features), label=label_vector(fit, label), feature_names=encoder.names)
    dval = xgb.DMatrix(encoder.transform(val), label=label_vector(val, label), feature_names=encoder.names)
    booster = xgb.train(
        DEFAULT_PARAMS | (params or {}) | {"nthread": nthread},
        dfit,
        num_boost_round=MAX_ROUNDS,
        evals=[(dval, "validation")],
        early_stopping_rounds=EARLY_STOPPING,
        verbose_eval=False,
    )
    best = int(booster.best_iteration)
    booster = booster[: best + 1]
    p_val = booster.inplace_predict(encoder.transform(val))
    return TrainedClassifier(booster, encoder, best_f1_threshold(label_vector(val, label), p_val), label, best)


def best_f1_threshold(y: np.ndarray, p: np.ndarray) -> float:
    grid = np.linspace(0.05, 0.95, 91)
    f1 = [_prf(y, p >= t)[2] for t in grid]
    return float(round(grid[int(np.argmax(f1))], 2))


def _prf(y: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    tp = float(np.sum(pred & (y == 1)))
    precision = tp / max(float(np.sum(pred)), 1.0)
    recall = tp / max(float(np.sum(y == 1)), 1.0)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return precision, recall, f1


def evaluate(y: np.ndarray, p: np.ndarray, threshold: float, max_points: int = 200) -> Evaluation:
    """AUC, KS and precision/recall/F1 at the chosen threshold, with curves for the UI."""
    fpr, tpr, thr = roc_curve(y, p)
    pred = p >= threshold
    precision, recall, f1 = _prf(y, pred)
    metrics = {
        "auc": float(roc_auc_score(y, p)),
        "ks": float(np.max(tpr - fpr)),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": float(np.mean(pred == (y == 1))),
        "threshold": float(threshold),
        "positive_rate": float(np.mean(y)),
        "n": float(len(y)),
    }
    idx = np.unique(np.linspace(0, len(fpr) - 1, min(max_points, len(fpr))).astype(int))
    thr = np.clip(thr, 0.0, 1.0)  # sklearn puts +inf first; KFP wants finite thresholds
    roc = {"fpr": fpr[idx].tolist(), "tpr": tpr[idx].tolist(), "thresholds": thr[idx].tolist()}
    cm = confusion_matrix(y, pred.astype(int), labels=[0, 1]).tolist()
    return Evaluation(metrics, roc, cm, labels=["repaid", "default"])


def evaluate_frame(model: ClassifierModel, frame: pd.DataFrame, label: str) -> Evaluation:
    y = label_vector(frame, label)
    return evaluate(y, model.predict_proba(model.encoder.transform(frame)), model.threshold)


def save(
    trained: TrainedClassifier,
    folder: Path,
    *,
    name: str,
    version: str,
    feature_service: str | None,
    train_frame: pd.DataFrame,
    metrics: dict[str, float] | None = None,
) -> Manifest:
    """Write the model as an MLflow XGBoost model in JSON format (MLmodel with its signature,
    model.json), a reference sample for drift, and the Nivesh manifest over all of it."""
    features = train_frame.drop(columns=[trained.label])
    _save_mlflow_model(trained, features, folder)
    sample = features.sample(min(CREDIT_RISK.reference_rows, len(features)), random_state=0)
    # prediction drift: the default probability's distribution, beside the inputs
    sample = sample.assign(**{PROBABILITY: trained.booster.inplace_predict(trained.encoder.transform(sample))})
    reference = write_reference(
        folder,
        sample,
        [*(f.name for f in trained.encoder.features if f.kind == "numeric"), PROBABILITY],
        [f.name for f in trained.encoder.features if f.kind == "categorical"],
    )
    signature = {
        "inputs": [{"name": f.name, "datatype": f.v2_datatype, "shape": [-1]} for f in trained.encoder.features],
        "outputs": CREDIT_RISK.output_signature,
    }
    return write_manifest(
        folder,
        Manifest(
            name=name,
            version=version,
            framework="xgboost",
            signature=signature,
            feature_service=feature_service,
            metrics=metrics or {},
            data_fingerprint=fingerprint_frame(train_frame),
            extra={
                "label": trained.label,
                "threshold": trained.threshold,
                "best_iteration": trained.best_iteration,
                "encoder": trained.encoder.to_dict(),
                "model_file": MODEL_FILE,
                **reference,
            },
        ),
    )


def _save_mlflow_model(trained: TrainedClassifier, features: pd.DataFrame, folder: Path) -> None:
    """An MLflow model directory, so `mlflow.pyfunc.load_model("models:/credit-risk@staging")`
    works on the encoded features and the MLflow UI shows the signature."""
    import mlflow.xgboost
    from mlflow.models import infer_signature

    encoded = pd.DataFrame(trained.encoder.transform(features.head(200)), columns=trained.encoder.names)
    signature = infer_signature(encoded, trained.booster.inplace_predict(encoded.to_numpy()))
    if folder.exists():
        if any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty")
        folder.rmdir()  # mlflow wants to create it
    mlflow.xgboost.save_model(
        trained.booster,
        str(folder),
        signature=signature,
        model_format="json",
        pip_requirements=[f"xgboost=={xgb.__version__}"],  # no slow requirement inference
    )


class ClassifierModel:
    """A loaded, verified artifact ready to score; single-threaded per worker, warmed at load."""

    def __init__(self, folder: Path, nthread: int = 1, manifest: Manifest | None = None) -> None:
        self.manifest = manifest or load_manifest(folder)  # a manifest already verified is not hashed again
        extra = self.manifest.extra
        self.encoder = TabularEncoder.from_dict(extra["encoder"])
        self.threshold = float(extra["threshold"])
        self.booster = xgb.Booster()
        self.booster.load_model(str(folder / extra["model_file"]))
        self.booster.set_param({"nthread": nthread})
        self.nthread = nthread
        self.folder = folder
        self.predict_proba(np.zeros((1, len(self.encoder.features)), dtype=np.float32))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.inplace_predict(x, validate_features=False), dtype=np.float32)

    def reason_codes(self, x: np.ndarray, top_k: int = 4) -> list[list[dict[str, Any]]]:
        """Per-row features that raised the default score most (TreeSHAP contributions).

        These are what an adverse action notice lists: the principal reasons for a decline.
        """
        dmatrix = xgb.DMatrix(x, feature_names=self.encoder.names, nthread=self.nthread)
        contribs = self.booster.predict(dmatrix, pred_contribs=True)
        out = []
        for row, values in zip(contribs[:, :-1], x, strict=True):
            order = np.argsort(-row)[:top_k]
            out.append(
                [
                    {
                        "feature": self.encoder.features[j].name,
                        "value": self._display(j, values[j]),
                        "contribution": round(float(row[j]), 4),
                    }
                    for j in order
                    if row[j] > 0
                ]
            )
        return out

    def _display(self, j: int, value: float) -> Any:
        spec = self.encoder.features[j]
        if np.isnan(value):
            return None
        if spec.kind == "categorical":
            return spec.categories[int(value)]
        return float(f"{value:.6g}")  # the float32 the model saw, without float32 noise

    def reference(self) -> pd.DataFrame:
        return pd.read_parquet(self.folder / self.manifest.extra["reference_file"])


def reason_codes_json(reasons: list[list[dict[str, Any]]]) -> list[str]:
    return [json.dumps(r, separators=(",", ":")) for r in reasons]
