"""financial-advisor trainer (the offline half): advice corpus -> retrieval index, the
Vertex tuning dataset, and the monitor's reference; evaluated on held-out questions.

The frame has one row per question: each corpus item's own question (indexed) and its
paraphrases (`also_asked`, held out, never indexed). `--data` files of {question,
answer[, source]} are indexed beside the curated corpus. The artifact is what the
predictor serves offline (the index) and what the tuning pipeline uploads (the
dataset); a Vertex endpoint, when tuned, is recorded in the manifest by that pipeline.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh.advisor import corpus, dataset, engine, guard_model, retrieval, suite
from nivesh.advisor.signature import ANSWER, QUESTION, SIGNATURE
from nivesh.advisor.signature import MODE as PREDICTED
from nivesh.artifact import load_manifest
from nivesh.catalog import FINANCIAL_ADVISOR as SPEC
from nivesh.evaluation import Evaluation
from nivesh.monitoring.text import text_reference
from nivesh.settings import Workspace
from nivesh.training.trainer import write_trained

log = logging.getLogger(__name__)
TARGET, HELD_OUT = "passage_id", "held_out"
INDEX_DIR, TUNING_DIR, GUARD_DIR = "index", "tuning", "guard"


def _rows(items: list[corpus.QA], paraphrases: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    rows = []
    for qa in items:
        base = {TARGET: qa.id, ANSWER: qa.answer, "source": qa.source, "origin": qa.origin, "title": qa.question}
        rows.append({**base, QUESTION: qa.question, HELD_OUT: False})
        rows += [{**base, QUESTION: q, HELD_OUT: True} for q in paraphrases.get(qa.id, [])]
    return rows


class AdvisorTrainer:
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        records = corpus.corpus_records()
        rows = _rows(corpus.corpus(), {r["id"]: list(r.get("also_asked", [])) for r in records})
        if data is not None:
            extra = corpus.read_source(data)
            rows += _rows([replace(q, id=f"{data.stem}:{q.id}") for q in extra], {})
        return pd.DataFrame(rows), TARGET

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Indexed questions train; paraphrases are the held-out queries."""
        return frame[~frame[HELD_OUT]].reset_index(drop=True), frame[frame[HELD_OUT]].reset_index(drop=True)

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        items = [
            corpus.QA(str(r[TARGET]), r["title"], r[ANSWER], r["source"], r["origin"])
            for r in train.drop_duplicates(TARGET).to_dict("records")
        ]
        encoder_name = str(params.get("encoder", "packaged"))
        encoder = retrieval.Encoder(encoder_name)
        index = retrieval.Index.build(items, encoder)
        extra: dict[str, Any] = {"encoder": encoder_name, "index_dir": INDEX_DIR, **index.save(out / INDEX_DIR)}
        built = dataset.build({"corpus": items})
        built.write(out / TUNING_DIR)
        extra |= {"tuning_dir": TUNING_DIR, "dataset_fingerprint": built.report.fingerprint}
        guard = guard_model.GuardModel.train(encoder)
        extra |= {"guard_dir": GUARD_DIR, **guard.save(out / GUARD_DIR)}
        advisor = engine.Advisor(index, guard_model=guard)
        questions = train[QUESTION].tolist()
        modes = [advisor.answer(q).mode for q in questions]
        extra |= text_reference(out, questions, QUESTION, {PREDICTED: modes})
        write_trained(out, SPEC, SIGNATURE, train, extra)

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        extra = load_manifest(artifact).extra
        advisor = engine.load_advisor(artifact, extra)
        index = advisor.index
        ranked = [[h.passage.id for h in index.search(q, 5)] for q in test[QUESTION]]
        truth = test[TARGET].astype(str).tolist()
        answered = [not advisor.answer(q).refused for q in test[QUESTION]]
        rate, failed = suite.pass_rate(suite.load(), advisor.guard)
        benign = suite.load(suite.BENIGN)
        false_refusals = suite.refused(benign, advisor.guard)
        metrics = {
            "n": float(len(test)),
            "recall_at_1": float(np.mean([r[0] == t for r, t in zip(ranked, truth, strict=True)])),
            "recall_at_5": float(np.mean([t in r for r, t in zip(ranked, truth, strict=True)])),
            "answered_rate": float(np.mean(answered)),
            "guardrail_pass_rate": rate,
            "false_refusal_rate": len(false_refusals) / max(len(benign), 1),
        }
        notes = [
            f"{len(index.passages)} passages indexed; {len(test)} held-out paraphrased questions",
            f"guardrail suite: {rate:.0%} passed" + (f"; failed: {json.dumps(sorted(failed))}" if failed else ""),
            f"ordinary questions refused: {len(false_refusals)} of {len(benign)}"
            + (f" ({json.dumps(sorted(false_refusals))})" if false_refusals else ""),
        ]
        return Evaluation(metrics, notes=notes)


TRAINER = AdvisorTrainer()
