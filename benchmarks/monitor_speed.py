"""The drift monitor's cost on a 100k-row window: what sampling buys.

    .venv/bin/python benchmarks/monitor_speed.py [--rows 100000]

Writes 100k logged credit-risk rows (12.5k requests of 8, half of them shifted) into a
SQLite prediction store, then times the job's two halves the way `nivesh monitor`
runs them: reading the window (bounded by max_rows, then sampled) and Evidently's
DataDriftPreset against a 5,000-row reference, beside the baseline of handing
Evidently the whole 100k-row window. Also the text path: descriptors (TextProfile
with embeddings) for the sampled window of a text model. Writes
benchmarks/out/monitor_speed.json.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import common
import numpy as np
import pandas as pd

from nivesh.catalog import CREDIT_RISK
from nivesh.data import credit_risk as cr
from nivesh.data import intents
from nivesh.monitoring import drift
from nivesh.monitoring.text import DESCRIPTORS, TextProfile
from nivesh.settings import MonitorSettings
from nivesh.store import schema as store_schema
from nivesh.store.predictions import PredictionStore, rows_to_frame

BATCH = 8


def _applications(rows: int) -> pd.DataFrame:
    data = cr.generate(min(5000, rows), seed=3)
    latest = data.profiles.sort_values("event_timestamp").drop_duplicates("user_id", keep="last")
    apps = data.applications.merge(latest.drop(columns=["event_timestamp", "created_timestamp"]), on="user_id")
    frame = apps.sample(rows, replace=True, random_state=0).reset_index(drop=True)
    half = frame.index >= rows // 2  # the second half shifted, as the demo's traffic
    frame.loc[half, "loan_amnt"] *= 2.5
    frame.loc[half, "loan_int_rate"] = (frame.loc[half, "loan_int_rate"] + 6).clip(upper=26)
    return frame


def _log(store: PredictionStore, frame: pd.DataFrame, columns: list[str]) -> None:
    now = datetime.now(UTC)
    records = []
    for start in range(0, len(frame), BATCH):
        part = frame.iloc[start : start + BATCH]
        inputs = {c: [None if pd.isna(v) else v for v in part[c].tolist()] for c in columns}
        records.append(
            {
                "request_id": f"bench-{start}",
                "model": "credit-risk",
                "version": "v1.0.0",
                "component": "predictor",
                "ce_type": "org.kubeflow.serving.inference.request",
                "ce_source": "bench",
                "ce_specversion": "1.0",
                "inputs": inputs,
                "outputs": {"probability": np.random.default_rng(start).uniform(0, 1, len(part)).round(4).tolist()},
                "status_code": 200,
                "latency_ms": 5.0,
                "created_at": now - timedelta(seconds=3000 * (1 - start / len(frame))),  # all in the last hour
            }
        )
    for s in range(0, len(records), 2000):
        store.write(records[s : s + 2000])


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    settings = MonitorSettings()
    if args.smoke:  # a window smaller than the sample the job draws
        args.rows, settings.max_rows = 2000, 500
    schema = cr.CREDIT_RISK_SCHEMA
    frame = _applications(args.rows)
    inputs = [c for c in schema.columns if c.name in frame.columns and c.name != schema.label]
    numerical = [c.name for c in inputs if c.v2_datatype == "FP64"]
    categorical = [c.name for c in inputs if c.v2_datatype == "BYTES"]
    view = drift.MonitorView([*numerical, "probability"], categorical)
    reference_rows = 500 if args.smoke else CREDIT_RISK.reference_rows
    reference = frame.iloc[:reference_rows].assign(probability=np.random.default_rng(1).uniform(0, 1, reference_rows))
    results: dict[str, object] = {
        "rows_logged": args.rows,
        "max_rows": settings.max_rows,
        "reference_rows": len(reference),
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = PredictionStore(store_schema.prepare_local(f"sqlite:///{Path(tmp) / 'predictions.db'}"))
        _, seconds = _timed(lambda: _log(store, frame, view.numerical[:-1] + categorical))
        results["write_seconds"] = round(seconds, 1)
        since = datetime.now(UTC) - timedelta(hours=2)
        sampled, read_s = _timed(lambda: drift.current_window(store, "credit-risk", view, 2, settings.max_rows))
        everything, read_all_s = _timed(lambda: rows_to_frame(store.window("credit-risk", since), view.columns))
        _, compute_s = _timed(lambda: drift.compute("credit-risk", "v1", view, reference, sampled, 0.3, None))
        _, compute_all_s = _timed(lambda: drift.compute("credit-risk", "v1", view, reference, everything, 0.3, None))
        results["tabular"] = {
            "sampled (the job)": {"rows": len(sampled), "read_s": round(read_s, 2), "evidently_s": round(compute_s, 2)},
            "whole window (baseline)": {
                "rows": len(everything),
                "read_s": round(read_all_s, 2),
                "evidently_s": round(compute_all_s, 2),
            },
            "speedup_total": round((read_all_s + compute_all_s) / (read_s + compute_s), 1),
        }
    texts = intents.generate(settings.max_rows, seed=5).text.tolist()
    fit_rows = 300 if args.smoke else 2000
    profile, fit_s = _timed(lambda: TextProfile.fit(texts[:fit_rows]))
    described, describe_s = _timed(lambda: profile.describe(texts))
    text_view = drift.MonitorView(list(DESCRIPTORS), [], text_input="text")
    ref = profile.describe(texts[:fit_rows], masked=False)
    _, text_compute_s = _timed(lambda: drift.compute("intent-classifier", "v1", text_view, ref, described, 0.3, None))
    results["text (intent-classifier, sampled window)"] = {
        "rows": len(described),
        f"profile_fit_s (training, {fit_rows} texts)": round(fit_s, 1),
        "descriptors_s": round(describe_s, 1),
        "evidently_s": round(text_compute_s, 2),
    }
    common.write(args, "monitor_speed", results)


if __name__ == "__main__":
    main()
