"""credit-risk quality on real data through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/credit_risk_quality.py [--data PATH] [--label COLUMN] [--seeds 3]

Trains on a stratified 80 % split and reports held-out AUC, KS, precision and recall
at the chosen threshold, for several split seeds (mean and spread), into
benchmarks/out/credit_risk_quality.json.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

import common

from nivesh.catalog import CREDIT_RISK
from nivesh.families import xgb_classifier as xc
from nivesh.settings import Workspace
from nivesh.training import steps
from nivesh.training.trainer import trainer

DEFAULT = common.SHARED_DATA / "credit_risk" / "credit_risk_dataset.csv"


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--label", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    common.require(args.data, "pass --data PATH (the real credit-risk CSV)")
    options = {"label_column": args.label} if args.label else {}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        data = common.sample_csv(args.data, 600, Path(tmp), stratify="loan_status") if args.smoke else args.data
        frame, label = trainer(CREDIT_RISK.name).frame(Workspace(), data, options)
        for seed in range(1 if args.smoke else args.seeds):
            train, test = xc.split(frame, label, 0.2, seed=seed)
            art = steps.fit(CREDIT_RISK.name, train, label, Path(tmp) / f"m{seed}")
            runs.append(steps.assess(CREDIT_RISK.name, art, test, label).evaluation.metrics)
    keys = ("auc", "ks", "precision", "recall", "f1")
    summary = {
        "data": str(args.data),
        "rows": len(frame),
        "seeds": len(runs),
        "mean": {k: statistics.mean(r[k] for r in runs) for k in keys},
        "min": {k: min(r[k] for r in runs) for k in keys},
        "max": {k: max(r[k] for r in runs) for k in keys},
        "gate": f"{CREDIT_RISK.gate.metric} > {CREDIT_RISK.gate.minimum}",
    }
    common.write(args, "credit_risk_quality", summary)


if __name__ == "__main__":
    main()
