"""credit-risk predictor: default probability, decision and adverse-action reason codes (v2)."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import kserve
import numpy as np
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.data.credit_risk import CREDIT_RISK_SCHEMA
from nivesh.errors import ArtifactIntegrityError, SchemaError
from nivesh.families.xgb_classifier import ClassifierModel, reason_codes_json
from nivesh.serving import v2
from nivesh.serving.logged import LoggedModel

INLINE_ROWS = 64  # bigger batches go to a worker thread so the event loop keeps serving
REASON_MODES = ("declined", "all", "none")


class CreditRiskPredictor(LoggedModel, kserve.Model):
    component = "predictor"

    def __init__(self, name: str, model_dir: Path, prediction_logger: Any = None) -> None:
        super().__init__(name)
        self.model_dir = model_dir
        self.prediction_logger = prediction_logger
        self.model: ClassifierModel | None = None
        self.inputs: list[v2.TensorSpec] = []

    def load(self) -> bool:
        model = ClassifierModel(self.model_dir, nthread=1)  # verifies hashes, warms up
        if model.manifest.name != self.name:
            raise ArtifactIntegrityError(f"{self.model_dir} holds {model.manifest.name!r}, not {self.name!r}")
        self.model = model
        self.served_version = model.manifest.version
        self.inputs = [
            v2.TensorSpec(f.name, f.v2_datatype, nullable=f.kind == "numeric") for f in model.encoder.features
        ]
        self.ready = True
        return self.ready

    def get_input_types(self) -> list[dict[str, Any]]:
        return [s.metadata() for s in self.inputs]

    def get_output_types(self) -> list[dict[str, Any]]:
        assert self.model is not None
        return list(self.model.manifest.signature["outputs"])

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> InferResponse:
        request = v2.require_v2(payload)
        cols = v2.columns(request, self.inputs)
        v2.check_bounds(cols, CREDIT_RISK_SCHEMA)
        mode = v2.parameter(request, "reason_codes", "declined")
        if mode not in REASON_MODES:
            raise InvalidInput(f"parameters.reason_codes: {mode!r} is not one of {', '.join(REASON_MODES)}")
        n = len(next(iter(cols.values())))
        if n > INLINE_ROWS:
            return await asyncio.to_thread(self._score, request, cols, mode)
        return self._score(request, cols, mode)

    def _score(self, request: InferRequest, cols: dict[str, list[Any]], mode: str) -> InferResponse:
        assert self.model is not None
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
        return InferResponse(
            response_id=request.id or str(uuid.uuid4()),
            model_name=self.name,
            model_version=self.served_version,
            infer_outputs=[
                v2.tensor("probability", proba.astype(np.float32), "FP32"),
                v2.tensor("decision", np.where(declined, "decline", "approve"), "BYTES"),
                v2.tensor("reason_codes", reason_codes_json(reasons), "BYTES"),
            ],
            # model_version again in parameters: KServe's REST client drops the top-level field.
            parameters={"threshold": self.model.threshold, "model_version": self.served_version},
        )
