"""spending-predictor predictor: per row a monthly spending history in, a forecast with 80 %
intervals out, by the method the series' own backtest chose (v2).

Prophet is fitted per series on request (about a second each), so rows are forecast in
a worker thread; the batch pipeline is the path for many users.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest
from nivesh.catalog import SPENDING_PREDICTOR
from nivesh.data import spending as sp
from nivesh.errors import SchemaError
from nivesh.families import forecast as fc
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor


class SpendingPredictor(ArtifactPredictor):
    spec = SPENDING_PREDICTOR
    lstm: fc.LstmForecaster

    def setup(self, manifest: Manifest) -> None:
        self.lstm = fc.LstmForecaster.load(self.model_dir)
        self.inputs = [v2.TensorSpec(sp.HISTORY, "BYTES")]

    async def answer(self, request: InferRequest) -> InferResponse:
        rows = v2.columns(request, self.inputs, self.spec.limits)[sp.HISTORY]
        horizon = v2.int_parameter(request, "horizon", fc.DEFAULT_HORIZON, 1, fc.MAX_HORIZON)
        series = []
        for i, text in enumerate(rows):
            try:
                series.append(sp.parse_history(text))
            except SchemaError as exc:
                raise InvalidInput(f"{sp.HISTORY}: row {i}: {exc.problem}") from exc
        return await asyncio.to_thread(self._forecast, request, series, horizon)

    def _forecast(self, request: InferRequest, series: list[Any], horizon: int) -> InferResponse:
        results = [fc.forecast(self.lstm, months, values, horizon) for months, values in series]
        outputs = [
            v2.tensor("forecast", [json.dumps(_points(r)) for r in results], "BYTES"),
            v2.tensor("method", [r.method for r in results], "BYTES"),
            v2.tensor("forecast_mean", [float(np.mean(r.yhat)) for r in results], "FP64"),
            v2.tensor("backtest_mape", [r.backtest_mape.get(r.method, float("nan")) for r in results], "FP64"),
        ]
        return self.respond(request, outputs, horizon=horizon)


def _points(f: fc.Forecast) -> list[dict[str, Any]]:
    return [
        {"month": m, "yhat": y, "lower": lo, "upper": hi}
        for m, y, lo, hi in zip(f.months, f.yhat, f.lower, f.upper, strict=True)
    ]
