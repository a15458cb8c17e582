"""The financial NER's checks beyond its own held-out split: the hand-written gate set
(per label, per kind of text, normalized values) and generated text built only from
merchants and frames kept out of training (generalisation, not memory)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nivesh.data import ner as ner_data
from nivesh.data import text as handwritten
from nivesh.families import ner
from nivesh.families import ner_lexicon as lexicon

UNSEEN_ROWS = 400
UNSEEN_SEED = 4242


def _f1(gold: Sequence[Sequence[ner.Span]], predicted: Sequence[Sequence[ner.Span]]) -> dict[str, float]:
    return {label: round(s["f1"], 4) for label, s in ner.span_scores(gold, predicted).items()}


def handwritten_report(nlp: Any) -> dict[str, Any]:
    """F1 per label and per kind of text on the hand-written set, and how many annotated
    values (rupees, ISO dates) the model reproduces exactly."""
    rows, today = handwritten.ner_texts()
    docs = list(nlp.pipe([r.text for r in rows], batch_size=64))
    predicted = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]
    gold = [r.spans for r in rows]
    report: dict[str, Any] = {"n": len(rows), "f1": _f1(gold, predicted)}
    report["f1_by_kind"] = {
        kind: _f1([gold[i] for i in idx], [predicted[i] for i in idx])["ALL"]
        for kind in handwritten.NER_KINDS
        if (idx := [i for i, r in enumerate(rows) if r.kind == kind])
    }
    values: dict[str, list[int]] = {"MONEY": [0, 0], "DATE": [0, 0]}
    for row, doc in zip(rows, docs, strict=True):
        found = {(e.start_char, e.end_char): e for e in doc.ents}
        for (s, e), expected in row.values.items():
            label = next(lab for a, b, lab in row.spans if (a, b) == (s, e))
            values[label][1] += 1
            ent = found.get((s, e))
            if (
                ent is not None
                and ent.label_ == label
                and _same(label, ner.normalize(label, ent.text, today), expected)
            ):
                values[label][0] += 1
    report["value_accuracy"] = {k: round(ok / n, 4) if n else 0.0 for k, (ok, n) in values.items()}
    report["value_support"] = {k: n for k, (_, n) in values.items()}
    return report


def _same(label: str, value: Any, expected: str) -> bool:
    if value is None:
        return False
    if label == "MONEY":
        return abs(float(value) - float(expected)) < 0.005
    if ".." in expected:
        start, end = expected.split("..")
        return value == {"start": start, "end": end}
    return value == {"date": expected}


def unseen_report(nlp: Any) -> dict[str, float]:
    """F1 on generated text whose merchants and frames were all kept out of training, with
    the rule stage's gazetteer cut to the training slice for the measurement, so that a
    merchant found here was found from context."""
    rows = ner_data.generate(UNSEEN_ROWS, seed=UNSEEN_SEED, unseen=True)
    stage = nlp.get_pipe(ner.RULES_PIPE)
    shipped = list(stage.merchants)
    stage.set_merchants(lexicon.rule_gazetteer(lexicon.training_merchants()))
    try:
        predicted = ner.predict_spans(nlp, [t for t, _ in rows])
    finally:
        stage.set_merchants(shipped)
    return _f1([s for _, s in rows], predicted)
