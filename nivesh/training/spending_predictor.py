"""spending-predictor trainer: monthly series (users' histories from Feast, or a user's
transactions file) -> the global LSTM; evaluated by forecasting each series' last
`horizon` months with the per-series choice and comparing MAPE with seasonal naive."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nivesh import features
from nivesh.artifact import load_manifest, write_reference
from nivesh.catalog import SPENDING_PREDICTOR as SPEC
from nivesh.data import spending as sp
from nivesh.data.loaders import read_table
from nivesh.errors import NiveshError
from nivesh.evaluation import Evaluation
from nivesh.families import forecast as fc
from nivesh.monitoring import series as series_monitor
from nivesh.settings import Workspace
from nivesh.training.trainer import write_trained

HOLDOUT = "holdout"
# input drift: descriptors of the logged spend_history; prediction drift: logged outputs
MONITORED_NUMBERS = [*series_monitor.DESCRIPTORS, "forecast_mean", "backtest_mape"]
MONITORED_CATEGORIES = ["method"]
REFERENCE_FORECASTS = 10  # each fits Prophet five times: outputs for a sample, descriptors for every series


def series_of(frame: pd.DataFrame) -> dict[str, tuple[pd.DatetimeIndex, np.ndarray]]:
    out = {}
    for name, g in frame.sort_values(sp.MONTH).groupby(sp.SERIES):
        out[str(name)] = (pd.DatetimeIndex(g[sp.MONTH]), g[sp.AMOUNT].to_numpy(dtype=float))
    return out


def frame_from_feast(ws: Workspace) -> pd.DataFrame:
    """Every user's `spend_history` as of now, through the FeatureService, as the long frame."""
    users = pd.read_parquet(features.data_dir(ws) / "user_spend_history.parquet", columns=["user_id"])
    entity_df = users.drop_duplicates().assign(event_timestamp=pd.Timestamp.now(tz="UTC"))
    assert SPEC.feature_service is not None
    joined = features.historical(features.open_store(ws), SPEC.feature_service, entity_df)
    parts = []
    for user, history in zip(joined["user_id"], joined[sp.HISTORY], strict=True):
        if isinstance(history, str):
            months, amounts = sp.parse_history(history)
            parts.append(pd.DataFrame({sp.SERIES: user, sp.MONTH: months, sp.AMOUNT: amounts}))
    if not parts:
        raise NiveshError("no spending histories in Feast; run `nivesh generate` and `nivesh features materialize`")
    return pd.concat(parts, ignore_index=True)


def monitor_reference(
    lstm: fc.LstmForecaster, series: Mapping[str, tuple[pd.DatetimeIndex, np.ndarray]]
) -> pd.DataFrame:
    """The drift reference: every training series' descriptors, and what the model says on
    the first REFERENCE_FORECASTS of them (the output columns are empty on the rest)."""
    reference = pd.DataFrame(
        [series_monitor.describe_values(v) for _, v in series.values()], columns=list(series_monitor.DESCRIPTORS)
    )
    outputs = []
    for months, values in list(series.values())[:REFERENCE_FORECASTS]:
        f = fc.forecast(lstm, months, values, fc.DEFAULT_HORIZON)
        outputs.append(
            {
                "forecast_mean": float(np.mean(f.yhat)),
                "backtest_mape": f.backtest_mape.get(f.method, 0.0),
                "method": f.method,
            }
        )
    return reference.join(pd.DataFrame(outputs))


