"""credit-risk predictor: default probability, decision and adverse-action reason codes (v2)."""

from __future__ import annotations

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
from nivesh.serving.batching import MicroBatcher
from nivesh.serving.predictor import ArtifactPredictor

# rows per booster call: a batch of many requests' rows (a request over it is one call alone)
BATCH_ROWS = 256
REASON_MODES = ("declined", "all", "none")
Scored = tuple[float, list[dict[str, Any]]]


class CreditRiskPredictor(ArtifactPredictor):
    spec = CREDIT_RISK
    model: ClassifierModel

    def setup(self, manifest: Manifest) -> None:
        self.model = ClassifierModel(self.model_dir, nthread=1, manifest=manifest)  # warms up
        self.inputs = [
            v2.TensorSpec(f.name, f.v2_datatype, nullable=f.kind == "numeric") for f in self.model.encoder.features
        ]
        # concurrent requests' rows share one booster call (nivesh.serving.batching), in a
        # worker thread: XGBoost releases the GIL, so the loop parses the next requests meanwhile
        self.batcher: MicroBatcher[tuple[np.ndarray, str], Scored] = MicroBatcher(self._score, BATCH_ROWS)

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, self.inputs, self.spec.limits)
        v2.check_bounds(cols, CREDIT_RISK_SCHEMA)
        mode = v2.parameter(request, "reason_codes", "declined")
        if mode not in REASON_MODES:
            raise InvalidInput(f"parameters.reason_codes: {str(mode)[:32]!r} is not one of {', '.join(REASON_MODES)}")
        try:
            x = self.model.encoder.encode(cols)
        except SchemaError as exc:
            raise InvalidInput(str(exc)) from exc
        scored = await self.batcher([(row, mode) for row in x])
        proba = np.array([p for p, _ in scored], dtype=np.float32)
        declined = proba >= self.model.threshold
        outputs = [
            v2.tensor(PROBABILITY, proba, "FP32"),
            v2.tensor("decision", np.where(declined, "decline", "approve"), "BYTES"),
            v2.tensor("reason_codes", reason_codes_json([r for _, r in scored]), "BYTES"),
        ]
        return self.respond(request, outputs, threshold=self.model.threshold)

    def _score(self, rows: list[tuple[np.ndarray, str]]) -> list[Scored]:
        """Probabilities of every row, and reason codes where its request's mode asks for them."""
        x = np.stack([row for row, _ in rows])
        proba = self.model.predict_proba(x)
        modes = np.array([mode for _, mode in rows])
        explain = (modes == "all") | ((modes == "declined") & (proba >= self.model.threshold))
        reasons: list[list[dict[str, Any]]] = [[] for _ in rows]
        if explain.any():
            for i, r in zip(np.flatnonzero(explain), self.model.reason_codes(x[explain]), strict=True):
                reasons[i] = r
        return [(float(p), r) for p, r in zip(proba, reasons, strict=True)]
