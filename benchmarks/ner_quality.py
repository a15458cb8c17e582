"""financial-ner quality and speed, through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/ner_quality.py [--fire DIR] [--rows N] [--epochs N]

Trains on generated annotated text, then reports exact-span entity F1 on:
- the hand-written gate set (nivesh/data/text: chat, Hinglish, SMS, narrations),
  per label, per kind of text, and the share of annotated values (rupees, ISO
  dates) reproduced;
- generated text from merchants and frames kept out of training (generalisation);
- a held-out generated set (another seed; the generator's own formats);
- FIRE's test split, MONEY and DATE (its `Money` and `Date` types).
Speed: per-text latency (one `nlp(text)` call, p50 / p95) and words per second
through `nlp.pipe`, for the whole pipeline and for the statistical stage alone.
Writes benchmarks/out/ner_quality.json.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import common
import pandas as pd

from nivesh.catalog import FINANCIAL_NER
from nivesh.data import ner as ner_data
from nivesh.data import text as handwritten
from nivesh.families import ner
from nivesh.settings import Workspace
from nivesh.training import financial_ner, steps
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


def speed(nlp: Any, texts: list[str]) -> dict[str, object]:
    """One text per call (what a request costs) and batched words/s, with and without rules."""
    out: dict[str, object] = {}
    for name, disabled in (("pipeline", []), ("statistical_only", [ner.RULES_PIPE])):
        with nlp.select_pipes(disable=disabled):
            for text in texts[:20]:  # warm up
                nlp(text)
            times = []
            for text in texts:
                started = time.perf_counter()
                nlp(text)
                times.append(1000 * (time.perf_counter() - started))
            started = time.perf_counter()
            list(nlp.pipe(texts * 5, batch_size=64))
            seconds = time.perf_counter() - started
        cuts = statistics.quantiles(times, n=100)
        out[name] = {
            "per_text_ms_p50": round(cuts[49], 2),
            "per_text_ms_p95": round(cuts[94], 2),
            "pipe_words_per_second": round(5 * sum(len(t.split()) for t in texts) / seconds),
        }
    return out


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--fire", type=Path, default=FIRE)
    parser.add_argument("--rows", type=int, default=financial_ner.DEFAULT_ROWS)
    parser.add_argument("--epochs", type=int, default=ner.NerConfig.epochs)
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
        extras = a.evaluation.extras
        summary["handwritten"] = extras["handwritten"]
        summary["unseen_merchants_and_frames"] = extras["unseen"]
        summary["held_out_generated"] = {"f1": a.evaluation.metrics["f1"], "per_label": extras["per_label"]}
        summary["gate"] = {"metric": a.gate, "passed": a.passed}
        nlp = ner.load(folder / "spacy")
        summary["speed"] = speed(nlp, [r.text for r in handwritten.ner_texts()[0]])
        fire_test = args.fire / "fire_test.json"
        if fire_test.is_file():
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
