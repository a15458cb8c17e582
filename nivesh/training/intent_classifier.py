"""intent-classifier trainer: synthetic queries (or a user's CSV) -> fine-tuned encoder,
calibrated, exported to ONNX int8; evaluated as served (int8) and against fp32."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import train_test_split

from nivesh.artifact import load_manifest
from nivesh.catalog import INTENT_CLASSIFIER as SPEC
from nivesh.data import intents
from nivesh.data import text as handwritten
from nivesh.data.loaders import read_table
from nivesh.errors import SchemaError
from nivesh.evaluation import Evaluation
from nivesh.families import text_classifier as tc
from nivesh.monitoring.text import text_reference
from nivesh.settings import Workspace
from nivesh.training.trainer import write_trained

log = logging.getLogger(__name__)
TEXT, LABEL = "text", "label"
SIGNATURE = {"inputs": [{"name": TEXT, "datatype": "BYTES", "shape": [-1]}], "outputs": SPEC.output_signature}
DEFAULT_ROWS = 4000  # generated queries: the size the gate's figures in benchmarks/RESULTS.md were measured at
PREDICTED = SPEC.monitored_output  # the output column the monitor tracks for prediction drift


def decide(labels: list[str], proba: np.ndarray, threshold: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Top intent, its calibrated confidence, and out-of-scope when the model says so or
    is not confident enough. One home for the rule: server and evaluation both use it."""
    best = proba.argmax(axis=1)
    confidence = proba[np.arange(len(best)), best]
    top = [labels[i] for i in best]
    oos = np.array([t == intents.OUT_OF_SCOPE for t in top], dtype=bool) | (confidence < threshold)
    return [intents.OUT_OF_SCOPE if o else t for t, o in zip(top, oos, strict=True)], confidence, oos


CALIBRATION_ROWS, CALIBRATION_SEED = 660, 9090
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(0, 19))


def calibrate(model: tc.TextClassifier) -> tuple[float, float]:
    """Temperature and out-of-scope threshold, both fitted on queries built from frames
    (in-scope and out-of-scope) that training never saw, so that confidence means the
    same on phrasing the model has not memorised: the temperature minimising log loss
    there, then the threshold with the best accuracy, the lowest of equals (fewer
    refusals of real questions)."""
    held = intents.generate(CALIBRATION_ROWS, seed=CALIBRATION_SEED, unseen=True)
    truth = held[LABEL].to_numpy()
    logits = model.logits(held[TEXT].tolist())
    temperature = tc.fit_temperature(logits, np.array([model.labels.index(t) for t in truth]))
    proba = tc.softmax(logits, temperature)
    scores = [float(np.mean(np.array(decide(model.labels, proba, t)[0]) == truth)) for t in THRESHOLDS]
    return temperature, THRESHOLDS[int(np.argmax(scores))]


def ours(labels: Iterable[str]) -> bool:
    """Whether these are the project's intents (generated data, hand-written gate), not a user's."""
    return set(labels) == set(intents.INTENTS)


def handwritten_metrics(model: tc.TextClassifier) -> tuple[dict[str, float], dict[str, object]]:
    """Accuracy on the hand-written queries (nivesh/data/text/intent_handwritten.tsv), as served,
    with the out-of-scope rule, and on generated queries from frames kept out of training;
    beside the metrics, each intent's recall there and the confusions, most frequent first."""
    rows = handwritten.intent_queries()
    truth = np.array([intent for _, intent in rows])
    predicted, _, _ = decide(model.labels, model.predict_proba([t for t, _ in rows]), model.oos_threshold)
    answered = np.array(predicted)
    details: dict[str, object] = {
        "handwritten_per_intent_recall": {
            intent: round(float(np.mean(answered[truth == intent] == intent)), 4) for intent in sorted(set(truth))
        },
        "handwritten_confusions": [
            f"{t} -> {p}: {n}" for (t, p), n in Counter(zip(truth, predicted, strict=True)).most_common() if t != p
        ],
    }
    out = {"handwritten_accuracy": float(np.mean(np.array(predicted) == truth)), "handwritten_n": float(len(rows))}
    out["handwritten_macro_f1"] = float(f1_score(truth, predicted, average="macro", zero_division=0))
    oos = truth == intents.OUT_OF_SCOPE
    out["handwritten_out_of_scope_recall"] = float(np.mean(np.array(predicted)[oos] == intents.OUT_OF_SCOPE))
    held = intents.generate(CALIBRATION_ROWS, seed=CALIBRATION_SEED + 1, unseen=True)
    unseen, _, _ = decide(model.labels, model.predict_proba(held[TEXT].tolist()), model.oos_threshold)
    out["unseen_frames_accuracy"] = float(np.mean(np.array(unseen) == held[LABEL].to_numpy()))
    return out, details