class SpendingTrainer:
    def frame(self, ws: Workspace, data: Path | None, options: Mapping[str, str]) -> tuple[pd.DataFrame, str]:
        horizon = int(options.get("horizon", fc.DEFAULT_HORIZON))
        if not 1 <= horizon <= fc.MAX_HORIZON:
            raise NiveshError(f"--horizon must be 1..{fc.MAX_HORIZON} months, got {horizon}")
        if data is None:
            frame = frame_from_feast(ws)
        else:
            frame = sp.monthly_frame(
                read_table(data),
                options.get("date_column") or "date",
                options.get("amount_column") or "amount",
                options.get("group_column"),
            )
        frame.attrs["horizon"] = horizon
        return frame, sp.AMOUNT

    def split(self, frame: pd.DataFrame, label: str, test_fraction: float) -> tuple[pd.DataFrame, pd.DataFrame]:
        """By time: each series' last `horizon` months are held out. The test frame carries the
        whole series (history + held-out months, flagged), since a forecast needs its history."""
        horizon = int(frame.attrs.get("horizon", fc.DEFAULT_HORIZON))
        rank = frame.sort_values(sp.MONTH).groupby(sp.SERIES).cumcount(ascending=False)
        test = frame.assign(**{HOLDOUT: rank < horizon})  # aligned on the index
        enough = test.groupby(sp.SERIES)[HOLDOUT].transform(lambda h: (~h).sum() >= sp.MIN_MONTHS)
        test = test[enough]
        if test.empty:
            raise NiveshError(f"no series has {sp.MIN_MONTHS} months of history before the last {horizon}")
        return test[~test[HOLDOUT]].drop(columns=[HOLDOUT]).reset_index(drop=True), test.reset_index(drop=True)

    def fit(self, train: pd.DataFrame, label: str, out: Path, params: Mapping[str, Any]) -> None:
        known = set(fc.ForecastConfig.__dataclass_fields__)
        if set(params) - known:
            raise NiveshError(f"unknown training parameters {sorted(set(params) - known)}; known: {sorted(known)}")
        config = fc.ForecastConfig(**params)
        series = series_of(train)
        lstm = fc.LstmForecaster.fit(list(series.values()), config)
        out.mkdir(parents=True, exist_ok=True)
        lstm.save(out)
        extra: dict[str, Any] = {
            "series": len(series),
            "lstm_file": fc.LSTM_FILE,
            "backtest_lstm_file": fc.BACKTEST_LSTM_FILE,
        }
        extra |= write_reference(out, monitor_reference(lstm, series), MONITORED_NUMBERS, MONITORED_CATEGORIES)
        extra["monitor"]["series_input"] = sp.HISTORY
        write_trained(
            out,
            SPEC,
            {"inputs": [{"name": sp.HISTORY, "datatype": "BYTES", "shape": [-1]}], "outputs": SPEC.output_signature},
            train,
            extra,
        )

    def evaluate(self, artifact: Path, test: pd.DataFrame, label: str) -> Evaluation:
        load_manifest(artifact)
        lstm = fc.LstmForecaster.load(artifact)
        rows: list[dict[str, Any]] = []
        for name, g in test.sort_values(sp.MONTH).groupby(sp.SERIES):
            hist, held = g[~g[HOLDOUT]], g[g[HOLDOUT]]
            months, values = pd.DatetimeIndex(hist[sp.MONTH]), hist[sp.AMOUNT].to_numpy(dtype=float)
            actual = held[sp.AMOUNT].to_numpy(dtype=float)
            f = fc.forecast(lstm, months, values, len(actual))
            rows.append(
                {
                    "series": str(name),
                    "method": f.method,
                    "mape": fc.mape(actual, np.asarray(f.yhat)),
                    "baseline_mape": fc.mape(actual, fc.seasonal_naive(values, len(actual))),
                    "coverage": float(np.mean((actual >= f.lower) & (actual <= f.upper))),
                    "seconds": f.seconds,
                }
            )
        per = pd.DataFrame(rows).dropna(subset=["mape", "baseline_mape"])
        metrics = {
            "mape": float(per["mape"].mean()),
            "baseline_mape": float(per["baseline_mape"].mean()),
            "interval_coverage_80": float(per["coverage"].mean()),
            "series": float(len(per)),
            "horizon": float(test[HOLDOUT].sum() / max(test[sp.SERIES].nunique(), 1)),
            "fit_seconds_per_series": float(per["seconds"].mean()),
        }
        metrics["mape_ratio"] = metrics["mape"] / max(metrics["baseline_mape"], 1e-9)
        if (per["series"] == sp.TOTAL).any():
            total = per[per["series"] == sp.TOTAL].iloc[0]
            metrics["mape_total"] = float(total["mape"])
            metrics["baseline_mape_total"] = float(total["baseline_mape"])
        chosen = per["method"].value_counts().to_dict()
        notes = [f"method chosen per series by rolling-origin backtest: {json.dumps(chosen)}"]
        per_series = {
            r["series"]: {
                "mape": round(r["mape"], 4),
                "baseline_mape": round(r["baseline_mape"], 4),
                "method": r["method"],
            }
            for r in rows
        }
        return Evaluation(metrics, notes=notes, extras={"per_series": per_series})


TRAINER = SpendingTrainer()
