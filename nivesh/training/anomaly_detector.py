"""anomaly-detector trainer: transactions joined to the user's recent activity in Feast
(or a user's CSV, labelled or not) -> Isolation Forest + autoencoder, calibrated to a
false-positive rate on normal rows; evaluated by FPR on normal held-out rows and, with
labels, recall and ROC AUC."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

from nivesh import features
from nivesh.artifact import load_manifest, write_reference
from nivesh.catalog import ANOMALY_DETECTOR as SPEC
from nivesh.data import transactions as txd
from nivesh.data.loaders import read_table
from nivesh.data.schema import v2_datatype
from nivesh.errors import NiveshError, SchemaError
from nivesh.evaluation import Evaluation
from nivesh.families import anomaly
from nivesh.settings import Workspace
from nivesh.training.trainer import write_trained

SCORE = SPEC.monitored_output  # prediction drift: the score's distribution


def feature_columns(frame: pd.DataFrame, label: str) -> tuple[list[str], list[str]]:
    """Numbers vs categories of every non-label column (a user's file may have any)."""
    cols = [c for c in frame.columns if c != label]
    numeric = [c for c in cols if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    return numeric, [c for c in cols if c not in numeric]


def frame_from_feast(ws: Workspace, transactions: Path) -> pd.DataFrame:
    """Each transaction joined to the activity snapshot valid then (within the 1 h TTL)."""
    entity_df = pd.read_parquet(transactions)
    store = features.open_store(ws)
    assert SPEC.feature_service is not None
    joined = features.historical(store, SPEC.feature_service, entity_df)
    return txd.assemble(joined)


class AnomalyTrainer:
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        if data is None:
            label = txd.TRANSACTION_SCHEMA.label
            assert label is not None
            return frame_from_feast(ws, features.data_dir(ws) / "transactions.parquet"), label
        frame = read_table(data)
        label = options.get("label_column", "")
        if label:
            if label not in frame.columns:
                raise SchemaError(label, f"not a column of {data.name} (columns: {', '.join(map(str, frame.columns))})")
            values = set(pd.unique(frame[label].dropna()))
            if not values <= {0, 1}:
                raise SchemaError(label, f"label must be 0/1 (1 = anomaly), found {sorted(map(str, values))[:5]}")
            frame[label] = frame[label].fillna(0).astype(int)
        if frame.shape[1] - bool(label) < 1:
            raise NiveshError(f"{data}: no feature columns")
        return frame, label

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        stratify = frame[label] if label and frame[label].sum() >= 2 else None
        train, test = train_test_split(frame, test_size=test_fraction, stratify=stratify, random_state=42)
        return train.reset_index(drop=True), test.reset_index(drop=True)

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        known = set(anomaly.AnomalyConfig.__dataclass_fields__)
        if set(params) - known:
            raise NiveshError(f"unknown training parameters {sorted(set(params) - known)}; known: {sorted(known)}")
        normal = train[train[label] == 0] if label else train
        numeric, categorical = feature_columns(train, label)
        detector = anomaly.fit(normal, numeric, categorical, anomaly.AnomalyConfig(**params))
        anomaly.save(detector, out)
        sample = normal.sample(min(SPEC.reference_rows, len(normal)), random_state=0)
        sample = sample.assign(**{SCORE: detector.score(sample)[0]})  # prediction drift: the score's distribution
        extra: dict[str, Any] = {"label": label, "threshold": detector.threshold}
        extra |= write_reference(out, sample, [*numeric, SCORE], categorical)
        signature = {
            "inputs": [
                {"name": c, "datatype": v2_datatype(c in categorical), "shape": [-1]} for c in detector.features
            ],
            "outputs": SPEC.output_signature,
        }
        write_trained(out, SPEC, signature, train, extra, uses_features=set(txd.ACTIVITY_FEATURES) <= set(numeric))

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        load_manifest(artifact)  # verify before loading
        detector = anomaly.load(artifact)
        score, _ = detector.score(test)
        flagged = score >= detector.threshold
        y = test[label].to_numpy().astype(int) if label else np.zeros(len(test), dtype=int)
        normal = y == 0
        metrics: dict[str, float] = {
            "fpr": float(np.mean(flagged[normal])) if normal.any() else 0.0,
            "threshold": detector.threshold,
            "flagged_rate": float(np.mean(flagged)),
            "normal_rows": float(normal.sum()),
            "n": float(len(test)),
        }
        roc = None
        notes = [f"threshold calibrated for FPR {detector.calibration['target_fpr']:.2%} on normal rows"]
        if label and y.sum() and normal.any():
            metrics["recall"] = float(np.mean(flagged[~normal]))
            metrics["roc_auc"] = float(roc_auc_score(y, score))
            metrics["auc"] = metrics["roc_auc"]
            metrics["precision"] = float(np.sum(flagged & ~normal) / max(flagged.sum(), 1))
            metrics["anomalies"] = float(y.sum())
            fpr, tpr, thr = roc_curve(y, score)
            idx = np.unique(np.linspace(0, len(fpr) - 1, min(200, len(fpr))).astype(int))
            finite = np.nan_to_num(thr[idx], posinf=float(score.max()) + 1)
            roc = {"fpr": fpr[idx].tolist(), "tpr": tpr[idx].tolist(), "thresholds": finite.tolist()}
        cm = [
            [int(np.sum(normal & ~flagged)), int(np.sum(normal & flagged))],
            [int(np.sum(~normal & ~flagged)), int(np.sum(~normal & flagged))],
        ]
        return Evaluation(metrics, roc, cm, ["normal", "anomaly"], notes=notes)


TRAINER = AnomalyTrainer()
