"""spending-predictor on a real household's transactions, through the CLI's (= the pipeline's) path.

    .venv/bin/python benchmarks/spending_quality.py [--data PATH] [--horizons 6 12]

Expense rows only (`Income/Expense` == Expense), monthly totals and per category;
each series' last `horizon` months are held out; MAPE of the per-series choice
(Prophet / LSTM / blend / trailing median / seasonal naive, by rolling-origin
backtest) against seasonal naive's. Writes benchmarks/out/spending_quality.json.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import common
import pandas as pd

from nivesh.catalog import SPENDING_PREDICTOR
from nivesh.settings import Workspace
from nivesh.training import steps

DEFAULT = common.SHARED_DATA / "spending" / "daily_household_transactions.csv"


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    parser.add_argument("--horizons", type=int, nargs="+", default=[6, 12])
    args = parser.parse_args()
    common.require(args.data, "pass --data PATH")
    horizons = [6] if args.smoke else args.horizons
    name = SPENDING_PREDICTOR.name
    results: dict[str, object] = {"data": str(args.data)}
    with tempfile.TemporaryDirectory() as tmp:
        expenses = Path(tmp) / "expenses.csv"
        raw = pd.read_csv(args.data)
        spent = raw[raw["Income/Expense"] == "Expense"]
        if args.smoke:  # the three biggest categories: the whole path, a fraction of the series
            spent = spent[spent["Category"].isin(spent["Category"].value_counts().index[:3])]
        spent.to_csv(expenses, index=False)
        for horizon in horizons:
            options = {
                "date_column": "Date",
                "amount_column": "Amount",
                "group_column": "Category",
                "horizon": str(horizon),
            }
            prepared = steps.prepare(name, Workspace(), expenses, options)
            art = steps.fit(name, prepared.train, prepared.label, Path(tmp) / f"m{horizon}")
            ev = steps.assess(name, art, prepared.test, prepared.label).evaluation
            results[f"horizon_{horizon}"] = {"metrics": ev.metrics, "per_series": ev.extras["per_series"]}
    common.write(args, "spending_quality", results)


if __name__ == "__main__":
    main()
