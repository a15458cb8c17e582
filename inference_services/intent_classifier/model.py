"""intent-classifier predictor: top intents with calibrated probabilities and an
out-of-scope decision, on ONNX Runtime int8 (or fp32 PyTorch as the measured baseline)."""

from __future__ import annotations

import asyncio
import json

import numpy as np
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest
from nivesh.catalog import INTENT_CLASSIFIER
from nivesh.families.text_classifier import TextClassifier
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor
from nivesh.training.intent_classifier import TEXT, decide

MAX_TOP_K = 10


class IntentPredictor(ArtifactPredictor):
    spec = INTENT_CLASSIFIER
    model: TextClassifier

    def setup(self, manifest: Manifest) -> None:
        self.model = TextClassifier(self.model_dir, manifest.extra, self.settings.text_runtime, threads=1)
        self.inputs = [v2.TensorSpec(TEXT, "BYTES")]

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, self.inputs, self.spec.limits)
        texts = v2.texts(cols[TEXT], TEXT)
        top_k = v2.int_parameter(request, "top_k", 3, 1, MAX_TOP_K)
        return await asyncio.to_thread(self._classify, request, texts, top_k)

    def _classify(self, request: InferRequest, texts: list[str], top_k: int) -> InferResponse:
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
        outputs = [
            v2.tensor("intent", intent, "BYTES"),
            v2.tensor("confidence", confidence.astype(np.float32), "FP32"),
            v2.tensor("out_of_scope", oos, "BOOL"),
            v2.tensor("top_intents", top, "BYTES"),
        ]
        return self.respond(
            request, outputs, out_of_scope_threshold=self.model.oos_threshold, runtime=self.model.runtime
        )
