"""credit-risk predictor: default probability, decision and adverse-action reason codes (v2)."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest
from nivesh.catalog import CREDIT_RISK
from nivesh.data.credit_risk import CREDIT_RISK_SCHEMA
from nivesh.errors import SchemaError
from nivesh.families.xgb_classifier import PROBABILITY, ClassifierModel, reason_codes_json
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor

INLINE_ROWS = 64  # bigger batches go to a worker thread so the event loop keeps serving
REASON_MODES = ("declined", "all", "none")


class CreditRiskPredictor(ArtifactPredictor):
    spec = CREDIT_RISK
    model: ClassifierModel

    def setup(self, manifest: Manifest) -> None:
        self.model = ClassifierModel(self.model_dir, nthread=1, manifest=manifest)  # warms up
        self.inputs = [
            v2.TensorSpec(f.name, f.v2_datatype, nullable=f.kind == "numeric") for f in self.model.encoder.features
        ]

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, self.inputs, self.spec.limits)
        v2.check_bounds(cols, CREDIT_RISK_SCHEMA)
        mode = v2.parameter(request, "reason_codes", "declined")
        if mode not in REASON_MODES:
            raise InvalidInput(f"parameters.reason_codes: {str(mode)[:32]!r} is not one of {', '.join(REASON_MODES)}")
        n = len(next(iter(cols.values())))
        if n > INLINE_ROWS:
            return await asyncio.to_thread(self._score, request, cols, mode)
        return self._score(request, cols, mode)

    def _score(self, request: InferRequest, cols: dict[str, list[Any]], mode: str) -> InferResponse:
        try:
            x = self.model.encoder.encode(cols)
        except SchemaError as exc:
            raise InvalidInput(str(exc)) from exc
        proba = self.model.predict_proba(x)
        declined = proba >= self.model.threshold
        reasons = [[] for _ in range(len(proba))]  # type: list[list[dict[str, Any]]]
        explain = declined if mode == "declined" else np.full(len(proba), mode == "all")
        if explain.any():
            for i, r in zip(np.flatnonzero(explain), self.model.reason_codes(x[explain]), strict=True):
                reasons[i] = r
        outputs = [
            v2.tensor(PROBABILITY, proba.astype(np.float32), "FP32"),
            v2.tensor("decision", np.where(declined, "decline", "approve"), "BYTES"),
            v2.tensor("reason_codes", reason_codes_json(reasons), "BYTES"),
        ]
        return self.respond(request, outputs, threshold=self.model.threshold)
