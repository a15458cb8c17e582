"""anomaly-detector predictor: combined Isolation Forest + autoencoder score, the decision at
the calibrated threshold, and the features that drove it (v2)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import kserve
import numpy as np
import pandas as pd
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import load_manifest
from nivesh.data.transactions import TRANSACTION_SCHEMA
from nivesh.families import anomaly
from nivesh.serving import v2
from nivesh.serving.logged import LoggedModel

INLINE_ROWS = 16


class AnomalyPredictor(LoggedModel, kserve.Model):
    component = "predictor"

    def __init__(self, name: str, model_dir: Path, prediction_logger: Any = None) -> None:
        super().__init__(name)
        self.model_dir = model_dir
        self.prediction_logger = prediction_logger
        self.detector: anomaly.Detector | None = None
        self.inputs: list[v2.TensorSpec] = []
        self.outputs: list[dict[str, Any]] = []

    def load(self) -> bool:
        manifest = load_manifest(self.model_dir, self.name)  # verifies every file's sha256 and the name
        self.detector = anomaly.load(self.model_dir)
        self.served_version = manifest.version
        numeric = set(self.detector.numeric)
        self.inputs = [
            v2.TensorSpec(i["name"], i["datatype"], nullable=i["name"] in numeric) for i in manifest.signature["inputs"]
        ]
        self.outputs = list(manifest.signature["outputs"])
        self.detector.score(pd.DataFrame({s.name: [0.0 if s.datatype != "BYTES" else ""] for s in self.inputs}))
        self.ready = True
        return self.ready

    def get_input_types(self) -> list[dict[str, Any]]:
        return [s.metadata() for s in self.inputs]

    def get_output_types(self) -> list[dict[str, Any]]:
        return self.outputs

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> InferResponse:
        request = v2.require_v2(payload)
        cols = v2.columns(request, self.inputs)
        v2.check_bounds(cols, TRANSACTION_SCHEMA)
        top_k = v2.int_parameter(request, "drivers", 3, 0, len(self.inputs))
        if len(next(iter(cols.values()))) > INLINE_ROWS:
            return await asyncio.to_thread(self._score, request, cols, top_k)
        return self._score(request, cols, top_k)

    def _score(self, request: InferRequest, cols: dict[str, list[Any]], top_k: int) -> InferResponse:
        assert self.detector is not None
        frame = pd.DataFrame(cols)
        for s in self.inputs:
            if s.datatype != "BYTES":
                frame[s.name] = pd.to_numeric(frame[s.name], errors="coerce")
        score, errors = self.detector.score(frame)
        flagged = score >= self.detector.threshold
        drivers = self.detector.drivers(errors, frame, top_k) if top_k else [[] for _ in score]
        return InferResponse(
            response_id=request.id or str(uuid.uuid4()),
            model_name=self.name,
            model_version=self.served_version,
            infer_outputs=[
                v2.tensor("score", score.astype(np.float32), "FP32"),
                v2.tensor("anomaly", flagged, "BOOL"),
                v2.tensor("drivers", [json.dumps(d, separators=(",", ":")) for d in drivers], "BYTES"),
            ],
            parameters={"threshold": self.detector.threshold, "model_version": self.served_version},
        )
