"""anomaly-detector predictor: combined Isolation Forest + autoencoder score, the decision at
the calibrated threshold, and the features that drove it (v2)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pandas as pd
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest
from nivesh.catalog import ANOMALY_DETECTOR
from nivesh.data.transactions import TRANSACTION_SCHEMA
from nivesh.families import anomaly
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor

INLINE_ROWS = 16


class AnomalyPredictor(ArtifactPredictor):
    spec = ANOMALY_DETECTOR
    detector: anomaly.Detector

    def setup(self, manifest: Manifest) -> None:
        self.detector = anomaly.load(self.model_dir)
        numeric = set(self.detector.numeric)
        self.inputs = [
            v2.TensorSpec(i["name"], i["datatype"], nullable=i["name"] in numeric) for i in manifest.signature["inputs"]
        ]
        self.detector.score(pd.DataFrame({s.name: [0.0 if s.datatype != "BYTES" else ""] for s in self.inputs}))

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, self.inputs, self.spec.limits)
        v2.check_bounds(cols, TRANSACTION_SCHEMA)
        top_k = v2.int_parameter(request, "drivers", 3, 0, len(self.inputs))
        if len(next(iter(cols.values()))) > INLINE_ROWS:
            return await asyncio.to_thread(self._score, request, cols, top_k)
        return self._score(request, cols, top_k)

    def _score(self, request: InferRequest, cols: dict[str, list[Any]], top_k: int) -> InferResponse:
        frame = pd.DataFrame(cols)
        for s in self.inputs:
            if s.datatype != "BYTES":
                frame[s.name] = pd.to_numeric(frame[s.name], errors="coerce")
        score, errors = self.detector.score(frame)
        flagged = score >= self.detector.threshold
        drivers = self.detector.drivers(errors, frame, top_k) if top_k else [[] for _ in score]
        outputs = [
            v2.tensor(ANOMALY_DETECTOR.monitored_output, score.astype(np.float32), "FP32"),
            v2.tensor("anomaly", flagged, "BOOL"),
            v2.tensor("drivers", [json.dumps(d, separators=(",", ":")) for d in drivers], "BYTES"),
        ]
        return self.respond(request, outputs, threshold=self.detector.threshold)
