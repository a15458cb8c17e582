"""credit-risk quality on real data through the CLI's (= the pipeline's) training path.

    .venv/bin/python benchmarks/credit_risk_quality.py [--data PATH] [--label COLUMN] [--seeds 3]

Trains on a stratified 80 % split and reports held-out AUC, KS, precision and recall
at the chosen threshold, for several split seeds (mean and spread), into
benchmarks/out/credit_risk_quality.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from nivesh.catalog import CREDIT_RISK
from nivesh.families import xgb_classifier as xc
from nivesh.settings import Workspace
from nivesh.training import steps
from nivesh.training.trainer import trainer

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "credit_risk" / "credit_risk_dataset.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--label", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if not args.data.is_file():
        raise SystemExit(f"{args.data} not found; pass --data PATH (the real credit-risk CSV)")
    options = {"label_column": args.label} if args.label else {}
    frame, label = trainer(CREDIT_RISK.name).frame(Workspace(), args.data, options)
    runs = []
    for seed in range(args.seeds):
        train, test = xc.split(frame, label, 0.2, seed=seed)
        with tempfile.TemporaryDirectory() as tmp:
            art = steps.fit(CREDIT_RISK.name, train, label, Path(tmp) / "m")
            runs.append(steps.assess(CREDIT_RISK.name, art, test, label).evaluation.metrics)
    keys = ("auc", "ks", "precision", "recall", "f1")
    summary = {
        "data": str(args.data),
        "rows": len(frame),
        "seeds": args.seeds,
        "mean": {k: statistics.mean(r[k] for r in runs) for k in keys},
        "min": {k: min(r[k] for r in runs) for k in keys},
        "max": {k: max(r[k] for r in runs) for k in keys},
        "gate": f"{CREDIT_RISK.gate.metric} > {CREDIT_RISK.gate.minimum}",
    }
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "credit_risk_quality.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