class IntentTrainer:
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        if data is None:
            return intents.generate(int(options.get("rows", DEFAULT_ROWS))), LABEL
        raw = read_table(data)
        text_col = options.get("text_column") or TEXT
        label_col = options.get("label_column") or LABEL
        for col, flag in ((text_col, "--text-column"), (label_col, "--label-column")):
            if col not in raw.columns:
                raise SchemaError(
                    col, f"not a column of {data.name} (columns: {', '.join(map(str, raw.columns))}); pass {flag}"
                )
        frame = pd.DataFrame({TEXT: raw[text_col].astype("string"), LABEL: raw[label_col].astype("string")})
        frame = frame.dropna()
        frame = frame[frame[TEXT].str.strip() != ""]
        return frame.astype(str).reset_index(drop=True), LABEL

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        counts = frame[label].value_counts()
        stratify = frame[label] if counts.min() >= 2 else None
        train, test = train_test_split(frame, test_size=test_fraction, stratify=stratify, random_state=42)
        return train.reset_index(drop=True), test.reset_index(drop=True)

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        params = dict(params)
        if "head" not in params and ours(train[label]):
            # the project's generated queries: a frozen encoder + n-grams generalises to people's text,
            # fine-tuning learns the generator (benchmarks/RESULTS.md); a user's real data fine-tunes
            params["head"] = "linear"
        config = tc.TrainConfig.from_params(params)
        trained = tc.train(train[TEXT].tolist(), train[label].tolist(), config, progress=log.info)
        extra = tc.save_files(trained, out)
        model = tc.TextClassifier(out, extra, threads=2)
        if ours(model.labels):  # calibrate on phrasings kept out of training
            model.temperature, model.oos_threshold = calibrate(model)
            extra |= {"temperature": model.temperature, "oos_threshold": model.oos_threshold}
            extra["calibration"] = f"{CALIBRATION_ROWS} queries from frames kept out of training"
        sample = train.sample(min(SPEC.reference_rows, len(train)), random_state=0)
        predicted, _, _ = decide(model.labels, model.predict_proba(sample[TEXT].tolist()), model.oos_threshold)
        extra |= text_reference(out, sample[TEXT].tolist(), TEXT, {PREDICTED: predicted})
        write_trained(out, SPEC, SIGNATURE, train, extra)

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        extra = load_manifest(artifact).extra
        texts, truth = test[TEXT].tolist(), test[label].astype(str).to_numpy()
        metrics: dict[str, float] = {"n": float(len(test))}
        served: tuple[np.ndarray, np.ndarray] | None = None
        served_model: tc.TextClassifier | None = None
        for runtime in ("torch-fp32", "onnx-int8"):
            model = tc.TextClassifier(artifact, extra, runtime, threads=2)
            proba = model.predict_proba(texts)
            decided, _, oos = decide(model.labels, proba, model.oos_threshold)
            predicted = np.array(model.labels)[proba.argmax(axis=1)]
            if intents.OUT_OF_SCOPE in model.labels:  # what the server answers: unsure -> out of scope
                predicted = np.array(decided)
            suffix = "fp32" if runtime == "torch-fp32" else "int8"
            metrics[f"accuracy_{suffix}"] = float(np.mean(predicted == truth))
            metrics[f"macro_f1_{suffix}"] = float(f1_score(truth, predicted, average="macro", zero_division=0))
            if runtime == "onnx-int8":
                served, served_model = (proba, predicted), model
                idx = np.array([model.labels.index(t) if t in model.labels else -1 for t in truth])
                known = idx >= 0
                metrics["ece"] = tc.expected_calibration_error(proba[known], idx[known])
                metrics["out_of_scope_rate"] = float(np.mean(oos))
        assert served is not None and served_model is not None
        metrics["accuracy"] = metrics["accuracy_int8"]  # what is served
        details: dict[str, object] = {}
        if ours(served_model.labels):
            written, details = handwritten_metrics(served_model)
            metrics |= written
            metrics["gate_accuracy"] = metrics["handwritten_accuracy"]
            gate_note = f"gate: {int(metrics['handwritten_n'])} hand-written queries (English, Hinglish), as served"
        else:
            metrics["gate_accuracy"] = metrics["accuracy"]
            gate_note = "gate: the held-out split (the model's intents differ from the hand-written set's)"
        metrics["macro_f1"] = metrics["macro_f1_int8"]
        metrics["int8_accuracy_cost_points"] = 100 * (metrics["accuracy_fp32"] - metrics["accuracy_int8"])
        labels = list(extra["labels"])
        cm = confusion_matrix(truth, served[1], labels=labels).tolist()
        notes = [
            f"served runtime: ONNX Runtime dynamic int8; accuracy cost vs fp32 PyTorch: "
            f"{metrics['int8_accuracy_cost_points']:.2f} points",
            f"temperature {extra['temperature']:.3f}; out of scope below confidence {extra['oos_threshold']}",
            f"base model {extra['base_model']}, trained in {extra['train_seconds']} s",
            gate_note,
        ]
        return Evaluation(metrics, None, cm, labels, notes=notes, extras=details)


TRAINER = IntentTrainer()
