"""financial-ner quality and nlp.pipe speed, through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/ner_quality.py [--fire DIR] [--rows N] [--epochs N]

Trains on generated annotated text, then reports entity F1 (exact spans) on a
held-out generated set (another seed) and MONEY / DATE F1 on FIRE's test split
(its `Money` and `Date` types; other FIRE types are not this model's labels), and
words per second through `nlp.pipe` on the FIRE sentences. Writes
benchmarks/out/ner_quality.json.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import common
import pandas as pd

from nivesh.catalog import FINANCIAL_NER
from nivesh.data import ner as ner_data
from nivesh.families import ner
from nivesh.settings import Workspace
from nivesh.training import steps
from nivesh.training.financial_ner import ENTITIES, TEXT

FIRE = common.SHARED_DATA / "ner"
FIRE_TYPES = {"Money": "MONEY", "Date": "DATE"}


def fire_rows(path: Path) -> list[tuple[str, list[ner.Span]]]:
    """FIRE's token lists joined with spaces; token spans become character spans."""
    rows = []
    for sentence in json.loads(path.read_text()):
        tokens, offsets, text = sentence["tokens"], [], ""
        for tok in tokens:
            offsets.append(len(text))
            text += tok + " "
        spans = [
            (offsets[e["start"]], offsets[e["end"] - 1] + len(tokens[e["end"] - 1]), FIRE_TYPES[e["type"]])
            for e in sentence["entities"]
            if e["type"] in FIRE_TYPES
        ]
        rows.append((text.rstrip(), spans))
    return rows


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--fire", type=Path, default=FIRE)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.epochs = 150, 1
    name = FINANCIAL_NER.name
    prepared = steps.prepare(name, Workspace(), None, {"rows": str(args.rows)})
    held_out = ner_data.generate(100 if args.smoke else 1000, seed=977)  # another seed than training's
    test = pd.DataFrame({TEXT: [t for t, _ in held_out], ENTITIES: [json.dumps(s) for _, s in held_out]})
    summary: dict[str, object] = {"train_rows": len(prepared.train), "epochs": args.epochs}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "model"
        started = time.monotonic()
        steps.fit(name, prepared.train, prepared.label, folder, {"epochs": args.epochs})
        summary["train_seconds"] = round(time.monotonic() - started, 1)
        a = steps.assess(name, folder, test, ENTITIES)
        summary["held_out_generated"] = a.evaluation.metrics | {"per_label": a.evaluation.extras["per_label"]}
        fire_test = args.fire / "fire_test.json"
        if fire_test.is_file():
            nlp = ner.load(folder / "spacy")
            rows = fire_rows(fire_test)[: 40 if args.smoke else None]
            texts = [t for t, _ in rows]
            started = time.monotonic()
            predicted = ner.predict_spans(nlp, texts)
            seconds = time.monotonic() - started
            predicted = [[s for s in p if s[2] in FIRE_TYPES.values()] for p in predicted]
            scores = ner.span_scores([g for _, g in rows], predicted)
            summary["fire_test"] = {k: {m: round(v, 4) for m, v in s.items()} for k, s in scores.items()}
            summary["pipe_words_per_second"] = round(sum(len(t.split()) for t in texts) / seconds)
        else:
            summary["fire_test"] = f"{fire_test} not present"
    common.write(args, "ner_quality", summary)


if __name__ == "__main__":
    main()
