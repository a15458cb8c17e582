"""intent-classifier predictor: top intents with calibrated probabilities and an
out-of-scope decision, on ONNX Runtime int8 (or fp32 PyTorch as the measured baseline)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import kserve
import numpy as np
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import load_manifest
from nivesh.families.text_classifier import TextClassifier
from nivesh.serving import v2
from nivesh.serving.logged import LoggedModel
from nivesh.settings import ServingSettings
from nivesh.training.intent_classifier import SIGNATURE, TEXT, decide

MAX_TOP_K = 10


class IntentPredictor(LoggedModel, kserve.Model):
    component = "predictor"

    def __init__(self, name: str, model_dir: Path, settings: ServingSettings, prediction_logger: Any = None) -> None:
        super().__init__(name)
        self.model_dir = model_dir
        self.settings = settings
        self.prediction_logger = prediction_logger
        self.model: TextClassifier | None = None
        self.inputs = [v2.TensorSpec(TEXT, "BYTES")]

    def load(self) -> bool:
        manifest = load_manifest(self.model_dir, self.name)  # verifies every file's sha256 and the name
        self.model = TextClassifier(self.model_dir, manifest.extra, self.settings.text_runtime, threads=1)
        self.served_version = manifest.version
        self.ready = True
        return self.ready

    def get_input_types(self) -> list[dict[str, Any]]:
        return [s.metadata() for s in self.inputs]

    def get_output_types(self) -> list[dict[str, Any]]:
        return list(SIGNATURE["outputs"])

    async def predict(
        self,
        payload: Any,
        headers: dict[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> InferResponse:
        request = v2.require_v2(payload)
        texts = v2.texts(v2.columns(request, self.inputs)[TEXT], TEXT, self.settings.max_text_chars)
        top_k = v2.int_parameter(request, "top_k", 3, 1, MAX_TOP_K)
        return await asyncio.to_thread(self._classify, request, texts, top_k)

    def _classify(self, request: InferRequest, texts: list[str], top_k: int) -> InferResponse:
        assert self.model is not None
        labels = self.model.labels
        proba = self.model.predict_proba(texts)
        intent, confidence, oos = decide(labels, proba, self.model.oos_threshold)
        order = np.argsort(-proba, axis=1)[:, :top_k]
        top = [
            json.dumps(
                [{"intent": labels[j], "probability": round(float(p[j]), 4)} for j in row], separators=(",", ":")
            )
            for p, row in zip(proba, order, strict=True)
        ]
        return InferResponse(
            response_id=request.id or str(uuid.uuid4()),
            model_name=self.name,
            model_version=self.served_version,
            infer_outputs=[
                v2.tensor("intent", intent, "BYTES"),
                v2.tensor("confidence", confidence.astype(np.float32), "FP32"),
                v2.tensor("out_of_scope", oos, "BOOL"),
                v2.tensor("top_intents", top, "BYTES"),
            ],
            parameters={
                "model_version": self.served_version,
                "out_of_scope_threshold": self.model.oos_threshold,
                "runtime": self.model.runtime,
            },
        )
