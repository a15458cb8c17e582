"""financial-ner trainer: generated annotated queries and narrations (or a user's JSONL of
`text` + `entities` [[start, end, label], ...]) -> spaCy NER + Indian-format rules."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split

from nivesh.catalog import FINANCIAL_NER as SPEC
from nivesh.data import ner as ner_data
from nivesh.data import text as handwritten
from nivesh.errors import NiveshError, SchemaError
from nivesh.evaluation import Evaluation
from nivesh.families import ner, ner_eval
from nivesh.monitoring.text import text_reference
from nivesh.settings import Workspace
from nivesh.training.trainer import write_trained

log = logging.getLogger(__name__)
TEXT, ENTITIES = "text", "entities"
PIPELINE_DIR = "spacy"
HANDWRITTEN_REPEAT = 3  # each hand-written training example counts as three generated ones
DEFAULT_ROWS = 3000  # generated texts; the gate's figures in benchmarks/RESULTS.md were measured at this size
PREDICTED = SPEC.monitored_output  # per text, the sorted distinct labels found: the monitor's prediction drift
SIGNATURE = {"inputs": [{"name": TEXT, "datatype": "BYTES", "shape": [-1]}], "outputs": SPEC.output_signature}


def read_jsonl(path: Path) -> pd.DataFrame:
    """One JSON object per line with `text` and `entities` as [start, end, label]; errors name the line."""
    if not path.is_file():
        raise NiveshError(f"{path}: no such file (pass --data with a JSONL file)")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"line {n}", f"not JSON ({exc.msg})") from None
        text, spans = obj.get(TEXT), obj.get(ENTITIES)
        if not isinstance(text, str) or not isinstance(spans, list):
            raise SchemaError(f"line {n}", 'needs "text" (string) and "entities" (list of [start, end, label])')
        clean = []
        for span in spans:
            if not (isinstance(span, list | tuple) and len(span) == 3):
                raise SchemaError(f"line {n}", f"entity {span!r} is not [start, end, label]")
            s, e, label = int(span[0]), int(span[1]), str(span[2])
            if not 0 <= s < e <= len(text):
                raise SchemaError(f"line {n}", f"entity {span!r} is outside the text ({len(text)} characters)")
            clean.append([s, e, label])
        rows.append({TEXT: text, ENTITIES: json.dumps(clean)})
    if not rows:
        raise NiveshError(f"{path}: no annotated lines")
    return pd.DataFrame(rows)


def spans_of(frame: pd.DataFrame) -> list[list[ner.Span]]:
    return [[(int(s), int(e), str(label)) for s, e, label in json.loads(v)] for v in frame[ENTITIES]]


def entity_labels(spans: list[ner.Span]) -> str:
    return ",".join(sorted({s[2] for s in spans})) or "none"


class NerTrainer:
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        if data is None:
            rows = ner_data.generate(int(options.get("rows", DEFAULT_ROWS)))
            written = [(r.text, r.spans) for r in handwritten.ner_training_texts()] * HANDWRITTEN_REPEAT
            rows += written
            return pd.DataFrame({TEXT: [t for t, _ in rows], ENTITIES: [json.dumps(s) for _, s in rows]}), ENTITIES
        return read_jsonl(data), ENTITIES

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        train, test = train_test_split(frame, test_size=test_fraction, random_state=42)
        return train.reset_index(drop=True), test.reset_index(drop=True)

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        known = set(ner.NerConfig.__dataclass_fields__)
        if set(params) - known:
            raise NiveshError(f"unknown training parameters {sorted(set(params) - known)}; known: {sorted(known)}")
        data = list(zip(train[TEXT].tolist(), spans_of(train), strict=True))
        nlp, seconds = ner.train(data, ner.NerConfig(**params), progress=log.info)
        out.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(out / PIPELINE_DIR)
        sample = train.sample(min(SPEC.reference_rows, len(train)), random_state=0)
        predicted = [entity_labels(s) for s in ner.predict_spans(nlp, sample[TEXT].tolist())]
        extra: dict[str, Any] = {
            "pipeline_dir": PIPELINE_DIR,
            "labels": list(nlp.get_pipe("ner").labels),
            "pipe_names": nlp.pipe_names,
            "train_seconds": round(seconds, 1),
        }
        extra |= text_reference(out, sample[TEXT].tolist(), TEXT, {PREDICTED: predicted})
        write_trained(out, SPEC, SIGNATURE, train, extra)

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        from nivesh.artifact import load_manifest

        manifest = load_manifest(artifact)
        nlp = ner.load(artifact / manifest.extra["pipeline_dir"])
        gold = spans_of(test)
        scores = ner.span_scores(gold, ner.predict_spans(nlp, test[TEXT].tolist()))
        overall = scores.pop("ALL", {"precision": 0.0, "recall": 0.0, "f1": 0.0})
        metrics = {"f1": overall["f1"], "precision": overall["precision"], "recall": overall["recall"]}
        metrics |= {f"f1_{k}": v["f1"] for k, v in sorted(scores.items())}
        metrics["n"] = float(len(test))
        per_label = {k: round(v["f1"], 4) for k, v in sorted(scores.items())}
        notes = [f"pipeline {' -> '.join(manifest.extra['pipe_names'])}; exact-span entity matching"]
        extras: dict[str, object] = {"per_label": per_label}
        if set(ner_data.LABELS) <= set(manifest.extra["labels"]):  # the model speaks the hand-written set's labels
            written = ner_eval.handwritten_report(nlp)
            unseen = ner_eval.unseen_report(nlp)
            metrics |= {f"handwritten_f1_{k}": v for k, v in written["f1"].items() if k != "ALL"}
            metrics |= {f"handwritten_f1_{k}": v for k, v in written["f1_by_kind"].items()}
            metrics |= {f"handwritten_value_accuracy_{k}": v for k, v in written["value_accuracy"].items()}
            metrics["handwritten_f1"] = written["f1"]["ALL"]
            metrics["unseen_f1"] = unseen["ALL"]
            metrics["unseen_f1_MERCHANT"] = unseen.get("MERCHANT", 0.0)
            metrics["gate_f1"] = metrics["handwritten_f1"]
            extras |= {"handwritten": written, "unseen": unseen}
            notes.append(
                f"gate: hand-written set ({written['n']} texts: chat, Hinglish, SMS, narrations) "
                f"F1 {written['f1']['ALL']:.3f}; merchants and frames kept out of training: F1 {unseen['ALL']:.3f}"
            )
        else:
            metrics["gate_f1"] = metrics["f1"]
            notes.append("gate: the held-out split (the model's labels differ from the hand-written set's)")
        return Evaluation(metrics, notes=notes, extras=extras)


TRAINER = NerTrainer()
