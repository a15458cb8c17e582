"""financial-ner predictor: entities with labels, character offsets and normalized values (v2).

Each row's `entities` output is a JSON list of {label, start, end, text, value?, kind?}
(and `entity_labels` the distinct labels found, which the drift monitor follows):
amounts in rupees, dates as ISO dates or {start, end} periods, ACCOUNT kinds (upi_id,
masked_account, ifsc).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from kserve.protocol.infer_type import InferRequest, InferResponse

from nivesh.artifact import Manifest
from nivesh.catalog import FINANCIAL_NER
from nivesh.families import ner
from nivesh.serving import v2
from nivesh.serving.predictor import ArtifactPredictor
from nivesh.training.financial_ner import PREDICTED, TEXT, entity_labels


class NerPredictor(ArtifactPredictor):
    spec = FINANCIAL_NER
    nlp: Any

    def setup(self, manifest: Manifest) -> None:
        self.nlp = ner.load(self.model_dir / manifest.extra["pipeline_dir"])
        self.nlp("warm up Rs 500 last month")
        self.inputs = [v2.TensorSpec(TEXT, "BYTES")]

    async def answer(self, request: InferRequest) -> InferResponse:
        cols = v2.columns(request, self.inputs, self.spec.limits)
        texts = v2.texts(cols[TEXT], TEXT)
        return await asyncio.to_thread(self._extract, request, texts)

    def _extract(self, request: InferRequest, texts: list[str]) -> InferResponse:
        found = [ner.entities(doc) for doc in self.nlp.pipe(texts)]
        rows = [json.dumps(ents, ensure_ascii=False) for ents in found]
        labels = [entity_labels([(e["start"], e["end"], e["label"]) for e in ents]) for ents in found]
        return self.respond(request, [v2.tensor("entities", rows, "BYTES"), v2.tensor(PREDICTED, labels, "BYTES")])
