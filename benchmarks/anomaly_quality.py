"""anomaly-detector on the real card transactions, through the CLI's (= the pipeline's) path.

    .venv/bin/python benchmarks/anomaly_quality.py [--data PATH] [--label Class] [--seeds 5] [--params JSON]
    .venv/bin/python benchmarks/anomaly_quality.py --synthetic [--seeds 3]   # make demo's transactions

--params takes training parameters, e.g. '{"beyond_range": false}' for the detector
without the columns that carry numbers past the training range.

For several split seeds: train on the normal rows of an 80 % split (the label only
removes known frauds from training), calibrate, and report the false-positive rate
on the held-out normal rows and recall / ROC AUC on held-out frauds; then the
pooled recall over all seeds (the file has only 10 frauds). Writes
benchmarks/out/anomaly_quality.json.
"""

from __future__ import annotations

import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import common
import pandas as pd
from sklearn.model_selection import train_test_split

from nivesh.catalog import ANOMALY_DETECTOR
from nivesh.data import transactions as txd
from nivesh.settings import Workspace
from nivesh.training import steps
from nivesh.training.trainer import trainer

DEFAULT = common.SHARED_DATA / "anomaly" / "creditcard_small.csv"


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--label", default="Class")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--params", default="{}", help="training parameters as JSON")
    parser.add_argument("--synthetic", action="store_true", help="the generated transactions (1,000 users)")
    args = parser.parse_args()
    name = ANOMALY_DETECTOR.name
    params = steps.parse_json_object(args.params, "params")
    if args.synthetic:
        frame, label = _synthetic(150 if args.smoke else 1000), "is_fraud"
    else:
        common.require(args.data, "pass --data PATH")
        frame, label = trainer(name).frame(Workspace(), args.data, {"label_column": args.label})
        if args.smoke:  # every fraud, a few hundred genuine transactions
            frame = pd.concat([frame[frame[label] == 1], frame[frame[label] == 0].sample(400, random_state=0)])
    runs, flagged, frauds = [], 0, 0
    for seed in range(1 if args.smoke else args.seeds):
        train, test = train_test_split(frame, test_size=0.3, stratify=frame[label], random_state=seed)
        with tempfile.TemporaryDirectory() as tmp:
            art = steps.fit(name, train, label, Path(tmp) / "m", params)
            m = steps.assess(name, art, test, label).evaluation.metrics
        runs.append(m)
        flagged += round(m["recall"] * m["anomalies"])
        frauds += int(m["anomalies"])
    summary = {
        "data": "synthetic" if args.synthetic else str(args.data),
        "params": params,
        "rows": len(frame),
        "anomalies": int(frame[label].sum()),
        "seeds": len(runs),
        "fpr": {"mean": statistics.mean(r["fpr"] for r in runs), "max": max(r["fpr"] for r in runs)},
        "roc_auc_mean": statistics.mean(r["roc_auc"] for r in runs),
        "recall_pooled": flagged / max(frauds, 1),
        "frauds_held_out_total": frauds,
        "gate": str(ANOMALY_DETECTOR.gate),
        "runs": runs,
    }
    common.write(args, "anomaly_quality", summary)


def _synthetic(users: int) -> pd.DataFrame:
    """Transactions joined to the activity before each one, as the Feast join gives them."""
    return txd.joined_frame(txd.generate(users, seed=7, end=datetime(2026, 11, 1, tzinfo=UTC)))


if __name__ == "__main__":
    main()
