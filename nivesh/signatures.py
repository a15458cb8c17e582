"""The v2 outputs each model answers with, and the serving defaults behind them.

One home read by the trainers (written into each artifact's signature), the
predictors and the transformers. It is plain data on purpose: a transformer image
imports it without the training packages (scikit-learn, XGBoost, torch, Prophet)."""

from __future__ import annotations

from typing import Any

Output = dict[str, Any]

# credit-risk
PROBABILITY = "probability"
CREDIT_RISK_OUTPUTS: list[Output] = [
    {"name": PROBABILITY, "datatype": "FP32", "shape": [-1]},
    {"name": "decision", "datatype": "BYTES", "shape": [-1]},
    {"name": "reason_codes", "datatype": "BYTES", "shape": [-1]},
]

# anomaly-detector
ANOMALY_SCORE = "score"  # the output the monitor follows for prediction drift
ANOMALY_OUTPUTS: list[Output] = [
    {"name": ANOMALY_SCORE, "datatype": "FP32", "shape": [-1]},
    {"name": "anomaly", "datatype": "BOOL", "shape": [-1]},
    {"name": "drivers", "datatype": "BYTES", "shape": [-1]},
]

# spending-predictor
DEFAULT_HORIZON = 6  # months forecast when a request does not say
SPENDING_OUTPUTS: list[Output] = [
    {"name": "forecast", "datatype": "BYTES", "shape": [-1]},
    {"name": "method", "datatype": "BYTES", "shape": [-1]},
    {"name": "forecast_mean", "datatype": "FP64", "shape": [-1]},
    {"name": "backtest_mape", "datatype": "FP64", "shape": [-1]},
]
