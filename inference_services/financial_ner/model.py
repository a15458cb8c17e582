"""financial-ner predictor: entities with labels, character offsets and normalized values (v2).

Each row's `entities` output is a JSON list of {label, start, end, text, value?, kind?}
(and `entity_labels` the distinct labels found, which the drift monitor follows):
amounts in rupees, dates as ISO dates or {start, end} periods, ACCOUNT kinds (upi_id,
masked_account, ifsc).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import kserve
from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import load_manifest
from nivesh.families import ner
from nivesh.serving import v2
from nivesh.serving.logged import LoggedModel
from nivesh.settings import ServingSettings
from nivesh.training.financial_ner import PREDICTED, SIGNATURE, TEXT, entity_labels


class NerPredictor(LoggedModel, kserve.Model):
    component = "predictor"

    def __init__(self, name: str, model_dir: Path, settings: ServingSettings, prediction_logger: Any = None) -> None:
        super().__init__(name)
        self.model_dir = model_dir
        self.settings = settings
        self.prediction_logger = prediction_logger
        self.nlp: Any = None
        self.inputs = [v2.TensorSpec(TEXT, "BYTES")]

    def load(self) -> bool:
        manifest = load_manifest(self.model_dir, self.name)  # verifies every file's sha256 and the name
        self.nlp = ner.load(self.model_dir / manifest.extra["pipeline_dir"])
        self.nlp("warm up Rs 500 last month")
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
        return await asyncio.to_thread(self._extract, request, texts)

    def _extract(self, request: InferRequest, texts: list[str]) -> InferResponse:
        found = [ner.entities(doc) for doc in self.nlp.pipe(texts)]
        rows = [json.dumps(ents, ensure_ascii=False) for ents in found]
        labels = [entity_labels([(e["start"], e["end"], e["label"]) for e in ents]) for ents in found]
        return InferResponse(
            response_id=request.id or str(uuid.uuid4()),
            model_name=self.name,
            model_version=self.served_version,
            infer_outputs=[v2.tensor("entities", rows, "BYTES"), v2.tensor(PREDICTED, labels, "BYTES")],
            parameters={"model_version": self.served_version},
        )
